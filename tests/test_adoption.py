"""Adopting the checks on a tree that already has findings: the
known-findings file, and suppressions that match nothing (RPC902), the same
in the command line and in flake8."""

import json
import os
import shutil

import pytest

from conftest import REPO, fixture, run_cli, run_flake8
from gitrepo import Repo
from rpc_version_lint import known, resources

FLEET = os.path.join(REPO, "examples", "fleet")
KNOWN = ".rpc-known-findings.json"
# the example's findings: none depends on a change
FLEET_CODES = {"RPC201", "RPC203", "RPC204", "RPC205", "RPC208"}


def found(stdout: str) -> set:
    """(path, line, code) of each ``path:line:col: CODE`` line."""
    result = set()
    for line in stdout.splitlines():
        path, number, _col, rest = line.split(":", 3)
        result.add((os.path.normpath(path).replace(os.sep, "/"), int(number),
                    rest.split()[0]))
    return result


def fleet_repo(path) -> Repo:
    repo = Repo(path)
    repo.put(FLEET)
    repo.commit("Fleet as it is")
    return repo


def edit(path, old, new, count=1):
    with open(path) as handle:
        text = handle.read()
    assert text.count(old) >= 1, old
    with open(path, "w") as handle:
        handle.write(text.replace(old, new, count))


def write_cfg(repo, *lines):
    with open(os.path.join(repo.path, "setup.cfg"), "w") as handle:
        handle.write("\n".join(["[flake8]", *lines]) + "\n")


def test_write_commit_and_gate_on_new_findings_only(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    repo = fleet_repo(tmp_path / "repo")
    wrote = run_cli("--write-known-findings", KNOWN, cwd=repo.path)
    assert wrote.returncode == 0, wrote.stderr
    assert wrote.stdout == ""
    assert f"wrote 6 known findings to {KNOWN}" in wrote.stderr
    assert "0 findings in 0 APIs, 2 files checked (6 known)" in wrote.stderr
    with open(os.path.join(repo.path, KNOWN)) as handle:
        text = handle.read()
    data = json.loads(text)
    jsonschema.validate(data, resources.schema("known-findings"))
    entries = data["known_findings"]
    assert {e["code"] for e in entries} == FLEET_CODES
    assert {(e["package"], e["api"]) for e in entries} == {
        ("fleet", "fleet.rpcapi.FleetAPI")}
    assert "rpcapi.py" not in text  # never a path or a line
    write_cfg(repo, f"rpc-known-findings = {KNOWN}")
    repo.commit("Adopt rpc-version-lint with the findings of today")

    # every line moves down, and one new mistake comes in
    rpcapi = os.path.join(repo.path, "fleet", "rpcapi.py")
    edit(rpcapi, '"""Client side', '# moved\n# down\n"""Client side')
    with open(rpcapi, "a") as handle:
        handle.write("\n    def ping_host(self, ctxt, host):\n"
                     "        cctxt = self.client.prepare(server=host, "
                     "version='6.y')\n"
                     "        cctxt.cast(ctxt, 'drain_host')\n")
    new = ("fleet/rpcapi.py", 65, "RPC205")
    cli = run_cli(cwd=repo.path)
    assert cli.returncode == 1, cli.stderr
    assert found(cli.stdout) == {new}
    assert "(6 known)" in cli.stderr
    f8 = run_flake8("--select", "RPC", ".", cwd=repo.path)
    assert f8.returncode == 1, f8.stderr
    assert found(f8.stdout) == {new}
    assert f"6 known findings not reported ({KNOWN})" in f8.stderr

    # from a subdirectory, the file is still the one setup.cfg names
    sub = run_cli("--format", "json", ".", cwd=os.path.join(repo.path,
                                                            "fleet"))
    data = json.loads(sub.stdout)
    assert [f["code"] for f in data["findings"]] == ["RPC205"]
    assert len(data["known"]) == data["summary"]["known"] == 6
    assert all(f["reason"] == f"known finding ({KNOWN})"
               for f in data["known"])


def test_the_same_mistake_made_again_is_new(tmp_path):
    """A known finding covers one finding with its fingerprint: a copy of
    the same mistake in the same API is reported."""
    repo = fleet_repo(tmp_path / "repo")
    assert run_cli("--write-known-findings", KNOWN,
                   cwd=repo.path).returncode == 0
    rpcapi = os.path.join(repo.path, "fleet", "rpcapi.py")
    with open(rpcapi, "a") as handle:  # drain_host's '6.x' once more
        handle.write("\n    def drain_again(self, ctxt, host):\n"
                     "        cctxt = self.client.prepare(server=host, "
                     "version='6.x')\n"
                     "        return cctxt.call(ctxt, 'drain_host')\n")
    proc = run_cli("--known-findings", KNOWN, cwd=repo.path)
    assert proc.returncode == 1
    # the first in file order is the known one
    assert found(proc.stdout) == {("fleet/rpcapi.py", 63, "RPC205")}


def test_change_rules_are_never_recorded(tmp_path):
    """RPC1xx and RPC3xx judge one change: recording them would hide the
    same mistake made again, so they are neither written nor waived."""
    repo = Repo(tmp_path / "repo")
    repo.put(fixture("surface", "base"))
    repo.commit("Base")
    repo.put(fixture("surface", "base"),
             fixture("surface", "method-added-unbumped"))
    repo.commit("Add audit() without a version bump")
    before = run_cli(cwd=repo.path)
    assert ("depot/manager.py", 10, "RPC301") in found(before.stdout)
    wrote = run_cli("--write-known-findings", KNOWN, "--base", "HEAD^",
                    cwd=repo.path)
    assert wrote.returncode == 0, wrote.stderr
    with open(os.path.join(repo.path, KNOWN)) as handle:
        codes = {e["code"] for e in json.load(handle)["known_findings"]}
    assert not any(c.startswith(("RPC1", "RPC3")) for c in codes)
    after = run_cli("--known-findings", KNOWN, cwd=repo.path)
    assert after.returncode == 1
    assert ("depot/manager.py", 10, "RPC301") in found(after.stdout)


def upgrade_trees(tmp_path):
    def tree(path, *overlays):
        for source in (fixture("shapes", "compute"),) + overlays:
            shutil.copytree(source, path, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("README.md"))
        return str(path)
    previous = tree(tmp_path / "previous")
    head = tree(tmp_path / "new", fixture("upgrade", "method-removed-minor"))
    return previous, head


def rpc4(stdout):
    return {f for f in found(stdout) if f[2].startswith("RPC4")}


def test_upgrade_findings_are_known_under_their_previous_release(tmp_path):
    previous, head = upgrade_trees(tmp_path)
    first = run_cli("--upgrade-from", previous, ".", cwd=head)
    assert rpc4(first.stdout), first.stdout
    wrote = run_cli("--upgrade-from", previous, "--write-known-findings",
                    KNOWN, ".", cwd=head)
    assert wrote.returncode == 0, wrote.stderr
    with open(os.path.join(head, KNOWN)) as handle:
        entries = json.load(handle)["known_findings"]
    rpc4_entries = [e for e in entries if e["code"].startswith("RPC4")]
    assert rpc4_entries and all(e["upgrade_from"] == previous
                                for e in rpc4_entries)
    assert all("upgrade_from" not in e for e in entries
               if not e["code"].startswith("RPC4"))
    same = run_cli("--upgrade-from", previous, "--known-findings", KNOWN,
                   "--strict", ".", cwd=head)
    assert same.returncode == 0, same.stdout + same.stderr
    # under another previous release they are not known: reported, and
    # their entries are not judged stale by that run
    other = str(tmp_path / "other-previous")
    shutil.copytree(previous, other)
    elsewhere = run_cli("--upgrade-from", other, "--known-findings", KNOWN,
                        ".", cwd=head)
    assert rpc4(elsewhere.stdout) == rpc4(first.stdout)
    assert "RPC902" not in elsewhere.stdout
    f8 = run_flake8("--select", "RPC", "--rpc-upgrade-from", other,
                    "--rpc-known-findings", KNOWN, "--rpc-strict", ".",
                    cwd=head)
    assert rpc4(f8.stdout) == rpc4(first.stdout)
    without = run_cli("--known-findings", KNOWN, "--strict", ".", cwd=head)
    assert without.returncode == 0, without.stdout


def stale_repo(tmp_path) -> Repo:
    """Known findings written, an allow entry and a noqa comment, then a
    fix that leaves one of each matching nothing."""
    repo = fleet_repo(tmp_path / "repo")
    assert run_cli("--write-known-findings", KNOWN,
                   cwd=repo.path).returncode == 0
    write_cfg(repo, f"rpc-known-findings = {KNOWN}", "rpc-allow =",
              "    RPC206 fleet API: the aliases are being reworked")
    rpcapi = os.path.join(repo.path, "fleet", "rpcapi.py")
    edit(rpcapi, "version='6.x')", "version='6.0')")   # known RPC205 fixed
    edit(rpcapi, "return '6.0'", "return '6.0'  # noqa: RPC201")
    repo.commit("Fix drain_host")
    return repo


STALE = {(KNOWN, 33, "RPC902"), ("setup.cfg", 4, "RPC902"),
         ("fleet/rpcapi.py", 38, "RPC902")}


def test_stale_entries_are_reported_as_warnings(tmp_path):
    repo = stale_repo(tmp_path)
    cli = run_cli(cwd=repo.path)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert found(cli.stdout) == STALE
    assert "3 findings (3 warnings)" in cli.stderr
    messages = cli.stdout
    assert "known finding RPC205 ('6.x' (version sent with drain_host) is " \
           "not a version oslo.messaging accepts) matches nothing" in messages
    assert "rpc-allow entry 'RPC206 fleet API: the aliases are being " \
           "reworked' matches no finding" in messages
    assert "this # noqa names RPC201, but no RPC201 finding is on its " \
           "line" in messages
    strict = run_cli("--strict", cwd=repo.path)
    assert strict.returncode == 1 and found(strict.stdout) == STALE
    github = run_cli("--format", "github", cwd=repo.path)
    assert all(line.startswith("::warning ")
               for line in github.stdout.splitlines())

    # flake8: printed, not reported, unless strict: the same verdicts
    f8 = run_flake8("--select", "RPC", "--jobs", "1", ".", cwd=repo.path)
    assert f8.returncode == 0 and f8.stdout == "", f8.stdout
    warned = [line for line in f8.stderr.splitlines()
              if line.startswith("rpc-version-lint: warning: ")]
    assert len(warned) == 3, f8.stderr
    f8 = run_flake8("--select", "RPC", "--rpc-strict", ".", cwd=repo.path)
    assert f8.returncode == 1
    # the comment at its line; the entries of files flake8 does not check
    # at line 1 of each file analysed, naming where they are
    assert found(f8.stdout) == {
        ("fleet/rpcapi.py", 38, "RPC902"), ("fleet/rpcapi.py", 1, "RPC902"),
        ("fleet/manager.py", 1, "RPC902")}
    assert f"RPC902 {KNOWN}:33: fleet API: known finding" in f8.stdout
    assert "RPC902 setup.cfg:4: rpc-allow entry" in f8.stdout


def test_stale_as_error_fails_both_front_ends(tmp_path):
    repo = stale_repo(tmp_path)
    with open(os.path.join(repo.path, "setup.cfg"), "a") as handle:
        handle.write("rpc-severity = RPC902:error\n")
    cli = run_cli(cwd=repo.path)
    f8 = run_flake8("--select", "RPC", ".", cwd=repo.path)
    assert cli.returncode == f8.returncode == 1
    assert found(cli.stdout) == STALE


def test_what_cannot_be_judged_is_not_stale(tmp_path):
    """A comment naming a rule that did not run, or that judges a change,
    and an allow entry for another package's API, are left alone."""
    repo = fleet_repo(tmp_path / "repo")
    rpcapi = os.path.join(repo.path, "fleet", "rpcapi.py")
    edit(rpcapi, "return '6.0'", "return '6.0'  # noqa: RPC101,RPC4")
    edit(rpcapi, "return old", "return old  # noqa: RPC207")
    write_cfg(repo, "rpc-allow =",
              "    RPC205 nova.compute.rpcapi.ComputeAPI: another package",
              "    RPC301 fleet API: judged by the change only")
    proc = run_cli("--base", "none", "--ignore", "RPC207", cwd=repo.path)
    assert "RPC902" not in proc.stdout, proc.stdout
    # a removed API named by its path in this package is stale, whatever
    # its codes
    write_cfg(repo, "rpc-allow =",
              "    RPC301 fleet.rpcapi.GoneAPI: judged by the change only")
    proc = run_cli("--base", "none", cwd=repo.path)
    assert ("setup.cfg", 3, "RPC902") in found(proc.stdout)
    assert "names no RPC API of fleet" in proc.stdout


def valid_file(tmp_path) -> str:
    repo = fleet_repo(tmp_path / "repo")
    assert run_cli("--write-known-findings", KNOWN,
                   cwd=repo.path).returncode == 0
    return repo.path


def _rewrite(path, change):
    with open(path) as handle:
        data = json.load(handle)
    change(data)
    with open(path, "w") as handle:
        json.dump(data, handle)


BAD_FILES = {
    "missing": (lambda p: os.remove(p), "no such file"),
    "not json": (lambda p: open(p, "w").write("{not json"), "not json"),
    "findings output": (
        lambda p: open(p, "w").write('{"schema_version": 1, '
                                     '"findings": []}'),
        "not a known-findings file (it is --format json output)"),
    "newer": (lambda p: _rewrite(p, lambda d: d.update(schema_version=2)),
              "schema_version 2 is newer"),
    "edited": (lambda p: _rewrite(p, lambda d: d["known_findings"][0]
                                  .update(cause="something else")),
               "known_findings[0]: its fingerprint does not match"),
    "change rule": (lambda p: _rewrite(p, lambda d: d["known_findings"][0]
                                       .update(code="RPC301")),
                    "RPC301 findings depend on the change"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_one_line(tmp_path, case):
    tree = valid_file(tmp_path)
    spoil, said = BAD_FILES[case]
    spoil(os.path.join(tree, KNOWN))
    cli = run_cli("--known-findings", KNOWN, cwd=tree)
    assert cli.returncode == 2 and cli.stdout == ""
    assert cli.stderr.count("\n") == 1, cli.stderr
    assert cli.stderr.startswith(f"rpc-version-lint: error: "
                                 f"--known-findings {KNOWN}: ")
    assert said in cli.stderr
    # flake8 carries on and fails with RPC900, in every file holding an API
    f8 = run_flake8("--select", "RPC", "--rpc-known-findings", KNOWN, ".",
                    cwd=tree)
    assert f8.returncode == 1 and "Traceback" not in f8.stderr
    assert {code for _, _, code in found(f8.stdout)} >= {"RPC900"}
    assert said in f8.stdout


def test_write_refused_when_the_run_is_incomplete(tmp_path):
    tree = valid_file(tmp_path)
    os.remove(os.path.join(tree, KNOWN))
    proc = run_cli("--upgrade-from", "no-such-release",
                   "--write-known-findings", KNOWN, cwd=tree)
    assert proc.returncode == 2
    assert "not written" in proc.stderr
    assert not os.path.exists(os.path.join(tree, KNOWN))


def test_fingerprints_ignore_place_and_advice():
    from rpc_version_lint.rules import Finding
    a = Finding("fleet/rpcapi.py", 10, 0, "RPC201",
                "fleet API: ping is sent as 6.2, which no endpoint accepts "
                "(FleetManager 6.1, at fleet/manager.py:12); raise the "
                "server's target", "fleet API")
    b = Finding("fleet/other.py", 99, 4, "RPC201",
                "fleet API: ping is sent as 6.2, which no endpoint accepts "
                "(FleetManager 6.1, at fleet/manager.py:40); send a version "
                "it accepts", "fleet API")
    assert known.cause(a) == known.cause(b) == (
        "ping is sent as 6.2, which no endpoint accepts (FleetManager 6.1, "
        "at <file>)")
    c = Finding("fleet/rpcapi.py", 10, 0, "RPC201",
                "fleet API: ping is sent as 6.3, which no endpoint accepts "
                "(FleetManager 6.1); raise it", "fleet API")
    assert known.cause(c) != known.cause(a)
    assert known.fingerprint("RPC201", "k", "x") != \
        known.fingerprint("RPC201", "k", "x", "22.0.0")


def test_pyproject_names_the_file_and_holds_the_allow_list(tmp_path):
    repo = fleet_repo(tmp_path / "repo")
    os.makedirs(os.path.join(repo.path, "etc"))
    assert run_cli("--write-known-findings", os.path.join("etc", KNOWN),
                   cwd=repo.path).returncode == 0
    with open(os.path.join(repo.path, "pyproject.toml"), "w") as handle:
        handle.write('[tool.rpc-version-lint]\n'
                     f'known-findings = "etc/{KNOWN}"\n'
                     'allow = [\n'
                     '    "RPC206 fleet API: aliases being reworked",\n'
                     ']\n')
    # relative to pyproject.toml, wherever the command runs
    for cwd in (repo.path, os.path.join(repo.path, "fleet")):
        proc = run_cli("--base", "none", cwd=cwd)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "(6 known)" in proc.stderr
    proc = run_cli("--base", "none", cwd=repo.path)
    assert found(proc.stdout) == {("pyproject.toml", 4, "RPC902")}
