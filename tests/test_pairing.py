"""Pairing clients with servers, and stating pairs explicitly."""

import textwrap

from rpc_version_lint import snapshot
from rpc_version_lint.config import ConfigError, parse_pairs
from rpc_version_lint.source.files import DiskTree

import pytest

CLIENT = """
import oslo_messaging as messaging


class WorkerAPI(object):
    def __init__(self):
        target = messaging.Target(topic='worker', version='1.0')
        self.client = messaging.get_rpc_client(None, target)

    def run(self, ctxt):
        self.client.prepare(version='1.1').cast(ctxt, 'run')

    def stop(self, ctxt):
        self.client.prepare().cast(ctxt, 'stop')
"""

SERVER = """
import oslo_messaging as messaging


class {name}(object):
    target = messaging.Target(version='1.1')
{methods}
"""


def server(name, *methods):
    body = "".join(f"\n    def {m}(self, context):\n        pass\n"
                   for m in methods)
    return SERVER.format(name=name, methods=body)


def build(tmp_path, files, pairs=None):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        for parent in path.relative_to(tmp_path).parents:
            if str(parent) != ".":
                init = tmp_path / parent / "__init__.py"
                if not init.exists():
                    init.write_text("")
    snap = snapshot.build(DiskTree(str(tmp_path)), "svc", pairs=pairs)
    return {a.key: a for a in snap.apis}


def test_same_package(tmp_path):
    apis = build(tmp_path, {
        "svc/worker/rpcapi.py": CLIENT,
        "svc/worker/manager.py": server("WorkerManager", "run", "stop"),
        "svc/other/manager.py": server("OtherManager", "run", "stop")})
    api = apis["svc.worker.rpcapi.WorkerAPI"]
    assert [e.name for e in api.endpoints] == ["WorkerManager"]
    assert api.pairing == "same package"


def test_explicit_pair_across_packages(tmp_path):
    files = {"svc/client/rpcapi.py": CLIENT,
             "svc/server/manager.py": server("WorkerManager", "run", "stop")}
    apis = build(tmp_path, files)
    assert apis["svc.client.rpcapi.WorkerAPI"].endpoints == []
    apis = build(tmp_path, files, pairs={
        "svc.client.rpcapi.WorkerAPI": "svc.server.manager.WorkerManager"})
    api = apis["svc.client.rpcapi.WorkerAPI"]
    assert [e.name for e in api.endpoints] == ["WorkerManager"]
    assert api.pairing == "configured (rpc-pairs)"


def test_a_server_implementing_few_of_the_methods_is_not_the_server(
        tmp_path):
    apis = build(tmp_path, {
        "svc/agent.py": CLIENT + server("AgentManager", "refresh")})
    api = apis["svc.agent.WorkerAPI"]
    assert api.endpoints == []
    assert "implements 0 of the 2 methods" in api.pairing


def test_two_servers_in_the_package_are_ambiguous(tmp_path):
    apis = build(tmp_path, {
        "svc/worker/rpcapi.py": CLIENT,
        "svc/worker/flat.py": server("FlatManager", "run", "stop"),
        "svc/worker/vlan.py": server("VlanManager", "run", "stop")})
    api = apis["svc.worker.rpcapi.WorkerAPI"]
    assert api.endpoints == []
    assert "several servers" in api.pairing and "rpc-pairs" in api.pairing


def test_parse_pairs():
    assert parse_pairs("a.B = c.D,\n e.F:g.H") == (("a.B", "c.D"),
                                                   ("e.F", "g.H"))
    with pytest.raises(ConfigError, match="rpc-pairs"):
        parse_pairs("just-one-thing")


def test_a_message_with_an_unresolved_namespace_leaves_the_pair_incomplete(
        tmp_path):
    """One send's namespace is computed at run time: it may go to another
    namespace than the endpoints found, so the pairing is not complete and
    the dispatch rules do not judge it."""
    apis = build(tmp_path, {
        "svc/worker/rpcapi.py": """
            import oslo_messaging as messaging

            from svc.worker import policy


            class WorkerAPI(object):
                def __init__(self):
                    target = messaging.Target(topic='worker',
                                              namespace='jobs',
                                              version='1.0')
                    self.client = messaging.get_rpc_client(None, target)

                def run(self, ctxt):
                    self.client.prepare(version='1.1').cast(ctxt, 'run')

                def probe(self, ctxt):
                    cctxt = self.client.prepare(
                        namespace=policy.namespace_for(ctxt), version='1.0')
                    cctxt.cast(ctxt, 'probe')
            """,
        "svc/worker/policy.py": """
            def namespace_for(ctxt):
                return ctxt.namespace
            """,
        "svc/worker/service.py": """
            import oslo_messaging as messaging

            from svc.worker import manager


            def main():
                server = messaging.get_rpc_server(
                    None, messaging.Target(topic='worker', server='h'),
                    [manager.WorkerManager()])
                server.start()
            """,
        "svc/worker/manager.py": """
            import oslo_messaging as messaging


            class WorkerManager(object):
                target = messaging.Target(namespace='jobs', version='1.1')

                def run(self, context):
                    pass
            """,
    })
    api = apis["svc.worker.rpcapi.WorkerAPI"]
    assert [e.name for e in api.endpoints] == ["WorkerManager"]
    assert api.complete is False
    assert api.coverage == "partial"
    assert "namespace" in api.reason
