"""Shared test helpers: fixture trees, expected findings, release trees."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile

import pytest

from rpc_version_lint import engine, rules
from rpc_version_lint.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FIXTURES = os.path.join(REPO, "fixtures")
EXPECT_RE = re.compile(r"#\s*expect:\s*(RPC\d{3}(?:\s*,\s*RPC\d{3})*)")


def fixture(*parts: str) -> str:
    return os.path.join(FIXTURES, *parts)


def expected_findings(root: str) -> set[tuple[str, int, str]]:
    """(relpath, line, code) for every ``# expect: CODE`` comment."""
    found = set()
    for directory, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(directory, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            with open(path, encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    match = EXPECT_RE.search(line)
                    if match:
                        for code in re.split(r"\s*,\s*", match.group(1)):
                            found.add((rel, number, code))
    return found


def analyze_tree(root: str, config: Config = Config(base=None),
                 codes=None) -> list[engine.Result]:
    codes = rules.enabled_codes() if codes is None else set(codes)
    return [engine.analyze(r, top, config, codes)
            for r, top in engine.scopes([root])]


def actual_findings(results, codes=None) -> set[tuple[str, int, str]]:
    return {(f.relpath, f.line, f.code) for r in results for f in r.findings
            if codes is None or f.code in codes}


def run_cli(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "rpc_version_lint", *args],
                          cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def run_flake8(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


# -- real release trees from the package index -----------------------------

CACHE = os.environ.get("RPC_LINT_CACHE") or os.path.join(
    os.path.expanduser("~"), ".cache", "rpc-version-lint", "releases")


def release_tree(project: str, version: str) -> str:
    """The unpacked release ``project==version`` (downloaded once)."""
    target = os.path.join(CACHE, f"{project}-{version}")
    marker = os.path.join(target, ".complete")
    if os.path.exists(marker):
        return target
    downloads = os.path.join(CACHE, "downloads")
    os.makedirs(downloads, exist_ok=True)
    wheel = _find_wheel(downloads, project, version)
    if wheel is None:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps",
             "--only-binary", ":all:", "--disable-pip-version-check",
             "-q", "-d", downloads, f"{project}=={version}"],
            capture_output=True, text=True, timeout=600)
        wheel = _find_wheel(downloads, project, version)
        if proc.returncode != 0 or wheel is None:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            pytest.skip(f"cannot download {project}=={version} from the "
                        f"package index: {last}")
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist()
                   if m.startswith(project.replace("-", "_") + "/")]
        archive.extractall(target, members)
    open(marker, "w").close()
    return target


def _find_wheel(directory: str, project: str, version: str):
    prefix = f"{project.replace('-', '_')}-{version}-"
    for name in sorted(os.listdir(directory)):
        if name.startswith(prefix) and name.endswith(".whl"):
            return os.path.join(directory, name)
    return None
