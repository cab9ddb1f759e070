"""The project checks itself with flake8 and its own plugin."""

from conftest import REPO, run_flake8


def test_flake8_is_clean_on_the_project():
    proc = run_flake8(cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_the_plugin_takes_part():
    proc = run_flake8("--version", cwd=REPO)
    assert "rpc-version-lint" in proc.stdout
