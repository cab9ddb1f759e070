"""Shared by the robustness tests: a tree with known findings, and a run
that must finish quickly, without a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

from conftest import fixture

# fixtures/rules/rpc205's badver package holds exactly these findings
KNOWN = {("badver/manager.py", 6, "RPC205")} | {
    ("badver/rpcapi.py", line, "RPC205") for line in (5, 15, 19, 24)}
SECONDS = 20  # "a few seconds", with room for a slow CI machine


def known_tree(path) -> str:
    shutil.copytree(fixture("rules", "rpc205"), path, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("numeric"))
    return str(path)


def run(*args, cwd, env=None):
    """(exit status, findings, stderr lines) of the command line."""
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "rpc_version_lint", "-q",
                           *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    elapsed = time.monotonic() - start
    assert elapsed < SECONDS, f"took {elapsed:.1f}s"
    assert "Traceback" not in proc.stderr, proc.stderr
    findings = set()
    for line in proc.stdout.splitlines():
        path, number, _col, rest = line.split(":", 3)
        findings.add((os.path.normpath(path).replace(os.sep, "/"),
                      int(number), rest.split()[0]))
    return proc.returncode, findings, [line for line in
                                       proc.stderr.splitlines()
                                       if line.strip()]
