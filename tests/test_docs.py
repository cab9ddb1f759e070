"""--explain, --list-rules and the rule pages come from one source."""

import json

from conftest import run_cli
from rpc_version_lint import docs, report
from rpc_version_lint.rules import all_rules


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
                                .title, "default": True, "needs": "base"}
    assert {r["code"]: r["default"] for r in data["rules"]}["RPC901"] is \
        False


def test_docs_are_current():
    assert docs.main(["--check"]) == 0, \
        "docs/rules is stale: run python -m rpc_version_lint.docs"


def test_unknown_code():
    proc = run_cli("--explain", "RPC999")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
