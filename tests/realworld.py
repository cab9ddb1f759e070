"""Release trees analysed once per test session, whatever asks.

Each (tree, settings) pair is analysed at most once per process: the
realworld tests share these results instead of analysing the same release
again in every test.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import re
import shutil
import tempfile

import pytest

import releases

from rpc_version_lint import engine, rules, snapshot
from rpc_version_lint.config import Config
from rpc_version_lint.source import store
from rpc_version_lint.source.files import DiskTree

HERE = os.path.dirname(os.path.abspath(__file__))
INVENTORIES = os.path.join(HERE, "data", "inventories")


def tree(distribution: str, version: str) -> str:
    """The unpacked release; skips the test (saying why) when the package
    index cannot be reached."""
    try:
        return releases.release_tree(distribution, version)
    except releases.Unavailable as exc:
        pytest.skip(str(exc))


def package(distribution: str, version: str) -> str:
    return releases.entry(distribution, version)["package"]


@functools.lru_cache(maxsize=None)
def facts(distribution: str, version: str):
    """The Snapshot of a release: every RPC API found in it, paired."""
    root = tree(distribution, version)
    return snapshot.build(DiskTree(root), package(distribution, version),
                          infer_root=root)


@functools.lru_cache(maxsize=None)
def results(distribution: str, version: str, base: str | None = None,
            upgrade_from: str | None = None, codes: tuple = ()):
    """engine.Result of the release checked with the default rules (or
    ``codes``), against another release as base or previous release."""
    root = tree(distribution, version)
    config = Config(base=tree(distribution, base) if base else None,
                    upgrade_from=tree(distribution, upgrade_from)
                    if upgrade_from else None)
    wanted = set(codes) if codes else rules.enabled_codes()
    with _session_store():
        return engine.analyze(root, package(distribution, version), config,
                              wanted)


_STORE = None


@contextlib.contextmanager
def _session_store():
    """One snapshot store for the session: a tree analysed for one run is
    reused by the next that reads it (a release in every mode, the
    previous release as base and as the release upgraded from)."""
    global _STORE
    if _STORE is None:
        _STORE = tempfile.mkdtemp(prefix="rpc-version-lint-store-")
        atexit.register(shutil.rmtree, _STORE, True)
    before = os.environ.get(store.ENV)
    os.environ[store.ENV] = _STORE
    try:
        yield
    finally:
        if before is None:
            del os.environ[store.ENV]
        else:
            os.environ[store.ENV] = before


def inventory(distribution: str, version: str) -> dict:
    with open(os.path.join(INVENTORIES, f"{distribution}-{version}.json"),
              encoding="utf-8") as handle:
        return json.load(handle)


def inventoried() -> list[tuple[str, str]]:
    """The trees with an expected inventory."""
    found = []
    for item in releases.catalogue():
        name = f"{item['distribution']}-{item['version']}.json"
        if os.path.exists(os.path.join(INVENTORIES, name)):
            found.append((item["distribution"], item["version"]))
    return found


def line_of(path, pattern, after=None):
    """Line number of the first line matching ``pattern`` (after the first
    line matching ``after``)."""
    started = after is None
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not started:
            started = re.search(after, line) is not None
        elif re.search(pattern, line):
            return number
    raise AssertionError(pattern)
