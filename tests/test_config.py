"""Configuration files, the allow-list and the approval path."""

import json
import shutil

from conftest import fixture, run_cli, run_flake8
from gitrepo import Repo


def tree(tmp_path, name="rpc205"):
    target = tmp_path / "tree"
    # the badver package only (the one API the allow-list tests name)
    shutil.copytree(fixture("rules", name), target,
                    ignore=shutil.ignore_patterns("numeric"))
    return target


def one_error(proc):
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, lines
    return lines[0]


def test_unknown_key_in_the_flake8_section(tmp_path):
    t = tree(tmp_path)
    (t / "setup.cfg").write_text("[flake8]\nrpc-bsae = HEAD\n")
    line = one_error(run_cli(".", cwd=t))
    assert "setup.cfg" in line and "rpc-bsae" in line and "unknown" in line


def test_unknown_key_in_pyproject(tmp_path):
    t = tree(tmp_path)
    (t / "pyproject.toml").write_text(
        "[tool.rpc-version-lint]\nrolling = ['x']\n")
    line = one_error(run_cli(".", cwd=t))
    assert "pyproject.toml" in line and "rolling" in line


def test_bad_code_in_select(tmp_path):
    t = tree(tmp_path)
    line = one_error(run_cli("--select", "RPC777", ".", cwd=t))
    assert "--select" in line and "RPC777" in line


def test_bad_base(tmp_path):
    t = tree(tmp_path)
    line = one_error(run_cli("-q", "--base", "../nowhere", ".", cwd=t))
    assert "../nowhere" in line


def test_bad_allow_entry(tmp_path):
    t = tree(tmp_path)
    (t / "tox.ini").write_text("[flake8]\nrpc-allow =\n    RPC205\n")
    line = one_error(run_cli(".", cwd=t))
    assert "rpc-allow" in line and "reason" in line


def test_pyproject_settings_and_precedence(tmp_path):
    t = tree(tmp_path)
    (t / "setup.cfg").write_text("[flake8]\nrpc-base = HEAD~5\n")
    (t / "pyproject.toml").write_text(
        "[tool.rpc-version-lint]\nbase = 'none'\nselect = ['RPC2']\n")
    proc = run_cli("-q", ".", cwd=t)
    assert proc.returncode == 1 and proc.stderr == ""  # base none wins
    assert {line.split()[1] for line in proc.stdout.splitlines()} == \
        {"RPC205"}
    over = run_cli("-q", "--select", "RPC9", ".", cwd=t)
    assert over.returncode == 0  # the command line wins


def test_allow_list_sets_findings_aside_visibly(tmp_path):
    t = tree(tmp_path)
    (t / "setup.cfg").write_text(
        "[flake8]\nrpc-allow =\n"
        "    RPC205 badver API: the test fixture is wrong on purpose\n")
    proc = run_cli("--base", "none", ".", cwd=t)
    assert proc.returncode == 0 and proc.stdout == ""
    assert "5 allowed" in proc.stderr
    data = json.loads(run_cli("--base", "none", "--format", "json", ".",
                              cwd=t).stdout)
    assert len(data["allowed"]) == 5
    assert data["allowed"][0]["reason"] == \
        "the test fixture is wrong on purpose"
    f8 = run_flake8("--select", "RPC", ".", cwd=t)
    assert f8.stdout == ""
    # by class path, and for another code: nothing set aside
    (t / "setup.cfg").write_text(
        "[flake8]\nrpc-allow =\n    RPC201 badver.rpcapi.BadVerAPI: no\n")
    assert run_cli("-q", "--base", "none", ".", cwd=t).returncode == 1


def test_approved_break_is_reported_as_approved(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.put(fixture("surface", "base"))
    repo.commit("Base")
    repo.put(fixture("surface", "base"),
             fixture("surface", "required-param-minor"))
    repo.commit("Require a warehouse\n\nRPC-Approved: RPC302 every depot "
                "service is restarted at once in this deployment model\n")
    proc = run_cli(".", cwd=repo.path)
    assert proc.returncode in (0, 1) and "RPC302" not in proc.stdout
    assert "approved: depot/manager.py:10: RPC302" in proc.stderr
    assert "every depot service is restarted at once" in proc.stderr
    assert "1 approved" in proc.stderr
    f8 = run_flake8("--select", "RPC", ".", cwd=repo.path)
    assert "RPC302" not in f8.stdout
    assert "approved: depot/manager.py:10: RPC302" in f8.stderr
    sarif = json.loads(run_cli("--format", "sarif", ".",
                               cwd=repo.path).stdout)
    approved = [r for r in sarif["runs"][0]["results"]
                if r.get("suppressions")]
    assert approved[0]["ruleId"] == "RPC302"


def test_rpc102_cannot_be_approved_with_a_trailer():
    from rpc_version_lint.source.baseline import approvals
    assert approvals(["Drop 5.x\n\nRPC-Approved: RPC102 trust me"]) == []
    assert approvals(["x\nrpc-approved: RPC301, RPC302 why not"]) == [
        (("RPC301", "RPC302"), "why not")]
    assert approvals(["RPC-Approved: RPC302"]) == []  # no reason
