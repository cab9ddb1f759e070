"""No flood, no wrong advice: one finding per root cause (rules/fold.py),
one RPC208 for an API no deployment can pin, advice that fits the
direction of the versions. Real temporary git repositories, through the
command line and through flake8."""

from __future__ import annotations

import json
import os
import re

from conftest import expected_findings, fixture, reported, run_cli, run_flake8
from gitrepo import Repo

REGISTRY = fixture("precision", "registry")


def committed(tmp_path, *states, name="repo") -> Repo:
    """A repository whose commits are the given lists of trees."""
    repo = Repo(tmp_path / name)
    for number, trees in enumerate(states):
        repo.put(*trees)
        repo.commit(f"State {number}")
    return repo


def cli(repo: Repo, *args) -> list:
    proc = run_cli(*args, ".", cwd=repo.path)
    assert proc.returncode in (0, 1), proc.stderr
    return reported(proc.stdout)


def flake8(repo: Repo, *args) -> list:
    proc = run_flake8("--select", "RPC", *args, ".", cwd=repo.path)
    assert proc.returncode in (0, 1), proc.stderr
    return reported(proc.stdout)


def where(found) -> set:
    return {f[:3] for f in found}


# -- a client no deployment can pin (designate central's literal cap) -------

def test_a_literal_cap_gives_one_servers_first_finding(tmp_path):
    repo = committed(tmp_path, [os.path.join(REGISTRY, "before")],
                     [os.path.join(REGISTRY, "after")])
    want = expected_findings(repo.path)
    assert want == {("registry/rpcapi.py", 18, "RPC208")}
    found = cli(repo)
    assert where(found) == want
    message = found[0][3]
    assert "6 messages" in message and "literal '6.12'" in message
    assert "UnsupportedVersion" in message
    assert "servers must be upgraded before their clients" in message
    assert where(flake8(repo)) == want
    # the previous release as well: nobody pins this client, so RPC402
    # (a pinned client) has nothing to say
    previous = os.path.join(REGISTRY, "before")
    assert where(cli(repo, "--upgrade-from", previous)) == want
    assert cli(repo, "--upgrade-from", previous, "--base", "none",
               "--select", "RPC402") == []
    # without a base, the previous release is what it is compared with
    assert where(cli(repo, "--upgrade-from", previous, "--base",
                     "none")) == want


def test_a_client_without_a_cap_gives_the_same_finding(tmp_path):
    def uncap(root):
        path = os.path.join(root, "registry", "rpcapi.py")
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(re.sub(r",\s*version_cap='[\d.]+'\)", ")", text))

    repo = Repo(tmp_path / "repo")
    repo.put(os.path.join(REGISTRY, "before"))
    uncap(repo.path)
    repo.commit("Base")
    repo.put(os.path.join(REGISTRY, "after"))
    uncap(repo.path)
    repo.commit("Add delete_status")
    with open(os.path.join(repo.path, "registry", "rpcapi.py")) as handle:
        assert "version_cap" not in handle.read()
    found = cli(repo)
    assert where(found) == expected_findings(repo.path)
    assert "it passes no version_cap" in found[0][3]


def test_a_forgotten_server_bump_is_two_findings_not_twenty(tmp_path):
    repo = committed(tmp_path, [os.path.join(REGISTRY, "before")],
                     [os.path.join(REGISTRY, "forgotten")])
    want = expected_findings(repo.path)
    assert want == {("registry/rpcapi.py", 19, "RPC201"),
                    ("registry/rpcapi.py", 19, "RPC208")}
    previous = os.path.join(REGISTRY, "before")
    found = cli(repo, "--upgrade-from", previous)
    assert where(found) == want and len(found) == 2
    rpc201 = next(f[3] for f in found if f[2] == "RPC201")
    assert "6 more findings of this cause folded in: RPC201 x 6" in rpc201
    assert where(flake8(repo, "--rpc-upgrade-from", previous)) == want
    data = json.loads(run_cli("--format", "json", ".",
                              cwd=repo.path).stdout)
    [kept] = [f for f in data["findings"] if f["code"] == "RPC201"]
    assert sorted(f["message"].split()[2] for f in kept["folded"]) == [
        "get_limits", "get_quotas", "import_zone", "move_zone",
        "purge_status", "set_quota"]
    assert {f["path"] for f in kept["folded"]} == {"registry/rpcapi.py"}


# -- a major bump dropping the old major (cinder) ----------------------------

def cinder_bump_drop(tmp_path, edit=None) -> Repo:
    shape = fixture("shapes", "cinder")
    repo = Repo(tmp_path / "cinder")
    repo.put(shape)
    repo.commit("Base")
    repo.put(shape, fixture("procedure", "cinder", "bump"),
             fixture("procedure", "cinder", "bump-drop"))
    if edit:
        edit(repo.path)
    repo.commit("Bump the volume API to 4.0")
    return repo


def test_the_dropped_major_is_reported_once(tmp_path):
    repo = cinder_bump_drop(tmp_path)
    found = cli(repo)
    assert where(found) == {("storage/volume/rpcapi.py", 20, "RPC101")}
    assert "RPC204 x 5" in found[0][3]
    assert where(flake8(repo)) == where(found)
    # pre-commit: flake8 on the changed file only
    proc = run_flake8("--select", "RPC", "storage/volume/rpcapi.py",
                      cwd=repo.path)
    assert where(reported(proc.stdout)) == where(found)


def test_ignoring_the_cause_never_hides_its_symptoms(tmp_path):
    repo = cinder_bump_drop(tmp_path)
    for found in (cli(repo, "--ignore", "RPC101"),
                  flake8(repo, "--extend-ignore", "RPC101")):
        assert [f[2] for f in found] == ["RPC204"]
        assert "4 more findings of this cause folded in: RPC204 x 4" in \
            found[0][3]


def test_a_waived_cause_never_hides_its_symptoms(tmp_path):
    def waive(root):
        path = os.path.join(root, "storage", "volume", "rpcapi.py")
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text.replace("# expect: RPC101", "# noqa: RPC101"))

    repo = cinder_bump_drop(tmp_path, waive)
    for found in (cli(repo), flake8(repo)):
        assert [f[2] for f in found] == ["RPC204"]


def test_rpc201_advice_fits_the_direction():
    proc = run_cli("--base", "none", "--select", "RPC201",
                   fixture("rules", "rpc201"))
    messages = {f[3].split(":")[1].split()[0]: f[3]
                for f in reported(proc.stdout)}
    assert "the server no longer accepts 3.x: send a 4.x version, or " \
           "keep an endpoint for 3.x" in messages["stale"]
    assert "the server does not accept 5.x yet" in messages["ahead"]
    assert "raise the server's target to 6.6" in messages["too_new"]
    assert not any("raise the server's target to 3." in m or
                   "raise the server's target to 5." in m
                   for m in messages.values())


def test_rpc302_without_a_bump_names_one_version(tmp_path):
    repo = committed(tmp_path, [fixture("surface", "base")],
                     [fixture("surface", "base"),
                      fixture("surface", "param-renamed-unbumped")])
    [found] = cli(repo, "--select", "RPC302")
    assert "DepotManager still at 2.3 breaks what the baseline" in found[3]
    assert "2.3 -> 2.3" not in found[3]
