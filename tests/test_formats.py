"""Output formats on the same findings (the bundled example tree)."""

import json
import os

import pytest

from conftest import REPO, run_cli
from rpc_version_lint import resources

EXAMPLE = "examples/fleet"
P = "examples/fleet/fleet/rpcapi.py"
RPC208_TITLE = "New minor sent before older nodes can take it"
FINDINGS = [
    (P, 43, "RPC204", "Compatibility path for a major no endpoint accepts",
     "fleet API: when can_send_version('6.0') is false, start_host falls "
     "back to 5.1, but no endpoint accepts 5.x any more (FleetManager "
     "6.1); remove the dead compatibility path"),
    (P, 49, "RPC201", "Message version accepted by no endpoint",
     "fleet API: evacuate_host is sent as 6.2, which no endpoint accepts "
     "(FleetManager 6.1); raise the server's target to 6.2 in this change "
     "or send a version it accepts"),
    (P, 49, "RPC208", RPC208_TITLE,
     "fleet API: evacuate_host is sent as 6.2, newer than the newest alias "
     "(cedar = 6.0), with no can_send_version('6.2') guard: a client "
     "pinned to 6.0 raises RPCVersionCapError; guard it and fall back or "
     "raise"),
    (P, 54, "RPC205", "Malformed version string",
     "fleet API: '6.x' (version sent with drain_host) is not a version "
     "oslo.messaging accepts; write MAJOR.MINOR such as '5.13'"),
    (P, 59, "RPC208", RPC208_TITLE,
     "fleet API: resize_host is sent as 6.1, newer than the newest alias "
     "(cedar = 6.0), with no can_send_version('6.1') guard: a client "
     "pinned to 6.0 raises RPCVersionCapError; guard it and fall back or "
     "raise"),
    # the parameter renamed on the manager: one cause, two symptoms
    (P, 60, "RPC203", "Endpoint method does not take the message's "
     "arguments",
     "fleet API: FleetManager.resize_host() requires new_flavor, which "
     "resize_host sent as 6.1 never passes; give it a default or send it "
     "[1 more finding of this cause folded in: RPC203 x 1]"),
]
FOLDED = [{"path": P, "line": 60, "code": "RPC203", "message":
           "fleet API: resize_host sent as 6.1 always passes flavor=, which "
           "FleetManager.resize_host() does not take; accept it (with a "
           "default) or stop sending it"}]


def run(*args):
    return run_cli("--base", "none", *args, EXAMPLE, cwd=REPO)


def test_text():
    proc = run()
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"{path}:{line}:1: {code} {message}"
        for path, line, code, _, message in FINDINGS]
    assert proc.stderr == "6 findings in 1 API, 2 files checked\n"
    quiet = run("--quiet")
    assert quiet.stdout == proc.stdout and quiet.stderr == ""


def test_github():
    proc = run("--format", "github")
    assert proc.stdout.splitlines() == [
        f"::error file={path},line={line},col=1,title={code} {title}::"
        f"{message}" for path, line, code, title, message in FINDINGS]


def test_github_escapes_what_workflow_commands_reserve():
    from rpc_version_lint.output import report
    assert report._prop("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert report._data("50% done\r\n") == "50%25 done%0D%0A"


def test_json_matches_its_schema():
    jsonschema = pytest.importorskip("jsonschema")
    data = json.loads(run("--format", "json").stdout)
    jsonschema.validate(data, resources.schema("findings"))
    assert [(f["path"], f["line"], f["code"], f["message"])
            for f in data["findings"]] == [
        (path, line, code, message) for path, line, code, _, message
        in FINDINGS]
    assert [f.get("folded") for f in data["findings"]] == [None] * 5 + [
        FOLDED]
    assert data["summary"] == {"findings": 6, "apis": 1, "files_checked": 2,
                               "allowed": 0, "approved": 0,
                               "python_files": 3, "rpc_apis": 1}


def test_sarif_matches_the_official_schema():
    jsonschema = pytest.importorskip("jsonschema")
    data = json.loads(run("--format", "sarif").stdout)
    with open(os.path.join(REPO, "tests", "data",
                           "sarif-schema-2.1.0.json")) as handle:
        schema = json.load(handle)
    jsonschema.Draft4Validator(schema).validate(data)
    run_ = data["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    from rpc_version_lint.rules import all_rules
    assert [r["id"] for r in rules] == [r.code for r in all_rules()]
    assert all(r["help"]["text"] and r["help"]["markdown"] for r in rules)
    results = run_["results"]
    assert [(r["locations"][0]["physicalLocation"]["artifactLocation"]
             ["uri"], r["locations"][0]["physicalLocation"]["region"]
             ["startLine"], r["ruleId"]) for r in results] == [
        (path, line, code) for path, line, code, _, _ in FINDINGS]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
