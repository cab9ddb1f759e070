"""Bounded work: code built to make the interpreter crawl costs work in
proportion to its size.  The tests count interpreter steps and route
comparisons (deterministic), never seconds; the timeout only guards
against a hang."""

from __future__ import annotations

import signal

import pytest

from conftest import actual_findings, analyze_tree
from rpc_version_lint import snapshot
from rpc_version_lint.facts import flow, index
from rpc_version_lint.source.files import DiskTree

from .hostile import (
    client, guards, helpers, many_apis, unrelated_branches)


@pytest.fixture(autouse=True)
def no_hang():
    """A hang fails the test after a minute instead of stalling CI."""
    def hung(*_):
        raise TimeoutError("the analysis hung")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def build(tmp_path, name: str, source: str):
    """The snapshot of a package ``fleet`` holding one module."""
    root = tmp_path / name
    (root / "fleet").mkdir(parents=True)
    (root / "fleet" / "__init__.py").write_text("")
    (root / "fleet" / "rpcapi.py").write_text(source)
    snapshot.forget()
    index.forget_parsed()
    return snapshot.build(DiskTree(str(root)), "fleet")


def steps(snap) -> int:
    return snap.work["interpreter steps"]


def sends(snap) -> set:
    [api] = [a for a in snap.apis if a.client is not None]
    return {(s.method, str(v.version.version)) for s in api.client.sends
            for v in s.variants}


def test_helpers_calling_helpers(tmp_path):
    shallow = build(tmp_path, "four", helpers(4))
    deep = build(tmp_path, "eight", helpers(8))
    # 8**8 inlined calls without memoising; with it, a few per level
    assert steps(deep) <= 2.2 * steps(shallow)
    assert steps(deep) < 2_000


def test_long_elif_chain(tmp_path):
    short = build(tmp_path, "short", guards(250))
    long = build(tmp_path, "long", guards(500))
    assert not long.problems  # no RecursionError, nothing skipped
    assert steps(long) <= 2.2 * steps(short)
    assert ("ping", "1.500") in sends(long)


def test_branches_that_do_not_matter(tmp_path):
    few = build(tmp_path, "few", unrelated_branches(6))
    many = build(tmp_path, "many", unrelated_branches(12))
    # 2**12 paths reach setup_rpc(); it runs once per distinct state it
    # reads, so the work grows with the code, not with the paths
    assert steps(many) <= 2.2 * steps(few)
    assert sends(many) == {("ping", "1.9")}


def test_pairing_grows_linearly(tmp_path):
    small = build(tmp_path, "small", many_apis(200))
    large = build(tmp_path, "large", many_apis(400))
    assert large.work["route comparisons"] <= \
        2.2 * small.work["route comparisons"]
    paired = [a for a in large.apis if a.client is not None and a.endpoints]
    assert len(paired) == 400
    assert all(a.endpoints[0].name == "Manager" + a.client.name[3:]
               for a in paired)


def test_past_the_budget_the_method_is_partly_checked(tmp_path,
                                                      monkeypatch):
    body = ("\ndef ping(self, ctxt):\n"
            + "".join(f"    a{i} = {i}\n" for i in range(40))
            + "    cctxt = self.client.prepare(version='1.9')\n"
            "    return cctxt.call(ctxt, 'ping')\n")
    monkeypatch.setattr(flow, "MAX_STEPS", 30)
    snap = build(tmp_path, "budget", client(body))
    [api] = [a for a in snap.apis if a.client is not None]
    assert api.coverage == "partial"
    assert "too complex to follow completely: ping" in api.reason
    tree = tmp_path / "budget"
    codes = {code for _, _, code in actual_findings(
        analyze_tree(str(tree), codes={"RPC901"}))}
    assert codes == {"RPC901"}


@pytest.mark.parametrize("body,expected", [
    # the prepared context replaces the client it came from
    ("\ndef ping(self, ctxt):\n"
     "    self.client = self.client.prepare(version='1.9')\n"
     "    return self.client.call(ctxt, 'ping')\n", {("ping", "1.9")}),
    # a match statement choosing the version
    ("\ndef ping(self, ctxt, kind):\n"
     "    match kind:\n"
     "        case 'new':\n"
     "            version = '1.9'\n"
     "        case _:\n"
     "            version = '1.0'\n"
     "    cctxt = self.client.prepare(version=version)\n"
     "    return cctxt.call(ctxt, 'ping')\n",
     {("ping", "1.9"), ("ping", "1.0")}),
])
def test_plausible_code_read_right(tmp_path, body, expected):
    tree = tmp_path / "plausible"
    snap = build(tmp_path, "plausible", client(body))
    assert sends(snap) == expected
    assert actual_findings(analyze_tree(str(tree), codes={"RPC901"})) \
        == set()


def test_getattr_prepare_is_at_least_unresolved(tmp_path):
    body = ("\ndef ping(self, ctxt):\n"
            "    cctxt = getattr(self.client, 'prepare')(version='1.9')\n"
            "    return cctxt.call(ctxt, 'ping')\n")
    snap = build(tmp_path, "getattr", client(body))
    [api] = [a for a in snap.apis if a.client is not None]
    # read as oslo.messaging runs it, or said not to be
    assert sends(snap) == {("ping", "1.9")} or api.coverage != "checked"
