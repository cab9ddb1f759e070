"""Clients <-> servers: which endpoints serve each client.

A *server* is the set of endpoints one RPC server dispatches to:

* an endpoint class that nothing registers, with the endpoint classes it
  registers itself (``self.additional_endpoints.append(P(self))``,
  ``additional_apis``, an attribute later appended);
* or an ``endpoints = [...]`` list handed to an RPC server.

A client is served by the endpoints of a server whose target namespace
equals the client's:

1. a pair stated in configuration (``rpc-pairs``) wins;
2. otherwise a server in the client's package (``rpcapi.py`` with
   ``manager.py``), one in the same module first;
3. otherwise, for a namespaced client, the one server anywhere in the tree
   with that namespace.

A candidate implementing fewer than half of the methods the client sends is
not its server (an agent module holding both a client of the plugin and the
agent's own endpoint, as in Neutron): the client stays unpaired and the
inventory says why.  A server with members the analysis cannot see (an
unresolved namespace, an unknown object in an endpoints list) gives an
*incomplete* pairing: the dispatch rules do not judge what they cannot see.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from .model import UNRESOLVED, Api, Client, Endpoint


@dataclass
class Server:
    anchor: str              # endpoint class path, or "module:line" of a list
    package: str
    module: str
    endpoints: list
    complete: bool = True

    def serving(self, namespace) -> list[Endpoint]:
        return [e for e in self.endpoints if e.namespace == namespace]

    def certain(self) -> bool:
        return self.complete and all(e.namespace != UNRESOLVED
                                     for e in self.endpoints)


def _package(relpath: str) -> str:
    return posixpath.dirname(relpath)


def servers(endpoints: list[Endpoint], registrations: dict,
            lists: list) -> list[Server]:
    """Group endpoints into servers; marks registrations and delegation on
    the endpoints."""
    by_path = {e.path: e for e in endpoints}
    children: dict[str, list[Endpoint]] = {}
    for server, regs in registrations.items():
        for child_path, relpath, line, passes_self in regs:
            child = by_path.get(child_path)
            if child is None or child.registered_by:
                continue
            child.registered_by = server
            child.registration = (relpath, line)
            children.setdefault(server, []).append(child)
            if child.has_getattr and passes_self:
                child.delegate = server
    for endpoint in endpoints:
        if endpoint.delegate:
            target = by_path[endpoint.delegate]
            endpoint.delegate_methods = dict(target.methods)
            endpoint.open = endpoint.open or target.open

    def with_children(roots):
        group, todo = [], list(roots)
        while todo:
            endpoint = todo.pop(0)
            if endpoint not in group:
                group.append(endpoint)
                todo += children.get(endpoint.path, [])
        return group

    listed = {path for _, _, _, paths, _ in lists for path in paths}
    result = []
    for e in endpoints:
        if not e.registered_by and e.path not in listed:
            result.append(Server(e.path, _package(e.relpath),
                                 e.path.rpartition(".")[0],
                                 with_children([e])))
    seen = set()
    for relpath, module, line, paths, complete in lists:
        key = (tuple(sorted(paths)), complete, _package(relpath))
        if key in seen:
            continue
        seen.add(key)
        members = [by_path[p] for p in paths if p in by_path]
        if members:
            result.append(Server(f"{module}:{line}", _package(relpath),
                                 module, with_children(members),
                                 complete and len(members) == len(paths)))
    return result


def pair(clients: list[Client], endpoints: list[Endpoint],
         registrations: dict, lists: list | None = None,
         explicit: dict | None = None) -> list[Api]:
    found_servers = servers(endpoints, registrations, lists or [])
    explicit = explicit or {}
    apis = []
    claimed = set()
    for client in clients:
        server, served, how = _find(client, found_servers, explicit)
        claimed.update(e.path for e in served)
        apis.append(Api(client.path, api_name(client, served), client,
                        served, how,
                        complete=server is not None and server.certain()))
    for server in found_servers:
        namespaces = []
        for e in server.endpoints:
            if e.path not in claimed and e.namespace not in namespaces:
                namespaces.append(e.namespace)
        for namespace in namespaces:
            group = [e for e in server.serving(namespace)
                     if e.path not in claimed]
            if not group:
                continue
            claimed.update(e.path for e in group)
            key = group[0].path + (f"#{namespace}" if namespace else "")
            name = api_name(None, group) if server.anchor == group[0].path \
                else f"endpoints list at {server.anchor}"
            apis.append(Api(key, name, None, group,
                            "no client found in the tree",
                            complete=server.certain()))
    return apis


def _find(client: Client, found: list[Server], explicit: dict):
    """(server, endpoints serving the client, how it was decided)."""
    if client.path in explicit:
        wanted = explicit[client.path]
        for server in found:
            paths = [e.path for e in server.endpoints]
            if server.anchor == wanted or wanted in paths:
                served = server.serving(client.namespace) or [
                    e for e in server.endpoints if e.path == wanted]
                return server, served, "configured (rpc-pairs)"
        return None, [], (f"configured server {wanted} is not an endpoint "
                          f"found in the tree")
    if client.namespace == UNRESOLVED:
        return None, [], ("its target namespace could not be resolved; "
                          "pair it in rpc-pairs")
    package = _package(client.relpath)
    candidates = [s for s in found if s.package == package
                  and s.serving(client.namespace)]
    how = "same package"
    if not candidates and client.namespace is not None:
        candidates = [s for s in found if s.serving(client.namespace)]
        how = "same namespace"
        if len(candidates) > 1:
            return None, [], ("several servers in the tree use its "
                              "namespace; pair it in rpc-pairs")
    if not candidates:
        return None, [], "no server with its namespace in its package"
    if len(candidates) > 1:
        module = client.path.rpartition(".")[0]
        candidates = [s for s in candidates if s.module == module] or \
            candidates
    if len(candidates) > 1:
        ranked = sorted(candidates, key=lambda s: -_overlap(
            client, s.serving(client.namespace)))
        first, second = (_overlap(client, s.serving(client.namespace))
                         for s in ranked[:2])
        if first == second:
            return None, [], ("several servers in its package: "
                              + ", ".join(s.anchor for s in ranked)
                              + "; pair it in rpc-pairs")
        candidates = ranked[:1]
    server = candidates[0]
    served = server.serving(client.namespace)
    sent = {s.method for s in client.sends if s.method}
    if sent and not any(e.unbounded for e in served) \
            and 2 * _overlap(client, served) < len(sent):
        return None, [], (f"{server.anchor} implements "
                          f"{_overlap(client, served)} of the {len(sent)} "
                          f"methods the client sends, so it is not its "
                          f"server")
    return server, served, how


def _overlap(client: Client, endpoints: list[Endpoint]) -> int:
    sent = {s.method for s in client.sends if s.method}
    return sum(1 for name in sent if any(e.method(name) for e in endpoints))


def api_name(client: Client | None, endpoints: list[Endpoint]) -> str:
    if client is not None and client.topic:
        base = client.topic
    elif client is not None:
        base = client.name
    else:
        base = endpoints[0].name
    namespace = client.namespace if client is not None else \
        endpoints[0].namespace
    if namespace and namespace != UNRESOLVED:
        base += f"/{namespace}"
    return base + " API"
