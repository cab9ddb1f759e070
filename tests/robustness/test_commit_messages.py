"""Commit messages as git reads them: what lies below the scissors line of
``git commit -v`` (the diff) and comment lines, in the comment character
the repository uses, are not the message; a message "file" that is not a
regular file is refused instead of read (a FIFO with no writer hangs)."""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import fixture
from gitrepo import Repo
from rpc_version_lint.source.baseline import approvals

from .helpers import run

SCISSORS = "------------------------ >8 ------------------------"


def verbose_message(comment: str = "#") -> str:
    """What ``git commit -v`` hands the commit-msg hook: the message, the
    template's comments, and below the scissors line the staged diff, whose
    lines may say anything."""
    c = comment
    return (f"Drop the 5.x endpoint\n\n"
            f"{c} Please enter the commit message for your changes.\n"
            f"{c} UpgradeImpact would count if this were not a comment\n"
            f"{c} {SCISSORS}\n"
            f"{c} Do not modify or remove the line above.\n"
            f"{c} Everything below it will be ignored.\n"
            f"diff --git a/fleet/manager.py b/fleet/manager.py\n"
            f"@@ -1,4 +1,4 @@\n"
            f"-    # UpgradeImpact: mentioned in the code\n"
            f" RPC-Approved: RPC302 a context line of the diff\n")


def change_2(path) -> Repo:
    """HEAD after change #1; change #2 (dropping 5.x) staged."""
    repo = Repo(path)
    repo.put(fixture("shapes", "compute"))
    repo.commit("Bump fleet RPC to 6.0")
    shutil.copytree(fixture("procedure", "compute", "done"), repo.path,
                    dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("README.md"))
    repo.git("add", "-A")
    return repo


def rpc102(repo: Repo, message: str, tmp_path) -> bool:
    msg = tmp_path / "COMMIT_EDITMSG"
    msg.write_text(message)
    code, findings, errors = run("--select", "RPC102", "--commit-msg",
                                 str(msg), ".", cwd=repo.path)
    assert errors == [], errors
    return any(code == "RPC102" for _, _, code in findings)


def test_nothing_below_the_scissors_line_counts(tmp_path):
    repo = change_2(tmp_path / "repo")
    assert rpc102(repo, verbose_message(), tmp_path)
    tagged = verbose_message().replace(
        "\n\n", "\n\nUpgradeImpact: every fleet host first\n", 1)
    assert not rpc102(repo, tagged, tmp_path)


def test_the_repository_comment_character(tmp_path):
    repo = change_2(tmp_path / "repo")
    repo.git("config", "core.commentChar", ";")
    assert rpc102(repo, verbose_message(";"), tmp_path)
    # '#' starts an ordinary line of the message then
    hashed = "Drop the 5.x endpoint\n\n#UpgradeImpact: hosts first\n"
    assert not rpc102(repo, hashed, tmp_path)


def test_approvals_are_trailers_at_the_start_of_a_line():
    assert approvals([" RPC-Approved: RPC302 a diff context line"]) == []
    assert approvals(["x\n\tRPC-Approved: RPC302 indented"]) == []
    assert approvals(["x\n\nRPC-Approved: RPC302 deliberate"]) == [
        (("RPC302",), "deliberate")]


def test_approval_below_the_scissors_line_is_ignored(tmp_path):
    from rpc_version_lint.source.baseline import find_base
    repo = change_2(tmp_path / "repo")
    msg = tmp_path / "COMMIT_EDITMSG"
    msg.write_text(verbose_message().replace(
        " RPC-Approved", "RPC-Approved"))
    base = find_base(repo.path, "auto", str(msg))
    assert approvals(base.messages) == []
    assert "diff --git" not in base.messages[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_not_read(tmp_path):
    repo = change_2(tmp_path / "repo")
    fifo = tmp_path / "msg"
    os.mkfifo(fifo)
    code, findings, errors = run("--commit-msg", str(fifo), ".",
                                 cwd=repo.path)
    assert code == 2 and len(errors) == 1, errors
    assert "not a regular file" in errors[0] and str(fifo) in errors[0]


def test_directory_is_refused(tmp_path):
    repo = change_2(tmp_path / "repo")
    code, findings, errors = run("--commit-msg", str(tmp_path), ".",
                                 cwd=repo.path)
    assert code == 2 and "not a regular file" in errors[0], errors


def test_fifo_under_flake8_fails_closed(tmp_path):
    from conftest import run_flake8
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    repo = change_2(tmp_path / "repo")
    fifo = tmp_path / "msg"
    os.mkfifo(fifo)
    proc = run_flake8("--select", "RPC", f"--rpc-commit-msg={fifo}", ".",
                      cwd=repo.path)
    assert ":1:1: RPC900" in proc.stdout and "--rpc-commit-msg" in \
        proc.stdout, proc.stdout + proc.stderr
