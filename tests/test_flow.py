"""The interpreter on small client classes written inline."""

import textwrap

from rpc_version_lint import snapshot
from rpc_version_lint.source.files import DiskTree

HEADER = """
import oslo_messaging as messaging


class API(object):
    def __init__(self):
        target = messaging.Target(topic='t', version='2.0')
        self.client = messaging.get_rpc_client(None, target,
                                               version_cap='2.3')
"""


def client_of(tmp_path, body, extra=""):
    pkg = tmp_path / "pkg"
    pkg.mkdir(exist_ok=True)
    (pkg / "__init__.py").write_text("")
    source = HEADER + textwrap.indent(textwrap.dedent(body), "    ") + \
        textwrap.dedent(extra)
    (pkg / "rpcapi.py").write_text(source)
    snap = snapshot.build(DiskTree(str(tmp_path)), "pkg")
    assert len(snap.clients) == 1, snap.problems
    return snap.clients[0]


def sends(client):
    return {(s.method, v.version.text,
             tuple(sorted(v.kwargs)) if v.kwargs is not None else None,
             tuple((str(g), b) for g, b in v.constraints))
            for s in client.sends for v in s.variants}


def test_guard_chain_prunes_impossible_paths(tmp_path):
    client = client_of(tmp_path, """
        def m(self, ctxt):
            version = '2.3'
            kw = {'a': 1, 'b': 2}
            if not self.client.can_send_version(version):
                version = '2.2'
                kw.pop('b')
            if not self.client.can_send_version(version):
                version = '2.0'
                del kw['a']
            self.client.prepare(version=version).cast(ctxt, 'm', **kw)
        """)
    assert sends(client) == {
        ("m", "2.3", ("a", "b"), (("2.3", True),)),
        ("m", "2.2", ("a",), (("2.3", False), ("2.2", True))),
        ("m", "2.0", (), (("2.3", False), ("2.2", False))),
    }


def test_raise_ends_the_path(tmp_path):
    client = client_of(tmp_path, """
        def m(self, ctxt):
            if not self.client.can_send_version('2.1'):
                raise ValueError('too old')
            self.client.prepare(version='2.1').cast(ctxt, 'm')
        """)
    assert sends(client) == {("m", "2.1", (), (("2.1", True),))}


def test_helper_is_understood_by_its_body_not_its_name(tmp_path):
    client = client_of(tmp_path, """
        def zz_whatever(self, newest, *older):
            for candidate in (newest,) + older:
                if self.client.can_send_version(candidate):
                    return candidate
            raise RuntimeError('nothing fits')

        def m(self, ctxt):
            cctxt = self.client.prepare(version=self.zz_whatever('2.2', '2.0'))
            cctxt.call(ctxt, 'm')
        """)
    assert {(m, v) for m, v, _, _ in sends(client)} == {("m", "2.2"),
                                                        ("m", "2.0")}
    assert client.compat_helpers == ["zz_whatever"]


def test_unknown_conditions_fork_and_kwargs_stay_per_path(tmp_path):
    client = client_of(tmp_path, """
        def m(self, ctxt, flag):
            kw = {'a': 1}
            if flag:
                kw['b'] = 2
            self.client.prepare(version='2.0').cast(ctxt, 'm', **kw)
        """)
    variants = [v for s in client.sends for v in s.variants]
    kwargs = {tuple(sorted(v.kwargs)) for v in variants}
    assert kwargs == {("a",), ("a", "b")}
    assert client.sends[0].kwargs_always() == {"a"}


def test_version_through_module_constant_and_class_attribute(tmp_path):
    client = client_of(tmp_path, """
        NEWEST = LATEST

        def m(self, ctxt):
            self.client.prepare(version=self.NEWEST).cast(ctxt, 'm')
        """, extra="\nLATEST = '2.1'\n")
    assert {v for _, v, _, _ in sends(client)} == {"2.1"}


def test_unresolved_version_is_recorded(tmp_path):
    client = client_of(tmp_path, """
        def m(self, ctxt, version):
            self.client.prepare(version=version).cast(ctxt, 'm')
        """)
    assert [v.version.text for s in client.sends for v in s.variants] == \
        [None]
    assert [u.text for u in client.unresolved] == ["prepare(version=...)"]


def test_recursion_does_not_hang(tmp_path):
    client = client_of(tmp_path, """
        def a(self, ctxt):
            return self.b(ctxt)

        def b(self, ctxt):
            self.client.prepare(version='2.0').cast(ctxt, 'b')
            return self.a(ctxt)
        """)
    assert {m for m, _, _, _ in sends(client)} == {"b"}


def test_astroid_resolves_what_ast_cannot_and_only_that(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "versions.py").write_text("MAJOR = 2\nCURRENT = '%d.%d' % "
                                     "(MAJOR, 1)\n")
    source = HEADER + textwrap.indent(textwrap.dedent("""
        def m(self, ctxt):
            cctxt = self.client.prepare(version=versions.CURRENT)
            cctxt.cast(ctxt, 'm')

        def n(self, ctxt):
            self.client.prepare(version='2.0').cast(ctxt, 'n')
        """), "    ")
    (pkg / "rpcapi.py").write_text("from pkg import versions\n" + source)
    snap = snapshot.build(DiskTree(str(tmp_path)), "pkg",
                          infer_root=str(tmp_path))
    assert {(s.method, v.version.text) for s in snap.clients[0].sends
            for v in s.variants} == {("m", "2.1"), ("n", "2.0")}
    assert (snap.inference_calls, snap.inferred) == (1, 1)
    # without a tree on disk (a git revision) astroid is not asked
    snap = snapshot.build(DiskTree(str(tmp_path)), "pkg")
    assert snap.inference_calls == 0
    assert [u.why for u in snap.clients[0].unresolved] == [
        "cannot evaluate '%d.%d' % (MAJOR, 1)"]
