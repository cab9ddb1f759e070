"""Findings where the user looks: on the line that carries the cause, and
in a changed file when that line's file is not one (rules/anchor.py), in
real git repositories, through the command line and through flake8 on
the changed files only (what pre-commit runs)."""

from __future__ import annotations

import os

from conftest import expected_findings, fixture, reported, run_cli, run_flake8
from gitrepo import Repo

TAGGED = "Drop the 2.x proxy\n\nUpgradeImpact: run 3.x everywhere first."
PLAIN = "Drop the 2.x proxy"


def case(tmp_path, name, message="Change", edit=None) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.put(fixture("anchoring", name, "before"))
    repo.commit("Base")
    repo.put(fixture("anchoring", name, "after"))
    if edit:
        edit(repo.path)
    repo.commit(message)
    return repo


def changed(repo: Repo) -> list[str]:
    return sorted(repo.git("diff", "--name-only", "HEAD^").splitlines())


def both(repo: Repo, *files, cli=(), f8=()):
    """(command line on the tree, flake8 on ``files``) findings."""
    proc = run_cli(*cli, ".", cwd=repo.path)
    assert proc.returncode in (0, 1), proc.stderr
    flake = run_flake8("--select", "RPC", *f8, *files, cwd=repo.path)
    assert flake.returncode in (0, 1), flake.stderr
    return reported(proc.stdout), reported(flake.stdout)


def test_the_subclass_constant_carries_an_inherited_version(tmp_path):
    repo = case(tmp_path, "inherited")
    want = expected_findings(repo.path)
    assert want == {("zonal/notify.py", 9, "RPC101")}
    cli, flake = both(repo, *changed(repo))
    assert {f[:3] for f in cli} == want
    # the base class building the Target is not part of the change
    assert "zonal/base.py" not in changed(repo)
    assert [f[:3] for f in flake] == sorted(want)


def test_reported_in_the_changed_registration_file(tmp_path):
    repo = case(tmp_path, "registration", PLAIN)
    assert changed(repo) == ["depot/service.py"]
    want = expected_findings(repo.path)
    assert want == {("depot/service.py", 10, "RPC102")}
    cli, flake = both(repo, "depot/service.py")
    assert {f[:3] for f in cli} == want
    assert [f[:3] for f in flake] == sorted(want)  # once, not per file
    assert "found at depot/manager.py:8" in flake[0][3]
    # flake8 on the whole tree: reported once, in the changed file
    _, everywhere = both(repo, ".")
    assert [f[:3] for f in everywhere] == sorted(want)


def test_tagged_removal_is_quiet_wherever_it_is_reported(tmp_path):
    repo = case(tmp_path, "registration", TAGGED)
    cli, flake = both(repo, "depot/service.py")
    assert cli == flake == []


def test_noqa_applies_where_the_finding_is_found(tmp_path):
    def waive(root):
        path = os.path.join(root, "depot", "manager.py")
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines(keepends=True)
        lines[7] = lines[7].rstrip("\n") + "  # noqa: RPC102\n"
        with open(path, "w", encoding="utf-8") as handle:
            handle.writelines(lines)

    repo = case(tmp_path, "registration", PLAIN)
    # the same waiver committed with the base: still only service.py changes
    repo2 = Repo(tmp_path / "repo2")
    repo2.put(fixture("anchoring", "registration", "before"))
    waive(repo2.path)
    repo2.commit("Base")
    repo2.put(fixture("anchoring", "registration", "after"))
    waive(repo2.path)
    repo2.commit(PLAIN)
    assert changed(repo2) == ["depot/service.py"]
    cli, flake = both(repo2, "depot/service.py")
    assert cli == flake == []
    # and the command line names the same finding when nothing waives it
    assert [f[:3] for f in both(repo, "depot/service.py")[0]] == [
        ("depot/service.py", 10, "RPC102")]


def test_a_directory_base_reports_where_the_finding_is_found(tmp_path):
    repo = case(tmp_path, "registration", PLAIN)
    msg = tmp_path / "MSG"
    msg.write_text(PLAIN)
    base = fixture("anchoring", "registration", "before")
    cli, flake = both(repo, ".", cli=("--base", base, "--commit-msg",
                                      str(msg)),
                      f8=("--rpc-base", base, "--rpc-commit-msg", str(msg)))
    assert [f[:3] for f in cli] == [f[:3] for f in flake] == [
        ("depot/manager.py", 8, "RPC102")]
