"""Git as an untrusted checkout and a hostile environment can make it: no
program the repository configures runs, nothing in .git is written, and
what git answers does not depend on the caller's GIT_* variables or on
index flags."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess

import pytest

from conftest import run_cli, run_flake8
from gitrepo import Repo

from .helpers import run
from .test_environments import DROP, N, RPC101, SHAPE, bump_repo


def _script(path, marker) -> str:
    """An executable that leaves a marker and passes its input through."""
    with open(path, "w") as handle:
        handle.write(f"#!/bin/sh\ntouch '{marker}'\ncat\n")
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return str(path)


def _sign(repo: Repo) -> None:
    """Give HEAD a (fake) signature header, so that a log showing
    signatures calls gpg.program."""
    commit = repo.git("cat-file", "commit", "HEAD") + "\n"
    head, _, message = commit.partition("\n\n")
    signed = (head + "\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEz\n"
              " -----END PGP SIGNATURE-----\n\n" + message)
    proc = subprocess.run(["git", "hash-object", "-t", "commit", "-w",
                           "--stdin"], cwd=repo.path, input=signed,
                          capture_output=True, text=True, check=True)
    repo.git("update-ref", "refs/heads/main", proc.stdout.strip())


def test_repository_configured_programs_never_run(tmp_path):
    repo = bump_repo(tmp_path / "repo")
    _sign(repo)
    markers = tmp_path / "ran"
    markers.mkdir()
    tools = tmp_path / "tools"
    tools.mkdir()
    planted = {name: _script(tools / name, markers / name)
               for name in ("fsmonitor", "clean", "gpg", "hook")}
    for key, value in (("core.fsmonitor", planted["fsmonitor"]),
                       ("filter.evil.clean", planted["clean"]),
                       ("filter.evil.smudge", "cat"),
                       ("filter.evil.required", "true"),
                       ("gpg.program", planted["gpg"]),
                       ("log.showSignature", "true")):
        repo.git("config", key, value)
    shutil.copy(planted["hook"], os.path.join(repo.path, ".git", "hooks",
                                              "post-index-change"))
    with open(os.path.join(repo.path, ".gitattributes"), "w") as handle:
        handle.write("*.py filter=evil\n")
    # stale stat data in the index: a refresh would rewrite it
    later = os.stat(os.path.join(repo.path, "fleet", "manager.py")).st_mtime
    for name in os.listdir(os.path.join(repo.path, "fleet")):
        os.utime(os.path.join(repo.path, "fleet", name),
                 (later + 10, later + 10))
    index = os.path.join(repo.path, ".git", "index")
    before = (open(index, "rb").read(), os.stat(index).st_mtime_ns)

    code, findings, _ = run(".", cwd=repo.path)
    assert RPC101 in findings and code == 1
    code, findings, _ = run("--base", "HEAD~1", "--upgrade-from", "HEAD~1",
                            ".", cwd=repo.path)
    assert RPC101 in findings
    proc = run_flake8("--select", "RPC", ".", cwd=repo.path)
    assert "RPC101" in proc.stdout

    assert sorted(os.listdir(markers)) == []
    assert (open(index, "rb").read(), os.stat(index).st_mtime_ns) == before
    assert not os.path.exists(index + ".lock")


def test_exported_git_dir_with_a_src_layout(tmp_path):
    """Hooks of linked worktrees run with GIT_DIR (and GIT_INDEX_FILE)
    exported: git must still find the tree the files are in."""
    repo = Repo(tmp_path / "repo")
    src = os.path.join(repo.path, "src")
    for step, overlay in (("Base", N), ("Bump", DROP)):
        shutil.copytree(SHAPE, src, dirs_exist_ok=True)
        shutil.copytree(overlay, src, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("README.md"))
        repo.commit(step)
    env = dict(os.environ, GIT_DIR=os.path.join(repo.path, ".git"),
               GIT_INDEX_FILE=str(tmp_path / "elsewhere" / "index"),
               GIT_WORK_TREE=str(tmp_path))
    code, findings, errors = run(".", cwd=src, env=env)
    assert RPC101 in findings and errors == []
    proc = run_flake8("--select", "RPC", ".", cwd=src, env=env)
    assert "RPC101" in proc.stdout, proc.stderr


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_index_flags_do_not_hide_changes(tmp_path, flag):
    """A file flagged in the index is what is on disk all the same."""
    repo = Repo(tmp_path / "repo")
    repo.put(SHAPE, N)
    repo.commit("Base")
    repo.git("update-index", flag, "fleet/manager.py")
    shutil.copytree(DROP, repo.path, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("README.md"))
    assert repo.git("status", "--porcelain") == ""  # git sees nothing
    code, findings, errors = run(".", cwd=repo.path)  # auto: HEAD
    assert RPC101 in findings and code == 1, errors
    code, findings, errors = run("--base", "HEAD", ".", cwd=repo.path)
    assert RPC101 in findings


def test_unreadable_object_is_not_an_absent_file(tmp_path):
    """A blobless partial clone whose remote is gone: the base's manager
    cannot be read. That must fail the run, not drop the server."""
    origin = bump_repo(tmp_path / "origin")
    origin.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--filter=blob:none",
                    "file://" + origin.path, str(clone)], check=True)
    shutil.rmtree(origin.path)
    code, findings, errors = run(".", cwd=clone)
    assert code == 2, (findings, errors)
    assert len(errors) == 1 and "fleet/manager.py" in errors[0]
    assert "cannot be read" in errors[0]
    proc = run_flake8("--select", "RPC", ".", cwd=clone)
    assert ":1:1: RPC900" in proc.stdout and proc.returncode == 1
    # a file that is simply not in the base is a new file, nothing more
    shutil.copy(os.path.join(clone, "fleet", "rpc.py"),
                os.path.join(clone, "fleet", "extra.py"))
    with open(os.path.join(clone, "fleet", "extra.py"), "a") as handle:
        handle.write("\n# can_send_version\n")
    subprocess.run(["git", "add", "fleet/extra.py"], cwd=clone, check=True)
    subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@e",
                    "commit", "-qm", "Extra"], cwd=clone, check=True)
    code, findings, errors = run(".", cwd=clone)  # base: the bump, present
    assert code in (0, 1) and errors == [], errors


def test_run_from_a_subdirectory_of_the_repository(tmp_path):
    repo = bump_repo(tmp_path / "repo")
    sub = os.path.join(repo.path, "fleet")
    proc = run_cli("-q", "--base", "HEAD~1", ".", cwd=sub)
    assert "RPC101" in proc.stdout, proc.stderr
