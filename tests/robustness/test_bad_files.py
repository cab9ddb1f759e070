"""Hostile files: one clear line naming the file, or silence; the rest of
the run's findings still reported; no traceback; no hang."""

from __future__ import annotations

import os

import pytest

from .helpers import KNOWN, known_tree, run

# passes the pre-filter, so the file gets read and parsed
HINT = "import oslo_messaging  # builds a Target(...)\n\n"


def check(tmp_path, name, content, mentions=None, extra=frozenset()):
    tree = known_tree(tmp_path / "tree")
    path = os.path.join(tree, "badver", name)
    with open(path, "wb") as handle:
        handle.write(content if isinstance(content, bytes)
                     else content.encode())
    code, findings, errors = run("--base", "none", ".", cwd=tree)
    assert findings == KNOWN | set(extra), errors
    assert code == 1
    if mentions is None:
        assert errors == [], errors
    else:
        assert len(errors) == 1, errors
        assert f"badver/{name}" in errors[0] and mentions in errors[0]
    return errors


def test_syntax_error(tmp_path):
    check(tmp_path, "broken.py",
          HINT + "target = oslo_messaging.Target(version='1.0'\n",
          "not valid Python")


def test_not_utf8(tmp_path):
    check(tmp_path, "latin.py", b"# caf\xe9\n" + HINT.encode()
          + b"T = oslo_messaging.Target(version='1.0')\n", "cannot decode")


def test_declared_encoding_is_honoured(tmp_path):
    check(tmp_path, "declared.py", b"# -*- coding: latin-1 -*-\n# caf\xe9\n"
          + HINT.encode() + b"T = oslo_messaging.Target(version='1.0')\n")


def test_declared_encoding_that_lies(tmp_path):
    check(tmp_path, "lying.py", b"# -*- coding: utf-8 -*-\n# caf\xe9\n"
          + HINT.encode() + b"T = oslo_messaging.Target(version='1.0')\n",
          "cannot decode")


def test_byte_order_mark(tmp_path):
    source = ("import oslo_messaging\n\n\nclass BomManager(object):\n"
              "    target = oslo_messaging.Target(version='x1')\n")
    check(tmp_path, "bom.py", b"\xef\xbb\xbf" + source.encode(),
          extra={("badver/bom.py", 5, "RPC205")})


def test_nul_bytes(tmp_path):
    check(tmp_path, "nul.py", HINT.encode() + b"x = 1\x00\n", "null bytes")


def test_one_megabyte_line(tmp_path):
    check(tmp_path, "wide.py", HINT + "BLOB = '" + "x" * 1_000_000 + "'\n")


def test_expression_too_deep_for_the_parser(tmp_path):
    check(tmp_path, "deeper.py", HINT + "X = " + " + ".join(["'1'"] * 5000)
          + "\n", "maximum recursion depth")


def test_deeply_nested_expression(tmp_path):
    # deep enough for the analysis, not for Python's own parser
    deep = " + ".join(["'1'"] * 950)
    source = (HINT + "class DeepAPI(object):\n"
              "    def __init__(self):\n"
              "        target = oslo_messaging.Target(topic='deep', "
              "version='1.0')\n"
              "        self.client = oslo_messaging.get_rpc_client(None, "
              "target)\n\n"
              "    def send(self, ctxt):\n"
              f"        version = {deep}\n"
              "        self.client.prepare(version=version).cast(ctxt, 'x')\n")
    errors = check(tmp_path, "deep.py", source, "nested too deeply")
    assert "DeepAPI" in errors[0]


def test_parenthesised_nesting_beyond_the_parser(tmp_path):
    check(tmp_path, "parens.py", HINT + "X = " + "(" * 5000 + "1"
          + ")" * 5000 + "\n", "not valid Python")


def test_huge_version_aliases(tmp_path):
    entries = "".join(f"        'r{n}': '1.{n}',\n" for n in range(100_000))
    source = (HINT + "class HugeAPI(object):\n    VERSION_ALIASES = {\n"
              + entries + "    }\n\n    def __init__(self):\n"
              "        target = oslo_messaging.Target(topic='huge', "
              "version='1.0')\n"
              "        cap = self.VERSION_ALIASES.get('r1')\n"
              "        self.client = oslo_messaging.get_rpc_client(\n"
              "            None, target, version_cap=cap)\n\n"
              "    def ping(self, ctxt):\n"
              "        self.client.prepare(version='1.0')"
              ".cast(ctxt, 'ping')\n")
    check(tmp_path, "huge.py", source)


def test_class_inheriting_from_itself_through_imports(tmp_path):
    tree = known_tree(tmp_path / "tree")
    with open(os.path.join(tree, "badver", "one.py"), "w") as handle:
        handle.write("import oslo_messaging\nfrom badver import two\n\n\n"
                     "class One(two.Two):\n"
                     "    target = oslo_messaging.Target(version='1.0')\n")
    with open(os.path.join(tree, "badver", "two.py"), "w") as handle:
        handle.write("import oslo_messaging\nfrom badver import one\n\n\n"
                     "class Two(one.One):\n"
                     "    target = oslo_messaging.Target(version='1.0')\n")
    code, findings, errors = run("--base", "none", ".", cwd=tree)
    assert findings == KNOWN and errors == [] and code == 1


def test_base_class_in_a_missing_module(tmp_path):
    check(tmp_path, "orphan.py", HINT + "from nowhere.at.all import Base\n\n"
          "\nclass Orphan(Base):\n"
          "    target = oslo_messaging.Target(version='1.0')\n")


def test_circular_definitions(tmp_path):
    tree = known_tree(tmp_path / "tree")
    with open(os.path.join(tree, "badver", "ring1.py"), "w") as handle:
        handle.write("from badver import ring2\nX = ring2.Y\n")
    with open(os.path.join(tree, "badver", "ring2.py"), "w") as handle:
        handle.write("from badver import ring1\nY = ring1.X\n")
    with open(os.path.join(tree, "badver", "ringapi.py"), "w") as handle:
        handle.write(HINT + "from badver import ring1\n\n\n"
                     "class RingAPI(object):\n"
                     "    def __init__(self):\n"
                     "        t = oslo_messaging.Target(topic='ring', "
                     "version=ring1.X)\n"
                     "        self.client = oslo_messaging.get_rpc_client("
                     "None, t)\n\n"
                     "    def ping(self, ctxt):\n"
                     "        self.client.cast(ctxt, 'ping')\n")
    code, findings, errors = run("--base", "none", ".", cwd=tree)
    assert findings == KNOWN and errors == [] and code == 1
    code, findings, errors = run("--base", "none", "--select", "RPC901",
                                 ".", cwd=tree)
    assert findings == {("badver/ringapi.py", 8, "RPC901")}


def test_symlink_loop(tmp_path):
    tree = known_tree(tmp_path / "tree")
    os.symlink("loop_b.py", os.path.join(tree, "badver", "loop_a.py"))
    os.symlink("loop_a.py", os.path.join(tree, "badver", "loop_b.py"))
    os.symlink(".", os.path.join(tree, "badver", "again"))
    os.mkfifo(os.path.join(tree, "badver", "pipe.py"))  # would block a read
    code, findings, errors = run("--base", "none", ".", cwd=tree)
    assert findings == KNOWN and code == 1 and errors == []


def test_file_removed_between_listing_and_reading(tmp_path, monkeypatch):
    from rpc_version_lint import snapshot
    from rpc_version_lint.source.files import DiskTree
    tree = known_tree(tmp_path / "tree")
    listed = DiskTree.python_files

    def with_a_ghost(self, top):
        return listed(self, top) + ["badver/gone.py"]

    monkeypatch.setattr(DiskTree, "python_files", with_a_ghost)
    snap = snapshot.build(DiskTree(tree), "badver")
    assert snap.problems == [] and snap.apis


def test_unreadable_file_simulated(tmp_path, monkeypatch):
    """Permission denied, whoever runs the test (root reads anything)."""
    import builtins

    from rpc_version_lint import snapshot
    from rpc_version_lint.source.files import DiskTree
    tree = known_tree(tmp_path / "tree")
    secret = os.path.join(tree, "badver", "secret.py")
    with open(secret, "w") as handle:
        handle.write(HINT + "T = oslo_messaging.Target(version='1.0')\n")
    real_open = builtins.open

    def guarded(path, *args, **kwargs):
        if os.path.abspath(str(path)) == secret:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    snap = snapshot.build(DiskTree(tree), "badver")
    assert snap.problems == ["badver/secret.py: cannot be read "
                             "(Permission denied)"]
    assert snap.apis


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root reads files whatever their permissions")
def test_unreadable_file(tmp_path):
    tree = known_tree(tmp_path / "tree")
    path = os.path.join(tree, "badver", "secret.py")
    with open(path, "w") as handle:
        handle.write(HINT)
    os.chmod(path, 0)
    code, findings, errors = run("--base", "none", ".", cwd=tree)
    assert findings == KNOWN and code == 1
    assert len(errors) == 1 and "badver/secret.py" in errors[0]
