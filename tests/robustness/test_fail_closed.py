"""A setting asked for that cannot be honoured fails the run in every
front end: exit 2 from the command line, RPC900 at line 1 of every RPC
file under flake8 (whose exit status only findings change)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from conftest import fixture, run_cli, run_flake8
from gitrepo import Repo

from .test_environments import RPC101, bump_repo

RPC_FILES = {"fleet/rpcapi.py", "fleet/manager.py"}


def rpc900(stdout: str) -> dict[str, str]:
    """path -> message of each RPC900 line, checking each is at line 1."""
    found = {}
    for line in stdout.splitlines():
        path, number, col, rest = line.split(":", 3)
        if rest.split()[0] == "RPC900":
            assert (number, col) == ("1", "1"), line
            found[os.path.normpath(path)] = rest.split(" ", 2)[2]
    return found


def clean_tree(path) -> str:
    """A tree with no finding at all: flake8 exits 0 on it."""
    shutil.copytree(fixture("shapes", "compute"), path)
    return str(path)


def test_shallow_clone_without_the_base(tmp_path):
    origin = bump_repo(tmp_path / "origin")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1",
                    "file://" + origin.path, str(clone)], check=True)
    proc = run_flake8("--select", "RPC", ".", cwd=clone)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = rpc900(proc.stdout)
    assert set(found) >= RPC_FILES
    assert all("shallow clone" in m and "--deepen" in m
               for m in found.values())
    cli = run_cli("--format", "sarif", ".", cwd=clone)
    assert cli.returncode == 2
    results = json.loads(cli.stdout)["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in results if r["ruleId"] == "RPC900"} >= RPC_FILES
    # fetched: the finding the gate is there for, and no RPC900
    subprocess.run(["git", "fetch", "-q", "--deepen=1"], cwd=clone,
                   check=True)
    proc = run_flake8("--select", "RPC", ".", cwd=clone)
    assert "RPC101" in proc.stdout and "RPC900" not in proc.stdout


def test_unknown_base_revision(tmp_path):
    repo = bump_repo(tmp_path / "repo")
    proc = run_flake8("--select", "RPC", "--rpc-base=no-such-ref", ".",
                      cwd=repo.path)
    found = rpc900(proc.stdout)
    assert set(found) >= RPC_FILES and proc.returncode == 1
    assert all(m.startswith("RPC checks incomplete: --rpc-base no-such-ref:")
               for m in found.values()), found
    # no finding there (messages may cite the place)
    assert not any(line.lstrip("./").startswith(f"{RPC101[0]}:{RPC101[1]}:")
                   for line in proc.stdout.splitlines())


def test_previous_release_that_does_not_exist(tmp_path):
    tree = clean_tree(tmp_path / "tree")
    with open(os.path.join(tree, "tox.ini"), "w") as handle:
        handle.write("[flake8]\nrpc-base = none\n"
                     "rpc-upgrade-from = /nonexistent\n")
    proc = run_flake8("--select", "RPC", ".", cwd=tree)
    found = rpc900(proc.stdout)
    assert proc.returncode == 1 and set(found) >= RPC_FILES
    assert all("--rpc-upgrade-from /nonexistent" in m
               for m in found.values())


def test_misspelt_key(tmp_path):
    tree = clean_tree(tmp_path / "tree")
    assert run_flake8("--select", "RPC", ".", cwd=tree).returncode == 0
    with open(os.path.join(tree, "tox.ini"), "w") as handle:
        handle.write("[flake8]\nrpc-base = none\nrpc-allows =\n"
                     "    RPC105 fleet API: kept until the next release\n")
    proc = run_flake8("--select", "RPC", ".", cwd=tree)
    found = rpc900(proc.stdout)
    assert proc.returncode == 1 and set(found) >= RPC_FILES
    assert all("rpc-allows: unknown option" in m for m in found.values())
    # the command line: one line, exit 2
    cli = run_cli(".", cwd=tree)
    assert cli.returncode == 2 and "rpc-allows" in cli.stderr


def test_bad_value(tmp_path):
    tree = clean_tree(tmp_path / "tree")
    with open(os.path.join(tree, "setup.cfg"), "w") as handle:
        handle.write("[flake8]\nrpc-base = none\nrpc-pairs = not a pair\n")
    proc = run_flake8("--select", "RPC", ".", cwd=tree)
    found = rpc900(proc.stdout)
    assert proc.returncode == 1 and set(found) >= RPC_FILES
    assert all("rpc-pairs" in m for m in found.values())


def test_default_selection_reports_it(tmp_path):
    """No --select: RPC900 is on by default, as flake8 runs in tox."""
    repo = bump_repo(tmp_path / "repo")
    proc = run_flake8("--rpc-base=no-such-ref", "fleet", cwd=repo.path)
    assert set(rpc900(proc.stdout)) >= RPC_FILES


def test_nothing_in_the_tree_waives_it(tmp_path):
    """Neither the allow-list nor a commit trailer: both live in the tree
    whose check could not be done."""
    repo = Repo(tmp_path / "repo")
    repo.put(fixture("shapes", "compute"))
    with open(os.path.join(repo.path, "setup.cfg"), "w") as handle:
        handle.write("[flake8]\nrpc-allow =\n    RPC9 fleet API: no\n"
                     "    RPC fleet API: no\n    RPC900: no\n")
    repo.commit("Base\n\nRPC-Approved: RPC900 trust me")
    proc = run_flake8("--select", "RPC", "--rpc-base=no-such-ref", ".",
                      cwd=repo.path)
    assert set(rpc900(proc.stdout)) >= RPC_FILES


def test_internal_error_is_a_finding(tmp_path, monkeypatch, capsys):
    from rpc_version_lint import engine
    from rpc_version_lint.plugin import Plugin

    tree = clean_tree(tmp_path / "tree")

    def broken(*args):
        raise KeyError("nobody foresaw this")

    monkeypatch.setattr(engine, "analyze_cached", broken)
    monkeypatch.setattr(Plugin, "_failed", {})
    path = os.path.join(tree, "fleet", "rpcapi.py")
    with open(path) as handle:
        lines = handle.readlines()
    reported = list(Plugin(None, path, lines).run())
    assert [(line, col) for line, col, _, _ in reported] == [(1, 0)]
    assert reported[0][2].startswith("RPC900 RPC checks incomplete: "
                                     "internal error while analysing fleet")
    again = list(Plugin(None, path, lines).run())  # not analysed twice
    assert again == reported
    assert capsys.readouterr().err.count("internal error") == 1


@pytest.mark.parametrize("pair,wrong", [
    ("fleet.rpcapi.NoSuchAPI = fleet.manager.FleetManager",
     "fleet.rpcapi.NoSuchAPI is not an RPC client"),
    ("fleet.rpcapi.FleetAPI = fleet.manager.NoSuchManager",
     "fleet.manager.NoSuchManager is not a class of the tree"),
])
def test_a_pair_naming_nothing(tmp_path, pair, wrong):
    tree = clean_tree(tmp_path / "tree")
    with open(os.path.join(tree, "setup.cfg"), "w") as handle:
        handle.write(f"[flake8]\nrpc-base = none\nrpc-pairs = {pair}\n")
    proc = run_flake8("--select", "RPC", ".", cwd=tree)
    found = rpc900(proc.stdout)
    assert proc.returncode == 1 and set(found) >= RPC_FILES
    assert all("rpc-pairs: " in m and wrong in m for m in found.values())
    os.remove(os.path.join(tree, "setup.cfg"))
    cli = run_cli("--base", "none", "--pairs", pair, ".", cwd=tree)
    assert cli.returncode == 2
    lines = [line for line in cli.stderr.splitlines()
             if line.startswith("rpc-version-lint: --pairs: ")]
    assert len(lines) == 1 and wrong in lines[0]
