"""--explain, --list-rules and the rule pages come from one source."""

import json
import os
import shutil
import subprocess
import sys

from conftest import REPO, run_cli
from rpc_version_lint import docs, resources
from rpc_version_lint.output import report
from rpc_version_lint.rules import all_rules

PACKAGE = os.path.join(REPO, "rpc_version_lint")


def test_every_rule_is_documented_completely():
    for r in all_rules():
        assert r.title and r.rationale and r.bad and r.good and r.fix, r.code
        page = report.rule_page(r)
        for part in (r.title, "## Why it matters", "## Bad", "## Good",
                     "## How to fix"):
            assert part in page


def test_explain_every_code():
    for r in all_rules():
        proc = run_cli("--explain", r.code.lower())
        assert proc.returncode == 0
        assert proc.stdout.startswith(f"{r.code}: {r.title}")
        assert "Bad:" in proc.stdout and "Good:" in proc.stdout
        assert report.explanation(r) in proc.stdout


def test_list_rules_text_and_json():
    text = run_cli("--list-rules").stdout.splitlines()
    assert [line.split()[0] for line in text] == [r.code for r in
                                                  all_rules()]
    data = json.loads(run_cli("--list-rules", "--format", "json").stdout)
    assert data["rules"][0] == {"code": "RPC101", "title": all_rules()[0]
                                .title, "default": True, "needs": "base",
                                "severity": "error"}
    assert {r["code"]: r["default"] for r in data["rules"]}["RPC901"] is \
        False


def test_docs_are_current():
    assert docs.main(["--check"]) == 0, \
        "rule pages are stale: run python -m rpc_version_lint.docs"
    # the shipped pages are read the way an installed wheel reads them
    assert resources.rule_pages() == docs.pages()


def test_schemas_are_shipped_in_the_package():
    for kind in resources.SCHEMAS:
        schema = resources.schema(kind)
        assert schema["$id"].endswith(f"/{kind}.schema.json")
        assert schema["properties"]["schema_version"] == {"const": 1}


def _docs(*args, path, cwd):
    env = dict(os.environ, PYTHONPATH=str(path))
    return subprocess.run([sys.executable, "-m", "rpc_version_lint.docs",
                           *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def _copy_package(target):
    shutil.copytree(PACKAGE, target / "rpc_version_lint",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return target / "rpc_version_lint" / "data" / "rules"


def test_docs_never_write_into_an_installed_package(tmp_path):
    site = tmp_path / "site-packages"
    pages = _copy_package(site)
    (pages / "RPC101.md").write_text("stale\n")
    before = {p.name: p.read_text() for p in pages.iterdir()}
    proc = _docs(path=site, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "installed package, not a source checkout" in proc.stderr
    assert {p.name: p.read_text() for p in pages.iterdir()} == before
    # --check only reads: it works there and sees the stale page
    proc = _docs("--check", path=site, cwd=tmp_path)
    assert proc.returncode == 1 and "RPC101.md" in proc.stderr


def test_docs_rewrite_stale_pages_in_a_checkout(tmp_path):
    pages = _copy_package(tmp_path)
    shutil.copy(os.path.join(REPO, "pyproject.toml"), tmp_path)
    (pages / "RPC101.md").write_text("stale\n")
    (pages / "RPC999.md").write_text("a rule that is gone\n")
    (pages / "RPC205.md").unlink()
    assert _docs("--check", path=tmp_path, cwd=tmp_path).returncode == 1
    proc = _docs(path=tmp_path, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "3 page(s) updated (RPC101.md, RPC205.md, RPC999.md)" in \
        proc.stdout
    assert {p.name: p.read_text() for p in pages.iterdir()} == docs.pages()
    assert _docs("--check", path=tmp_path, cwd=tmp_path).returncode == 0


def test_docs_help_and_bad_options():
    proc = _docs("--help", path=REPO, cwd=REPO)
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: python -m rpc_version_lint.docs")
    assert "--check" in proc.stdout
    proc = _docs("--chekc", path=REPO, cwd=REPO)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_unknown_code():
    proc = run_cli("--explain", "RPC999")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
