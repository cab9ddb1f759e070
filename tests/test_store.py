"""Snapshots kept between runs: reused only when a fresh build would give
the same, rebuilt as soon as anything it was built from changed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import calls_to, fixture
from gitrepo import Repo
from rpc_version_lint import engine, rules, snapshot
from rpc_version_lint.config import Config
from rpc_version_lint.source import store as store_module
from rpc_version_lint.source.files import DiskTree
from rpc_version_lint.source.store import Store

CLIENT = '''import oslo_messaging as messaging


class FleetAPI(object):

    def __init__(self):
        target = messaging.Target(topic='fleet', version='1.0')
        self.client = messaging.get_rpc_client(None, target)

    def ping(self, ctxt):
        cctxt = self.client.prepare(version='1.2')
        return cctxt.call(ctxt, 'ping')
'''
MANAGER = '''import oslo_messaging as messaging


class FleetManager(object):
    target = messaging.Target(version='1.2')

    def ping(self, ctxt):
        pass


def serve(transport):
    target = messaging.Target(topic='fleet', server='host')
    return messaging.get_rpc_server(transport, target, [FleetManager()])
'''


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "tree"
    package = root / "fleet"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "rpcapi.py").write_text(CLIENT)
    (package / "manager.py").write_text(MANAGER)
    (package / "utils.py").write_text("def helper():\n    return 1\n")
    return root


class Counting:
    """snapshot.build with a store, counting the fresh builds."""

    def __init__(self, monkeypatch, directory):
        self.store = Store(str(directory))
        self.built = 0
        original = snapshot._build

        def counted(*args, **kwargs):
            self.built += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(snapshot, "_build", counted)
        snapshot.forget()

    def __call__(self, root, pairs=None):
        return snapshot.build(DiskTree(str(root)), "fleet", pairs=pairs,
                              store=self.store)


@pytest.fixture
def counting(monkeypatch, tmp_path):
    return Counting(monkeypatch, tmp_path / "store")


def versions(snap) -> dict:
    return {a.name: str(a.newest) for a in snap.apis}


def test_a_second_run_reuses_the_snapshot(tree, counting):
    first = counting(tree)
    second = counting(tree)
    assert counting.built == 1
    assert versions(first) == versions(second) == {"fleet API": "1.2"}


def test_an_edit_to_a_file_the_analysis_read_rebuilds(tree, counting):
    counting(tree)
    manager = tree / "fleet" / "manager.py"
    manager.write_text(MANAGER.replace("'1.2'", "'1.3'"))
    assert versions(counting(tree)) == {"fleet API": "1.3"}
    assert counting.built == 2


def test_an_edit_elsewhere_keeps_it(tree, counting):
    counting(tree)
    (tree / "fleet" / "utils.py").write_text("def helper():\n    return 2\n")
    counting(tree)
    assert counting.built == 1


def test_a_new_file_in_the_second_stage_rebuilds(tree, counting):
    """A file without oslo.messaging's names that subclasses a client is
    read by the second stage: it makes a new API."""
    counting(tree)
    (tree / "fleet" / "extra.py").write_text(
        "from fleet import rpcapi\n\n\n"
        "class ExtraAPI(rpcapi.FleetAPI):\n\n"
        "    def pong(self, ctxt):\n"
        "        return self.client.call(ctxt, 'pong')\n")
    snap = counting(tree)
    assert counting.built == 2
    assert "fleet.extra.ExtraAPI" in {a.key for a in snap.apis}


def test_a_name_newly_used_elsewhere_is_judged_afresh(tree, counting):
    (tree / "fleet" / "utils.py").write_text(
        "from fleet import manager\n\n\n"
        "def kind():\n"
        "    return manager.FleetManager\n")
    counting(tree)
    # utils.py now names serve() too: the second stage judges serve() for
    # the first time (it starts a server: utils.py is read)
    (tree / "fleet" / "utils.py").write_text(
        "from fleet import manager\n\n\n"
        "def start(transport):\n"
        "    return manager.serve(transport)\n")
    counting(tree)
    assert counting.built == 2


def test_other_settings_rebuild(tree, counting):
    counting(tree)
    counting(tree, pairs={"fleet.rpcapi.FleetAPI":
                          "fleet.manager.FleetManager"})
    assert counting.built == 2


def test_other_code_rebuilds(tree, counting, monkeypatch):
    counting(tree)
    monkeypatch.setattr(snapshot, "_CODE", [b"another version"])
    counting(tree)
    assert counting.built == 2


def test_a_damaged_entry_is_ignored(tree, counting, tmp_path):
    counting(tree)
    [entry] = os.listdir(tmp_path / "store")
    (tmp_path / "store" / entry).write_bytes(b"not a pickle")
    assert versions(counting(tree)) == {"fleet API": "1.2"}
    assert counting.built == 2


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_store_others_can_write_is_not_read(tree, counting, tmp_path):
    counting(tree)
    os.chmod(tmp_path / "store", 0o777)
    counting(tree)
    assert counting.built == 2


def test_a_base_revision_is_kept_by_its_commit(tmp_path, monkeypatch):
    repo = Repo(tmp_path / "repo")
    repo.put(fixture("procedure", "compute", "n"))
    repo.commit("release")
    monkeypatch.setenv(store_module.ENV, str(tmp_path / "store"))
    built = calls_to(monkeypatch, snapshot, "_build",
                     lambda trace, tree, *rest: tree)
    codes = rules.enabled_codes()
    for _ in range(2):
        snapshot.forget()
        engine.analyze(repo.path, engine.scopes([repo.path])[0][1],
                       Config(base="HEAD"), codes)
    # the working tree and HEAD once each; the second run reuses both
    assert len(built) == 2


def test_the_command_line_keeps_nothing_when_told(tree, tmp_path):
    directory = tmp_path / "kept"
    env = dict(os.environ, **{store_module.ENV: str(directory)})
    for extra in (["--no-cache"], []):
        subprocess.run([sys.executable, "-m", "rpc_version_lint", "-q",
                        "--base", "none", *extra, str(tree)], env=env,
                       check=True, capture_output=True)
        if extra:
            assert not directory.exists()
    assert len(os.listdir(directory)) == 1


def test_a_file_newly_building_a_client_rebuilds(tmp_path, counting):
    """Where no module followed builds a client that takes its topic, the
    tree's text is searched for where it is built: a file the first run
    never read that now builds it is found by searching again."""
    package = tmp_path / "tree" / "fleet"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "beta.py").write_text(
        "import oslo_messaging as messaging\n\n\n"
        "class BetaAPI(object):\n\n"
        "    def __init__(self, topic):\n"
        "        target = messaging.Target(topic=topic, version='1.0')\n"
        "        self.client = messaging.get_rpc_client(None, target)\n\n"
        "    def ping(self, ctxt):\n"
        "        return self.client.call(ctxt, 'ping')\n")
    (package / "users.py").write_text(
        "from fleet import beta\n\nBETA = beta.BetaAPI('beta')\n")
    (package / "early.py").write_text("X = 1\n")

    def topic(snap):
        return [c.topic for c in snap.clients]

    assert topic(counting(tmp_path / "tree")) == ["beta"]
    (package / "early.py").write_text(
        "from fleet import beta\n\nOLD = beta.BetaAPI('beta-old')\n")
    assert topic(counting(tmp_path / "tree")) == ["beta-old"]
    assert counting.built == 2
