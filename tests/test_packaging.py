"""Package metadata, the version and the changelog."""

import os
import re

from conftest import REPO
from rpc_version_lint import __version__


def pyproject() -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as handle:
        return tomllib.load(handle)


def test_the_version_is_set_in_one_place():
    data = pyproject()
    assert "version" not in data["project"]
    assert data["project"]["dynamic"] == ["version"]
    assert data["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "rpc_version_lint.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_the_changelog_has_unreleased_and_this_version():
    with open(os.path.join(REPO, "CHANGELOG.md"), encoding="utf-8") as f:
        headings = re.findall(r"^## (.+)$", f.read(), re.M)
    assert headings[0] == "Unreleased"
    versions = [h.split(" - ")[0] for h in headings[1:]]
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in versions)
    assert __version__ in versions
    keys = [tuple(map(int, v.split("."))) for v in versions]
    assert keys == sorted(keys, reverse=True)


def test_license_is_an_spdx_expression_with_its_text():
    project = pyproject()["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    with open(os.path.join(REPO, "LICENSE"), encoding="utf-8") as handle:
        text = handle.read()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert not any(c.startswith("License ::")
                   for c in project["classifiers"])  # PEP 639


def test_ci_runs_the_oldest_astroid_allowed():
    """.ci/run's extra step installs exactly astroid's lower bound and
    runs tests that exist."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    (astroid,) = [Requirement(r) for r in pyproject()["project"]
                  ["dependencies"] if r.startswith("astroid")]
    lower = [s.version for s in astroid.specifier if s.operator == ">="]
    assert [s.operator for s in astroid.specifier if s.operator != ">="] \
        == ["<"]
    with open(os.path.join(REPO, ".ci", "run"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    (pin,) = [line for line in lines if "astroid==" in line]
    assert Version(re.search(r"'astroid==([^']+)'", pin).group(1)) == \
        Version(lower[0])
    after = lines[lines.index(pin) + 1:]
    (run,) = [line for line in after if line.startswith("python -m pytest")]
    paths = [word for word in run.split() if word.startswith("tests/")]
    assert paths and all(os.path.isfile(os.path.join(REPO, p))
                         for p in paths)
    assert "test_flow.py" in run  # holds the test that astroid resolves
