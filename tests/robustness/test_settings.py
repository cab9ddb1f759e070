"""Settings files that are not what they should be, and errors nobody
foresaw: one line naming the file or option, exit 2, never a traceback
(whose exit status 1 would read as "findings")."""

from __future__ import annotations

import pytest

from rpc_version_lint import cli
from rpc_version_lint.source import files as source

from .helpers import known_tree, run


@pytest.mark.parametrize("text", ["tool = 3\n", "[[tool]]\nname = 'x'\n",
                                  "[tool]\nrpc-version-lint = 3\n"])
def test_pyproject_tool_that_is_not_a_table(tmp_path, text):
    tree = known_tree(tmp_path / "tree")
    (tmp_path / "tree" / "pyproject.toml").write_text(text)
    code, findings, errors = run(".", cwd=tree)
    assert code == 2 and findings == set()
    assert len(errors) == 1 and "pyproject.toml" in errors[0], errors
    assert "table" in errors[0]


def test_unexpected_exception_is_one_line_and_exit_2(tmp_path, monkeypatch,
                                                     capsys):
    tree = known_tree(tmp_path / "tree")
    monkeypatch.chdir(tree)

    def broken(files):
        raise ValueError("something nobody foresaw\nsecond line")

    monkeypatch.setattr(source, "scopes_of", broken)
    assert cli.main(["--base", "none", "."]) == 2
    err = capsys.readouterr().err
    assert err == ("rpc-version-lint: error: internal error: ValueError: "
                   "something nobody foresaw (please report this)\n")


def test_bad_per_file_ignores(tmp_path):
    tree = known_tree(tmp_path / "tree")
    (tmp_path / "tree" / "setup.cfg").write_text(
        "[flake8]\nper-file-ignores = badver/manager.py RPC205\n")
    code, findings, errors = run(".", cwd=tree)
    assert code == 2 and len(errors) == 1, errors
    assert "setup.cfg: [flake8] per-file-ignores: Expected" in errors[0]
