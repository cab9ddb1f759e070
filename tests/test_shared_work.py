"""Work shared between the trees of one process (a change's head and its
base revision): the facts of a class are reused for another tree only
when everything they were computed from is the same there."""

from __future__ import annotations

import pytest

from rpc_version_lint import snapshot
from rpc_version_lint.facts import index
from rpc_version_lint.source.files import DiskTree

CLIENT = '''import oslo_messaging as messaging

from fleet import helpers


class {name}API(object):

    def __init__(self, transport):
        target = messaging.Target(topic='{topic}', version='1.0')
        self.client = messaging.get_rpc_client(transport, target)

    def own(self, ctxt):
        return self.client.prepare(version='1.0').cast(ctxt, 'own')

    def ping(self, ctxt):
        return helpers.notify(self.client, ctxt, 'ping')
'''
# big enough not to be run just because it is small
HELPERS = "from fleet import relay\n\n\ndef notify(client, ctxt, method):\n" \
    + "".join(f"    step{i} = {i}\n" for i in range(16)) + \
    "    return relay.relay(client, ctxt, method)\n\n\n" \
    "def pinned(client):\n    return client.prepare(version='1.0')\n"
RELAY = '''def relay(client, ctxt, method):
    {body}


def pinned(client):
    return client.prepare(version='1.0')
'''
SENDS = "return client.prepare(version='1.0').cast(ctxt, method)"


def write(root, relay_body):
    package = root / "fleet"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "alpha.py").write_text(CLIENT.format(name="Alpha",
                                                    topic="alpha"))
    (package / "beta.py").write_text(CLIENT.format(name="Beta",
                                                   topic="beta"))
    (package / "helpers.py").write_text(HELPERS)
    (package / "relay.py").write_text(RELAY.format(body=relay_body))
    return DiskTree(str(root))


def sent(snap) -> dict:
    return {c.name: sorted({s.method for s in c.sends})
            for c in snap.clients}


@pytest.fixture
def fresh():
    snapshot.forget()
    index.forget_parsed()
    yield
    snapshot.forget()
    index.forget_parsed()


def test_a_helper_judged_for_another_class_is_a_dependency(
        tmp_path, fresh):
    """Beta's facts at the base must not be the head's: the helper both
    clients call sends there.  Whether it can send was judged while
    Alpha ran; Beta only asked again (the same helper, the same
    answer), and that answer depends on relay.py too."""
    head = write(tmp_path / "head", "return None")
    base = write(tmp_path / "base", SENDS)
    alone = sent(snapshot.build(base, "fleet"))
    assert alone == {"AlphaAPI": ["own", "ping"], "BetaAPI": ["own", "ping"]}
    snapshot.forget()
    index.forget_parsed()
    assert sent(snapshot.build(head, "fleet")) == {
        "AlphaAPI": ["own"], "BetaAPI": ["own"]}
    assert sent(snapshot.build(base, "fleet")) == alone
