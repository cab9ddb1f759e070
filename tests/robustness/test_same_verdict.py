"""The command line and flake8 give one verdict on the same tree: the same
files, the same findings, the same suppressions."""

from __future__ import annotations

import os
import shutil

from conftest import fixture, run_cli, run_flake8

from .helpers import KNOWN, known_tree


def findings(stdout: str) -> set:
    found = set()
    for line in stdout.splitlines():
        path, number, _col, rest = line.split(":", 3)
        found.add((os.path.normpath(path).replace(os.sep, "/"), int(number),
                   rest.split()[0]))
    return found


def both(tree, *args, strict=False):
    """(command line, flake8) findings and exit statuses on ``tree``
    (with ``strict``, flake8 is shown the warnings too)."""
    cli = run_cli("-q", "--base", "none", *args, *["--strict"] * strict,
                  ".", cwd=tree)
    f8 = run_flake8("--select", "RPC", "--rpc-base", "none", *args,
                    *["--rpc-strict"] * strict, ".", cwd=tree)
    assert "Traceback" not in cli.stderr + f8.stderr
    return (findings(cli.stdout), cli.returncode), \
        (findings(f8.stdout), f8.returncode)


def namespace_tree(path) -> str:
    """The known API in src/service/, a directory without __init__.py."""
    service = os.path.join(path, "src", "service")
    shutil.copytree(fixture("rules", "rpc205", "badver"), service)
    os.remove(os.path.join(service, "__init__.py"))
    return str(path)


def test_namespace_package(tmp_path):
    tree = namespace_tree(tmp_path / "tree")
    cli, f8 = both(tree)
    expected = {(f"src/service/{path.split('/')[1]}", line, code)
                for path, line, code in KNOWN}
    assert cli == f8 == (expected, 1)


def test_no_rpc_api_is_no_error(tmp_path):
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "__init__.py").write_text("")
    (tree / "pkg" / "util.py").write_text("X = 1\n")
    (tree / "setup.py").write_text("import setuptools\n")
    proc = run_cli("--base", "none", ".", cwd=tree)
    assert proc.returncode == 0 and proc.stdout == ""
    assert proc.stderr == "0 RPC APIs in 3 Python files\n"
    assert run_flake8("--select", "RPC", ".", cwd=tree).returncode == 0


def test_no_python_file_at_all_is_an_error(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.rst").write_text("Docs\n")
    proc = run_cli(".", cwd=tmp_path / "docs")
    assert proc.returncode == 2
    assert proc.stderr == ("rpc-version-lint: error: no Python file to "
                           "check in .\n")


def test_flake8_excludes_are_the_command_line_s(tmp_path):
    """A vendored copy excluded from flake8 is no finding of the command
    line either; nor is an excluded file of an analysed package."""
    tree = known_tree(tmp_path / "tree")
    shutil.copytree(os.path.join(tree, "badver"),
                    os.path.join(tree, "vendored", "copy", "badver"))
    with open(os.path.join(tree, "setup.cfg"), "w") as handle:
        handle.write("[flake8]\nextend-exclude = vendored,"
                     "badver/manager.py\n")
    cli, f8 = both(tree)
    expected = {f for f in KNOWN if f[0] != "badver/manager.py"}
    assert cli == f8 == (expected, 1)


def test_explicit_file(tmp_path):
    """flake8 given one file reports that file's findings: so does the
    command line (the whole package is still analysed)."""
    tree = known_tree(tmp_path / "tree")
    cli = run_cli("-q", "--base", "none", "badver/manager.py", cwd=tree)
    f8 = run_flake8("--select", "RPC", "--rpc-base", "none",
                    "badver/manager.py", cwd=tree)
    assert findings(cli.stdout) == findings(f8.stdout) == {
        ("badver/manager.py", 6, "RPC205")}


def suppressed_tree(path) -> str:
    """The known tree with findings covered by # noqa comments (by code,
    bare, by prefix, in any case) and by per-file-ignores; one comment
    names another code and covers nothing."""
    tree = known_tree(path)
    rpcapi = os.path.join(tree, "badver", "rpcapi.py")
    with open(rpcapi) as handle:
        text = handle.read()
    for old, new in (("'2')  # expect: RPC205", "'2')  # noqa: RPC205"),
                     ("'2.x'  # expect: RPC205", "'2.x'  # noqa"),
                     ("' 2.1'):  # expect: RPC205", "' 2.1'):  # NOQA:RPC2"),
                     ("'v2.0'  # expect: RPC205", "'v2.0'  # noqa: E501")):
        assert old in text
        text = text.replace(old, new)
    with open(rpcapi, "w") as handle:
        handle.write(text)
    with open(os.path.join(tree, "setup.cfg"), "w") as handle:
        handle.write("[flake8]\nper-file-ignores =\n"
                     "    badver/manager.py: RPC205\n")
    return tree


LEFT = {("badver/rpcapi.py", 5, "RPC205")}


def test_noqa_and_per_file_ignores_in_every_format(tmp_path):
    import json
    tree = suppressed_tree(tmp_path / "tree")
    cli, f8 = both(tree)
    assert cli == f8 == (LEFT, 1)
    data = json.loads(run_cli("--base", "none", "--format", "json", ".",
                              cwd=tree).stdout)
    assert [(f["path"], f["line"], f["code"]) for f in data["findings"]] \
        == [next(iter(LEFT))]
    sarif = json.loads(run_cli("--base", "none", "--format", "sarif", ".",
                               cwd=tree).stdout)
    results = sarif["runs"][0]["results"]
    assert [(r["locations"][0]["physicalLocation"]["artifactLocation"]
             ["uri"], r["locations"][0]["physicalLocation"]["region"]
             ["startLine"]) for r in results] == [("badver/rpcapi.py", 5)]
    github = run_cli("--base", "none", "--format", "github", ".", cwd=tree)
    assert len(github.stdout.splitlines()) == 1
    assert "file=badver/rpcapi.py,line=5," in github.stdout


def test_noqa_in_a_statement_of_several_lines(tmp_path):
    """As flake8 reads them: a comment covers the lines of a token that
    spans several (a string), not every line of a bracketed statement; a
    file-level '# flake8: noqa' skips the file."""
    tree = known_tree(tmp_path / "tree")
    rpcapi = os.path.join(tree, "badver", "rpcapi.py")
    with open(rpcapi) as handle:
        text = handle.read()
    text = text.replace(  # the finding moves to line 16
        "cctxt = self.client.prepare(version='2')  # expect: RPC205",
        "cctxt = self.client.prepare(\n            version='2'\n"
        "        )  # noqa: RPC205")
    text = text.replace(  # covered: same line (now 21)
        "version = '2.x'  # expect: RPC205",
        "version = (\n            '2.x')  # noqa: RPC205")
    with open(rpcapi, "w") as handle:
        handle.write(text)
    with open(os.path.join(tree, "badver", "manager.py"), "a") as handle:
        handle.write("# flake8: noqa\n")
    cli, f8 = both(tree, strict=True)
    # the comment on the closing line covers nothing: RPC902 says so
    assert cli == f8 == ({("badver/rpcapi.py", 5, "RPC205"),
                          ("badver/rpcapi.py", 16, "RPC205"),
                          ("badver/rpcapi.py", 17, "RPC902"),
                          ("badver/rpcapi.py", 27, "RPC205")}, 1)


def flake8_stdin(text: str, name: str, cwd):
    import subprocess
    import sys
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "RPC",
         "--stdin-display-name", name, "-"], input=text, cwd=cwd,
        capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return findings(proc.stdout)


def test_stdin_display_name_overlays_the_piped_text(tmp_path):
    """An editor lints its unsaved buffer: the piped text, not the file on
    disk, is what the findings are about."""
    tree = known_tree(tmp_path / "tree")
    with open(os.path.join(tree, "badver", "rpcapi.py")) as handle:
        text = handle.read()
    fixed = text.replace("version='2')  # expect: RPC205", "version='2.0')")
    found = flake8_stdin(fixed, "badver/rpcapi.py", tree)
    assert found == {f for f in KNOWN if f[0] == "badver/rpcapi.py"
                     and f[1] != 15}
    # a buffer not saved yet: its file does not exist on disk
    found = flake8_stdin(text, "badver/unsaved.py", tree)
    assert ("badver/unsaved.py", 15, "RPC205") in found


def test_stdin_buffer_against_the_last_commit(tmp_path):
    """The buffer differs from HEAD: that is the change being checked."""
    from gitrepo import Repo
    repo = Repo(tmp_path / "repo")
    repo.put(fixture("shapes", "compute"),
             fixture("procedure", "compute", "n"))
    repo.commit("Base")
    with open(fixture("procedure", "compute", "bump-drop", "fleet",
                      "manager.py")) as handle:
        buffer = handle.read()
    found = flake8_stdin(buffer, "fleet/manager.py", repo.path)
    assert ("fleet/manager.py", 10, "RPC101") in found
