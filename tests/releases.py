"""Real release trees from the package index, unpacked once into a cache.

Shared by the ``realworld`` tests and the benchmark script.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

CACHE = os.environ.get("RPC_LINT_CACHE") or os.path.join(
    os.path.expanduser("~"), ".cache", "rpc-version-lint", "releases")


class Unavailable(Exception):
    """The release cannot be fetched (no package index, say)."""


def release_tree(project: str, version: str) -> str:
    """The directory holding the unpacked wheel of ``project==version``."""
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
            raise Unavailable(f"cannot download {project}=={version} from "
                              f"the package index: {last}")
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
