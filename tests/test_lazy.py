"""What must not happen on the fast path (counted, not timed)."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import fixture, release_tree
from rpc_version_lint import snapshot
from rpc_version_lint.facts import index
from rpc_version_lint.plugin import Plugin
from rpc_version_lint.source.files import DiskTree


@pytest.fixture
def parses(monkeypatch):
    """The relpaths ast-parsed by the tool."""
    seen = []
    original = index.parse

    def counting(text, relpath):
        seen.append(relpath)
        return original(text, relpath)

    monkeypatch.setattr(index, "parse", counting)
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
