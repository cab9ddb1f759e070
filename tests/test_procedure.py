"""RPC1xx in real git repositories: each fixture shape goes through the
steps of a major bump, committed one after another, and the findings of
the last step are compared, through the command line and through flake8,
with the lines marked ``# expect:`` in its files."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from conftest import expected_findings, fixture, run_cli, run_flake8
from gitrepo import Repo

TAGGED = "Drop the old RPC major\n\nUpgradeImpact: every service must run " \
         "the new release first."
PLAIN = "Drop the old RPC major\n\nThe compat endpoint is gone."


ALL = ("n", "minor", "bump", "bump-drop", "bump-narrow", "bump-unpinned",
       "bump-unguarded", "done", "done-early", "stale")


@dataclass(frozen=True)
class Shape:
    """fixtures/shapes/<name> is one state of the API; the files of the
    other states are overlaid from fixtures/procedure/<name>/<state>/
    (over the "bump" state's first, when the shape has one of its own and
    the state comes after the bump)."""

    name: str
    states: tuple = ALL


SHAPES = [
    Shape("compute"),
    Shape("conductor"),
    Shape("oldstyle"),
    # no VERSION_ALIASES: RPC105/RPC106 have nothing to go by
    Shape("cinder", tuple(s for s in ALL if s not in ("done-early",
                                                      "stale"))),
]


def state(shape: Shape, name: str) -> list[str]:
    assert name in shape.states
    trees = [fixture("shapes", shape.name)]
    bump = fixture("procedure", shape.name, "bump")
    if name.startswith(("bump-", "done", "stale")) and os.path.isdir(bump):
        trees.append(bump)
    overlay = fixture("procedure", shape.name, name)
    return trees + ([overlay] if os.path.isdir(overlay) else [])


def setup_repo(tmp_path, shape: Shape, steps) -> Repo:
    repo = Repo(tmp_path / "repo")
    for name, message in steps:
        repo.put(*state(shape, name))
        repo.commit(message)
    return repo


def expected(repo: Repo, codes) -> set:
    return {e for e in expected_findings(repo.path) if e[2] in codes}


def cli_findings(repo: Repo, *args) -> set:
    proc = run_cli(*args, ".", cwd=repo.path)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return {_parse(line) for line in proc.stdout.splitlines()}


def flake8_findings(repo: Repo, *args, files=(".",)):
    proc = run_flake8(*args, *files, cwd=repo.path)
    assert proc.returncode in (0, 1), proc.stderr
    found = [_parse(line) for line in proc.stdout.splitlines()]
    return found if files != (".",) else set(found)


def _parse(line: str):
    path, number, _col, rest = line.split(":", 3)
    return os.path.normpath(path).replace(os.sep, "/"), int(number), \
        rest.split()[0]


def check(repo: Repo, codes, selected=(), cli_args=(), flake8_args=()):
    """Both front ends report exactly the expected findings of ``codes``
    among the RPC1xx ones (``selected``: off-by-default rules to add)."""
    want = expected(repo, codes)
    extra = ["--select", ",".join(("RPC1",) + tuple(selected))] \
        if selected else []
    got = {f for f in cli_findings(repo, *extra, *cli_args)
           if f[2].startswith("RPC1")}
    assert got == want
    f8 = ["--select", "RPC"] + (["--extend-select", ",".join(selected)]
                                if selected else [])
    got = {f for f in flake8_findings(repo, *f8, *flake8_args)
           if f[2].startswith("RPC1")}
    assert got == want
    # pre-commit runs flake8 on the changed files only: the root cause
    # shows there, where it was found when that file changed, else in a
    # changed file of its API
    changed = changed_files(repo, flake8_args)
    if not changed:  # flake8 without a file would check the whole tree
        assert not want
        return
    got = [f for f in flake8_findings(repo, *f8, *flake8_args, files=changed)
           if f[2].startswith("RPC1")]
    assert sorted(f[2] for f in got) == sorted(f[2] for f in want)
    assert {f for f in want if f[0] in changed} <= set(got)
    assert all(f[0] in changed for f in got)


def changed_files(repo: Repo, flake8_args) -> list[str]:
    """The Python files that differ between the base the run uses (an
    explicit --rpc-base, else HEAD with uncommitted work, else HEAD^) and
    the work tree: what pre-commit, or a CI job on the change, hands to
    flake8."""
    args = list(flake8_args)
    if "--rpc-base" in args:
        base = args[args.index("--rpc-base") + 1]
    else:
        dirty = repo.git("status", "--porcelain")
        base = "HEAD" if dirty else "HEAD^"
    names = repo.git("diff", "--name-only", base).splitlines() + \
        repo.git("ls-files", "--others", "--exclude-standard").splitlines()
    return sorted({n for n in names if n.endswith(".py")})


def with_states(*needed):
    return [pytest.param(s, id=s.name) for s in SHAPES
            if all(n in s.states for n in needed)]


@pytest.mark.parametrize("shape", with_states("n"))
def test_change_1_done_right(tmp_path, shape):
    repo = setup_repo(tmp_path, shape, [("n", "Base"), ("bump", "Bump")])
    check(repo, set())


@pytest.mark.parametrize("shape", with_states("n", "bump-drop"))
def test_change_1_dropping_the_old_major(tmp_path, shape):
    repo = setup_repo(tmp_path, shape, [("n", "Base"),
                                        ("bump-drop", TAGGED)])
    check(repo, {"RPC101"})


@pytest.mark.parametrize("shape", with_states("n", "bump-narrow"))
def test_change_1_with_a_narrower_compat_endpoint(tmp_path, shape):
    repo = setup_repo(tmp_path, shape, [("n", "Base"),
                                        ("bump-narrow", "Bump")])
    check(repo, {"RPC101"})


@pytest.mark.parametrize("shape", with_states("done"))
@pytest.mark.parametrize("message,codes", [(TAGGED, set()),
                                           (PLAIN, {"RPC102"})])
def test_change_2(tmp_path, shape, message, codes):
    repo = setup_repo(tmp_path, shape, [("bump", "Bump"),
                                        ("done", message)])
    check(repo, codes)


@pytest.mark.parametrize("shape", with_states("done-early"))
def test_change_2_before_a_release_speaks_the_new_major(tmp_path, shape):
    repo = setup_repo(tmp_path, shape, [("bump", "Bump"),
                                        ("done-early", TAGGED)])
    check(repo, {"RPC106"}, selected=("RPC106",))
    check(repo, set())  # off by default


@pytest.mark.parametrize("shape", with_states("done"))
def test_change_2_after_a_release_speaks_the_new_major(tmp_path, shape):
    repo = setup_repo(tmp_path, shape, [("bump", "Bump"), ("done", TAGGED)])
    check(repo, set(), selected=("RPC106",))


def test_no_aliases_no_rpc106(tmp_path):
    shape = next(s for s in SHAPES if s.name == "cinder")
    repo = setup_repo(tmp_path, shape, [("bump", "Bump"), ("done", TAGGED)])
    check(repo, set(), selected=("RPC105", "RPC106"))


@pytest.mark.parametrize("shape", with_states("done"))
@pytest.mark.parametrize("message,codes", [(TAGGED, set()),
                                           (PLAIN, {"RPC102"})])
def test_change_2_through_the_commit_msg_hook(tmp_path, shape, message,
                                              codes):
    repo = setup_repo(tmp_path, shape, [("bump", "Bump")])
    repo.put(*state(shape, "done"))  # not committed yet
    # the pre-commit stage does not know the message: RPC102 undecided
    check(repo, set())
    msg = tmp_path / "COMMIT_EDITMSG"
    msg.write_text(message + "\n# Please enter the commit message\n")
    # the commit-msg hook's command, as .pre-commit-hooks.yaml runs it
    proc = run_cli("--select", "RPC102", "--commit-msg", str(msg),
                   cwd=repo.path)
    got = {_parse(line) for line in proc.stdout.splitlines()}
    assert got == expected(repo, codes), proc.stderr
    check(repo, codes, cli_args=("--commit-msg", str(msg)),
          flake8_args=("--rpc-commit-msg", str(msg)))


@pytest.mark.parametrize("shape", with_states("n", "bump-unguarded"))
def test_unguarded_new_major_send(tmp_path, shape):
    repo = setup_repo(tmp_path, shape, [("n", "Base"),
                                        ("bump-unguarded", "Bump")])
    check(repo, {"RPC103"})


@pytest.mark.parametrize("shape", with_states("n", "bump-unpinned"))
def test_bump_with_a_client_that_cannot_be_pinned(tmp_path, shape):
    repo = setup_repo(tmp_path, shape, [("n", "Base"),
                                        ("bump-unpinned", "Bump")])
    check(repo, {"RPC104"})


@pytest.mark.parametrize("shape", with_states("stale"))
def test_stale_compat_endpoint(tmp_path, shape):
    repo = setup_repo(tmp_path, shape, [("bump", "Bump"),
                                        ("stale", "Release")])
    check(repo, {"RPC105"}, selected=("RPC105",))
    check(repo, set())


@pytest.mark.parametrize("shape", with_states("n", "minor"))
def test_plain_minor_bump(tmp_path, shape):
    repo = setup_repo(tmp_path, shape, [("n", "Base"), ("minor", "Minor")])
    check(repo, set(), selected=("RPC105", "RPC106"))


@pytest.mark.parametrize("shape", with_states("n"))
def test_revert_of_change_1(tmp_path, shape):
    repo = setup_repo(tmp_path, shape, [("n", "Base"), ("bump", "Bump"),
                                        ("n", 'Revert "Bump"')])
    check(repo, set())


@pytest.mark.parametrize("shape", with_states("done"))
def test_revert_of_change_2(tmp_path, shape):
    repo = setup_repo(tmp_path, shape, [("bump", "Bump"), ("done", TAGGED),
                                        ("bump", 'Revert "Drop"')])
    check(repo, set())


@pytest.mark.parametrize("shape", with_states("done"))
@pytest.mark.parametrize("tag_in,codes", [
    ("removal", set()),
    # the tag belongs to the commit that removes the major: a later one
    # may land (or be reverted) on its own
    ("later", {"RPC102"}),
    ("none", {"RPC102"})])
def test_multi_commit_branch_against_its_merge_base(tmp_path, shape,
                                                    tag_in, codes):
    repo = setup_repo(tmp_path, shape, [("bump", "Bump")])
    repo.git("checkout", "-q", "-b", "feature")
    repo.put(*state(shape, "done"))
    repo.commit(TAGGED if tag_in == "removal" else PLAIN)
    with open(os.path.join(repo.path, "NOTES"), "w") as handle:
        handle.write("release note\n")
    repo.commit("Add a release note" + ("\n\nUpgradeImpact: upgrade all "
                                        "services first" if tag_in == "later"
                                        else ""))
    base = repo.git("merge-base", "main", "HEAD")
    check(repo, codes, cli_args=("--base", base),
          flake8_args=("--rpc-base", base))


@pytest.mark.parametrize("shape", with_states("done"))
@pytest.mark.parametrize("message,codes", [(TAGGED, set()),
                                           (PLAIN, {"RPC102"})])
def test_change_2_as_a_ci_merge_commit(tmp_path, shape, message, codes):
    repo = setup_repo(tmp_path, shape, [("bump", "Bump")])
    repo.git("checkout", "-q", "-b", "feature")
    repo.put(*state(shape, "done"))
    repo.commit(message)
    repo.git("checkout", "-q", "main")
    with open(os.path.join(repo.path, "NOTES"), "w") as handle:
        handle.write("meanwhile on main\n")
    repo.commit("Unrelated change on main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    check(repo, codes)
    # the same change checked out as the plain commit gives the same verdict
    repo.git("checkout", "-q", "feature")
    check(repo, codes)
