"""One tree -> its ``Snapshot``: every RPC API in it, paired.

The pre-filter picks the candidate files in two stages: the files whose
text names oslo.messaging's API, then the files that import one of those
modules and use one of its RPC names (service wiring in ``cmd/*.py``,
subclasses of base clients).  Only those (and the modules their names lead
to) are parsed.  The facts of each class are kept per process, keyed by
the content of every module their extraction read: the baseline of a
change is mostly the working tree, so it costs little more than the files
the change touched.
"""

from __future__ import annotations

import configparser
import copy
import dataclasses
import re

from . import extract
from .callers import used_methods
from .extract import (Extractor, declares_target, endpoint_lists,
                      is_rpcproxy)
from .index import Project
from .infer import Inferrer
from .model import Snapshot
from .pairing import pair, servers_from
from .reach import LISTENER, SEND, SERVER, Reach
from .resolve import Resolver

# (kind, key) -> [(((module, digest), ...), astroid, follows, facts)]
_FACTS: dict = {}


def _cached(project, kind: str, key: str, module: str, inferrer, follows,
            compute, where: str = ""):
    """``compute()``, or its result for another tree when every module it
    read then has the same content here (and, if astroid answered
    something, astroid is as available, and the same modules are
    followed)."""
    entries = _FACTS.setdefault((kind, key), [])
    can_infer = inferrer.root is not None
    for deps, astroid, followed, facts in entries:
        if astroid not in (None, can_infer) or followed != follows:
            continue
        if all(project.digest(name) == digest for name, digest in deps):
            return _fresh(facts)
    calls = inferrer.calls
    with project.watching() as read:
        try:
            facts = compute()
        except RecursionError:
            # thousands of nested expressions: analysing it would take
            # the interpreter's whole stack
            project.problems.append(
                f"{where or key} is nested too deeply to analyse; skipped")
            return None
    read.add(module)
    deps = tuple(sorted((name, project.digests.get(name)) for name in read))
    entries.append((deps, can_infer if inferrer.calls > calls else None,
                    follows, facts))
    return _fresh(facts)


def forget() -> None:
    """Drop what was kept for a baseline built after its head."""
    _FACTS.clear()
    extract.forget_callees()


def _fresh(facts):
    """A copy the caller may change (pairing marks endpoints)."""
    if dataclasses.is_dataclass(facts):
        return copy.copy(facts)
    if isinstance(facts, tuple):
        return tuple(_fresh(f) for f in facts)
    if isinstance(facts, list):
        return [_fresh(f) for f in facts]
    return facts


def build(tree, top: str, label: str = "", pairs: dict | None = None,
          infer_root: str | None = None, usage: bool = False) -> Snapshot:
    """``usage``: also find which client methods the tree calls (for the
    rolling-upgrade checks)."""
    problems: list[str] = []
    project = Project(tree, problems)
    inferrer = Inferrer(infer_root)
    resolver = Resolver(project, inferrer)
    candidates = list(tree.candidates(top))
    modules = [m for m in (project.module_at(r) for r in candidates) if m]
    reach = Reach(project, resolver, {m.name for m in modules})
    for mod in second_stage(project, tree, top, modules, reach):
        modules.append(mod)
        candidates.append(mod.relpath)
        reach.modules.add(mod.name)
    follows = frozenset(reach.modules)
    extractor = Extractor(project, resolver, reach, entry_points(tree))
    snapshot = Snapshot(label or getattr(tree, "label", ""),
                        scanned=len(candidates), problems=problems,
                        python_files=tree.count_python(top))

    clients, facts, declared = [], [], []
    for mod in modules:
        for cls in project.classes(mod):
            runs = is_rpcproxy(project, cls) or reach.sends(cls) or \
                bool(reach.server_methods(cls))
            found = _cached(project, "run", cls.path, mod.name, inferrer,
                            follows, lambda c=cls: extractor.run_class(c),
                            f"{mod.relpath}:{cls.node.lineno}: class "
                            f"{cls.name}") if runs else None
            if found is not None:
                clients += found[0]
                facts += found[1]
            # a client declares what it serves only with a Target it does
            # not send on (its RPC_API_VERSION is its own version)
            how = declares_target(project, cls)
            if how == "version" and found and found[2]:
                how = None  # cinder's RPCAPI: the version of its client
            if how and not (found and found[0] and (
                    how == "version" or extractor.builds_client_from_target(
                        cls, found[0]))):
                declared.append(cls)
        for name, node in mod.functions.items():
            if reach.of(mod, node) & {SEND, SERVER, LISTENER}:
                key = f"{mod.name}.{name}"
                found = _cached(project, "function", key, mod.name,
                                inferrer, follows,
                                lambda m=mod, n=node:
                                extractor.run_function(m, n),
                                f"{mod.relpath}:{node.lineno}: function "
                                f"{name}")
                if found is not None:
                    clients += found[0]
                    facts += found[1]

    # A client class that other clients derive from and that sends nothing
    # of its own is a base (cinder's RPCAPI); a subclass that sends nothing
    # of its own and goes where its base goes repeats the base's API.
    by_path = {c.path: c for c in clients}
    for client in clients:
        if _repeats_base(project, client, by_path, clients):
            continue
        snapshot.clients.append(client)
    snapshot.servers, snapshot.listeners, endpoints = servers_from(
        project, extractor, facts, declared, candidates, resolver,
        endpoint_lists)
    snapshot.endpoints = endpoints
    snapshot.apis = pair(snapshot.clients, snapshot.servers, pairs,
                         lambda path: _endpoint_of(project, extractor, path))
    if usage:
        for client in snapshot.clients:
            client.used = used_methods(project, tree, top, client)
    snapshot.files = sorted({c.relpath for c in snapshot.clients}
                            | {e.relpath for e in snapshot.endpoints})
    snapshot.inferred = inferrer.resolved
    snapshot.inference_calls = inferrer.calls
    return snapshot


def _endpoint_of(project, extractor, path):
    """``rpc-pairs`` may name any class of the tree as a server."""
    module, _, name = path.rpartition(".")
    mod = project.module(module)
    if mod is None or name not in mod.classes:
        return None
    return extractor.endpoint(project.class_info(mod, mod.classes[name]))


def _repeats_base(project, client, by_path, clients) -> bool:
    module, _, name = client.path.rpartition(".")
    mod = project.module(module)
    if mod is None or name not in mod.classes:
        return False
    cls = project.class_info(mod, mod.classes[name])
    own = any(s.owner == client.path for s in client.sends)
    derived = [c for c in clients if c is not client and any(
        b.path == client.path for b in _bases(project, c))]
    if derived and not own:
        return True  # a base class: its subclasses are the APIs
    ancestors = [b for b in project.mro(cls)[0][1:] if b.path in by_path]
    if ancestors and not own:
        base = by_path[ancestors[0].path]
        return client.routes == base.routes and \
            client.target == base.target
    return False


def _bases(project, client):
    module, _, name = client.path.rpartition(".")
    mod = project.module(module)
    if mod is None or name not in mod.classes:
        return []
    return project.mro(project.class_info(mod, mod.classes[name]))[0][1:]


# -- the second stage of the pre-filter --------------------------------------

_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+"
    r"(?:\(([\w, \t\n]+)\)|([\w, \t]+))|import[ \t]+([\w.]+))",
    re.MULTILINE)


def second_stage(project, tree, top, modules, reach) -> list:
    """Modules that import a first-stage module and use one of its RPC
    names: a service class or wrapper it calls, a client it subclasses."""
    names: dict[str, set] = {}
    for mod in modules:
        used = set()
        for cls in project.classes(mod):
            if reach.server_methods(cls):
                used.add(cls.name)  # a service: started where it is used
            elif reach.sends(cls):
                used.add("(" + cls.name)  # a client: its subclasses
        for name, node in mod.functions.items():
            if reach.of(mod, node):
                used.add(name)
        if used:
            names[mod.name] = used
    if not names:
        return []
    found = []
    first = {m.relpath for m in modules}
    for relpath in tree.python_files(top):
        if relpath in first:
            continue
        data = tree.read_quietly(relpath)
        if data is None or not any(m.rpartition(".")[2].encode() in data
                                   for m in names):
            continue
        text = data.decode("utf-8", "replace")
        wanted = _imported(text, names)
        if wanted and any(_uses(text, n) for n in wanted):
            mod = project.module_at(relpath)
            if mod is not None:
                found.append(mod)
    return found


def _uses(text: str, name: str) -> bool:
    """``name`` used in the source (``(Name`` -- subclassed only)."""
    if name.startswith("("):
        return re.search(rf"^\s*class\s+\w+\s*\([^)]*\b{re.escape(name[1:])}"
                         rf"\b", text, re.MULTILINE) is not None
    return re.search(rf"\b{re.escape(name)}\b", text) is not None


def _imported(text: str, names: dict) -> set:
    """The RPC names of the first-stage modules this source imports."""
    wanted = set()
    for match in _IMPORT.finditer(text):
        base, grouped, items, plain = match.groups()
        items = grouped or items
        if plain:
            if plain in names:
                wanted |= names[plain]
            continue
        if base in names:
            wanted |= names[base]  # from pkg.mod import Name
        for item in re.split(r"[,\s]+", items or ""):
            full = f"{base}.{item}"
            if item and full in names:
                wanted |= names[full]  # from pkg import mod
    return wanted


# -- entry points (stevedore drivers) ----------------------------------------

def entry_points(tree) -> dict:
    """(group, name) -> "module:attr" from the tree's setup.cfg
    ``[entry_points]`` or an installed ``*.dist-info/entry_points.txt``."""
    found: dict = {}
    for relpath in tree.metadata_files():
        data = tree.read_quietly(relpath)
        if data is None:
            continue
        parser = configparser.RawConfigParser()
        parser.optionxform = str
        try:
            parser.read_string(data.decode("utf-8", "replace"))
        except configparser.Error:
            continue
        if relpath.endswith("setup.cfg"):
            if not parser.has_section("entry_points"):
                continue
            for group, value in parser.items("entry_points"):
                for line in value.splitlines():
                    name, sep, target = line.partition("=")
                    if sep:
                        found[(group.strip(), name.strip())] = target.strip()
        else:
            for group in parser.sections():
                for name, target in parser.items(group):
                    found[(group.strip(), name.strip())] = target.strip()
    return found
