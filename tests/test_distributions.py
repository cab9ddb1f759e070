"""The wheel and sdist, built once per session (conftest.distributions):
valid, complete, and working when installed outside the source tree."""

import email.parser
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

from conftest import REPO, source_files
from rpc_version_lint import __version__, rules
from rpc_version_lint.output import report

# Quick tests that need what only the sdist adds: fixtures, examples, test
# data and helpers, the robustness package, the rule pages and schemas.
SDIST_SUBSET = ["tests/test_docs.py", "tests/test_formats.py",
                "tests/test_shapes.py", "tests/test_versions.py",
                "tests/robustness/test_environments.py"]
# in git, deliberately not in the sdist
NOT_IN_SDIST = {".gitignore"}


def test_twine_check(distributions):
    proc = subprocess.run([sys.executable, "-m", "twine", "check",
                           "--strict", distributions.wheel,
                           distributions.sdist], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PASSED") == 2, proc.stdout


def test_wheel_holds_the_package_its_data_and_license(distributions):
    with zipfile.ZipFile(distributions.wheel) as wheel:
        names = set(wheel.namelist())
        info = f"rpc_version_lint-{__version__}.dist-info"
        metadata = email.parser.Parser().parsestr(
            wheel.read(f"{info}/METADATA").decode())
    files = source_files()
    if files is not None:
        package = {name for name in files
                   if name.startswith("rpc_version_lint/")}
        assert package - names == set()
    for name in ("data/findings.schema.json", "data/inventory.schema.json",
                 "data/rules/README.md", "data/rules/RPC101.md"):
        assert f"rpc_version_lint/{name}" in names
    assert f"{info}/licenses/LICENSE" in names
    assert not any(n.startswith(("tests/", "fixtures/")) for n in names)
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["License-File"] == "LICENSE"
    classifiers = metadata.get_all("Classifier")
    assert "Framework :: Flake8" in classifiers
    for minor in (10, 11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)
    assert metadata["Author"]
    astroid = [r for r in metadata.get_all("Requires-Dist")
               if r.startswith("astroid")]
    assert astroid == ["astroid<5,>=2.12"]


def test_sdist_holds_every_project_file(distributions):
    files = source_files()
    if files is None:
        pytest.skip("needs the project as a git checkout to list its files")
    prefix = f"rpc_version_lint-{__version__}/"
    with tarfile.open(distributions.sdist) as sdist:
        names = {n.removeprefix(prefix) for n in sdist.getnames()}
    assert set(files) - NOT_IN_SDIST - names == set()
    assert not any("__pycache__" in n for n in names)


def test_suite_subset_runs_from_the_unpacked_sdist(distributions, tmp_path):
    with tarfile.open(distributions.sdist) as sdist:
        if hasattr(tarfile, "data_filter"):
            sdist.extractall(tmp_path, filter="data")
        else:  # Python 3.10 before 3.10.12
            sdist.extractall(tmp_path)
    (root,) = tmp_path.iterdir()
    # the sdist's package, not this checkout's, in every subprocess too
    env = dict(os.environ, PYTHONPATH=str(root))
    where = subprocess.run([sys.executable, "-c", "import rpc_version_lint;"
                            "print(rpc_version_lint.__file__)"], cwd=root,
                           env=env, capture_output=True, text=True)
    assert where.stdout.startswith(str(root)), where.stdout + where.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-m", "not realworld", *SDIST_SUBSET], cwd=root, env=env,
        capture_output=True, text=True, timeout=900)
    tail = proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, tail
    summary = proc.stdout.strip().splitlines()[-1]
    passed = int(summary.split(" passed")[0].split()[-1])
    assert passed >= 40 and "error" not in summary, tail


# -- the wheel installed in a fresh virtual environment ---------------------

def test_installed_outside_the_source_tree(installed_wheel):
    proc = installed_wheel.run("python", "-c", "import rpc_version_lint;"
                               "print(rpc_version_lint.__file__)")
    where = os.path.realpath(proc.stdout.strip())
    assert where.startswith(os.path.realpath(installed_wheel.home))
    assert not where.startswith(os.path.realpath(REPO) + os.sep)
    assert "site-packages" in where


def test_installed_explain_and_list_rules(installed_wheel):
    for r in rules.all_rules():
        if r.code not in ("RPC101", "RPC203", "RPC901"):
            continue
        proc = installed_wheel.run("rpc-version-lint", "--explain", r.code)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == report.explanation(r) + "\n"
    proc = installed_wheel.run("rpc-version-lint", "--list-rules", "--format",
                               "json")
    assert proc.returncode == 0, proc.stderr
    assert [r["code"] for r in json.loads(proc.stdout)["rules"]] == [
        r.code for r in rules.all_rules()]
    text = installed_wheel.run("rpc-version-lint", "--list-rules").stdout
    assert len(text.splitlines()) == len(rules.all_rules())


def _installed_schema(installed_wheel, kind):
    code = ("import importlib.resources as r, sys; sys.stdout.write("
            "(r.files('rpc_version_lint') / 'data' / "
            f"'{kind}.schema.json').read_text('utf-8'))")
    proc = installed_wheel.run("python", "-c", code)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def example(installed_wheel):
    target = os.path.join(installed_wheel.home, "fleet-example")
    if not os.path.isdir(target):
        shutil.copytree(os.path.join(REPO, "examples", "fleet"), target)
    return target


def test_installed_json_output_matches_the_installed_schema(
        installed_wheel, example):
    jsonschema = pytest.importorskip("jsonschema")
    proc = installed_wheel.run("rpc-version-lint", "--format", "json",
                               "--base", "none", example)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    jsonschema.validate(data, _installed_schema(installed_wheel, "findings"))
    # the renamed parameter's two RPC203 sides are one finding
    assert data["summary"]["findings"] == 6
    assert [f["code"] for f in data["findings"][-1]["folded"]] == ["RPC203"]
    assert data["tool"] == {"name": "rpc-version-lint",
                            "version": __version__}
    proc = installed_wheel.run("rpc-version-lint", "--inventory", "--format",
                               "json", example)
    assert proc.returncode == 0, proc.stderr
    jsonschema.validate(json.loads(proc.stdout),
                        _installed_schema(installed_wheel, "inventory"))


def test_installed_flake8_plugin(installed_wheel, example):
    version = installed_wheel.run("flake8", "--version").stdout
    assert f"rpc-version-lint: {__version__}" in " ".join(version.split())
    proc = installed_wheel.run("flake8", "--select", "RPC", example)
    assert proc.returncode == 1, proc.stderr
    codes = {line.split()[1] for line in proc.stdout.splitlines()}
    assert {"RPC201", "RPC203", "RPC204", "RPC205", "RPC208"} <= codes


def test_installed_docs_command_writes_nothing(installed_wheel):
    pages = installed_wheel.run(
        "python", "-c", "import importlib.resources as r;"
        "print(r.files('rpc_version_lint') / 'data' / 'rules')")
    folder = pages.stdout.strip()
    before = {n: os.path.getmtime(os.path.join(folder, n))
              for n in os.listdir(folder)}
    proc = installed_wheel.run("python", "-m", "rpc_version_lint.docs")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "not a source checkout" in \
        proc.stderr
    check = installed_wheel.run("python", "-m", "rpc_version_lint.docs",
                                "--check")
    assert check.returncode == 0, check.stderr
    assert {n: os.path.getmtime(os.path.join(folder, n))
            for n in os.listdir(folder)} == before
