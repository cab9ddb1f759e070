"""One tree -> its ``Snapshot``: every RPC API in it, paired.

The pre-filter picks the candidate files; only those (and the modules their
names lead to) are parsed.  The facts of each class are kept per process,
keyed by the content of every module their extraction read: the baseline
of a change is mostly the working tree, so it costs little more than the
files the change touched.
"""

from __future__ import annotations

import copy
import dataclasses

from . import extract
from .callers import used_methods
from .extract import Extractor, endpoint_lists, role
from .index import Project
from .infer import Inferrer
from .model import Snapshot
from .pairing import pair
from .resolve import Resolver


# (kind, class path) -> [(((module, digest), ...), astroid, facts)]
_FACTS: dict = {}


def _cached(project, kind: str, cls, inferrer, compute):
    """``compute(cls)``, or its result for another tree when every module
    it read then has the same content here (and, if astroid answered
    something, astroid is as available)."""
    entries = _FACTS.setdefault((kind, cls.path), [])
    can_infer = inferrer.root is not None
    for deps, astroid, facts in entries:
        if astroid not in (None, can_infer):
            continue
        if all(project.digest(name) == digest for name, digest in deps):
            return _fresh(facts)
    calls = inferrer.calls
    with project.watching() as read:
        try:
            facts = compute(cls)
        except RecursionError:
            # thousands of nested expressions: analysing it would take
            # the interpreter's whole stack
            project.problems.append(
                f"{cls.module.relpath}:{cls.node.lineno}: class "
                f"{cls.name} is nested too deeply to analyse; skipped")
            return None
    read.add(cls.module.name)
    deps = tuple(sorted((name, project.digests.get(name)) for name in read))
    entries.append((deps, can_infer if inferrer.calls > calls else None,
                    facts))
    return _fresh(facts)


def forget() -> None:
    """Drop what was kept for a baseline built after its head."""
    _FACTS.clear()
    extract.forget_callees()


def _fresh(facts):
    """A copy the caller may change (pairing marks endpoints)."""
    if dataclasses.is_dataclass(facts):
        return copy.copy(facts)
    return facts


def build(tree, top: str, label: str = "", pairs: dict | None = None,
          infer_root: str | None = None, usage: bool = False) -> Snapshot:
    """``usage``: also find which client methods the tree calls (for the
    rolling-upgrade checks)."""
    problems: list[str] = []
    project = Project(tree, problems)
    inferrer = Inferrer(infer_root)
    resolver = Resolver(project, inferrer)
    extractor = Extractor(project, resolver)
    candidates = tree.candidates(top)
    snapshot = Snapshot(label or getattr(tree, "label", ""),
                        scanned=len(candidates), problems=problems)

    found = {"client": [], "endpoint": []}
    for relpath in candidates:
        mod = project.module_at(relpath)
        if mod is None:
            continue
        for cls in project.classes(mod):
            kind = _cached(project, "role", cls, inferrer,
                           lambda c: role(project, c))
            if kind:
                found[kind].append(cls)

    # A class other endpoints derive from is a base (cinder's Manager); a
    # client class is one only if it sends nothing itself (cinder's RPCAPI):
    # Nova's cells ComputeRPCProxyAPI derives from a real ComputeAPI.
    endpoint_bases = {base for cls in found["endpoint"]
                      for base in project.mro(cls)[0][1:]}
    client_bases = {base for cls in found["client"]
                    for base in project.mro(cls)[0][1:]}
    clients = {}
    for cls in found["client"]:
        client = _cached(project, "client", cls, inferrer, extractor.client)
        if client is None:
            continue
        if client.target is None and not client.old_style:
            continue  # builds no Target: a helper such as a client router
        if cls in client_bases and not any(s.owner == cls.path
                                           for s in client.sends):
            continue
        clients[cls] = client
    for cls, client in clients.items():
        # a subclass that sends nothing of its own repeats its base's API
        ancestors = [b for b in project.mro(cls)[0][1:] if b in clients]
        if ancestors and not any(s.owner == cls.path for s in client.sends) \
                and client.target == clients[ancestors[0]].target:
            continue
        snapshot.clients.append(client)
    found["endpoint"] = [c for c in found["endpoint"]
                         if c not in endpoint_bases]
    endpoint_classes = {cls.path: cls for cls in found["endpoint"]}
    for cls in found["endpoint"]:
        endpoint = _cached(project, "endpoint", cls, inferrer,
                           extractor.endpoint)
        if endpoint is not None:
            snapshot.endpoints.append(endpoint)
    registrations = {
        cls.path: [(info.path, relpath, line, passes_self)
                   for info, relpath, line, passes_self
                   in extractor.registrations(cls, endpoint_classes)]
        for cls in found["endpoint"]}
    lists = [entry for relpath in candidates
             if (mod := project.module_at(relpath)) is not None
             for entry in endpoint_lists(project, resolver, mod,
                                         endpoint_classes)]
    snapshot.apis = pair(snapshot.clients, snapshot.endpoints, registrations,
                         lists, pairs)
    if usage:
        for client in snapshot.clients:
            client.used = used_methods(project, tree, top, client)
    snapshot.files = sorted({c.relpath for c in snapshot.clients}
                            | {e.relpath for e in snapshot.endpoints})
    snapshot.inferred = inferrer.resolved
    snapshot.inference_calls = inferrer.calls
    return snapshot
