"""The GitHub Action (action.yml) and the Zuul job (zuul.d/, playbooks/):
their YAML, the command line they build, and that command run on real
changes."""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import sys

import pytest

from conftest import REPO
from rpc_version_lint import cli
from test_procedure import PLAIN, SHAPES, TAGGED, setup_repo, state

yaml = pytest.importorskip("yaml")
jinja2 = pytest.importorskip("jinja2")

COMPUTE = next(s for s in SHAPES if s.name == "compute")
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load(*parts):
    with open(os.path.join(REPO, *parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def readme_yaml(heading: str) -> dict:
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    section = re.split(r"\n##+ ", text.split(heading + "\n", 1)[1])[0]
    return yaml.safe_load(re.search(r"```yaml\n(.*?)```", section,
                                    re.S).group(1))


@pytest.fixture
def change_2(tmp_path):
    """A repository whose HEAD is a CI merge commit bringing in change #2
    (the old major removed) with the given message."""
    def make(message):
        repo = setup_repo(tmp_path / message.split()[0], COMPUTE,
                          [("bump", "Bump")])
        repo.git("checkout", "-q", "-b", "feature")
        repo.put(*state(COMPUTE, "done"))
        repo.commit(message)
        repo.git("checkout", "-q", "main")
        repo.git("merge", "-q", "--no-ff", "-m", "Merge", "feature")
        return repo
    return make


def tool_script(path) -> str:
    """An executable standing in for the installed ``rpc-version-lint``:
    this checkout's, run by the interpreter running the tests."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m "
                     f"rpc_version_lint \"$@\"\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return str(path)


def recorder_script(path, status: int) -> str:
    """An executable that records its arguments and exits with status."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"#!{sys.executable}\nimport json, sys\n"
                     f"json.dump(sys.argv[1:], open({str(path) + '.json'!r},"
                     f" 'w'))\nsys.exit({status})\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return str(path)


# -- the GitHub Action ----------------------------------------------------

def action():
    return load("action.yml")


def step(ident: str) -> dict:
    return next(s for s in action()["runs"]["steps"] if s.get("id") == ident)


def render(value: str, inputs: dict, outputs: dict) -> str:
    """Evaluate the ${{ }} expressions the action's env uses."""
    def one(match):
        expr = match.group(1)
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        if expr.startswith("steps."):
            return outputs[expr]
        raise AssertionError(f"unexpected expression {expr!r}")
    return EXPR.sub(one, value)


def run_step(ident, *, cwd, given=None, outputs=None, tmp_path,
             action_path=REPO):
    """Run a bash step of the action as the runner does (bash -e -o
    pipefail on the script), inputs at their defaults unless given; the
    step's outputs are returned with the process."""
    declared = action()["inputs"]
    inputs = {name: spec.get("default", "") for name, spec in
              declared.items()}
    inputs.update(given or {})
    assert set(inputs) == set(declared)
    spec = step(ident)
    assert spec["shell"] == "bash"
    output_file = tmp_path / f"{ident}.output"
    output_file.write_text("")
    env = dict(os.environ, GITHUB_OUTPUT=str(output_file),
               RUNNER_TEMP=str(tmp_path), GITHUB_ACTION_PATH=action_path)
    env.pop("PYTHONPATH", None)
    env.update({key: render(str(value), inputs, outputs or {})
                for key, value in spec.get("env", {}).items()})
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-e", "-o",
                           "pipefail", "-c", spec["run"]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    written = dict(line.split("=", 1) for line in
                   output_file.read_text().splitlines())
    return proc, written


def test_action_is_a_composite_that_installs_runs_and_uploads():
    data = action()
    assert data["runs"]["using"] == "composite"
    steps = data["runs"]["steps"]
    assert [s.get("id") for s in steps[:2]] == ["install", "run"]
    assert "$GITHUB_ACTION_PATH" in step("install")["run"]
    upload = next(s for s in steps if "uses" in s)
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert upload["if"] == "${{ inputs.upload == 'true' }}"
    text = json.dumps(data)
    used = set(re.findall(r"inputs\.([\w-]+)", text))
    assert used == set(data["inputs"])
    for s in steps:
        if "run" in s:
            assert s["shell"] == "bash"
            # inputs reach scripts through env only: no injection
            assert "${{" not in s["run"]


def test_readme_workflow_uses_declared_inputs():
    workflow = readme_yaml("#### GitHub Actions")
    assert workflow["permissions"]["security-events"] == "write"
    (job,) = workflow["jobs"].values()
    checkout, ours = job["steps"]
    assert checkout["with"]["fetch-depth"] == 2
    assert ours["uses"].endswith("/rpc-version-lint@<a tag>")
    assert set(ours["with"]) <= set(action()["inputs"])
    given = {key: str(value) for key, value in ours["with"].items()}
    argv = shlex.split(given["args"])
    assert cli.parser().parse_args(argv + ["."]).rolling_upgrade_apis


@pytest.mark.parametrize("status", [0, 1, 2])
def test_action_command_line(tmp_path, status):
    """What the run step passes parses with the tool's own parser; exit 1
    (findings) lets the upload happen, 2 stops the job."""
    tool = recorder_script(tmp_path / "rpc-version-lint", status)
    given = {"paths": "nova cinder",
             "args": "--rolling-upgrade-apis nova.compute.rpcapi.ComputeAPI"}
    proc, written = run_step(
        "run", cwd=tmp_path, given=given, tmp_path=tmp_path,
        outputs={"steps.install.outputs.bin": str(tmp_path)})
    assert proc.returncode == (2 if status == 2 else 0), proc.stderr
    assert written == {"exit-code": str(status)}
    with open(tool + ".json", encoding="utf-8") as handle:
        argv = json.load(handle)
    args = cli.parser().parse_args(argv)
    assert (args.format, args.base, args.paths) == ("sarif", "auto",
                                                    ["nova", "cinder"])
    assert args.rolling_upgrade_apis == "nova.compute.rpcapi.ComputeAPI"


@pytest.mark.parametrize("message,rpc102", [(PLAIN, True), (TAGGED, False)])
def test_action_run_step_on_a_change(tmp_path, change_2, message, rpc102):
    jsonschema = pytest.importorskip("jsonschema")
    repo = change_2(message)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool_script(bin_dir / "rpc-version-lint")
    proc, written = run_step("run", cwd=repo.path, tmp_path=tmp_path,
                             outputs={"steps.install.outputs.bin":
                                      str(bin_dir)})
    assert proc.returncode == 0, proc.stderr
    with open(os.path.join(repo.path, "rpc-version-lint.sarif"),
              encoding="utf-8") as handle:
        sarif = json.load(handle)
    with open(os.path.join(REPO, "tests", "data",
                           "sarif-schema-2.1.0.json")) as handle:
        jsonschema.Draft4Validator(json.load(handle)).validate(sarif)
    codes = {r["ruleId"] for r in sarif["runs"][0]["results"]
             if "suppressions" not in r}
    assert ("RPC102" in codes) == rpc102
    assert written == {"exit-code": "1" if codes else "0"}


def test_action_installs_and_runs(distributions, tmp_path, change_2):
    """The install step as the runner does it, from a clean copy of this
    repository as the action's path; the run step then uses that."""
    python = {"python": sys.executable}
    proc, written = run_step("install", cwd=tmp_path, given=python,
                             tmp_path=tmp_path, action_path=distributions
                             .source)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert written == {"bin": str(tmp_path / "rpc-version-lint-venv" /
                                  "bin")}
    repo = change_2(PLAIN)
    proc, written = run_step("run", cwd=repo.path, given=python,
                             tmp_path=tmp_path,
                             outputs={"steps.install.outputs.bin":
                                      written["bin"]})
    assert proc.returncode == 0 and written == {"exit-code": "1"}
    with open(os.path.join(repo.path, "rpc-version-lint.sarif"),
              encoding="utf-8") as handle:
        results = json.load(handle)["runs"][0]["results"]
    assert "RPC102" in {r["ruleId"] for r in results}


# -- the Zuul job ---------------------------------------------------------

def job() -> dict:
    (entry,) = load("zuul.d", "jobs.yaml")
    return entry["job"]


def playbook() -> list:
    return load(*job()["run"].split("/"))


def ansible(template: str, variables: dict) -> str:
    """Render as Ansible does, templates in variables included."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    for _ in range(5):
        template = env.from_string(template).render(variables)
    return template


ZUUL = {
    "ansible_user_dir": "/home/zuul",
    "ensure_pip_virtualenv_command": "python3 -m venv",
    "zuul": {
        "project": {"src_dir": "src/opendev.org/openstack/nova"},
        "projects": {
            "opendev.org/openstack/nova": {
                "short_name": "nova",
                "src_dir": "src/opendev.org/openstack/nova"},
            "example.org/tools/rpc-version-lint": {
                "short_name": "rpc-version-lint",
                "src_dir": "src/example.org/tools/rpc-version-lint"},
        },
    },
}


def zuul_tasks(extra_vars=None) -> tuple[dict, dict]:
    variables = {**ZUUL, **job()["vars"], **(extra_vars or {})}
    (play,) = playbook()
    assert play["hosts"] == "all"
    assert "ensure-pip" in play["roles"]
    install, check = play["tasks"]
    return ({k: ansible(v, variables) for k, v in install["pip"].items()},
            {"command": ansible(check["command"], variables),
             "chdir": ansible(check["args"]["chdir"], variables)})


def test_zuul_job_definition():
    spec = job()
    assert spec["name"] == "rpc-version-lint"
    assert {"zuul": "zuul/zuul-jobs"} in spec["roles"]
    assert "rpc-version-lint" in spec["required-projects"]
    assert os.path.isfile(os.path.join(REPO, *spec["run"].split("/")))
    assert spec["vars"]["rpc_version_lint_paths"] == "."


def test_readme_zuul_project_uses_the_job_and_its_variables():
    (project,) = readme_yaml("#### Zuul")
    ((name, settings),) = [next(iter(j.items())) for j in
                           project["project"]["check"]["jobs"]]
    assert name == job()["name"]
    assert set(settings["vars"]) <= set(job()["vars"])
    _, check = zuul_tasks(settings["vars"])
    cli.parser().parse_args(shlex.split(check["command"])[1:])


def test_zuul_playbook_installs_this_repository_and_runs_against_head_1():
    install, check = zuul_tasks({"rpc_version_lint_args": (
        "--rolling-upgrade-apis nova.compute.rpcapi.ComputeAPI")})
    assert install == {
        "name": "/home/zuul/src/example.org/tools/rpc-version-lint",
        "virtualenv": "/home/zuul/.venv-rpc-version-lint",
        "virtualenv_command": "python3 -m venv"}
    assert check["chdir"] == "/home/zuul/src/opendev.org/openstack/nova"
    argv = shlex.split(check["command"])
    assert argv[0] == "/home/zuul/.venv-rpc-version-lint/bin/" \
                      "rpc-version-lint"
    args = cli.parser().parse_args(argv[1:])
    assert (args.base, args.paths) == ("HEAD^", ["."])
    assert args.rolling_upgrade_apis == "nova.compute.rpcapi.ComputeAPI"


@pytest.mark.parametrize("message,rpc102", [(PLAIN, True), (TAGGED, False)])
def test_zuul_command_on_a_change(tmp_path, change_2, message, rpc102):
    repo = change_2(message)
    _, check = zuul_tasks()
    argv = shlex.split(check["command"])
    for head in ("merge commit", "the change itself"):
        proc = subprocess.run([sys.executable, "-m", "rpc_version_lint",
                               *argv[1:]], cwd=repo.path,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode in (0, 1), proc.stderr
        assert ("RPC102" in proc.stdout) == rpc102, (head, proc.stdout)
        repo.git("checkout", "-q", "feature")
