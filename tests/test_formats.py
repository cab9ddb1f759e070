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
     "6.1 at fleet/manager.py:8); remove the dead compatibility path"),
    (P, 49, "RPC201", "Message version accepted by no endpoint",
     "fleet API: evacuate_host (fleet/rpcapi.py:50) is sent as 6.2, which "
     "no endpoint accepts (FleetManager 6.1 at fleet/manager.py:8): the "
     "server raises UnsupportedVersion; raise the server's target to 6.2 "
     "in this change or send a version it accepts"),
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
    # the parameter renamed on the manager: one finding for both sides
    (P, 60, "RPC203", "Endpoint method does not take the message's "
     "arguments",
     "fleet API: resize_host sent as 6.1 reaches FleetManager.resize_host() "
     "(fleet/manager.py:19) with flavor=, which it does not take, and "
     "without new_flavor, which it requires: the server raises TypeError; "
     "keep accepting what is passed (the old name, with a default) until a "
     "major bump changes the clients"),
]


def run(*args):
    return run_cli("--base", "none", *args, EXAMPLE, cwd=REPO)


def test_text():
    proc = run()
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"{path}:{line}:1: {code} {message}"
        for path, line, code, _, message in FINDINGS]
    assert proc.stderr == ("6 findings in 1 API, 2 files checked; "
                           "1 RPC API: 1 checked\n")
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
    assert data["summary"] == {
        "findings": 6, "errors": 6, "warnings": 0, "apis": 1,
        "files_checked": 2, "known": 0, "allowed": 0, "approved": 0,
        "python_files": 3, "rpc_apis": 1,
        "coverage": {"checked": 1, "partial": 0, "unchecked": 0,
                     "apis": []}}
    assert {f["severity"] for f in data["findings"]} == {"error"}
    assert data["known"] == []


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


def test_sarif_rules_and_run_details():
    data = json.loads(run("--format", "sarif").stdout)
    run_ = data["runs"][0]
    for r in run_["tool"]["driver"]["rules"]:
        assert r["helpUri"].endswith(f"/{r['id']}.md")
        assert r["help"]["markdown"].startswith(f"# {r['id']}: ")
    assert run_["automationDetails"] == {"id": "rpc-version-lint/"}
    # no local path: the consumer knows where the repository is
    assert "uri" not in run_["originalUriBaseIds"]["%SRCROOT%"]
    assert REPO not in json.dumps(data)
    assert all(r["partialFingerprints"]["rpcVersionLint/v1"]
               for r in run_["results"])
    summary = run_["properties"]["summary"]
    assert summary["coverage"] == {"checked": 1, "partial": 0,
                                   "unchecked": 0, "apis": []}


# -- paths and fingerprints in a real repository -------------------------

def fleet_in_repo(tmp_path):
    """The example under services/ of a git repository: the repository
    root is not the tree's."""
    from gitrepo import Repo
    repo = Repo(tmp_path / "repo")
    import shutil
    shutil.copytree(os.path.join(REPO, EXAMPLE),
                    os.path.join(repo.path, "services", "fleet"))
    repo.commit("Fleet")
    return repo


def sarif_of(*args, cwd):
    proc = run_cli("--base", "none", "--format", "sarif", *args, cwd=cwd)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    with open(os.path.join(REPO, "tests", "data",
                           "sarif-schema-2.1.0.json")) as handle:
        import jsonschema
        jsonschema.Draft4Validator(json.load(handle)).validate(data)
    return data["runs"][0]["results"]


def located(results):
    return [(r["locations"][0]["physicalLocation"]["artifactLocation"]
             ["uri"], r["locations"][0]["physicalLocation"]["region"]
             ["startLine"], r["ruleId"]) for r in results]


def test_paths_are_relative_to_the_repository_root(tmp_path):
    pytest.importorskip("jsonschema")
    repo = fleet_in_repo(tmp_path)
    want_path = "services/fleet/fleet/rpcapi.py"
    deep = os.path.join(repo.path, "services", "fleet", "fleet")
    for cwd, path in ((repo.path, "."), (deep, ".."),
                      (str(tmp_path), "repo/services/fleet")):
        results = sarif_of(path, cwd=cwd)
        assert {uri for uri, _, _ in located(results)} == {want_path}, cwd
        github = run_cli("--base", "none", "--format", "github", path,
                         cwd=cwd)
        files = {line.split("file=", 1)[1].split(",", 1)[0]
                 for line in github.stdout.splitlines()}
        assert files == {want_path}, (cwd, github.stdout)
    # text and json keep flake8's paths: relative to the working directory
    text = run_cli("--base", "none", "..", cwd=deep)
    assert {line.split(":")[0] for line in text.stdout.splitlines()} == {
        "rpcapi.py"}


def test_outside_git_paths_are_relative_to_the_working_directory(tmp_path):
    import shutil
    shutil.copytree(os.path.join(REPO, EXAMPLE), tmp_path / "tree")
    github = run_cli("--base", "none", "--format", "github", "tree",
                     cwd=str(tmp_path))
    files = {line.split("file=", 1)[1].split(",", 1)[0]
             for line in github.stdout.splitlines()}
    assert files == {"tree/fleet/rpcapi.py"}


def test_fingerprints_survive_moved_lines(tmp_path):
    pytest.importorskip("jsonschema")
    repo = fleet_in_repo(tmp_path)
    before = sarif_of(".", cwd=repo.path)
    rpcapi = os.path.join(repo.path, "services", "fleet", "fleet",
                          "rpcapi.py")
    with open(rpcapi) as handle:
        text = handle.read()
    with open(rpcapi, "w") as handle:
        handle.write("# one more line\n# and another\n" + text)
    after = sarif_of(".", cwd=repo.path)

    def prints(results):
        return sorted((r["ruleId"], r["partialFingerprints"]
                       ["rpcVersionLint/v1"]) for r in results)
    assert prints(before) == prints(after)
    assert len(set(prints(before))) == len(before) == 6
    assert [line + 2 for _, line, _ in located(before)] == \
        [line for _, line, _ in located(after)]


# -- what was checked ------------------------------------------------------

def partly_checked_tree(tmp_path) -> str:
    """The example with a send whose method is named at run time (the API
    is checked partly) and a client no server serves (not checked)."""
    import shutil
    tree = tmp_path / "tree"
    shutil.copytree(os.path.join(REPO, EXAMPLE), tree)
    package = tree / "fleet"
    (package / "orphan.py").write_text(
        "import oslo_messaging as messaging\n\n\n"
        "class OrphanAPI(object):\n\n"
        "    def __init__(self):\n"
        "        target = messaging.Target(topic='orphan', version='1.0')\n"
        "        self.client = messaging.get_rpc_client(None, target)\n\n"
        "    def ping(self, ctxt):\n"
        "        self.client.prepare(version='1.0').cast(ctxt, 'ping')\n")
    with open(package / "rpcapi.py", "a") as handle:
        handle.write("\n    def poke(self, ctxt, host, name):\n"
                     "        cctxt = self.client.prepare(server=host, "
                     "version='6.0')\n"
                     "        cctxt.cast(ctxt, name)\n")
    return str(tree)


PARTLY = ("partly checked: fleet API (fleet.rpcapi.FleetAPI): 1 send(s) "
          "name their method at run time")
NOT = ("not checked: orphan API (fleet.orphan.OrphanAPI): "
       "fleet.manager.FleetManager implements 0 of the 1 methods the client "
       "sends, so it is not its server")


def test_every_run_says_what_was_checked(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    tree = partly_checked_tree(tmp_path)
    proc = run_cli("--base", "none", ".", cwd=tree)
    lines = proc.stderr.splitlines()
    assert lines[-1] == ("6 findings in 1 API, 3 files checked; 2 RPC APIs: "
                         "0 checked, 1 partly, 1 not (see --inventory)")
    assert f"rpc-version-lint: {PARTLY}" in lines
    assert f"rpc-version-lint: {NOT}" in lines
    assert run_cli("--base", "none", "-q", ".", cwd=tree).stderr == ""
    data = json.loads(run_cli("--base", "none", "--format", "json", ".",
                              cwd=tree).stdout)
    jsonschema.validate(data, resources.schema("findings"))
    coverage = data["summary"]["coverage"]
    assert (coverage["checked"], coverage["partial"],
            coverage["unchecked"]) == (0, 1, 1)
    assert {(a["api"], a["coverage"]) for a in coverage["apis"]} == {
        ("fleet.rpcapi.FleetAPI", "partial"),
        ("fleet.orphan.OrphanAPI", "unchecked")}
    sarif = json.loads(run_cli("--base", "none", "--format", "sarif", ".",
                               cwd=tree).stdout)
    assert sarif["runs"][0]["properties"]["summary"]["coverage"] == coverage


def test_flake8_says_it_once_per_worker(tmp_path):
    from conftest import run_flake8
    tree = partly_checked_tree(tmp_path)
    proc = run_flake8("--select", "RPC", "--rpc-base", "none", "--jobs",
                      "1", ".", cwd=tree)
    lines = proc.stderr.splitlines()
    for said in ("fleet: 2 RPC APIs: 0 checked, 1 partly, 1 not (see "
                 "--inventory)", PARTLY, NOT):
        assert lines.count(f"rpc-version-lint: {said}") == 1, proc.stderr
    two = run_flake8("--select", "RPC", "--rpc-base", "none", "--jobs", "2",
                     ".", cwd=tree)
    assert 1 <= two.stderr.splitlines().count(f"rpc-version-lint: {NOT}") \
        <= 2
    quiet = run_flake8("-q", "--select", "RPC", "--rpc-base", "none", ".",
                       cwd=tree)
    assert PARTLY not in quiet.stderr and NOT not in quiet.stderr


def test_flake8_without_rpc_codes_runs_nothing(tmp_path):
    from conftest import run_flake8
    tree = partly_checked_tree(tmp_path)
    proc = run_flake8("--select", "E9", "--rpc-base", "none", ".", cwd=tree)
    assert proc.returncode == 0 and "rpc-version-lint" not in proc.stderr
