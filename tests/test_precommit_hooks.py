"""The hooks of .pre-commit-hooks.yaml, run by pre-commit itself."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO, fixture
from gitrepo import Repo

PLAIN = "Drop 5.x\n"
TAGGED = "Drop 5.x\n\nUpgradeImpact: upgrade every fleet host first\n"


def pre_commit(*args, cwd, home):
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args], cwd=cwd,
        capture_output=True, text=True, timeout=600,
        env=dict(os.environ, PRE_COMMIT_HOME=str(home)))


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    pytest.importorskip("pre_commit")
    if not os.path.isdir(os.path.join(REPO, ".git")):
        pytest.skip("pre-commit try-repo needs this project as a git "
                    "checkout")
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def change_2(tmp_path):
    """HEAD after change #1; change #2 staged, not committed."""
    repo = Repo(tmp_path / "repo")
    repo.put(fixture("shapes", "compute"))
    repo.commit("Bump fleet RPC to 6.0")
    shutil.copytree(fixture("procedure", "compute", "done"), repo.path,
                    dirs_exist_ok=True, ignore=shutil.ignore_patterns(
                        "README.md"))
    repo.git("add", "-A")
    return repo


@pytest.mark.parametrize("message,fails", [(PLAIN, True), (TAGGED, False)])
def test_commit_msg_hook(home, change_2, tmp_path, message, fails):
    msg = tmp_path / "COMMIT_EDITMSG"
    msg.write_text(message)
    proc = pre_commit("try-repo", REPO, "rpc-version-lint-commit-msg",
                      "--hook-stage", "commit-msg",
                      "--commit-msg-filename", str(msg), cwd=change_2.path,
                      home=home)
    out = proc.stdout + proc.stderr
    assert (proc.returncode != 0) == fails, out
    assert ("RPC102" in out) == fails, out


def test_pre_commit_stage_leaves_rpc102_to_the_message_hook(home, change_2):
    proc = pre_commit("try-repo", REPO, "rpc-version-lint", "--all-files",
                      cwd=change_2.path, home=home)
    assert "rpc-version-lint...." in proc.stdout, proc.stderr
    assert "RPC1" not in proc.stdout
    # the client kept its 5.x fallbacks: dead code, reported as such
    assert "RPC204" in proc.stdout
