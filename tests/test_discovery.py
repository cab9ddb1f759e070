"""Which files a run checks, and which scope each belongs to: the command
line finds files as flake8 does, so flake8's own discovery is the judge."""

import os

import pytest
from flake8.discover_files import expand_paths

from rpc_version_lint.source.files import find_scope, flake8_files, scopes_of

DEFAULT_EXCLUDE = [".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__",
                   ".tox", ".nox", ".eggs", "*.egg"]


def flake8_itself(paths, exclude, filename):
    """flake8's answer, kept to the Python files that exist."""
    found = {}
    for path in paths:
        expanded = expand_paths(paths=[path], stdin_display_name="stdin",
                                filename_patterns=list(filename),
                                exclude=list(exclude))
        found.update(dict.fromkeys(sorted(
            os.path.normpath(p) for p in expanded
            if p.endswith(".py") and os.path.isfile(p))))
    return list(found)


@pytest.fixture
def project(tmp_path, monkeypatch):
    files = [
        "setup.cfg", "fleet/__init__.py", "fleet/rpcapi.py",
        "fleet/manager.py", "fleet/notes.txt",
        "fleet/__pycache__/rpcapi.cpython-311.py",
        "fleet/db/__init__.py", "fleet/db/api.py",
        "fleet/api/rpc/handlers.py",   # a namespace portion
        "fleet/tests/__init__.py", "fleet/tests/test_rpcapi.py",
        "fleet/vendored.egg/thing.py", ".tox/py3/lib/site.py",
        "tools/loose_script.py",
    ]
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("X = 1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("paths, exclude, filename", [
    (["."], DEFAULT_EXCLUDE, ["*.py"]),
    (["fleet"], DEFAULT_EXCLUDE + ["tests"], ["*.py"]),
    (["."], DEFAULT_EXCLUDE + ["*/db/*", "manager.py"], ["*.py"]),
    (["fleet", "tools/loose_script.py"], ["loose_script.py"], ["*.py"]),
    (["fleet/manager.py", "fleet"], [], ["rpc*.py"]),  # named: kept
    (["./fleet/"], DEFAULT_EXCLUDE, []),
    (["fleet"], ["fleet"], ["*.py"]),
    (["."], ["ABSOLUTE/fleet/api"], ["*.py"]),
])
def test_the_files_flake8_itself_would_check(project, paths, exclude,
                                             filename):
    exclude = [e.replace("ABSOLUTE", str(project)) for e in exclude]
    expected = flake8_itself(paths, exclude, filename)
    assert flake8_files(paths, exclude, filename) == expected


def test_scopes_of_files(project):
    (project / "fleet" / "rpcapi.py").write_text(
        "import oslo_messaging as messaging\n"
        "TARGET = messaging.Target(topic='fleet', version='1.0')\n")
    files = flake8_files(["."], DEFAULT_EXCLUDE, ["*.py"])
    assert scopes_of(files) == [(str(project), "fleet")]
    root = str(project)
    assert find_scope("fleet/api/rpc/handlers.py") == (root, "fleet")
    assert find_scope("fleet/db/api.py") == (root, "fleet")
    assert find_scope("tools/loose_script.py") == (
        os.path.join(root, "tools"), "")
    known: dict = {}
    assert find_scope("fleet/db/api.py", known) == (root, "fleet")
    assert known[os.path.join(root, "fleet", "db")] == \
        os.path.join(root, "fleet")
    assert find_scope("fleet/rpcapi.py", known) == (root, "fleet")


def test_the_walk_up_stops_at_the_project_root(tmp_path):
    """A directory without ``__init__.py`` inside a package is part of it,
    up to the project's root: a checkout inside a package-looking
    directory is its own scope."""
    outer = tmp_path / "outer"
    (outer / "project" / "fleet").mkdir(parents=True)
    (outer / "__init__.py").write_text("")
    (outer / "project" / "fleet" / "__init__.py").write_text("")
    path = outer / "project" / "fleet" / "rpcapi.py"
    path.write_text("")
    assert find_scope(str(path)) == (str(tmp_path), "outer")
    (outer / "project" / "pyproject.toml").write_text("")
    assert find_scope(str(path)) == (str(outer / "project"), "fleet")


def test_searching_the_tree_for_a_name(tmp_path):
    """files_with() finds each file holding the text once, never a match
    made of the end of one file and the start of the next, and reads
    the overlay (an editor's buffer) instead of the file."""
    from rpc_version_lint.source.files import DiskTree

    package = tmp_path / "fleet"
    package.mkdir()
    files = {
        "__init__.py": "",
        "a.py": "x = Client(1)\ny = Client(2)\n",  # twice: listed once
        "b.py": "z = 1  # ends with Cli",           # no newline at the end
        "c.py": "ent(3)\n",                         # ...and this goes on
        "d.py": "w = OtherClient(4)\n",
        "tests/test_a.py": "Client(5)\n",           # test code: not read
    }
    for name, text in files.items():
        (package / name).parent.mkdir(exist_ok=True)
        (package / name).write_text(text)
    tree = DiskTree(str(tmp_path))
    assert tree.files_with("fleet", "Client(") == ["fleet/a.py",
                                                   "fleet/d.py"]
    assert tree.files_with("fleet", "Cli") == ["fleet/a.py", "fleet/b.py",
                                               "fleet/d.py"]
    assert tree.files_with("fleet", "ent(3") == ["fleet/c.py"]
    assert tree.files_with("fleet", "Nothing(") == []
    edited = DiskTree(str(tmp_path),
                      overlay={"fleet/d.py": b"w = Unsaved(4)\n"})
    assert edited.files_with("fleet", "Client(") == ["fleet/a.py"]
    assert edited.files_with("fleet", "Unsaved(") == ["fleet/d.py"]


def test_no_paths_no_files(project):
    """flake8 reading only stdin gives the plugin no path: nothing is
    walked (flake8's own default of "." is flake8's business)."""
    assert flake8_files([], DEFAULT_EXCLUDE, ["*.py"]) == []
