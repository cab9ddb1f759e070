"""RPC1xx on real nova release pairs, the older tree as the base, through
the command line and through flake8."""

import os

import pytest

from conftest import analyze_tree, release_tree, run_cli, run_flake8

pytestmark = pytest.mark.realworld

PLAIN = "Drop compute RPC 4.x compatibility\n"
TAGGED = "Drop compute RPC 4.x compatibility\n\nUpgradeImpact: computes " \
         "must run Queens before this is deployed.\n"


def rpc1(lines):
    found = set()
    for line in lines.splitlines():
        path, number, _col, rest = line.split(":", 3)
        code = rest.split()[0]
        if code.startswith("RPC1"):
            found.add((os.path.normpath(path), int(number), code))
    return found


def both(head, base, message, tmp_path, select=None):
    """The RPC1xx findings of the CLI and of flake8 (which must agree)."""
    msg = tmp_path / "COMMIT_EDITMSG"
    msg.write_text(message)
    select_args = ["--select", select] if select else []
    cli = run_cli(*select_args, "--base", base, "--commit-msg", str(msg),
                  "nova", cwd=head)
    assert cli.returncode in (0, 1), cli.stderr
    files = analyze_tree(head)[0].head.files
    f8 = run_flake8("--select", "RPC", *(["--extend-select", select]
                                         if select else []),
                    "--rpc-base", base, "--rpc-commit-msg", str(msg),
                    *files, cwd=head)
    assert f8.returncode in (0, 1), f8.stderr
    assert rpc1(cli.stdout) == rpc1(f8.stdout)
    return rpc1(cli.stdout)


def test_queens_bump_keeps_the_4x_proxy(tmp_path):
    head = release_tree("nova", "17.0.13")
    base = release_tree("nova", "16.1.8")
    assert both(head, base, PLAIN, tmp_path) == set()


@pytest.mark.parametrize("message,expected", [
    (PLAIN, {("nova/compute/manager.py", 493, "RPC102")}),
    (TAGGED, set()),
])
def test_rocky_drops_the_4x_proxy(tmp_path, message, expected):
    head = release_tree("nova", "18.0.3")
    base = release_tree("nova", "17.0.13")
    assert both(head, base, message, tmp_path) == expected


def test_both_steps_at_once(tmp_path):
    head = release_tree("nova", "18.0.3")
    base = release_tree("nova", "16.1.8")
    assert both(head, base, TAGGED, tmp_path) == {
        ("nova/compute/manager.py", 493, "RPC101")}


def test_wallaby_bump_to_6_0(tmp_path):
    head = release_tree("nova", "23.0.0")
    base = release_tree("nova", "22.4.0")
    assert both(head, base, PLAIN, tmp_path) == set()


def test_stale_5x_proxy_in_2026(tmp_path):
    head = release_tree("nova", "34.0.0")
    base = release_tree("nova", "33.0.2")
    assert both(head, base, PLAIN, tmp_path) == set()
    assert both(head, base, PLAIN, tmp_path, select="RPC105") == {
        ("nova/compute/manager.py", 12006, "RPC105")}
