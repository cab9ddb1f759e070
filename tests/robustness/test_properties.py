"""Property tests: no valid program makes the tool raise, and findings do
not depend on formatting. Bounded example counts keep CI fast."""

from __future__ import annotations

import ast
import os
import re
import shutil
import textwrap

import pytest

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from rpc_version_lint import engine, known, rules, snapshot  # noqa: E402
from rpc_version_lint.config import Config  # noqa: E402
from rpc_version_lint.plugin import Plugin  # noqa: E402
from rpc_version_lint.source.files import DiskTree  # noqa: E402

ALL = {r.code for r in rules.all_rules()}
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture,
                                           HealthCheck.filter_too_much])


def _fresh(path):
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(os.path.join(path, "pkg"))
    with open(os.path.join(path, "pkg", "__init__.py"), "w") as handle:
        handle.write("")


# -- any valid Python -------------------------------------------------------

@SETTINGS
@given(source=hypothesmith.from_grammar())
def test_any_valid_program(tmp_path, source):
    root = str(tmp_path / "any")
    _fresh(root)
    # make it a candidate, so that it is parsed and analysed
    text = "import oslo_messaging  # Target( .prepare(\n" + source
    with open(os.path.join(root, "pkg", "mod.py"), "w",
              encoding="utf-8") as handle:
        handle.write(text)
    snapshot.build(DiskTree(root), "pkg", infer_root=root)
    Plugin.config = Config(base=None)
    Plugin.codes = frozenset(ALL)
    lines = text.splitlines(keepends=True)
    list(Plugin(None, os.path.join(root, "pkg", "mod.py"), lines).run())


# -- generated RPC APIs -----------------------------------------------------

VERSION = st.one_of(
    st.builds(lambda a, b: f"{a}.{b}", st.integers(0, 7), st.integers(0, 12)),
    st.sampled_from(["5", "5.x", "v5.0", " 5.0", "", "5.0.1", "six"]))
METHOD = st.sampled_from(["start", "stop", "resize", "reboot"])
KWARGS = st.lists(st.sampled_from(["instance", "flavor", "force", "spec"]),
                  unique=True, max_size=3)


@st.composite
def sends(draw):
    method, version, kwargs = draw(METHOD), draw(VERSION), draw(KWARGS)
    shape = draw(st.sampled_from(["plain", "raise", "fallback", "helper",
                                  "default"]))
    kw = ", ".join(f"{k}={k}" for k in kwargs)
    call = f"cctxt.cast(ctxt, {method!r}{', ' if kw else ''}{kw})"
    params = "".join(f", {k}=None" for k in kwargs)
    body = {
        "plain": f"cctxt = self.client.prepare(version={version!r})",
        "default": "cctxt = self.client.prepare()",
        "raise": (f"if not self.client.can_send_version({version!r}):\n"
                  f"    raise RuntimeError('too old')\n"
                  f"cctxt = self.client.prepare(version={version!r})"),
        "fallback": (f"version = {version!r}\n"
                     f"if not self.client.can_send_version(version):\n"
                     f"    version = {draw(VERSION)!r}\n"
                     f"cctxt = self.client.prepare(version=version)"),
        "helper": (f"cctxt = self.client.prepare(version=self._pick("
                   f"{draw(VERSION)!r}))"),
    }[shape]
    return (f"def send_{method}_{draw(st.integers(0, 99))}(self, ctxt"
            f"{params}):\n" + textwrap.indent(body + "\n" + call, "    "))


@st.composite
def api_tree(draw):
    aliases = draw(st.lists(st.tuples(st.sampled_from(
        ["ash", "beech", "cedar", "dogwood"]), VERSION), max_size=4))
    client = ["import oslo_messaging as messaging", "", "",
              "class GenAPI(object):",
              f"    VERSION_ALIASES = {dict(aliases)!r}", "",
              "    def __init__(self):",
              f"        target = messaging.Target(topic='gen', "
              f"version={draw(VERSION)!r})",
              "        self.client = messaging.get_rpc_client(None, target"
              + draw(st.sampled_from(["", ", version_cap=None",
                                      ", version_cap=configured_cap()"]))
              + ")",
              "",
              "    def _pick(self, old):",
              "        if self.client.can_send_version('6.0'):",
              "            return '6.0'",
              "        return old", ""]
    for send in draw(st.lists(sends(), max_size=5)):
        client += [textwrap.indent(send, "    "), ""]
    manager = ["import oslo_messaging as messaging", "", "",
               "class GenManager(object):",
               f"    target = messaging.Target(version={draw(VERSION)!r})",
               ""]
    if draw(st.booleans()):
        manager += ["    def __init__(self):",
                    "        self.additional_endpoints = []",
                    "        self.additional_endpoints.append(_Proxy(self))",
                    ""]
    for method in draw(st.lists(METHOD, unique=True)):
        params = "".join(f", {k}=None" for k in draw(KWARGS))
        manager += [f"    def {method}(self, context{params}):",
                    "        pass", ""]
    manager += ["", "class _Proxy(object):",
                f"    target = messaging.Target(version={draw(VERSION)!r})",
                "", "    def __init__(self, manager):",
                "        self.manager = manager", ""]
    if draw(st.booleans()):
        manager += ["    def __getattr__(self, name):",
                    "        return getattr(self.manager, name)", ""]
    return "\n".join(client) + "\n", "\n".join(manager) + "\n"


def _findings(root, base=None):
    result = engine.analyze(root, "pkg", Config(base=base), ALL)
    return result.findings


def _write(root, files):
    _fresh(root)
    for name, text in files.items():
        with open(os.path.join(root, "pkg", name), "w") as handle:
            handle.write(text)


@SETTINGS
@given(head=api_tree(), base=api_tree())
def test_generated_apis_never_raise(tmp_path, head, base):
    head_root, base_root = str(tmp_path / "head"), str(tmp_path / "base")
    _write(base_root, {"rpcapi.py": base[0], "manager.py": base[1]})
    _write(head_root, {"rpcapi.py": head[0], "manager.py": head[1]})
    snapshot._FACTS.clear()
    _findings(head_root, base=base_root)


@SETTINGS
@given(tree=api_tree(), shift=st.integers(1, 5))
def test_findings_stable_under_reformatting(tmp_path, tree, shift):
    root = str(tmp_path / "fmt")
    _write(root, {"rpcapi.py": tree[0], "manager.py": tree[1]})
    before = _findings(root)
    # moved lines: the same findings, shifted
    header = "# reformatted\n" + "\n" * (shift - 1)
    _write(root, {"rpcapi.py": header + tree[0],
                  "manager.py": header + tree[1]})
    moved = _findings(root)
    # the lines a message cites move with the code too
    assert [(f.relpath, f.line + shift, f.code, _cited(f.message, shift))
            for f in before] == [(f.relpath, f.line, f.code, f.message)
                                 for f in moved]
    # a different layout altogether: the same findings, wherever they are
    _write(root, {name: ast.unparse(ast.parse(text)) + "\n"
                  for name, text in (("rpcapi.py", tree[0]),
                                     ("manager.py", tree[1]))})
    relaid = _findings(root)
    assert {(f.code, known.cause(f)) for f in before} == \
        {(f.code, known.cause(f)) for f in relaid}


def _cited(message: str, shift: int) -> str:
    """``message`` with each ``file.py:N`` it cites moved by ``shift``."""
    return re.sub(r"(\.py:)(\d+)",
                  lambda m: f"{m.group(1)}{int(m.group(2)) + shift}", message)
