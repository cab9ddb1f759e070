"""The command line: inventory, exit codes, and bad input."""

import json
import shutil

import pytest

from conftest import fixture, run_cli, run_flake8
from rpc_version_lint import resources


def test_inventory_text_has_one_row_per_api():
    proc = run_cli("--inventory", fixture("shapes", "conductor"))
    assert proc.returncode == 0, proc.stderr
    rows = proc.stdout.splitlines()
    assert rows[0].split()[:3] == ["API", "client", "server"]
    assert rows[2].startswith("orchestra API ")
    assert rows[3].startswith("orchestra/plan_task API ")
    assert "PlanTaskManager 1.2 ns=plan_task" in rows[3]


def test_inventory_json_matches_its_schema():
    jsonschema = pytest.importorskip("jsonschema")
    proc = run_cli("--inventory", "--format", "json",
                   fixture("shapes", "compute"), fixture("shapes", "cinder"))
    data = json.loads(proc.stdout)
    jsonschema.validate(data, resources.schema("inventory"))
    names = [a["name"] for a in data["apis"]]
    assert names == ["fleet API", "storage-volume API"]


def test_exit_codes():
    assert run_cli(fixture("shapes", "compute")).returncode == 0
    assert run_cli(fixture("rules", "rpc205")).returncode == 1
    bad = run_cli("--select", "XYZ1", fixture("shapes", "compute"))
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "--select" in bad.stderr
    missing = run_cli("no/such/dir")
    assert missing.returncode == 2 and "no/such/dir" in missing.stderr


def test_explain_and_list_rules():
    proc = run_cli("--explain", "rpc205")
    assert proc.returncode == 0
    for part in ("RPC205: Malformed version string", "Bad:", "Good:", "Fix:"):
        assert part in proc.stdout
    assert run_cli("--explain", "RPC999").returncode == 2
    listed = run_cli("--list-rules").stdout
    assert "RPC901  off" in listed and "RPC205  on" in listed


def _bad_tree(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(fixture("shapes", "compute"), tree)
    pkg = tree / "fleet"
    (pkg / "broken.py").write_text(
        "import oslo_messaging\nclass Broken(object):\n"
        "    target = oslo_messaging.Target(version='1.0'\n")
    (pkg / "latin.py").write_bytes(
        b"# caf\xe9\nimport oslo_messaging\n"
        b"target = oslo_messaging.Target(version='1.0')\n")
    (pkg / "empty.py").write_text("")
    (pkg / "blob.py").write_bytes(bytes(range(256)) * 8 + b"Target(\x00\xff")
    lines = ["import oslo_messaging as messaging", "", "",
             "class HugeManager(object):",
             "    target = messaging.Target(version='1.0')", ""]
    n = 0
    while len(lines) < 50_000:
        lines += [f"    def method_{n}(self, context, arg_{n}=None):",
                  f"        return {n}", ""]
        n += 1
    (pkg / "huge.py").write_text("\n".join(lines) + "\n")
    return tree


def test_bad_files_one_line_each_and_the_run_goes_on(tmp_path):
    tree = _bad_tree(tmp_path)
    proc = run_cli("--inventory", str(tree))
    assert proc.returncode == 0
    assert "Traceback" not in proc.stderr
    messages = proc.stderr.splitlines()
    assert len(messages) == 3, messages
    for name in ("broken.py", "latin.py", "blob.py"):
        assert sum(name in m for m in messages) == 1, messages
    assert "fleet API" in proc.stdout
    assert "HugeManager" in proc.stdout
    check = run_cli(str(tree))
    assert check.returncode == 0 and check.stdout == ""


def test_bad_files_through_flake8(tmp_path):
    tree = _bad_tree(tmp_path)
    proc = run_flake8("--select", "RPC,E9", ".", cwd=tree)
    assert "Traceback" not in proc.stderr
    # flake8 reports what it cannot parse itself; the plugin adds nothing
    assert not any(" RPC" in line for line in proc.stdout.splitlines())
    assert "fleet/broken.py" in proc.stdout
