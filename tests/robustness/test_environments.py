"""Hostile environments around git and the base: one clear line (or
silence), the other findings still reported, the documented exit code."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import fixture
from gitrepo import Repo

from .helpers import KNOWN, known_tree, run

SHAPE = fixture("shapes", "compute")
N = fixture("procedure", "compute", "n")
DROP = fixture("procedure", "compute", "bump-drop")
RPC101 = ("fleet/manager.py", 10, "RPC101")


def bump_repo(path) -> Repo:
    """Two commits: before the bump, and a bump that drops 5.x."""
    repo = Repo(path)
    repo.put(SHAPE, N)
    repo.commit("Base")
    repo.put(SHAPE, DROP)
    repo.commit("Bump")
    return repo


def test_git_not_on_path(tmp_path):
    repo = bump_repo(tmp_path / "repo")
    env = dict(os.environ, PATH=str(tmp_path / "empty"))
    code, findings, errors = run(".", cwd=repo.path, env=env)
    assert errors == ["rpc-version-lint: git is not installed or not on "
                      "PATH: the against-base rules are skipped (install "
                      "git, or pass --base DIR with another tree)"]
    assert RPC101 not in findings and code == 1  # the snapshot rules ran
    code, _, errors = run("--base", "HEAD~1", ".", cwd=repo.path, env=env)
    assert code == 2 and len(errors) == 1


def test_empty_repository(tmp_path):
    repo = Repo(tmp_path / "repo")
    known_tree(repo.path)
    code, findings, errors = run(".", cwd=repo.path)
    assert findings == KNOWN and code == 1
    assert len(errors) == 1 and "no commit yet" in errors[0]


def test_shallow_clone_without_the_base(tmp_path):
    origin = bump_repo(tmp_path / "origin")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1",
                    "file://" + origin.path, str(clone)], check=True)
    code, findings, errors = run(".", cwd=clone)
    assert code == 2 and len(errors) == 1
    assert "shallow clone" in errors[0] and "--deepen" in errors[0]
    subprocess.run(["git", "fetch", "-q", "--deepen=1"], cwd=clone,
                   check=True)
    code, findings, errors = run(".", cwd=clone)
    assert RPC101 in findings and errors == []


def test_bare_repository(tmp_path):
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    tree = known_tree(bare / "tree")
    code, findings, errors = run(".", cwd=tree)
    assert findings == KNOWN and code == 1
    assert len(errors) == 1 and "not inside a git work tree" in errors[0]


def test_linked_worktree(tmp_path):
    repo = bump_repo(tmp_path / "repo")
    repo.git("worktree", "add", "-q", str(tmp_path / "wt"), "HEAD")
    code, findings, errors = run(".", cwd=tmp_path / "wt")
    assert RPC101 in findings and errors == []


def test_submodule(tmp_path):
    inner = bump_repo(tmp_path / "inner")
    outer = Repo(tmp_path / "outer")
    outer.git("-c", "protocol.file.allow=always", "submodule", "add", "-q",
              inner.path, "api")
    outer.commit("Add the API as a submodule")
    code, findings, errors = run(".", cwd=os.path.join(outer.path, "api"))
    assert RPC101 in findings and errors == []


def test_detached_head(tmp_path):
    repo = bump_repo(tmp_path / "repo")
    repo.git("checkout", "-q", "--detach", "HEAD")
    code, findings, errors = run(".", cwd=repo.path)
    assert RPC101 in findings and errors == [] and code == 1


def test_paths_with_spaces_and_non_ascii_names(tmp_path):
    repo = Repo(tmp_path / "with space" / "dépôt")
    for step, overlay in (("Base", N), ("Bump", DROP)):
        repo.put(SHAPE, overlay)
        os.rename(os.path.join(repo.path, "fleet"),
                  os.path.join(repo.path, "flöt"))
        for path in ("flöt/rpcapi.py", "flöt/manager.py", "flöt/rpc.py"):
            full = os.path.join(repo.path, path)
            with open(full, encoding="utf-8") as handle:
                text = handle.read().replace("from fleet ", "from flöt ")
            with open(full, "w", encoding="utf-8") as handle:
                handle.write(text)
        repo.commit(step)
    code, findings, errors = run(".", cwd=repo.path)
    assert ("flöt/manager.py", 10, "RPC101") in findings and errors == []


@pytest.mark.parametrize("spec", ["v1", "main~1", "SHORT", "HEAD~3"])
def test_base_given_as_tag_branch_short_sha_or_ancestry(tmp_path, spec):
    repo = bump_repo(tmp_path / "repo")
    first = repo.git("rev-list", "--max-parents=0", "HEAD")
    repo.git("tag", "v1", first)
    for n in range(2):  # two unrelated commits on top
        with open(os.path.join(repo.path, "NOTES"), "a") as handle:
            handle.write(f"note {n}\n")
        repo.commit(f"Note {n}")
    spec = {"SHORT": first[:7], "main~1": "main~3"}.get(spec, spec)
    code, findings, errors = run("--base", spec, ".", cwd=repo.path)
    assert RPC101 in findings and errors == [] and code == 1


def test_base_directory_lacking_a_file(tmp_path):
    base, head = tmp_path / "base", tmp_path / "head"
    for target, overlay in ((base, N), (head, DROP)):
        shutil.copytree(SHAPE, target)
        shutil.copytree(overlay, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("README.md"))
    os.remove(base / "fleet" / "base.py")
    code, findings, errors = run("--base", str(base), ".", cwd=head)
    assert RPC101 in findings and errors == [] and code == 1


def test_crlf_checkout(tmp_path):
    repo = Repo(tmp_path / "repo")
    for step, overlay in (("Base", N), ("Bump", DROP)):
        repo.put(SHAPE, overlay)
        for directory, _, files in os.walk(repo.path):
            if ".git" in directory:
                continue
            for name in files:
                path = os.path.join(directory, name)
                with open(path, "rb") as handle:
                    data = handle.read().replace(b"\r\n", b"\n")
                with open(path, "wb") as handle:
                    handle.write(data.replace(b"\n", b"\r\n"))
        repo.commit(step)
    code, findings, errors = run(".", cwd=repo.path)
    assert RPC101 in findings and errors == []
