"""Real release trees from the package index, unpacked once into a cache.

Shared by the ``realworld`` tests and the benchmark script.  Every tree
used is named in ``tests/data/releases.json`` (distribution, version,
top-level package, series, previous release); asking for another one is an
error, not a skip, so that a typo cannot turn a test into a silent skip.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data", "releases.json")
CACHE = os.environ.get("RPC_LINT_CACHE") or os.path.join(
    os.path.expanduser("~"), ".cache", "rpc-version-lint", "releases")


class Unavailable(Exception):
    """The release cannot be fetched (no package index, say)."""


def catalogue() -> list[dict]:
    with open(DATA, encoding="utf-8") as handle:
        return json.load(handle)["trees"]


def entry(project: str, version: str) -> dict:
    for item in catalogue():
        if item["distribution"] == project and item["version"] == version:
            return item
    raise LookupError(f"{project}=={version} is not in {DATA}; add it there "
                      f"(distribution, version, package, series)")


def latest() -> list[dict]:
    """The trees whose previous release is named: the ones under test."""
    return [item for item in catalogue() if item.get("previous")]


def release_tree(project: str, version: str) -> str:
    """The directory holding the unpacked wheel of ``project==version``."""
    item = entry(project, version)
    target = os.path.join(CACHE, f"{project}-{version}")
    marker = os.path.join(target, ".complete")
    if os.path.exists(marker):
        return target
    # test processes running side by side (pytest -n) fetch each tree once
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(CACHE, f".{project}-{version}.lock"), "w") as lock:
        _exclusive(lock)
        if not os.path.exists(marker):
            _fetch(project, version, item, target)
            open(marker, "w").close()
    return target


def _exclusive(lock) -> None:
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock; run the tests in one process
        return
    fcntl.flock(lock, fcntl.LOCK_EX)


def _fetch(project: str, version: str, item: dict, target: str) -> None:
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
        if wheel is None:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            if _unreachable(proc.stderr):
                raise Unavailable(f"cannot download {project}=={version} "
                                  f"from the package index: {last}")
            raise RuntimeError(f"pip download {project}=={version} failed: "
                               f"{last}")
    _extract(wheel, target, item)


def _unreachable(stderr: str) -> bool:
    """pip's words for a package index it cannot reach (as opposed to a
    distribution or version it does not have)."""
    words = ("connection", "network", "resolve", "timed out", "proxy",
             "temporary failure", "unreachable", "ssl")
    text = stderr.lower()
    return any(w in text for w in words) and \
        "no matching distribution" not in text


def _extract(wheel: str, target: str, item: dict) -> None:
    """The files the wheel's RECORD lists under the package (not the
    dist-info, not other top-level packages such as integration tests)."""
    package = item["package"]
    with zipfile.ZipFile(wheel) as archive:
        record = next(n for n in archive.namelist()
                      if n.endswith(".dist-info/RECORD"))
        with archive.open(record) as handle:
            rows = csv.reader(io.TextIOWrapper(handle, "utf-8"))
            # the package, and the entry points an installed distribution
            # declares (how stevedore finds its drivers)
            members = [row[0] for row in rows
                       if row and (row[0].startswith(package + "/") or
                                   row[0].endswith(".dist-info/"
                                                   "entry_points.txt"))]
        python = sum(1 for m in members if m.endswith(".py"))
        if python < item["min_files"]:
            raise RuntimeError(
                f"{os.path.basename(wheel)}: RECORD lists {python} Python "
                f"files under {package}/, fewer than the {item['min_files']} "
                f"expected: a broken download or a changed layout")
        archive.extractall(target, members)


def _find_wheel(directory: str, project: str, version: str):
    prefix = f"{project.replace('-', '_')}-{version}-"
    for name in sorted(os.listdir(directory)):
        if name.startswith(prefix) and name.endswith(".whl"):
            return os.path.join(directory, name)
    return None
