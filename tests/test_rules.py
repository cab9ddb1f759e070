"""Each rule against its fixture trees: the findings are exactly the lines
marked ``# expect: CODE``."""

import os

import pytest

from rpc_version_lint import rules
from rpc_version_lint.config import Config
from conftest import FIXTURES, actual_findings, analyze_tree, \
    expected_findings

RULE_DIRS = sorted(
    d for d in os.listdir(os.path.join(FIXTURES, "rules"))
    if os.path.isdir(os.path.join(FIXTURES, "rules", d)))

# what a rule needs beyond the tree: RPC900 a setting it cannot honour
CONFIGS = {"rpc900": Config(base=None, errors=(
    "setup.cfg: [flake8] rpc-allows: unknown option",))}
# what else must run: RPC902 judges comments naming the codes that ran
CODES = {"rpc902": rules.enabled_codes()}


@pytest.mark.parametrize("name", RULE_DIRS)
def test_rule_fixture(name):
    root = os.path.join(FIXTURES, "rules", name)
    code = name.upper()
    results = analyze_tree(root, CONFIGS.get(name, Config(base=None)),
                           codes={code} | CODES.get(name, set()))
    expected = {e for e in expected_findings(root) if e[2] == code}
    assert expected, f"fixture {name} marks no expected finding"
    assert actual_findings(results, {code}) == expected


def test_every_rule_is_expected_somewhere_in_the_fixtures():
    marked = {code for _, _, code in expected_findings(FIXTURES)}
    assert {r.code for r in rules.all_rules()} <= marked


def test_off_by_default_rules_stay_off():
    root = os.path.join(FIXTURES, "rules", "rpc901")
    assert actual_findings(analyze_tree(root)) == set()


def test_a_private_method_is_named_as_refused_not_missing():
    root = os.path.join(FIXTURES, "rules", "rpc202")
    [result] = analyze_tree(root, Config(base=None), codes={"RPC202"})
    messages = {f.message.split(":")[1].split()[0]: f.message
                for f in result.findings}
    assert "refuses the private _shutdown()" in messages["_shutdown"]
    assert "access policy" in messages["_shutdown"]
    assert "has no method shutdown()" in messages["shutdown"]


def test_every_finding_is_one_line():
    """flake8, SARIF and the github format show a message as one line:
    source quoted in it (an unresolved expression over several lines) is
    joined."""
    codes = {r.code for r in rules.all_rules()}
    roots = [os.path.join(FIXTURES, "rules", d) for d in RULE_DIRS]
    messages = [f.message for root in roots
                for result in analyze_tree(root, Config(base=None), codes)
                for f in result.findings]
    assert any("RPC901" in m or "resolved statically" in m
               for m in messages)
    assert [m for m in messages if "\n" in m or "\r" in m] == []


def test_nothing_unresolved_is_reported_for_a_method_sending_nothing():
    root = os.path.join(FIXTURES, "rules", "rpc901")
    [result] = analyze_tree(root, Config(base=None), codes={"RPC901"})
    client = result.head.apis[0].client
    assert {u.entry for u in client.unresolved} - {""} <= {
        s.entry for s in client.sends}
    assert [f for f in result.findings if "paths" in f.message][0].line == \
        min(u.line for u in client.unresolved if "paths" in u.why)
