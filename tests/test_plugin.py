"""The flake8 plugin: the same findings as the engine, through flake8."""

import os
import shutil

from conftest import expected_findings, fixture, run_flake8


def copy_fixture(tmp_path, *parts):
    target = tmp_path / "tree"
    shutil.copytree(fixture(*parts), target)
    return target


def reported(stdout, root=""):
    found = set()
    for line in stdout.splitlines():
        path, number, _col, rest = line.split(":", 3)
        found.add((os.path.relpath(path, root).replace(os.sep, "/")
                   if root else path, int(number), rest.split()[0]))
    return found


def test_flake8_lists_the_plugin():
    proc = run_flake8("--version")
    assert "rpc-version-lint" in proc.stdout


def test_findings_through_flake8_match_the_expectations(tmp_path):
    tree = copy_fixture(tmp_path, "rules", "rpc205")
    proc = run_flake8("--select", "RPC", ".", cwd=tree)
    assert proc.returncode == 1, proc.stderr
    assert reported(proc.stdout, ".") == expected_findings(tree)


def test_jobs_report_each_finding_once(tmp_path):
    tree = copy_fixture(tmp_path, "rules", "rpc205")
    one = run_flake8("--select", "RPC", "--jobs", "1", ".", cwd=tree)
    two = run_flake8("--select", "RPC", "--jobs", "2", ".", cwd=tree)
    assert sorted(one.stdout.splitlines()) == sorted(two.stdout.splitlines())
    assert len(two.stdout.splitlines()) == len(expected_findings(tree))


def test_noqa_and_per_file_ignores(tmp_path):
    tree = copy_fixture(tmp_path, "rules", "rpc205")
    rpcapi = tree / "badver" / "rpcapi.py"
    text = rpcapi.read_text().replace(
        "version='2')  # expect: RPC205", "version='2')  # noqa: RPC205")
    rpcapi.write_text(text)
    (tree / "setup.cfg").write_text(
        "[flake8]\nper-file-ignores =\n    badver/manager.py: RPC205\n")
    proc = run_flake8("--select", "RPC", ".", cwd=tree)
    found = reported(proc.stdout, ".")
    assert ("badver/rpcapi.py", 15, "RPC205") not in found
    assert not any(f[0] == "badver/manager.py" for f in found)
    assert ("badver/rpcapi.py", 19, "RPC205") in found


def test_off_by_default_rule_enabled_from_config(tmp_path):
    tree = copy_fixture(tmp_path, "rules", "rpc901")
    quiet = run_flake8("--select", "RPC", ".", cwd=tree)
    assert quiet.stdout == "" and quiet.returncode == 0, quiet.stderr
    (tree / "tox.ini").write_text("[flake8]\nextend-select = RPC901\n")
    loud = run_flake8(".", cwd=tree)
    assert {f for f in reported(loud.stdout, ".") if f[2] == "RPC901"} == \
        expected_findings(tree)


def test_pairs_option_from_config(tmp_path):
    tree = copy_fixture(tmp_path, "rules", "rpc205")
    (tree / ".flake8").write_text(
        "[flake8]\nrpc-pairs = badver.rpcapi.BadVerAPI = nowhere.Server\n")
    proc = run_flake8("--select", "RPC", ".", cwd=tree)
    # the API is no longer paired: the endpoint's own finding stays, and
    # flake8 runs normally with the option read from the file
    assert proc.returncode == 1, proc.stderr
    assert ("badver/manager.py", 6, "RPC205") in reported(proc.stdout, ".")


def test_bad_option_value_is_one_line(tmp_path):
    tree = copy_fixture(tmp_path, "rules", "rpc205")
    (tree / "setup.cfg").write_text("[flake8]\nrpc-pairs = not a pair\n")
    proc = run_flake8("--select", "RPC", ".", cwd=tree)
    assert "Traceback" not in proc.stderr
    assert "rpc-pairs" in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "rpc-pairs" in line]
    assert len(lines) == 1


def test_unknown_rpc_key_is_reported_by_the_plugin_too(tmp_path):
    tree = copy_fixture(tmp_path, "rules", "rpc205")
    (tree / "setup.cfg").write_text("[flake8]\nrpc-rolling-apis = x\n")
    proc = run_flake8("--select", "RPC", ".", cwd=tree)
    lines = [line for line in proc.stderr.splitlines() if "rpc-rolling-apis"
             in line]
    assert len(lines) == 1 and "unknown option" in lines[0]
    assert proc.returncode == 1  # the findings are still reported
