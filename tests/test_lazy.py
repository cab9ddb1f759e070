"""What must not happen on the fast path (counted, not timed)."""

import gc
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import calls_to, fixture, release_tree
from rpc_version_lint import engine, rules, snapshot
from rpc_version_lint.config import Config
from rpc_version_lint.facts import index
from rpc_version_lint.plugin import Plugin
from rpc_version_lint.source import files
from rpc_version_lint.source.files import DiskTree


@pytest.fixture
def parses(monkeypatch):
    """The relpaths ast-parsed by the tool."""
    seen = calls_to(monkeypatch, index, "parse",
                    lambda text, relpath: relpath)
    index._PARSED.clear()
    return seen


def test_files_without_rpc_apis_are_never_parsed(tmp_path, parses):
    tree = tmp_path / "tree"
    shutil.copytree(fixture("shapes", "compute"), tree)
    for n in range(30):
        (tree / "fleet" / f"plain_{n}.py").write_text(textwrap.dedent(f"""
            import os


            def helper_{n}(path):
                return os.path.join(path, 'x')
            """))
    snap = snapshot.build(DiskTree(str(tree)), "fleet")
    assert snap.apis
    assert not any("plain_" in relpath for relpath in parses)
    # the plugin on such a file returns before reading anything else
    parses.clear()
    plain = tree / "fleet" / "plain_0.py"
    found = list(Plugin(None, str(plain), plain.read_text().splitlines(
        keepends=True)).run())
    assert found == [] and parses == []


@pytest.mark.realworld
def test_astroid_is_not_loaded_for_literal_versions():
    tree = release_tree("nova", "34.0.0")
    code = textwrap.dedent(f"""
        import sys
        from rpc_version_lint import snapshot
        from rpc_version_lint.source.files import DiskTree
        snap = snapshot.build(DiskTree({tree!r}), "nova",
                              infer_root={tree!r})
        compute = snap.api("nova.compute.rpcapi.ComputeAPI")
        assert len(compute.endpoints) == 2
        print(snap.inference_calls, "astroid" in sys.modules)
        """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, cwd=os.path.dirname(os.path.dirname(
                              os.path.abspath(__file__))))
    assert proc.stdout.split() == ["0", "False"], proc.stderr


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("fails", [False, True])
def test_collection_paused_during_the_analysis_only(monkeypatch, enabled,
                                                    fails):
    """Collecting while the analysis parses would walk all the syntax
    trees again and again (they hold no reference cycles); flake8 runs on
    after it, so collection is left as it was and the trees are dropped,
    also when it fails."""
    during = []
    original = snapshot.build

    def build(*args, **kwargs):
        during.append(gc.isenabled())
        found = original(*args, **kwargs)
        if fails:  # after parsing: what it parsed goes all the same
            assert index._PARSED
            raise RuntimeError("the analysis failed")
        return found

    monkeypatch.setattr(snapshot, "build", build)
    (gc.enable if enabled else gc.disable)()
    try:
        try:
            engine.analyze(fixture("shapes", "compute"), "fleet",
                           Config(base=None, cache=False),
                           rules.enabled_codes())
        except RuntimeError:
            assert fails
        after = gc.isenabled()
    finally:
        gc.enable()
    assert during == [False]
    assert after is enabled
    assert not index._PARSED


def test_each_file_read_once_per_run(monkeypatch):
    """The pre-filter, the second stage and each search for a name go over
    the files again: they read them from the run's tree, not the disk."""
    opened = []

    def counting(path, *args, **kwargs):
        opened.append(path)
        return open(path, *args, **kwargs)

    monkeypatch.setattr(files, "open", counting, raising=False)
    result = engine.analyze(fixture("shapes", "compute"), "fleet",
                            Config(base=None, cache=False),
                            rules.enabled_codes())
    assert result.head.apis and opened
    assert sorted(opened) == sorted(set(opened))


def test_no_text_kept_for_a_scope_without_rpc(tmp_path):
    """The plugin reads a scope's files once to learn whether it holds
    RPC code; with none, nothing will analyse it, so the text goes."""
    package = tmp_path / "plain"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for n in range(3):
        (package / f"m{n}.py").write_text(f"VALUE = {n}\n")
    checked = package / "m0.py"
    assert list(Plugin(None, str(checked), checked.read_text().splitlines(
        keepends=True)).run()) == []
    assert engine.prefiltered(str(tmp_path), "plain") == frozenset()
    assert str(tmp_path) not in engine._read
