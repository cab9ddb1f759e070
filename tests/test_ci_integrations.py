"""The GitHub Action (action.yml): its YAML, the command line it builds,
and that command run on real changes."""

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
