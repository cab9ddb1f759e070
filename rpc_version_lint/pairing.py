"""Servers, and clients <-> servers as the broker routes messages.

A *server* is what one RPC server dispatches to: the endpoint objects the
code hands to ``get_rpc_server`` (or to a service doing so), with the
topic it listens on.  Where the wiring cannot be followed, the classes that
declare a target still make servers: an endpoint class nothing registers,
with the endpoint classes it registers itself
(``self.additional_endpoints.append(P(self))``), or an ``endpoints = [...]``
list -- with no known topic.

Each message a client sends has a route: a topic and a namespace.  It
reaches the endpoints of every server listening on that topic whose target
namespace is the message's.  A client is paired, in order of evidence:

1. configured: ``rpc-pairs`` names its server;
2. route: servers whose topic equals the message's (a literal, or the same
   constant or option on both sides: "symbol"); a topic per host
   (``topic.host``) reaches the server of that topic;
3. neighbourhood, the last resort for servers whose topic is not known: a
   server in the client's package (a module of its own first), or the one
   server anywhere with its namespace;
4. methods: for a client whose topic is not known, the one server whose
   endpoints implement every method it sends.

A neighbourhood candidate implementing fewer than half of the methods the
client sends is not its server.  A server with members the analysis cannot
see (an unresolved namespace, an unknown object in its endpoint list) gives
an *incomplete* pairing: the dispatch rules do not judge what they cannot
see.
"""

from __future__ import annotations

import copy
import fnmatch
import posixpath

from .model import UNRESOLVED, Api, Client, Endpoint, Server


def _package(relpath: str) -> str:
    return posixpath.dirname(relpath)


# -- servers --------------------------------------------------------------

def servers_from(project, extractor, facts, declared, candidates, resolver,
                 endpoint_lists):
    """(servers, listeners, endpoints) of a tree: from the servers its code
    starts (``facts``), then from the classes that declare a target
    (``declared``) where no started server holds them."""
    facts = _dedupe(facts, project)
    listeners = []
    for fact in facts:
        if fact.kind == "listener":
            for ref in fact.endpoints:
                entry = (ref.path, ref.relpath, ref.line)
                if entry not in listeners:
                    listeners.append(entry)
    rpc = [f for f in facts if f.kind == "rpc"]
    listened = {r.path for f in facts if f.kind == "listener"
                for r in f.endpoints}
    classes = {}

    def class_of(path):
        if path not in classes:
            classes[path] = _class(project, path)
        return classes[path]

    base_facts: dict = {}

    def facts_of(path):
        if path not in base_facts:
            cls = class_of(path)
            base_facts[path] = extractor.endpoint(cls) if cls else None
        return base_facts[path]

    declared = [c for c in declared if c.path not in listened]
    # A class other endpoints derive from is a base (cinder's Manager).
    bases = {b.path for c in declared for b in project.mro(c)[0][1:]}
    declared = [c for c in declared if c.path not in bases]
    endpoint_classes = {c.path: c for c in declared}
    for fact in rpc:
        for ref in fact.endpoints:
            cls = class_of(ref.path)
            if cls is not None:
                endpoint_classes.setdefault(ref.path, cls)
    registrations = {
        path: [(info.path, relpath, line, passes_self)
               for info, relpath, line, passes_self
               in extractor.registrations(cls, endpoint_classes)]
        for path, cls in endpoint_classes.items()}
    children, registered = _children(registrations)

    endpoints: dict = {}  # (path, version, namespace) -> Endpoint

    def endpoint(ref, fact):
        base = facts_of(ref.path)
        if base is None:
            return None
        made = copy.copy(base)
        made.methods = dict(base.methods)
        if ref.version is not None:
            made.version = ref.version
            made.namespace = ref.namespace
            made.declared = ref.declared
        elif made.version is None:
            made.version = _default_version(fact)
        made.via = ref.via
        if ref.bare:  # the wrapper keeps the context: no method takes it
            made.methods = {name: method.called_bare()
                            for name, method in made.methods.items()}
        made.registration = (ref.relpath, ref.line)
        key = (made.path, made.version.text if made.version else None,
               made.namespace)
        return endpoints.setdefault(key, made)

    found = []
    held = set()
    for fact in rpc:
        members = []
        for ref in fact.endpoints:
            made = endpoint(ref, fact)
            if made is None:
                continue
            members.append(made)
        for made in list(members):
            # what the code could not list of an endpoint's own extra
            # endpoints (``additional_endpoints``) is what it registers
            if made.path not in fact.covered_by:
                continue
            for child in children.get(made.path, []):
                kid = _registered(child, made, facts_of, endpoints)
                if kid is not None and kid not in members:
                    members.append(kid)
        if not members:
            continue
        held.update(e.path for e in members)
        anchor = f"{fact.relpath}:{fact.line}"
        found.append(Server(anchor, _package(fact.relpath),
                            fact.relpath[:-3].replace("/", "."), members,
                            fact.complete, fact.topics, fact.relpath,
                            fact.line))
    legacy = [c for c in declared if c.path not in held]
    found += _legacy(project, legacy, children, registered, facts_of,
                     endpoints, candidates, resolver, endpoint_lists,
                     endpoint_classes)
    _delegation(endpoints.values(), registered)
    return found, listeners, list(endpoints.values())


def _dedupe(facts, project):
    """One fact per server: where some run knew a server's topic, the runs
    that did not (a service class run on its own) add nothing; a service
    class run on its own adds nothing where a subclass of it was run too
    (the agent built is L3NATAgentWithStateReport, not L3NATAgent)."""
    known = {(f.kind, f.relpath, f.line) for f in facts
             if all(t is not None for t in f.topics)}
    subclassed = set()
    for fact in facts:
        if len(fact.endpoints) == 1:
            cls = _class(project, fact.endpoints[0].path)
            if cls is not None:
                subclassed |= {(fact.relpath, fact.line, b.path)
                               for b in project.mro(cls)[0][1:]}
    kept, seen = [], set()
    for fact in facts:
        if (fact.kind, fact.relpath, fact.line) in known and \
                any(t is None for t in fact.topics):
            continue
        if len(fact.endpoints) == 1 and (fact.relpath, fact.line,
                                         fact.endpoints[0].path) in subclassed:
            continue
        key = (fact.kind, fact.relpath, fact.line, fact.topics,
               fact.endpoints, fact.complete)
        if key not in seen:
            seen.add(key)
            kept.append(fact)
    return kept


def _class(project, path):
    module, _, name = path.rpartition(".")
    mod = project.module(module)
    if mod is None or name not in mod.classes:
        return None
    return project.class_info(mod, mod.classes[name])


def _default_version(fact):
    from .model import VersionRef
    from .messaging import DEFAULT_VERSION
    return VersionRef(DEFAULT_VERSION, fact.relpath, fact.line,
                      "no target: the dispatcher's default")


def _children(registrations):
    children: dict = {}
    registered: dict = {}
    for server, regs in registrations.items():
        for child_path, relpath, line, passes_self in regs:
            if child_path in registered:
                continue
            registered[child_path] = (server, relpath, line, passes_self)
            children.setdefault(server, []).append(child_path)
    return children, registered


def _registered(child_path, parent, facts_of, endpoints):
    base = facts_of(child_path)
    if base is None:
        return None
    made = copy.copy(base)
    made.methods = dict(base.methods)
    made.registered_by = parent.path
    key = (made.path, made.version.text if made.version else None,
           made.namespace)
    return endpoints.setdefault(key, made)


def _delegation(endpoints, registered):
    """A compat proxy registered with ``P(self)`` whose ``__getattr__``
    forwards answers the methods of the server that registered it."""
    by_path = {e.path: e for e in endpoints}
    for endpoint in endpoints:
        reg = registered.get(endpoint.path)
        if reg is None:
            continue
        server, relpath, line, passes_self = reg
        endpoint.registered_by = server
        endpoint.registration = (relpath, line)
        if endpoint.has_getattr and passes_self and server in by_path:
            endpoint.delegate = server
            target = by_path[server]
            endpoint.delegate_methods = dict(target.methods)
            endpoint.open = endpoint.open or target.open


def _legacy(project, declared, children, registered, facts_of, endpoints,
            candidates, resolver, endpoint_lists, endpoint_classes):
    """Servers of the classes that declare a target but that no started
    server was seen holding: grouped by registration, topic unknown."""
    result = []
    made = {}
    for cls in declared:
        base = facts_of(cls.path)
        if base is None:
            continue
        key = (base.path, base.version.text if base.version else None,
               base.namespace)
        made[cls.path] = endpoints.setdefault(key, base)

    def with_children(roots):
        group, todo = [], list(roots)
        while todo:
            endpoint = todo.pop(0)
            if endpoint not in group:
                group.append(endpoint)
                for child in children.get(endpoint.path, []):
                    kid = made.get(child) or _registered(
                        child, endpoint, facts_of, endpoints)
                    if kid is not None:
                        todo.append(kid)
        return group

    lists = [entry for relpath in candidates
             if (mod := project.module_at(relpath)) is not None
             for entry in endpoint_lists(project, resolver, mod,
                                         endpoint_classes)]
    listed = {path for _, _, _, paths, _ in lists for path in paths}
    for path, endpoint in made.items():
        if path not in registered and path not in listed:
            result.append(Server(path, _package(endpoint.relpath),
                                 path.rpartition(".")[0],
                                 with_children([endpoint])))
    seen = set()
    for relpath, module, line, paths, complete in lists:
        key = (tuple(sorted(paths)), complete, _package(relpath))
        if key in seen:
            continue
        seen.add(key)
        members = [made[p] for p in paths if p in made]
        if members:
            result.append(Server(f"{module}:{line}", _package(relpath),
                                 module, with_children(members),
                                 complete and len(members) == len(paths),
                                 (), relpath, line))
    return result


# -- pairing ----------------------------------------------------------------

def topics_match(sent: str, listened: str) -> bool:
    """Does a message to topic ``sent`` reach a server on ``listened``?
    Servers also listen on ``topic.<their host>``; ``*`` is a part not
    known (a host name, a resource type)."""
    a, b = _stem(sent), _stem(listened)
    if a == b:
        return True
    if "*" in a or "*" in b:
        return fnmatch.fnmatchcase(b, a) or fnmatch.fnmatchcase(a, b)
    return False


def _stem(topic: str) -> str:
    return topic[:-2] if topic.endswith(".*") else topic


class Routes:
    """The servers by the topic they listen on, so that finding those a
    message reaches costs one lookup (plus the few topics with a part not
    known), not a comparison with every server."""

    def __init__(self, servers: list[Server]):
        self.servers = servers
        self.exact: dict[str, list[int]] = {}
        self.vague: list[int] = []  # a topic with a '*' part
        for i, server in enumerate(servers):
            for topic in server.topics or ():
                if topic is None:
                    continue
                stem = _stem(topic)
                if "*" in stem:
                    self.vague.append(i)
                else:
                    self.exact.setdefault(stem, []).append(i)
        self.compared = 0

    def reached(self, topics) -> list[Server]:
        """The servers a message to any of ``topics`` reaches, in order."""
        found = set()
        for sent in topics:
            stem = _stem(sent)
            if "*" in stem:
                pool = range(len(self.servers))
            else:
                found.update(self.exact.get(stem, ()))
                pool = self.vague
            for i in pool:
                self.compared += 1
                if i not in found and any(
                        t is not None and topics_match(sent, t)
                        for t in self.servers[i].topics or ()):
                    found.add(i)
        return [self.servers[i] for i in sorted(found)]


def pair(clients: list[Client], servers: list[Server],
         explicit: dict | None = None, find_class=None,
         work: dict | None = None,
         unmatched: list | None = None) -> list[Api]:
    """Each client with the servers it reaches.  ``unmatched`` receives a
    line for each configured pair naming no client or no class."""
    explicit = explicit or {}
    unmatched = [] if unmatched is None else unmatched
    known = {c.key for c in clients} | {c.path for c in clients}
    for wanted in explicit:
        if wanted not in known:
            unmatched.append(f"{wanted} is not an RPC client found in the "
                             f"tree (no class of that name sends RPC "
                             f"messages)")
    apis = []
    claimed = set()
    routes = Routes(servers)
    for client in clients:
        matched, served, how, evidence = _find(client, routes, explicit,
                                               find_class)
        if how.startswith("configured server"):
            unmatched.append(how)
        claimed.update(id(e) for e in served)
        # a message whose namespace is not known may go to endpoints other
        # than those found: never a complete pairing
        known = UNRESOLVED not in {r.namespace for r in client.routes}
        api = Api(client.key, api_name(client, served), client, served, how,
                  complete=bool(matched) and known and all(
                      s.certain() for s in matched),
                  evidence=evidence)
        coverage(api)
        apis.append(api)
    for server in servers:
        namespaces = []
        for e in server.endpoints:
            if id(e) not in claimed and e.namespace not in namespaces:
                namespaces.append(e.namespace)
        for namespace in namespaces:
            group = [e for e in server.serving(namespace)
                     if id(e) not in claimed]
            if not group:
                continue
            claimed.update(id(e) for e in group)
            key = group[0].path + (f"#{namespace}" if namespace else "")
            name = api_name(None, group) if server.anchor == group[0].path \
                else f"endpoints of the server at {server.anchor}"
            apis.append(Api(key, name, None, group,
                            "no client found in the tree",
                            complete=server.certain()))
    if work is not None:
        work["route comparisons"] = routes.compared
    return apis


def _find(client: Client, routes: Routes, explicit: dict, find_class):
    """(servers, endpoints serving the client, how, evidence)."""
    found = routes.servers
    wanted = explicit.get(client.key) or explicit.get(client.path)
    if wanted:
        for server in found:
            paths = [e.path for e in server.endpoints]
            if server.anchor == wanted or wanted in paths:
                served = server.serving(client.namespace) or [
                    e for e in server.endpoints if e.path == wanted]
                return [server], served, "configured (rpc-pairs)", \
                    "configured"
        endpoint = find_class(wanted) if find_class else None
        if endpoint is not None:
            server = Server(wanted, _package(endpoint.relpath),
                            wanted.rpartition(".")[0], [endpoint])
            return [server], [endpoint], "configured (rpc-pairs)", \
                "configured"
        return [], [], f"configured server {wanted} is not a class of the " \
            f"tree", ""  # (pair() reports it)
    if client.namespace == UNRESOLVED:
        return [], [], ("its target namespace could not be resolved; "
                        "pair it in rpc-pairs"), ""
    topics = {r.topic for r in client.routes if r.known}
    namespaces = {r.namespace for r in client.routes} or {client.namespace}
    routed = routes.reached(topics)
    if routed:
        served = []
        for server in routed:
            for e in server.endpoints:
                if e.namespace in namespaces or \
                        e.namespace == UNRESOLVED:
                    if e not in served:
                        served.append(e)
        # of several endpoints on the route, the dispatcher hands each
        # message to one that has its method: the others do not serve it
        sent = {s.method for s in client.sends if s.method}
        served = [e for e in served if e.unbounded or any(
            e.method(m) for m in sent)] or served
        if served:
            symbolic = any("{" in t for t in topics)
            return routed, served, f"route: topic {_topics(topics)}", \
                "symbol" if symbolic else "route"
        return [], [], (f"the servers on topic {_topics(topics)} have no "
                        f"endpoint in namespace {client.namespace}"), ""
    unknown = [s for s in found if not s.topics or
               any(t is None for t in s.topics)]
    if topics and not unknown:
        return [], [], (f"no server in the tree listens on topic "
                        f"{_topics(topics)}"), ""
    return _neighbourhood(client, unknown if topics else found, topics)


def _topics(topics) -> str:
    return ", ".join(sorted(topics))


def _neighbourhood(client, found, topics):
    package = _package(client.relpath)
    candidates = [s for s in found if s.package == package
                  and s.serving(client.namespace)]
    how = "same package"
    if not candidates and client.namespace is not None:
        candidates = [s for s in found if s.serving(client.namespace)]
        how = "same namespace"
        if len(_distinct_servings(candidates, client.namespace)) > 1:
            return [], [], ("several servers in the tree use its "
                            "namespace; pair it in rpc-pairs"), ""
        if candidates:
            # the same endpoints on every server (one served everywhere)
            return candidates, candidates[0].serving(client.namespace), \
                how, "namespace"
    if not candidates and not topics:
        # the topic is not known: the one server implementing most of the
        # methods it sends (at least half)
        sent = {s.method for s in client.sends if s.method}
        scored = sorted(((_overlap(client, s.serving(client.namespace)), i)
                         for i, s in enumerate(found)
                         if s.serving(client.namespace)), reverse=True)
        if sent and scored and 2 * scored[0][0] >= len(sent) and (
                len(scored) == 1 or scored[1][0] < scored[0][0]):
            best = found[scored[0][1]]
            return [best], best.serving(client.namespace), (
                f"its topic is not known; the server implementing "
                f"{scored[0][0]} of the {len(sent)} methods it sends"), \
                "methods"
    if not candidates:
        where = f"topic {_topics(topics)}" if topics else "its package"
        return [], [], f"no server for {where} was found", ""
    if len(_distinct_servings(candidates, client.namespace)) == 1:
        candidates = candidates[:1]  # the same endpoints everywhere
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
            return [], [], ("several servers in its package: "
                            + ", ".join(s.anchor for s in ranked)
                            + "; pair it in rpc-pairs"), ""
        candidates = ranked[:1]
    server = candidates[0]
    served = server.serving(client.namespace)
    sent = {s.method for s in client.sends if s.method}
    if sent and not any(e.unbounded for e in served) \
            and 2 * _overlap(client, served) < len(sent):
        return [], [], (f"{server.anchor} implements "
                        f"{_overlap(client, served)} of the {len(sent)} "
                        f"methods the client sends, so it is not its "
                        f"server"), ""
    return [server], served, how, "neighbourhood"


def _distinct_servings(servers, namespace) -> set:
    return {tuple(sorted((e.path, e.version.text if e.version else None)
                         for e in s.serving(namespace))) for s in servers}


def _overlap(client: Client, endpoints: list[Endpoint]) -> int:
    sent = {s.method for s in client.sends if s.method}
    return sum(1 for name in sent if any(e.method(name) for e in endpoints))


def coverage(api: Api) -> None:
    """Checked fully, partially or not at all, and why."""
    client = api.client
    if not api.endpoints:
        api.coverage, api.reason = "unchecked", api.pairing
        return
    reasons = []
    if any(r.namespace == UNRESOLVED for r in client.routes):
        reasons.append("a send's namespace is not resolved")
    elif not api.complete:
        reasons.append("some endpoint of its server is not known")
    if any(e.version is None or not e.version.resolved
           for e in api.endpoints):
        reasons.append("an endpoint version is not resolved")
    unknown_routes = [s for s in client.sends if any(
        v.route is not None and not v.route.known for v in s.variants)]
    if unknown_routes and api.evidence in ("route", "symbol"):
        reasons.append(f"{len(unknown_routes)} send(s) go to a topic not "
                       f"known")
    unnamed = [s for s in client.sends if s.method is None]
    if unnamed:
        reasons.append(f"{len(unnamed)} send(s) name their method at run "
                       f"time")
    unresolved = [s for s in client.sends if any(
        not v.version.resolved for v in s.variants)]
    if unresolved:
        reasons.append(f"{len(unresolved)} send version(s) not resolved")
    if client.over_budget:
        names = ", ".join(sorted({n for _, _, n in client.over_budget}))
        reasons.append(f"too complex to follow completely: {names}")
    api.coverage = "partial" if reasons else "checked"
    api.reason = "; ".join(reasons)


def api_name(client: Client | None, endpoints: list[Endpoint]) -> str:
    if client is not None and client.topic and \
            not any(c in client.topic for c in "{*"):
        base = client.topic
    elif client is not None:
        base = client.name
    else:
        base = endpoints[0].name
    namespace = client.namespace if client is not None else \
        endpoints[0].namespace
    if namespace and namespace != UNRESOLVED:
        base += f"/{namespace.strip('{}')}"
    return base + " API"


# -- the same API in two trees ------------------------------------------------

def _route_of(api: Api):
    """Where an API's client sends: (topic, namespace), or None when its
    topic is not known well enough to stand for the API."""
    client = api.client
    if client is None or not client.topic or client.namespace == UNRESOLVED:
        return None
    return client.topic, client.namespace


def counterparts(head: list[Api], base: list[Api]) -> dict:
    """head API key -> the same API in the other tree: the one with the
    same key (client class path), else -- for a client class or module
    renamed in the change -- the one API whose key is gone and whose client
    sends on the same route (topic and namespace)."""
    by_key = {api.key: api for api in base}
    found = {api.key: by_key[api.key] for api in head if api.key in by_key}
    head_keys = {api.key for api in head}
    gone: dict = {}
    for api in base:
        route = _route_of(api)
        if api.key not in head_keys and route is not None:
            gone.setdefault(route, []).append(api)
    new: dict = {}
    for api in head:
        route = _route_of(api)
        if api.key not in by_key and route is not None:
            new.setdefault(route, []).append(api)
    for route, apis in new.items():
        if len(apis) == 1 and len(gone.get(route, ())) == 1:
            found[apis[0].key] = gone[route][0]
    return found


def topic_removals(head: list[Api], base: list[Api]) -> list[tuple]:
    """(head API, base API) pairs, made up, for an old major served on a
    topic of its own (a parallel endpoint instead of a proxy) whose servers
    are gone from ``head``: the base API's clients -- the previous code,
    still running during the upgrade -- send on that topic, which nothing
    serves any more. The head side is the API on another topic whose
    endpoints take the next major and implement at least half of what the
    old API's client sent; the base side holds the old endpoints and those
    the next major had at base, so that the procedure rules see the major
    go away as they would from one server."""
    matched = counterparts(head, base)
    served = {_route_of(api) for api in head if api.endpoints}
    found = []
    for old in base:
        route = _route_of(old)
        if route is None or not old.endpoints or not old.majors or \
                route in served:
            continue
        new_major = max(old.majors) + 1
        sent = {s.method for s in old.client.sends if s.method}
        for api in head:
            if new_major not in api.majors or \
                    _route_of(api) in (None, route):
                continue
            serving = [e for e in api.endpoints if e.accepts and
                       e.accepts.major == new_major]
            overlap = sum(1 for m in sent if any(e.method(m)
                                                 for e in serving))
            if not sent or 2 * overlap < len(sent):
                continue
            before = matched.get(api.key)
            endpoints = list(old.endpoints) + (
                list(before.endpoints) if before is not None else [])
            merged = Api(old.key, old.name, old.client, endpoints,
                         old.pairing, old.complete, old.evidence)
            found.append((api, merged))
            break
    return found
