"""Work shared between the trees of one process (a change's head and its
base revision): the facts of a class are reused for another tree only
when everything they were computed from is the same there."""

from __future__ import annotations

import pytest

from conftest import calls_to
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


SERVICE = '''import oslo_messaging as messaging

from fleet import wiring


class Service(object):

    def __init__(self, topic, endpoints):
        self.topic = topic
        self.endpoints = wiring.checked(endpoints)

    def start(self):
        target = messaging.Target(topic=self.topic, server='host')
        self.server = messaging.get_rpc_server(None, target, self.endpoints)
        self.server.start()
'''
WIRING = '''import oslo_messaging as messaging

TARGET = messaging.Target(version='1.0')


def checked(endpoints):
    return list(endpoints)
'''
MANAGER = '''import oslo_messaging as messaging


class Manager(object):
    target = messaging.Target(version='1.0')

    def ping(self, ctxt):
        pass
'''
CMD = '''from fleet import manager
from fleet import service


def main():
    service.Service('fleet', [manager.Manager()]).start()
'''


def service_tree(root, edit=None):
    files = {"__init__.py": "", "service.py": SERVICE, "wiring.py": WIRING,
             "manager.py": MANAGER, "cmd.py": CMD, "other.py": "X = 1\n"}
    if edit:
        files[edit] += "\n# edited\n"
    package = root / "fleet"
    package.mkdir(parents=True)
    for name, text in files.items():
        (package / name).write_text(text)
    return DiskTree(str(root))


def serving(snap) -> list:
    return [(e.path, s.topics) for s in snap.servers for e in s.endpoints]


@pytest.mark.parametrize("edit, judged_again", [
    ("other.py", False),    # read by nothing
    ("service.py", True),   # the module judged
    ("wiring.py", True),    # what judging Service read
])
def test_a_base_reuses_the_heads_judgments(tmp_path, fresh, monkeypatch,
                                           edit, judged_again):
    """The second stage judges which names of a module others use (here
    the Service that cmd.py starts); a base revision reuses the head's
    judgment when the module and all the judgment read are the same."""
    judged = calls_to(monkeypatch, snapshot, "_rpc_names",
                      lambda project, mod, reach, mentioned: mod.relpath)
    head = snapshot.build(service_tree(tmp_path / "head"), "fleet")
    assert "fleet/service.py" in judged
    assert serving(head) == [("fleet.manager.Manager", ("fleet",))]
    judged.clear()
    base = snapshot.build(service_tree(tmp_path / "base", edit), "fleet")
    assert ("fleet/service.py" in judged) == judged_again
    assert serving(base) == serving(head)


BUILT = '''import oslo_messaging as messaging


class {name}API(object):

    def __init__(self, topic):
        target = messaging.Target(topic=topic, version='1.0')
        self.client = messaging.get_rpc_client(None, target)

    def ping(self, ctxt):
        return self.client.prepare(version='1.0').cast(ctxt, 'ping')
'''
USERS = '''from fleet import alpha
from fleet import beta

ALPHA = alpha.AlphaAPI('alpha')
BETA = beta.BetaAPI('{topic}')


def pinned(client):
    return client.prepare(version='1.0')
'''


def built_tree(root, topic):
    package = root / "fleet"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "alpha.py").write_text(BUILT.format(name="Alpha"))
    (package / "beta.py").write_text(BUILT.format(name="Beta"))
    (package / "users.py").write_text(USERS.format(topic=topic))
    return DiskTree(str(root))


def test_where_a_class_is_built_is_a_dependency(tmp_path, fresh):
    """A client taking its topic as an argument gets it from where the
    tree builds it. The calls of the modules followed are searched for
    the first class that needs it; the second class's search depends on
    them as much, and its facts are not reused at a base building it on
    another topic."""
    def topics(snap):
        return {c.name: c.topic for c in snap.clients}

    head = snapshot.build(built_tree(tmp_path / "head", "beta"), "fleet")
    assert topics(head) == {"AlphaAPI": "alpha", "BetaAPI": "beta"}
    base = snapshot.build(built_tree(tmp_path / "base", "beta-old"), "fleet")
    assert topics(base) == {"AlphaAPI": "alpha", "BetaAPI": "beta-old"}


SERVER = '''import oslo_messaging as messaging

from fleet import handlers


def serve(transport):
    target = messaging.Target(topic='fleet', server='host')
    return messaging.get_rpc_server(transport, target,
                                    [handlers.Handler()])
'''
HANDLERS = {
    "head": "def make():\n    return object()\n\n\nHandler = make\n",
    "base": "class Handler(object):\n\n    def ping(self, ctxt):\n"
            "        pass\n",
}


def handler_tree(root, which):
    package = root / "fleet"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "server.py").write_text(SERVER)
    (package / "handlers.py").write_text(HANDLERS[which])
    return DiskTree(str(root))


def test_a_module_read_only_as_text_is_a_dependency(tmp_path, fresh):
    """Whether a module holding no RPC code defines the class a server
    is built with is read from its text, without parsing it; the
    server's facts depend on that text as on any module they parse."""
    alone = serving(snapshot.build(handler_tree(tmp_path / "alone", "base"),
                                   "fleet"))
    assert alone == [("fleet.handlers.Handler", ("fleet",))]
    snapshot.forget()
    index.forget_parsed()
    head = serving(snapshot.build(handler_tree(tmp_path / "head", "head"),
                                  "fleet"))
    assert head != alone
    base = serving(snapshot.build(handler_tree(tmp_path / "base", "base"),
                                  "fleet"))
    assert base == alone


def test_which_files_build_a_class_is_a_dependency(tmp_path, fresh):
    """Where no module followed builds the class, the tree's text is
    searched for it: a file building it that only the base holds is
    found there, not hidden by the head's answer."""
    files = {"__init__.py": "", "alpha.py": BUILT.format(name="Alpha"),
             "beta.py": BUILT.format(name="Beta"),
             "users.py": "from fleet import beta\n\n"
                         "BETA = beta.BetaAPI('beta')\n"}

    def tree(root, extra=None):
        package = root / "fleet"
        package.mkdir(parents=True)
        for name, text in {**files, **(extra or {})}.items():
            (package / name).write_text(text)
        return DiskTree(str(root))

    def topic(snap):
        return {c.name: c.topic for c in snap.clients}["BetaAPI"]

    earlier = {"aaa.py": "from fleet import beta\n\n"
                         "OLD = beta.BetaAPI('beta-old')\n"}
    alone = topic(snapshot.build(tree(tmp_path / "alone", earlier), "fleet"))
    assert alone == "beta-old"
    snapshot.forget()
    index.forget_parsed()
    assert topic(snapshot.build(tree(tmp_path / "head"), "fleet")) == "beta"
    assert topic(snapshot.build(tree(tmp_path / "base", earlier),
                                "fleet")) == alone


CONFIGURED = '''import oslo_messaging as messaging
from oslo_config import cfg

CONF = cfg.CONF


class FleetAPI(object):

    def __init__(self):
        target = messaging.Target(topic=CONF.fleet.topic, version='1.0')
        self.client = messaging.get_rpc_client(None, target)

    def ping(self, ctxt):
        return self.client.prepare(version='1.0').cast(ctxt, 'ping')
'''
OPTIONS = '''from oslo_config import cfg

fleet_opts = [cfg.StrOpt('topic', default='{topic}')]
cfg.CONF.register_opts(fleet_opts, group='fleet')
'''


def test_an_option_default_is_a_dependency(tmp_path, fresh):
    """A topic read from an option is its default as the tree registers
    it: the module registering it is read, and a base revision with
    another default is not given the head's topic."""
    def tree(root, topic):
        package = root / "fleet"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "rpcapi.py").write_text(CONFIGURED)
        (package / "conf.py").write_text(OPTIONS.format(topic=topic))
        return DiskTree(str(root))

    def topic(snap):
        return [c.topic for c in snap.clients]

    assert topic(snapshot.build(tree(tmp_path / "head", "fleet"),
                                "fleet")) == ["fleet"]
    assert topic(snapshot.build(tree(tmp_path / "base", "fleet-old"),
                                "fleet")) == ["fleet-old"]


DRIVEN = '''import oslo_messaging as messaging
from stevedore import driver


def serve(transport):
    manager = driver.DriverManager('fleet.managers', 'default').driver
    target = messaging.Target(topic='fleet', server='host')
    return messaging.get_rpc_server(transport, target, [manager()])
'''
MANAGERS = '''import oslo_messaging as messaging


class Manager(object):
    target = messaging.Target(version='2.0')


class OldManager(object):
    target = messaging.Target(version='1.0')
'''
SETUP = "[entry_points]\nfleet.managers =\n    default = fleet.manager:{}\n"


def test_an_entry_point_is_a_dependency(tmp_path, fresh):
    """A manager loaded through a stevedore entry point is the class the
    tree's setup.cfg names: a base naming another one gets its own."""
    def tree(root, manager):
        package = root / "fleet"
        package.mkdir(parents=True)
        (root / "setup.cfg").write_text(SETUP.format(manager))
        (package / "__init__.py").write_text("")
        (package / "service.py").write_text(DRIVEN)
        (package / "manager.py").write_text(MANAGERS)
        return DiskTree(str(root))

    def on_topic(snap):  # the other class is a declared endpoint only
        return [(path, topics) for path, topics in serving(snap) if topics]

    head = snapshot.build(tree(tmp_path / "head", "Manager"), "fleet")
    assert on_topic(head) == [("fleet.manager.Manager", ("fleet",))]
    base = snapshot.build(tree(tmp_path / "base", "OldManager"), "fleet")
    assert on_topic(base) == [("fleet.manager.OldManager", ("fleet",))]
