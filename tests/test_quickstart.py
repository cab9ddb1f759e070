"""The README's Quick start, run as written in a fresh virtual environment.

The first command (install, then check the bundled example) runs here. The
second (install the test extras, run the whole suite) is what .ci/run runs
in its own fresh environment; this test makes sure the two stay the same
command, so CI runs it exactly as written.
"""

import os
import re
import subprocess
import sys
import venv

import pytest

from conftest import REPO


def quick_start() -> list[str]:
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```console\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_exactly_two_commands():
    commands = quick_start()
    assert len(commands) == 2
    assert commands[0].startswith("pip install . && rpc-version-lint ")
    with open(os.path.join(REPO, ".ci", "run"), encoding="utf-8") as handle:
        ci = handle.read()
    assert commands[1] in ci.splitlines()


NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven",
           "eight", "nine", "ten")


def test_first_command_in_a_fresh_environment(tmp_path):
    if not os.path.isdir(os.path.join(REPO, ".git")):
        pytest.skip("needs the project as a git checkout to copy it")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO,
                           capture_output=True, check=True).stdout
    project = tmp_path / "project"
    for name in files.decode().split("\0"):
        if name and os.path.isfile(os.path.join(REPO, name)):
            target = project / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(open(os.path.join(REPO, name), "rb").read())
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
               VIRTUAL_ENV=str(env_dir), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(quick_start()[0], shell=True, cwd=project, env=env,
                          capture_output=True, text=True, timeout=900)
    # the example holds real bugs: findings, exit status 1
    assert proc.returncode == 1, proc.stdout + proc.stderr
    findings = [line for line in proc.stdout.splitlines() if ": RPC" in line]
    codes = {line.split()[1] for line in findings}
    assert {"RPC201", "RPC203", "RPC204", "RPC205", "RPC208"} <= codes
    # as many as the README says
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        said = re.search(r"it prints (\w+) findings", handle.read()).group(1)
    assert NUMBERS.index(said) == len(findings), proc.stdout


def test_ci_environment_cannot_see_the_system_python():
    """A test that leaves the virtual environment (resolving sys.executable
    to the system Python) must fail in CI as on a fresh machine."""
    with open(os.path.join(REPO, ".ci", "run"), encoding="utf-8") as handle:
        ci = handle.read()
    assert "--system-site-packages" not in ci
    assert "unset PYTHONPATH" in ci and "PYTHONNOUSERSITE=1" in ci
    guard = ci.split("base=", 1)[1].split("\nfi\n", 1)[0]
    assert "import rpc_version_lint" in guard and "exit 1" in guard
    assert " -I " in guard  # not the package in the current directory
    # and no test resolves the interpreter out of the environment
    tests = os.path.join(REPO, "tests")
    for directory, _, files in os.walk(tests):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(directory, name),
                          encoding="utf-8") as handle:
                    text = handle.read()
                assert not re.search(
                    r"realpath\((sys\.executable|_python\(\))", text), name
