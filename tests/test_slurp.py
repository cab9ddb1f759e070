"""Skip-level upgrades (SLURP): --upgrade-from with the previous release
and, for a SLURP release, the SLURP release before it; RPC106 counting a
major as released once a SLURP release speaks it. Fixture trees from
fixtures/slurp over the compute shape, real git repositories where
revisions are named."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import expected_findings, fixture, reported, run_cli, run_flake8
from gitrepo import Repo
from rpc_version_lint import series

SHAPE = fixture("shapes", "compute")
TAGGED = "Drop fleet RPC 5.x\n\nUpgradeImpact: every node must run 6.x."


def release_tree(path, name) -> str:
    shutil.copytree(SHAPE, path, dirs_exist_ok=True)
    shutil.copytree(fixture("slurp", name), path, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("README.md"))
    return str(path)


@pytest.fixture
def trees(tmp_path):
    return {name: release_tree(tmp_path / name, name)
            for name in ("caracal", "dalmatian", "epoxy")}


def rpc4(found) -> set:
    return {f[:3] for f in found if f[2].startswith("RPC4")}


def check(head, value, *extra):
    """RPC4xx of the command line and of flake8 (which must agree)."""
    proc = run_cli("--base", "none", "--upgrade-from", value, *extra, ".",
                   cwd=head)
    assert proc.returncode in (0, 1), proc.stderr
    flake = run_flake8("--select", "RPC", "--rpc-base", "none",
                       "--rpc-upgrade-from", value, ".", cwd=head)
    assert rpc4(reported(flake.stdout)) == rpc4(reported(proc.stdout))
    return reported(proc.stdout)


def test_series_names_numbers_and_slurp():
    epoxy = series.parse("epoxy")
    assert epoxy == series.parse("2025.1") == series.parse(" Epoxy ")
    assert str(epoxy) == "2025.1 (epoxy)" and epoxy.slurp
    assert epoxy.previous_slurp == series.parse("caracal")
    assert series.parse("dalmatian").previous_slurp is None
    assert series.parse("antelope").previous_slurp is None  # the first
    assert series.parse("2027.1").previous_slurp == series.parse("gazpacho")
    assert series.parse("zed") < series.parse("antelope")
    assert not series.parse("zed").slurp and series.parse("zed").number \
        is None
    assert series.parse("master") is None
    assert series.of_revision("origin/stable/2024.1") == \
        series.of_revision("caracal-eol") == series.parse("caracal")
    assert series.of_revision("feature/caracal") is None
    assert series.counts_as_released("caracal")
    assert not series.counts_as_released("dalmatian")
    assert series.counts_as_released("zed")       # before SLURP
    assert series.counts_as_released("cedar")     # not known: no guess


def test_upgrading_from_the_previous_release_only(trees):
    assert rpc4(check(trees["epoxy"], "2024.2=" + trees["dalmatian"])) == \
        set()
    # one tree needs no name (what --upgrade-from always took)
    assert rpc4(check(trees["epoxy"], trees["dalmatian"])) == set()


def test_a_slurp_release_is_checked_against_the_slurp_release_before(
        trees):
    head = trees["epoxy"]
    value = f"2024.2={trees['dalmatian']},caracal={trees['caracal']}"
    found = check(head, value)
    want = {e for e in expected_findings(head) if e[2] == "RPC401"}
    assert rpc4(found) == want
    [rpc401] = [f for f in found if f[2] == "RPC401"]
    assert f"the previous SLURP release ({trees['caracal']})" in rpc401[3]
    # the order given does not matter
    reverse = f"caracal={trees['caracal']},2024.2={trees['dalmatian']}"
    assert rpc4(check(head, reverse)) == want


def test_pinned_to_the_alias_of_the_release_upgraded_from(trees):
    value = f"2024.2={trees['dalmatian']},2024.1={trees['caracal']}"
    proc = run_cli("--upgrade-from", value, "--matrix", "--format", "json",
                   ".", cwd=trees["epoxy"])
    rows = {row["from"].split(" (")[0]: row
            for row in json.loads(proc.stdout)["apis"]}
    assert sorted(rows) == ["the previous SLURP release",
                            "the previous release"]
    # epoxy's VERSION_ALIASES['caracal'], not caracal's own newest alias
    assert rows["the previous SLURP release"]["previous_cap"] == "5.2"
    assert rows["the previous release"]["previous_cap"] == "6.0"
    text = run_cli("--upgrade-from", value, "--matrix", ".",
                   cwd=trees["epoxy"]).stdout
    assert "fleet API, from the previous SLURP release" in text


@pytest.mark.parametrize("value,error", [
    ("{dalmatian},{caracal}", "cannot tell which release"),
    ("2024.2={dalmatian},2023.2={caracal}", "is not a release 2025.1 "
     "(epoxy) is upgraded from"),
    ("2025.1={dalmatian},2024.1={caracal}", "is not a release 2025.2"),
    ("2024.2={dalmatian},dalmatian={caracal}", "are both"),
    ("cedar={dalmatian}", "'cedar' is not a release"),
    (",", "names no tree"),
])
def test_trees_that_cannot_be_used(trees, value, error):
    value = value.format(**trees)
    proc = run_cli("--upgrade-from", value, ".", cwd=trees["epoxy"])
    assert proc.returncode == 2
    assert error in proc.stderr and "Traceback" not in proc.stderr
    flake = run_flake8("--select", "RPC", "--rpc-upgrade-from", value, ".",
                       cwd=trees["epoxy"])
    assert "RPC900" in flake.stdout and error in flake.stdout


def test_release_branches_name_their_release(tmp_path):
    repo = Repo(tmp_path / "repo")
    for name, branch in (("caracal", "stable/2024.1"),
                         ("dalmatian", "stable/dalmatian"),
                         ("epoxy", "main")):
        repo.put(SHAPE, fixture("slurp", name))
        repo.commit(f"Release {name}")
        if branch != "main":
            repo.git("branch", branch)
    found = check(repo.path, "stable/dalmatian,stable/2024.1")
    assert rpc4(found) == {e for e in expected_findings(repo.path)
                           if e[2] == "RPC401"}


def test_a_major_counts_as_released_once_a_slurp_release_speaks_it(
        tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.put(SHAPE, fixture("slurp", "dalmatian"))
    repo.commit("Release dalmatian")
    repo.put(SHAPE, fixture("slurp", "epoxy"))
    repo.commit(TAGGED)
    proc = run_cli("--select", "RPC106", ".", cwd=repo.path)
    want = {e for e in expected_findings(repo.path) if e[2] == "RPC106"}
    assert {f[:3] for f in reported(proc.stdout)} == want
    assert "only dalmatian speaks 6.x, and no SLURP release" in \
        proc.stdout
    # had a SLURP release (or one before SLURP existed) spoken 6.x, the
    # removal would be in time
    rpcapi = os.path.join(repo.path, "fleet", "rpcapi.py")
    with open(rpcapi, encoding="utf-8") as handle:
        text = handle.read()
    for release in ("caracal", "zed"):
        with open(rpcapi, "w", encoding="utf-8") as handle:
            handle.write(text.replace("'dalmatian': '6.0'",
                                      f"'dalmatian': '6.0', "
                                      f"'{release}': '6.0'"))
        proc = run_cli("--select", "RPC106", "--base", "HEAD^", ".",
                       cwd=repo.path)
        assert proc.stdout == "", release
