"""RPC101/RPC102 on branches: with a revision base each commit of
base..HEAD that touches an RPC API is judged against its parent, in real
temporary git repositories, through the command line and through flake8
(on the whole tree and on the changed files only)."""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import expected_findings, reported, run_cli, run_flake8
from gitrepo import Repo
from test_procedure import PLAIN, SHAPES, TAGGED, Shape, state

SHAPES_WITH_N = [pytest.param(s, id=s.name) for s in SHAPES
                 if "n" in s.states]


def rpc1(found) -> list:
    return sorted(f for f in found if f[2].startswith("RPC1"))


def branch(tmp_path, shape: Shape, commits, uncommitted=None) -> Repo:
    """main at state "n", then a feature branch with one commit per
    (state, message); ``uncommitted``: a state left in the work tree."""
    repo = Repo(tmp_path / "repo")
    repo.put(*state(shape, "n"))
    repo.commit("Base")
    repo.git("checkout", "-q", "-b", "feature")
    for name, message in commits:
        repo.put(*state(shape, name))
        repo.commit(message)
    if uncommitted:
        repo.put(*state(shape, uncommitted))
    return repo


def removal(shape: Shape) -> tuple:
    """Where the "done" state marks its RPC102: the removal site."""
    found = set()
    for tree in state(shape, "done"):
        found |= {e for e in expected_findings(tree) if e[2] == "RPC102"}
    [(path, line, _)] = found
    return path, line


def findings(repo: Repo, base="main", cli=(), f8=(), files=(".",)):
    proc = run_cli("--base", base, *cli, ".", cwd=repo.path)
    assert proc.returncode in (0, 1), proc.stderr
    flake = run_flake8("--select", "RPC", "--rpc-base", base, *f8, *files,
                       cwd=repo.path)
    assert flake.returncode in (0, 1), flake.stderr
    return rpc1(reported(proc.stdout)), rpc1(reported(flake.stdout))


def changed(repo: Repo, base="main") -> list:
    names = repo.git("diff", "--name-only", base).splitlines()
    return sorted(n for n in names if n.endswith(".py"))


@pytest.mark.parametrize("shape", SHAPES_WITH_N)
@pytest.mark.parametrize("message", [TAGGED, PLAIN], ids=["tagged",
                                                          "plain"])
def test_change_1_and_change_2_in_one_range_is_the_outage(
        tmp_path, shape, message):
    repo = branch(tmp_path, shape, [("bump", "Bump to the new major"),
                                    ("done", message)])
    cli, flake = findings(repo)
    path, line = removal(shape)
    assert [f[:3] for f in cli] == [(path, line, "RPC101")]
    assert [f[:3] for f in flake] == [(path, line, "RPC101")]
    assert "in the same range: no release ran" in cli[0][3]
    if message == PLAIN:  # the missing tag is a symptom of the same cause
        assert "RPC102 x 1" in cli[0][3]
    # pre-commit / CI on the changed files only
    _, only = findings(repo, files=changed(repo))
    assert [f[2] for f in only] == ["RPC101"]


@pytest.mark.parametrize("shape", SHAPES_WITH_N)
def test_the_range_as_one_change_when_the_base_is_a_directory(tmp_path,
                                                              shape):
    repo = branch(tmp_path, shape, [("bump", "Bump to the new major"),
                                    ("done", TAGGED)])
    base = tmp_path / "n"
    for tree in state(shape, "n"):
        shutil.copytree(tree, base, dirs_exist_ok=True)
    msg = tmp_path / "MSG"
    msg.write_text(TAGGED)
    cli, flake = findings(repo, str(base), cli=("--commit-msg", str(msg)),
                          f8=("--rpc-commit-msg", str(msg)))
    # one step: a bump that dropped the old major (change #1 skipped)
    assert [f[2] for f in cli] == [f[2] for f in flake] == ["RPC101"]
    assert "in the change that introduced" in cli[0][3]
    assert cli == flake


@pytest.mark.parametrize("shape", SHAPES_WITH_N)
def test_change_1_committed_change_2_uncommitted(tmp_path, shape):
    repo = branch(tmp_path, shape, [("bump", "Bump to the new major")],
                  uncommitted="done")
    cli, flake = findings(repo)
    path, line = removal(shape)
    assert [f[:3] for f in cli] == [f[:3] for f in flake] == [
        (path, line, "RPC101")]
    assert "removed in the uncommitted changes" in cli[0][3]


def test_the_tag_belongs_to_the_commit_that_removes_the_major(tmp_path):
    shape = next(s for s in SHAPES if s.name == "compute")
    repo = Repo(tmp_path / "repo")
    repo.put(*state(shape, "bump"))
    repo.commit("Release with change #1")
    repo.git("checkout", "-q", "-b", "feature")
    repo.put(*state(shape, "done"))
    repo.commit(PLAIN)
    repo.put(*state(shape, "bump"))
    repo.commit("Revert \"Drop the old RPC major\"")
    repo.put(*state(shape, "done"))
    repo.commit(TAGGED)
    cli, flake = findings(repo)
    # the first removal lacks the tag, the second has it
    assert [f[2] for f in cli] == [f[2] for f in flake] == ["RPC102"]
    assert "the message of commit " in cli[0][3]
    assert "(Drop the old RPC major)" in cli[0][3]


def test_an_intermediate_commit_that_dropped_the_major(tmp_path):
    shape = next(s for s in SHAPES if s.name == "compute")
    repo = branch(tmp_path, shape, [("bump-drop", "Bump, forgetting 5.x"),
                                    ("bump", "Add the 5.x proxy back")])
    cli, flake = findings(repo)
    # each commit lands on its own: the first one breaks the deployment
    assert [f[2] for f in cli] == [f[2] for f in flake] == ["RPC101"]
    assert "in commit " in cli[0][3] and "(Bump, forgetting 5.x)" in \
        cli[0][3]
    # against its parent alone the branch's tip is fine
    assert findings(repo, "HEAD^") == ([], [])


@pytest.mark.parametrize("annotated", [False, True])
def test_a_release_between_the_two_changes_ran_change_1(tmp_path, annotated):
    shape = next(s for s in SHAPES if s.name == "compute")
    repo = branch(tmp_path, shape, [("bump", "Bump to the new major")])
    repo.git("tag", *(["-a", "-m", "Release 7.0.0"] if annotated else []),
             "7.0.0")
    with open(os.path.join(repo.path, "NOTES"), "w") as handle:
        handle.write("next cycle\n")
    repo.commit("Open the next cycle")
    repo.put(*state(shape, "done"))
    repo.commit(TAGGED)
    # a release ran change #1: the removal after it is change #2, done right
    assert findings(repo) == ([], [])
