"""RPC401/RPC402 and the --matrix summary on pairs of fixture trees."""

import json
import os
import shutil

import pytest

from conftest import expected_findings, fixture, run_cli, run_flake8
from gitrepo import Repo

SHAPE = fixture("shapes", "compute")


def tree(path, *overlays):
    for source in (SHAPE,) + overlays:
        shutil.copytree(source, path, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("README.md"))
    return str(path)


# RPC208 is the cause RPC402's RPCVersionCapError symptoms fold into
CHECKED = ("RPC4", "RPC208")


def rpc4(stdout):
    found = set()
    for line in stdout.splitlines():
        path, number, _col, rest = line.split(":", 3)
        if rest.split()[0].startswith(CHECKED):
            found.add((os.path.normpath(path), int(number), rest.split()[0]))
    return found


CASES = {
    # previous release, new release
    "change-1-done-right": ([fixture("procedure", "compute", "n")], []),
    "bump-dropped-old-major": ([fixture("procedure", "compute", "n")],
                               [fixture("procedure", "compute",
                                        "bump-drop")]),
    "new-minor-unguarded": ([], [fixture("upgrade", "minor-unguarded")]),
    "fallback-too-new": ([], [fixture("upgrade", "fallback-too-new")]),
    "fallback-new-method": ([], [fixture("upgrade", "fallback-new-method")]),
    "method-removed-minor": ([fixture("procedure", "compute", "n")],
                             [fixture("upgrade", "method-removed-minor")]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_upgrade_case(tmp_path, case):
    previous, new = CASES[case]
    old = tree(tmp_path / "previous", *previous)
    head = tree(tmp_path / "new", *new)
    want = {e for e in expected_findings(head) if e[2].startswith(CHECKED)}
    proc = run_cli("--upgrade-from", old, ".", cwd=head)
    assert "Traceback" not in proc.stderr
    assert rpc4(proc.stdout) == want
    f8 = run_flake8("--select", "RPC", "--rpc-upgrade-from", old, ".",
                    cwd=head)
    assert rpc4(f8.stdout) == want
    if case == "change-1-done-right":
        assert want == set()


def test_messages_name_both_releases_and_the_path(tmp_path):
    old = tree(tmp_path / "previous")
    head = tree(tmp_path / "new", fixture("upgrade", "fallback-too-new"))
    proc = run_cli("--upgrade-from", old, "--select", "RPC402", ".",
                   cwd=head)
    message = proc.stdout.strip()
    assert "repair_host sent as 6.1" in message
    assert "pinned to 6.0, can_send_version('6.2') false" in message
    assert f"previous release ({old})" in message
    assert "RPCVersionCapError" in message


def test_previous_release_as_a_git_revision(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.put(SHAPE, fixture("procedure", "compute", "n"))
    repo.commit("Release 1")
    repo.git("tag", "1.0.0")
    repo.put(SHAPE, fixture("procedure", "compute", "bump-drop"))
    repo.commit("Release 2")
    proc = run_cli("--base", "none", "--upgrade-from", "1.0.0", ".",
                   cwd=repo.path)
    assert rpc4(proc.stdout) == {e for e in expected_findings(repo.path)
                                 if e[2] == "RPC401"}
    bad = run_cli("--upgrade-from", "no-such-tag", ".", cwd=repo.path)
    assert bad.returncode == 2 and "--upgrade-from no-such-tag" in bad.stderr


def test_matrix(tmp_path):
    old = tree(tmp_path / "previous", fixture("procedure", "compute", "n"))
    head = tree(tmp_path / "new")
    proc = run_cli("--upgrade-from", old, "--matrix", "--format", "json",
                   ".", cwd=head)
    data = json.loads(proc.stdout)
    assert data["apis"] == [{
        "api": "fleet API", "key": "fleet.rpcapi.FleetAPI",
        "previous_cap": "5.2",
        "directions": [
            {"direction": "old clients -> new servers", "messages": 4,
             "failures": 0},
            {"direction": "new clients pinned -> old servers", "messages": 4,
             "failures": 0},
            {"direction": "new clients -> new servers", "messages": 4,
             "failures": 0}]}]
    text = run_cli("--upgrade-from", old, "--matrix", ".", cwd=head).stdout
    assert text.splitlines()[2].split()[:2] == ["fleet", "API"]
    assert run_cli("--matrix", ".", cwd=head).returncode == 2
