"""Snapshot rules that also read the baseline (RPC208 against base)."""

import os

import pytest

from conftest import expected_findings, fixture, run_cli, run_flake8
from gitrepo import Repo


def parse(stdout):
    return {(os.path.normpath(p).replace(os.sep, "/"), int(n), r.split()[0])
            for p, n, _c, r in (line.split(":", 3)
                                for line in stdout.splitlines())}


def test_new_minor_against_a_base_revision(tmp_path):
    case = fixture("against_base", "rpc208")
    repo = Repo(tmp_path / "repo")
    repo.put(os.path.join(case, "before"))
    repo.commit("Base")
    repo.put(os.path.join(case, "after"))
    repo.commit("Add extend and shrink")
    want = expected_findings(repo.path)
    assert parse(run_cli(".", cwd=repo.path).stdout) == want
    assert parse(run_flake8("--select", "RPC", ".",
                            cwd=repo.path).stdout) == want
    # without a base there is nothing to compare with: no aliases either
    assert run_cli("--base", "none", ".", cwd=repo.path).stdout == ""


CASES = sorted(d for d in os.listdir(fixture("against_base"))
               if os.path.isdir(fixture("against_base", d)))


@pytest.mark.parametrize("case", CASES)
def test_against_base_case(tmp_path, case):
    """``before/`` committed, then ``after/``: the findings are the lines
    of ``after/`` marked ``# expect:`` (a case marking none is clean)."""
    root = fixture("against_base", case)
    repo = Repo(tmp_path / "repo")
    repo.put(os.path.join(root, "before"))
    repo.commit("Base")
    repo.put(os.path.join(root, "after"))
    repo.commit(case)
    want = expected_findings(repo.path)
    assert parse(run_cli(".", cwd=repo.path).stdout) == want
    assert parse(run_flake8("--select", "RPC", ".",
                            cwd=repo.path).stdout) == want
