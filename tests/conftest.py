"""Shared test helpers: fixture trees, expected findings, release trees,
built distributions."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

import pytest

import releases

from rpc_version_lint import engine, rules
from rpc_version_lint.config import Config

# Every test sees the analysis as a first run does: snapshots kept by
# earlier runs (the developer's own, or another test's) are not reused.
# tests/test_store.py turns the store on where it tests it.
os.environ["RPC_VERSION_LINT_CACHE"] = "off"

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FIXTURES = os.path.join(REPO, "fixtures")
EXPECT_RE = re.compile(r"#\s*expect:\s*(RPC\d{3}(?:\s*,\s*RPC\d{3})*)")


def calls_to(monkeypatch, owner, name: str, noted) -> list:
    """What ``noted(*args)`` gives for each call of ``owner.name`` from
    now on (the real one still runs)."""
    seen: list = []
    real = getattr(owner, name)

    def recording(*args, **kwargs):
        seen.append(noted(*args, **kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return seen


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


def reported(stdout: str) -> list:
    """(path, line, code, text) of each ``path:line:col: CODE message``
    line printed, the path normalised; text is ``CODE message``."""
    found = []
    for line in stdout.splitlines():
        path, number, _col, rest = line.split(":", 3)
        found.append((os.path.normpath(path).replace(os.sep, "/"),
                      int(number), rest.split()[0], rest.strip()))
    return found


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


# -- built distributions, once per session ---------------------------------

# what a checkout holds that is not the project (for a tree without git)
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", ".cache", ".hypothesis", ".pytest_cache", "__pycache__",
    "*.egg-info", "build", "dist")


def source_files() -> list[str] | None:
    """The project's files as git sees them (tracked, and new files not
    ignored); None outside a git checkout."""
    proc = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                           "--exclude-standard"], cwd=REPO,
                          capture_output=True)
    if proc.returncode != 0:
        return None
    return [name for name in proc.stdout.decode().split("\0")
            if name and os.path.isfile(os.path.join(REPO, name))]


@dataclass
class Distributions:
    wheel: str
    sdist: str
    source: str     # the clean copy they were built from


@pytest.fixture(scope="session")
def distributions(tmp_path_factory) -> Distributions:
    """sdist and wheel built by ``python -m build`` (the wheel from the
    sdist) from a clean copy of the project, so that stray files in the
    checkout cannot hide a missing MANIFEST.in line."""
    work = tmp_path_factory.mktemp("build")
    source = work / "source"
    files = source_files()
    if files is None:
        shutil.copytree(REPO, source, ignore=_NOT_SOURCE)
    else:
        for name in files:
            target = source / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(os.path.join(REPO, name), target)
    out = work / "dist"
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir",
                           str(out), str(source)], capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return Distributions(str(wheel), str(sdist), str(source))


@dataclass
class Installed:
    """The wheel installed in a fresh virtual environment outside the
    source tree."""
    bin: str
    python: str
    env: dict
    home: str    # a working directory outside the source tree

    def run(self, program, *args, cwd=None):
        return subprocess.run([os.path.join(self.bin, program), *args],
                              cwd=cwd or self.home, env=self.env,
                              capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="session")
def installed_wheel(distributions, tmp_path_factory) -> Installed:
    import venv

    home = tmp_path_factory.mktemp("installed")
    env_dir = home / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = str(env_dir / ("Scripts" if sys.platform == "win32"
                             else "bin"))
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"],
               VIRTUAL_ENV=str(env_dir), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    python = os.path.join(bin_dir, "python")
    proc = subprocess.run([python, "-m", "pip", "install", "--quiet",
                           distributions.wheel], cwd=home, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return Installed(bin_dir, python, env, str(home))
