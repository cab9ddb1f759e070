"""Finding the baseline: git revisions, directories, and trouble."""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import calls_to, fixture, run_cli
from gitrepo import Repo
from rpc_version_lint.source.baseline import BaseError, GitTree, find_base

SHAPE = fixture("shapes", "compute")
N = fixture("procedure", "compute", "n")
DROP = fixture("procedure", "compute", "bump-drop")


def two_commits(tmp_path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.put(SHAPE, N)
    repo.commit("Base")
    repo.put(SHAPE, DROP)
    repo.commit("Bump")
    return repo


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_auto_clean_tree_is_head_parent(tmp_path):
    repo = two_commits(tmp_path)
    base = find_base(repo.path, "auto")
    assert base.label == "HEAD^"
    assert base.messages == ["Bump"]


def test_auto_dirty_tree_is_head(tmp_path):
    repo = two_commits(tmp_path)
    with open(os.path.join(repo.path, "fleet", "base.py"), "a") as handle:
        handle.write("# edited\n")
    base = find_base(repo.path, "auto")
    assert base.label == "HEAD" and base.messages is None


def test_message_file_wins_and_comments_do_not_count(tmp_path):
    repo = two_commits(tmp_path)
    msg = tmp_path / "msg"
    msg.write_text("Drop it\n# UpgradeImpact is a comment here\n")
    base = find_base(repo.path, "auto", str(msg))
    assert base.messages == ["Drop it"]


def test_base_in_a_subdirectory_of_the_repository(tmp_path):
    repo = Repo(tmp_path / "repo")
    os.makedirs(os.path.join(repo.path, "tree"))
    shutil.copytree(SHAPE, os.path.join(repo.path, "tree"),
                    dirs_exist_ok=True)
    shutil.copytree(N, os.path.join(repo.path, "tree"), dirs_exist_ok=True)
    repo.commit("Base")
    shutil.copytree(DROP, os.path.join(repo.path, "tree"),
                    dirs_exist_ok=True)
    repo.commit("Bump")
    proc = run_cli("-q", os.path.join(repo.path, "tree"), cwd=repo.path)
    assert "RPC101" in proc.stdout, proc.stderr


def test_revision_forms(tmp_path):
    repo = two_commits(tmp_path)
    first = repo.git("rev-list", "--max-parents=0", "HEAD")
    repo.git("tag", "v1", first)
    for spec in ("v1", first[:8], "HEAD~1", "main~1"):
        proc = run_cli("-q", "--base", spec, ".", cwd=repo.path)
        assert proc.returncode == 1 and "RPC101" in proc.stdout, spec


def test_directory_base(tmp_path):
    before, after = tmp_path / "before", tmp_path / "after"
    for target, trees in ((before, (SHAPE, N)), (after, (SHAPE, DROP))):
        for tree in trees:
            shutil.copytree(tree, target, dirs_exist_ok=True)
    proc = run_cli("-q", "--base", str(before), str(after))
    assert "RPC101" in proc.stdout and proc.returncode == 1


def test_detached_head_is_fine(tmp_path):
    repo = two_commits(tmp_path)
    repo.git("checkout", "-q", "--detach", "HEAD")
    proc = run_cli("-q", ".", cwd=repo.path)
    assert proc.stderr == "" and "RPC101" in proc.stdout


# -- trouble: one line, and the snapshot rules still run ---------------------

def snapshot_finding_tree(path):
    """A tree whose snapshot rules find something (RPC205)."""
    shutil.copytree(fixture("rules", "rpc205"), path, dirs_exist_ok=True)
    return path


def test_not_a_git_repository(tmp_path):
    tree = snapshot_finding_tree(tmp_path / "tree")
    proc = run_cli("-q", str(tree))
    assert "not inside a git work tree" in one_line(proc.stderr)
    assert "RPC205" in proc.stdout and proc.returncode == 1
    explicit = run_cli("-q", "--base", "HEAD~1", str(tree))
    assert "no such directory" in one_line(explicit.stderr)
    assert "RPC205" in explicit.stdout and explicit.returncode == 2


def test_git_not_installed(tmp_path):
    repo = Repo(tmp_path / "repo")
    snapshot_finding_tree(repo.path)
    repo.commit("Base")
    repo.commit("Again")
    env = dict(os.environ, PATH=str(tmp_path / "nowhere"))
    # sys.executable as it is: resolving the link would leave the virtual
    # environment for the system Python, which lacks this package
    proc = subprocess.run(
        [sys.executable, "-m", "rpc_version_lint", "-q", "."],
        cwd=repo.path, env=env, capture_output=True, text=True)
    assert "git is not installed" in one_line(proc.stderr)
    assert "RPC205" in proc.stdout and proc.returncode == 1


def test_unknown_revision(tmp_path):
    repo = two_commits(tmp_path)
    proc = run_cli("-q", "--base", "no-such-branch", ".", cwd=repo.path)
    line = one_line(proc.stderr)
    assert "no-such-branch" in line and "not a revision" in line
    assert proc.returncode == 2


def test_root_commit(tmp_path):
    repo = Repo(tmp_path / "repo")
    snapshot_finding_tree(repo.path)
    repo.commit("Initial")
    proc = run_cli("-q", ".", cwd=repo.path)
    assert "root commit" in one_line(proc.stderr)
    assert "RPC205" in proc.stdout and proc.returncode == 1


def test_repository_without_commits(tmp_path):
    repo = Repo(tmp_path / "repo")
    snapshot_finding_tree(repo.path)
    repo.git("add", "-A")
    proc = run_cli("-q", ".", cwd=repo.path)
    assert "no commit yet" in one_line(proc.stderr)
    assert proc.returncode == 1


def test_shallow_clone_without_the_base(tmp_path):
    origin = two_commits(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1",
                    "file://" + origin.path, str(clone)], check=True)
    proc = run_cli("-q", ".", cwd=clone)
    line = one_line(proc.stderr)
    assert "shallow clone" in line and "git fetch --deepen" in line
    assert proc.returncode == 2


def test_missing_base_directory(tmp_path):
    tree = snapshot_finding_tree(tmp_path / "tree")
    proc = run_cli("-q", "--base", str(tmp_path / "gone"), str(tree))
    assert "gone" in one_line(proc.stderr)
    assert "RPC205" in proc.stdout and proc.returncode == 2


def test_unreadable_message_file(tmp_path):
    repo = two_commits(tmp_path)
    with pytest.raises(BaseError, match="--commit-msg"):
        find_base(repo.path, "auto", str(tmp_path / "missing"))
    proc = run_cli("-q", "--commit-msg", str(tmp_path / "missing"), ".",
                   cwd=repo.path)
    assert "--commit-msg" in one_line(proc.stderr)
    assert proc.returncode == 2


def test_searching_a_revision_for_a_name(tmp_path):
    """The files of a revision holding a text: those the disk holds
    unchanged are searched there, the others in the revision's own
    content, with or without the working tree at hand."""
    repo = Repo(tmp_path / "repo")
    package = tmp_path / "repo" / "fleet"
    package.mkdir()
    files = {"__init__.py": "", "same.py": "x = Client()\n",
             "changed.py": "y = Client()\n", "gone.py": "z = Client()\n",
             "never.py": "w = 1\n", "later.py": "v = 2\n"}
    for name, text in files.items():
        (package / name).write_text(text)
    base = repo.commit("Base")
    (package / "changed.py").write_text("y = 1\n")
    (package / "gone.py").unlink()
    (package / "later.py").write_text("v = Client()\n")
    (package / "new.py").write_text("u = Client()\n")
    found = find_base(repo.path, base).tree
    bare = GitTree(repo.path, found.sha, found.prefix, "bare")
    try:
        for tree in (found, bare):
            assert tree.files_with("fleet", "Client(") == [
                "fleet/changed.py", "fleet/gone.py", "fleet/same.py"]
    finally:
        found.close()
        bare.close()


def test_a_sibling_revision_hashes_only_its_own_blobs(tmp_path,
                                                      monkeypatch):
    """Two revisions compared with the same files on disk (a base and
    HEAD): a file with the same blob in both is hashed once, and each
    still tells exactly which files on disk are not its own."""
    from rpc_version_lint.source import baseline
    from rpc_version_lint.source.files import DiskTree

    repo = Repo(tmp_path / "repo")
    package = tmp_path / "repo" / "fleet"
    package.mkdir()
    for name in ("__init__.py", "a.py", "b.py", "c.py", "d.py"):
        (package / name).write_text(f"# {name}\n")
    base = repo.commit("Base")
    (package / "b.py").write_text("# b, committed\n")
    head = repo.commit("Head")
    (package / "c.py").write_text("# c, not committed\n")
    hashed = calls_to(monkeypatch, baseline, "_blob_id",
                      lambda data, length: data)
    disk = DiskTree(str(tmp_path / "repo"))
    older = GitTree(repo.path, base, "", "base", disk)
    newer = GitTree(repo.path, head, "", "HEAD", disk, sibling=older)
    try:
        assert older.differs("fleet") == ["fleet/b.py", "fleet/c.py"]
        assert len(hashed) == 5
        assert newer.differs("fleet") == ["fleet/c.py"]
        assert hashed[5:] == [b"# b, committed\n"]  # its own blob only
    finally:
        older.close()
        newer.close()
