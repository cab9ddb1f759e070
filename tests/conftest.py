"""Shared test helpers: fixture trees, expected findings, release trees."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

import releases

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


def run_flake8(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd,
                          env=env, capture_output=True, text=True,
                          timeout=300)


# -- real release trees from the package index -----------------------------

def release_tree(project: str, version: str) -> str:
    """The unpacked release ``project==version``; skips the test (saying
    why) when the package index cannot be reached."""
    try:
        return releases.release_tree(project, version)
    except releases.Unavailable as exc:
        pytest.skip(str(exc))
