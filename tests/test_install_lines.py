"""The README's install lines name things pip, pre-commit and tox can
install."""

import configparser
import os
import re
import subprocess
import sys

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from conftest import REPO

yaml = pytest.importorskip("yaml")

# hacking 8.1.0, the newest on the package index when this was written,
# declares Requires-Dist: flake8~=7.3.0
HACKING_8_FLAKE8 = SpecifierSet("~=7.3.0")
URL, TAG = "<URL of this repository>", "<a tag>"


def readme(url="https://git.example/rpc-version-lint", tag="0.1.0") -> str:
    """The README with its placeholders filled in as a user would."""
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    assert URL in text and TAG in text
    return text.replace(URL, url).replace(TAG, tag)


def blocks(heading: str, lang: str) -> list[str]:
    section = re.split(r"\n##+ ", readme().split(heading + "\n", 1)[1])[0]
    return re.findall(rf"```{lang}\n(.*?)```", section, re.S)


def project() -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as handle:
        return tomllib.load(handle)["project"]


def our_requirement(**filled) -> str:
    """The one way the README names this tool as a requirement."""
    found = set(re.findall(r"rpc-version-lint @ git\+[^'\s]+",
                           readme(**filled)))
    assert len(found) == 1, found
    return found.pop()


def test_pre_commit_example():
    config = yaml.safe_load(blocks("### 1. pre-commit", "yaml")[0])
    assert config["default_stages"] == ["pre-commit"]
    (flake8,) = config["repos"]
    assert flake8["repo"] == "https://github.com/PyCQA/flake8"
    rev = Version(flake8["rev"])
    assert rev in HACKING_8_FLAKE8
    ours = next(Requirement(r) for r in project()["dependencies"]
                if r.startswith("flake8"))
    assert rev in ours.specifier
    (hook,) = flake8["hooks"]
    deps = [Requirement(d) for d in hook["additional_dependencies"]]
    hacking = next(d for d in deps if d.name == "hacking")
    assert "8.1.0" in hacking.specifier
    assert [str(d) for d in deps if d.name == "rpc-version-lint"] == [
        our_requirement()]


def test_this_repository_hooks_exist():
    listed = yaml.safe_load(blocks("### 1. pre-commit", "yaml")[1])
    with open(os.path.join(REPO, ".pre-commit-hooks.yaml"),
              encoding="utf-8") as handle:
        provided = {hook["id"] for hook in yaml.safe_load(handle)}
    ids = {hook["id"] for entry in listed for hook in entry["hooks"]}
    assert ids and ids <= provided


def test_tox_example():
    parser = configparser.ConfigParser()
    parser.read_string(blocks("### 2. tox -e pep8 and the gating job",
                              "ini")[0])
    deps = [Requirement(line) for line in
            parser["testenv:pep8"]["deps"].strip().splitlines()]
    assert [str(d) for d in deps if d.name == "rpc-version-lint"] == [
        our_requirement()]
    assert "8.1.0" in next(d for d in deps if d.name == "hacking").specifier


def test_the_git_requirement_installs(tmp_path):
    """With this checkout and its HEAD in place of the placeholders, pip
    installs the requirement, package data included."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO,
                          capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("needs the project as a git checkout")
    # with a host: the packaging of older pips rejects git+file:///path
    requirement = our_requirement(url="file://localhost" + REPO,
                                  tag=head.stdout.strip())
    target = tmp_path / "target"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--disable-pip-version-check", "--target", str(target),
         requirement], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    package = target / "rpc_version_lint"
    assert (package / "data" / "findings.schema.json").is_file()
    assert (package / "data" / "rules" / "RPC101.md").is_file()
