"""Severity per rule: a warning is reported but fails the run only under
rpc-strict, with one verdict in the command line and in flake8."""

import json
import os
import shutil

import pytest

from conftest import expected_findings, fixture, run_cli, run_flake8
from rpc_version_lint import rules
from rpc_version_lint.config import Config, ConfigError, parse_severity


def found(stdout: str) -> set:
    result = set()
    for line in stdout.splitlines():
        path, number, _col, rest = line.split(":", 3)
        result.add((os.path.normpath(path).replace(os.sep, "/"), int(number),
                    rest.split()[0]))
    return result


def tree_of(tmp_path, name, *cfg):
    tree = tmp_path / "tree"
    shutil.copytree(fixture("rules", name), tree)
    if cfg:
        (tree / "setup.cfg").write_text("\n".join(["[flake8]", *cfg]) +
                                        "\n")
    return str(tree)


def verdicts(tree, cli_args=(), flake8_args=()):
    cli = run_cli("--base", "none", *cli_args, ".", cwd=tree)
    f8 = run_flake8("--select", "RPC", "--rpc-base", "none", *flake8_args,
                    ".", cwd=tree)
    assert "Traceback" not in cli.stderr + f8.stderr
    return cli, f8


def test_defaults():
    severity = {r.code: r.severity for r in rules.all_rules()}
    assert set(severity.values()) == {"error", "warning"}
    assert {c for c, s in severity.items() if s == "warning"} == {
        "RPC207", "RPC902"}
    assert Config().level("RPC207") == "warning"
    assert Config().level("RPC201") == "error"


def test_longest_prefix_wins():
    config = Config(severity=parse_severity("RPC2:warning, RPC205:error"))
    assert config.level("RPC201") == "warning"
    assert config.level("RPC205") == "error"
    assert config.level("RPC101") == "error"
    assert not config.fails("RPC201")
    assert Config(strict=True).fails("RPC207")


@pytest.mark.parametrize("value, said", [
    ("RPC205:info", "is not 'CODE:LEVEL'"),
    ("RPC205", "is not 'CODE:LEVEL'"),
    ("RPC999:warning", "RPC999 matches no rule"),
    ("RPC900:warning", "RPC900 is always an error"),
    ("RPC9:warning", "RPC900 is always an error"),
])
def test_bad_values(tmp_path, value, said):
    with pytest.raises(ConfigError, match=said):
        parse_severity(value)
    tree = tree_of(tmp_path, "rpc205", f"rpc-severity = {value}")
    cli, f8 = verdicts(tree)
    assert cli.returncode == 2 and cli.stderr.count("\n") == 1
    assert said in cli.stderr and "rpc-severity" in cli.stderr
    assert f8.returncode == 1 and "RPC900" in f8.stdout


def test_version_history_is_a_warning_by_default(tmp_path):
    tree = tree_of(tmp_path, "rpc207")
    want = expected_findings(tree)
    cli, f8 = verdicts(tree)
    assert cli.returncode == f8.returncode == 0, cli.stdout + f8.stdout
    assert found(cli.stdout) == want          # listed all the same
    assert f8.stdout == ""
    assert "RPC207" in f8.stderr and "warning: " in f8.stderr
    cli, f8 = verdicts(tree, ["--strict"], ["--rpc-strict"])
    assert cli.returncode == f8.returncode == 1
    assert found(cli.stdout) == found(f8.stdout) == want


def test_a_warning_everywhere(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    tree = tree_of(tmp_path, "rpc205", "rpc-severity = RPC205:warning")
    rpcapi = os.path.join(tree, "badver", "rpcapi.py")
    with open(rpcapi) as handle:
        text = handle.read()
    with open(rpcapi, "w") as handle:  # a noqa silences the note too
        handle.write(text.replace("version='2')  # expect: RPC205",
                                  "version='2')  # noqa: RPC205"))
    want = expected_findings(tree)
    cli, f8 = verdicts(tree)
    assert cli.returncode == f8.returncode == 0
    assert found(cli.stdout) == want and f8.stdout == ""
    assert f"{len(want)} findings ({len(want)} warnings)" in cli.stderr
    notes = [line for line in f8.stderr.splitlines()
             if line.startswith("rpc-version-lint: warning: ")]
    assert {(os.path.normpath(n.split()[2].split(":")[0]),
             int(n.split()[2].split(":")[1])) for n in notes} == {
        (os.path.normpath(p), line) for p, line, _ in want}
    github = run_cli("--base", "none", "--format", "github", ".", cwd=tree)
    assert github.returncode == 0
    assert all(line.startswith("::warning file=")
               for line in github.stdout.splitlines())
    data = json.loads(run_cli("--base", "none", "--format", "json", ".",
                              cwd=tree).stdout)
    assert {f["severity"] for f in data["findings"]} == {"warning"}
    assert data["summary"]["warnings"] == len(want)
    assert data["summary"]["errors"] == 0
    sarif = json.loads(run_cli("--base", "none", "--format", "sarif", ".",
                               cwd=tree).stdout)
    run = sarif["runs"][0]
    assert {r["level"] for r in run["results"]} == {"warning"}
    levels = {r["id"]: r["defaultConfiguration"]["level"]
              for r in run["tool"]["driver"]["rules"]}
    assert levels["RPC205"] == "warning" and levels["RPC201"] == "error"
    with open(os.path.join(os.path.dirname(__file__), "data",
                           "sarif-schema-2.1.0.json")) as handle:
        jsonschema.Draft4Validator(json.load(handle)).validate(sarif)
    # strict: both fail, and flake8 shows them
    cli, f8 = verdicts(tree, ["--strict"], ["--rpc-strict"])
    assert cli.returncode == f8.returncode == 1
    assert found(cli.stdout) == found(f8.stdout) == want


def test_an_error_stays_an_error_beside_warnings(tmp_path):
    tree = tree_of(tmp_path, "rpc205", "rpc-severity = RPC205:warning",
                   "rpc-strict = false")
    cli, f8 = verdicts(tree, ["--severity", "RPC205:error"],
                       ["--rpc-severity", "RPC205:error"])
    assert cli.returncode == f8.returncode == 1


def test_pyproject_settings(tmp_path):
    tree = tree_of(tmp_path, "rpc205")
    with open(os.path.join(tree, "pyproject.toml"), "w") as handle:
        handle.write('[tool.rpc-version-lint]\nseverity = ["RPC205:warning"]'
                     '\n')
    assert run_cli("--base", "none", ".", cwd=tree).returncode == 0
    with open(os.path.join(tree, "pyproject.toml"), "a") as handle:
        handle.write("strict = true\n")
    assert run_cli("--base", "none", ".", cwd=tree).returncode == 1
    with open(os.path.join(tree, "pyproject.toml"), "w") as handle:
        handle.write("[tool.rpc-version-lint]\nstrict = 'maybe'\n")
    bad = run_cli("--base", "none", ".", cwd=tree)
    assert bad.returncode == 2 and "is not true or false" in bad.stderr


def test_list_rules_and_pages_say_the_severity():
    proc = run_cli("--list-rules")
    assert ("RPC207  on   warning  Version history out of step with the "
            "server") in proc.stdout.splitlines()
    data = json.loads(run_cli("--list-rules", "--format", "json").stdout)
    assert {r["code"]: r["severity"] for r in data["rules"]}["RPC902"] == \
        "warning"
    explained = run_cli("--explain", "RPC207").stdout.splitlines()[0]
    assert "severity warning" in explained and "--strict" in explained
    from rpc_version_lint import resources
    assert "severity warning" in resources.rule_pages()["RPC207.md"]
    assert "| [RPC207](RPC207.md) | on | warning |" in \
        resources.rule_pages()["README.md"]
