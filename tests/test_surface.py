"""RPC301/RPC302 in real git repositories, and the --surface view."""

import os

import pytest

from conftest import expected_findings, fixture, run_cli, run_flake8
from gitrepo import Repo

CASES = sorted(d for d in os.listdir(fixture("surface"))
               if d != "base" and os.path.isdir(fixture("surface", d)))


def rpc3(stdout):
    found = set()
    for line in stdout.splitlines():
        path, number, _col, rest = line.split(":", 3)
        if rest.split()[0].startswith("RPC3"):
            found.add((os.path.normpath(path), int(number), rest.split()[0]))
    return found


@pytest.mark.parametrize("case", CASES)
def test_surface_case(tmp_path, case):
    repo = Repo(tmp_path / "repo")
    repo.put(fixture("surface", "base"))
    repo.commit("Base")
    repo.put(fixture("surface", "base"), fixture("surface", case))
    repo.commit(case)
    want = {e for e in expected_findings(repo.path) if e[2].startswith("RPC3")}
    cli = run_cli(".", cwd=repo.path)
    assert "Traceback" not in cli.stderr
    assert rpc3(cli.stdout) == want
    assert rpc3(run_flake8("--select", "RPC", ".",
                           cwd=repo.path).stdout) == want


def test_expected_cases_exist():
    assert {"method-added-unbumped", "required-param-minor",
            "method-removed-minor"} <= set(CASES)


def test_surface_view(tmp_path):
    proc = run_cli("--surface", fixture("surface", "base"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("depot API: DepotManager 2.3 ")
    assert "fingerprint 2.3-" in lines[0]
    assert "    count(item)" in lines
    assert "    init_host()" in lines
    assert "    restock(item)" in lines
    assert not any("_log" in line for line in lines)
    import json
    import shutil
    for tree in ("base", "method-removed-major"):
        shutil.copytree(fixture("surface", tree), tmp_path,
                        dirs_exist_ok=True)
    proc = run_cli("--surface", "--format", "json", str(tmp_path))
    data = json.loads(proc.stdout)
    proxy = [e for e in data["endpoints"] if e["class"].endswith("V2Proxy")]
    assert proxy[0]["methods"] == {"purge": "purge(item)"}
    assert proxy[0]["forwards_to"] == "depot.manager.DepotManager"
