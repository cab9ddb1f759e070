"""Source -> facts: the RPC clients, endpoints and servers of a tree.

A *client* is code that sends: a class (or a module-level function) whose
runs record messages sent on an oslo.messaging client it built -- itself,
through a base class, a property, a cached helper or a project wrapper.
A *server* is what the code starts with ``get_rpc_server`` (or a wrapper
or service doing so): its topic and the endpoint objects handed to it.
An *endpoint* is a class whose objects servers dispatch to; classes that
declare a target (``target = Target(version=...)``, ``self.target = ...``,
the old ``RPC_API_VERSION``) and build no client from it are endpoints
too, for trees whose service wiring cannot be followed.  Direction comes
from use: a class with a ``target`` attribute that it sends on is a client.

The interpreter (``flow.py``) does the running; this module turns its
records into the plain facts of ``model.py``.
"""

from __future__ import annotations

import ast
import re
from collections import Counter

from .. import messaging
from ..model import (
    UNRESOLVED, Alias, Client, Endpoint, EndpointRef, Forward, Guard, Method,
    Param, Route, Send, ServerFact, Unresolved, Variant, VersionRef)
from ..versions import Version
from . import flow
from .index import ClassInfo, nodes, statements, summary
from .values import (
    DEFAULT, NONE, ClassRef, Const, DictV, ExtRef, Fmt, Obj, Str, TargetV,
    Tup, Unknown)

# External bases known to contribute no RPC methods to an endpoint.
_PLAIN_BASES = ("object", "builtins.", "oslo_", "oslo.", "six", "abc.",
                "typing.", "collections.")
_NONEMPTY_LIST = re.compile(r"endpoints\s*=\s*\[\s*[^\]\s]")
# an entry: a version at the start of a line, then a dash or colon, or
# the first word of what it did ("1.10 Added ...", "1.1 changed ...")
_HISTORY_RE = re.compile(
    r"^\s*(?:[*|-]\s*)?(\d+\.\d+(?:\.\d+)?)(?:\s*[-:]|\s+[A-Za-z])",
    re.MULTILINE)
# server classes often keep their history as comments above the target
_COMMENT_HISTORY_RE = re.compile(
    r"^\s*#\s*(?:[*-]\s*)?(\d+\.\d+(?:\.\d+)?)"
    r"(?:\s*[-:]|\s+[A-Za-z])", re.MULTILINE)


# files read at most to find how a client class is built
_CONSTRUCTION_FILES = 8

_CALLEES: dict = {}


def forget_callees() -> None:
    _CALLEES.clear()


def callees(node, mod=None) -> frozenset:
    """Names of everything called inside ``node``: walked once, kept on the
    node, and (given its module) by source text, so that a method a change
    did not touch is not walked again in the baseline."""
    found = getattr(node, "_rpc_callees", None)
    if found is not None:
        return found
    key = None
    if mod is not None:  # the source from the first decorator on
        first = min([d.lineno for d in getattr(node, "decorator_list", ())]
                    + [node.lineno])
        key = "\n".join(mod.lines[first - 1:node.end_lineno])
        found = _CALLEES.get(key)
    if found is None:
        found = frozenset(flow._callee_name(call)
                          for call in summary(node).calls)
        if key is not None:
            _CALLEES[key] = found
    node._rpc_callees = found
    return found


def _module_calls(tree) -> list:
    """The calls of a module: those of its functions and methods from
    their summaries (most are summarised anyway), the rest by walking."""
    found = []
    for stmt in tree.body:
        found += _calls_in(stmt)
    return found


def _calls_by_name(mod) -> dict:
    """callee name -> the calls of the module naming it (kept on the
    module: a base revision shares the modules it has unchanged)."""
    found = mod.__dict__.get("_calls_by_name")
    if found is None:
        found = mod.__dict__["_calls_by_name"] = {}
        for call in _module_calls(mod.tree):
            found.setdefault(flow._callee_name(call), []).append(call)
    return found


def _calls_in(stmt) -> list:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return list(summary(stmt).calls)
    if isinstance(stmt, ast.ClassDef):
        found = []
        for item in stmt.body:
            found += _calls_in(item)
        for expr in stmt.bases + stmt.keywords + stmt.decorator_list:
            found += [sub for sub in nodes(expr)
                      if isinstance(sub, ast.Call)]
        return found
    return [sub for sub in nodes(stmt) if isinstance(sub, ast.Call)]


def _assigns_self_target(fnode) -> bool:
    """``self.target = Target(...)`` (endpoints built in ``__init__``)."""
    if "target" not in summary(fnode).attributes:
        return False
    for sub in nodes(fnode):
        if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call) \
                and flow._callee_name(sub.value) == "Target" and any(
                isinstance(t, ast.Attribute) and t.attr == "target"
                and isinstance(t.value, ast.Name) and t.value.id == "self"
                for t in sub.targets):
            return True
    return False


def declares_target(project, cls: ClassInfo) -> str | None:
    """How the class (or an in-tree base) declares the version it serves:
    "target" (a Target attribute, or ``self.target = Target(...)``),
    "version" (the old ``RPC_API_VERSION``), or None."""
    mro, _ = project.mro(cls)
    found = None
    for c in mro:
        target = c.attrs.get("target")
        if isinstance(target, ast.Call) and \
                flow._callee_name(target) == "Target":
            return "target"
        init = c.methods.get("__init__")
        if init is not None and _assigns_self_target(init):
            return "target"
        if "RPC_API_VERSION" in c.attrs:
            found = "version"
    return found


def is_rpcproxy(project, cls: ClassInfo) -> bool:
    if cls.name == "RpcProxy":
        return False
    mro, external = project.mro(cls)
    return any(n.rpartition(".")[2] == "RpcProxy" for n in external) or \
        any(c.name == "RpcProxy" for c in mro[1:])


def version_ref(value, relpath: str, line: int) -> VersionRef:
    if isinstance(value, Str):
        return VersionRef(value.value, value.relpath or relpath,
                          value.line or line)
    if isinstance(value, Const) and value.value is not None:
        # prepare(version=1.3): oslo.messaging splits versions as text
        return VersionRef(str(value.value), relpath, line,
                          kind=type(value.value).__name__)
    return VersionRef(None, relpath, line, _describe_unknown(value))


def namespace_value(value, resolver=None) -> str | None:
    if resolver is not None:
        value = resolver.settled(value)
    if isinstance(value, Str):
        return value.value
    if value == NONE or value is None:
        return None
    if isinstance(value, ExtRef):
        return "{" + value.name + "}"
    return UNRESOLVED


def route_text(value, resolver=None) -> str | None:
    """A topic (or any route field) as text for matching: literals as they
    are (an option's default the tree registers, given the resolver),
    ``{name}`` for a constant or option read elsewhere, ``*`` for an
    unknown part; None when nothing is known."""
    if resolver is not None:
        if isinstance(value, Fmt):
            value = Fmt(tuple(resolver.settled(p) for p in value.parts))
            value = flow._fmt(value.parts)
        else:
            value = resolver.settled(value)
    if isinstance(value, Str):
        return value.value or None  # '' is no topic: not known here
    if isinstance(value, ExtRef):
        return "{" + _short_symbol(value.name) + "}"
    if isinstance(value, Fmt):
        parts = []
        for part in value.parts:
            if isinstance(part, Str):
                parts.append(part.value)
            elif isinstance(part, ExtRef):
                parts.append("{" + _short_symbol(part.name) + "}")
            else:
                parts.append("*")
        text = "".join(parts)
        return None if text.strip("*.") == "" else text
    return None


def _short_symbol(name: str) -> str:
    """``oslo_config.cfg.CONF.conductor.topic`` -> ``CONF.conductor.topic``:
    the same option whichever module imported CONF."""
    head, sep, tail = name.partition(".CONF.")
    return "CONF." + tail if sep else name


def topic_value(value) -> str | None:
    """A topic for display."""
    return route_text(value)


def _describe_unknown(value) -> str:
    if isinstance(value, ExtRef):
        return f"{value.name} is defined outside the tree"
    return value.why if isinstance(value, Unknown) and value.why else \
        "not a literal"


def _truthy(value) -> bool:
    return isinstance(value, Const) and bool(value.value)


class Extractor:
    def __init__(self, project, resolver, reach=None, top=None):
        self.project = project
        self.resolver = resolver
        self.reach = reach
        self.top = top
        self._searched: list | None = None  # module names, in order
        self._names_memo = None  # (endpoint classes, their class names)
        self.steps = 0  # interpreter steps of the entries run
        self.handed: dict = {}  # attr -> client handed over (Record.handed)

    def interpreter(self, cls=None) -> flow.Interpreter:
        return flow.Interpreter(self.project, self.resolver, cls, self.reach,
                                handed=self.handed)

    # -- classes and functions that run ----------------------------------
    def run_class(self, cls: ClassInfo, via=frozenset()):
        """(clients, servers, builds a client?) of a class: its entries
        run on one object, ``__init__`` first.  An entry runs when it can
        reach oslo.messaging, or names a method in ``via`` (a transport's,
        such as ``sync_call``)."""
        interp = self.interpreter(cls)
        interp.prepare_object(self.construction(cls, interp.mro))
        methods = self._methods(interp.mro)
        called = self._called_on_self(methods)
        for name, (owner, node) in methods.items():
            if name == "__init__" or flow._is_property(node) or (
                    self.reach is not None and not interp.rpcproxy
                    and not self.reach.of(owner.module, node, cls)
                    and not _names(node, via) and not hands_over(node)):
                continue  # run already, or cannot reach oslo.messaging
            if not name.startswith("_") or name not in called:
                interp.run_method(owner, node)
        self.steps += interp.record.steps
        return self.clients(interp), self.servers(interp), \
            bool(interp.record.clients), frozenset(interp.record.built), \
            {k: tuple(v) for k, v in interp.record.handed.items()}

    def run_function(self, module, node):
        """(clients, servers) of a module-level function (a sender such as
        a ``notify()`` helper, or service wiring such as ``main()``)."""
        interp = self.interpreter()
        interp.run_function(module, node)
        self.steps += interp.record.steps
        return self.clients(interp), self.servers(interp), \
            bool(interp.record.clients), frozenset(interp.record.built), \
            {k: tuple(v) for k, v in interp.record.handed.items()}

    def construction(self, cls: ClassInfo, mro):
        """(args, kwargs) the tree builds the class with, when its
        ``__init__`` needs arguments (a client taking its topic or its
        configuration group): the first call ``Cls(...)`` in the modules
        followed whose arguments are module-level values."""
        init = self.project.find_method(mro, "__init__")
        if init is None:
            return None
        a = init[1].args
        if len(a.posonlyargs + a.args) - len(a.defaults) <= 1 and \
                a.vararg is None:
            return None  # nothing but self is required
        best = None  # the site giving the most known arguments
        for mod, call in self._calls_named(cls.name):
            ref = self.resolver.static(mod, call.func)
            if not (isinstance(ref, ClassRef) and ref.info == cls):
                continue
            if any(isinstance(a, ast.Starred) for a in call.args) or any(
                    kw.arg is None for kw in call.keywords):
                continue
            args = [self.resolver.static(mod, a) for a in call.args]
            kwargs = {kw.arg: self.resolver.static(mod, kw.value)
                      for kw in call.keywords}
            known = sum(not isinstance(v, Unknown)
                        for v in args + list(kwargs.values()))
            if best is None or known > best[0]:
                best = (known, (args, kwargs))
        return best[1] if best and best[0] else None

    def _calls_named(self, name: str):
        """(module, call) for every call of something named ``name``: in
        the modules followed, else in the few files of the tree whose text
        calls it.  Each module searched is read again (noted): what the
        caller finds depends on all of them."""
        if self._searched is None:
            self._searched = sorted(self.reach.modules if self.reach
                                    else ())
        found = self._calls_in_searched(name)
        if not found and self.top is not None:
            files = self.project.search("text", self.top, name + "(")
            for relpath in files[:_CONSTRUCTION_FILES]:
                mod = self.project.module_at(relpath)
                if mod is not None and mod.name not in self._searched:
                    self._searched.append(mod.name)
            found = self._calls_in_searched(name)
        return found

    def _calls_in_searched(self, name: str) -> list:
        found = []
        for module in self._searched:
            mod = self.project.module(module)
            if mod is not None:
                found += [(mod, call)
                          for call in _calls_by_name(mod).get(name, ())]
        return found

    def _methods(self, mro):
        """name -> (owner, node): the definition a call on self reaches."""
        methods = {}
        for cls in reversed(mro):
            for name, node in cls.methods.items():
                methods[name] = (cls, node)
        return methods

    def _called_on_self(self, methods) -> set:
        """Attribute names used anywhere in the methods: a private method
        none of them names is run as an entry of its own."""
        called = set()
        for _, node in methods.values():
            called |= summary(node).attributes
        return called

    # -- clients -------------------------------------------------------
    def clients(self, interp) -> list:
        """The client APIs a run recorded messages of: the class (or the
        function) that owns the client each message went through, one API
        per namespace its messages go to (nearly always one)."""
        record = interp.record
        by_api: dict = {}
        for event in record.sends:
            if _on_a_client(event, interp):
                by_api.setdefault(event.api, []).append(event)
        if record.over_budget:
            # a client whose sends lie past the budget is still an API,
            # partly checked -- never silently absent
            for made in record.clients:
                if made.owner:
                    by_api.setdefault(made.owner, [])
        clients = []
        for api, sends in by_api.items():
            clients += self._api_clients(interp, api, sends)
        return clients

    def _api_clients(self, interp, api, sends) -> list:
        record = interp.record
        cls = self._class(api)
        mro = self.project.mro(cls)[0] if cls is not None else []
        relpath, line = (cls.module.relpath, cls.node.lineno) if cls \
            else self._function_site(api)
        base = Client(api, api.rpartition(".")[2], relpath, line,
                      old_style=interp.rpcproxy and cls == interp.cls)
        made = [e for e in record.clients if e.owner in (api, None)] or \
            record.clients
        self._client_cap(base, made, mro)
        self._client_aliases(base, mro)
        if mro:
            self._client_history(base, mro)
        if made:
            base.built_at = (made[0].relpath, made[0].line)
        # what a method that sends nothing leaves unresolved decides no
        # message: not a gap in the checks
        sending = {event.entry for event in record.sends}
        seen_guards = set()
        for g in record.guards:
            if (g.relpath, g.line) in seen_guards or g.api not in (api, ""):
                continue
            seen_guards.add((g.relpath, g.line))
            ref = version_ref(g.version, g.relpath, g.line)
            base.guards.append(Guard(ref, g.entry))
            if not ref.resolved and g.entry in sending:
                base.unresolved.append(Unresolved(
                    g.relpath, g.line, "can_send_version(...)", ref.why,
                    g.entry))
        base.compat_helpers = sorted(record.helpers)
        truncated = set()
        cut = {(relpath, line) for relpath, line, _ in record.over_budget}
        for u in record.unresolved:
            # a method cut short may have sent past the cut: always a gap
            if u.entry and u.entry not in sending and \
                    (u.relpath, u.line) not in cut:
                continue
            if "paths" in u.why:  # the first cut of a method is the cause
                if (u.relpath, u.entry) in truncated:
                    continue
                truncated.add((u.relpath, u.entry))
            base.unresolved.append(u)
        base.over_budget = list(record.over_budget)
        by_namespace = self._by_namespace(sends, interp) or {None: []}
        clients = []
        for namespace, events in by_namespace.items():
            client = Client(**{f: getattr(base, f) for f in (
                "path", "name", "relpath", "line", "cap", "aliases",
                "history", "history_line", "guards", "compat_helpers",
                "old_style", "built_at", "over_budget", "cap_ref",
                "alias_uses", "development")})
            client.unresolved = list(base.unresolved)
            if len(by_namespace) > 1:
                client.key = f"{api}#{namespace or ''}"
            self._client_target(client, events, record)
            client.sends = self._sends(client, events)
            clients.append(client)
        return clients

    def _class(self, path: str):
        module, _, name = path.rpartition(".")
        mod = self.project.module(module)
        if mod is None or name not in mod.classes:
            return None
        return self.project.class_info(mod, mod.classes[name])

    def _function_site(self, path: str) -> tuple:
        module, _, name = path.rpartition(".")
        mod = self.project.module(module)
        if mod is not None and name in mod.functions:
            return mod.relpath, mod.functions[name].lineno
        owner = self._class(module)
        if owner is not None and name in owner.methods:
            return owner.module.relpath, owner.methods[name].lineno
        return module.replace(".", "/") + ".py", 1

    def _by_namespace(self, sends, interp) -> dict:
        groups: dict = {}
        for event in sends:
            namespace = namespace_value(dict(event.route).get("namespace"),
                                        self.resolver)
            groups.setdefault(namespace, []).append(event)
        if len(groups) > 1 and UNRESOLVED in groups:
            # an unknown namespace goes with the known one it most likely is
            rest = groups.pop(UNRESOLVED)
            largest = max(groups, key=lambda k: len(groups[k]))
            groups[largest] += rest
        return groups

    def _client_target(self, client: Client, events, record) -> None:
        """The Target the client's messages default to: the one most of
        them were built from."""
        defaults = Counter()
        for event in events:
            if event.default is not None:
                defaults[_key(event.default)] += 1
        targets = [t for t, _, _ in record.targets]
        chosen = None
        if defaults:
            wanted = defaults.most_common(1)[0][0]
            for event in events:
                if event.default is not None and \
                        _key(event.default) == wanted:
                    chosen = event
                    break
        if chosen is not None:
            target = next((t for t in targets
                           if _key(t.version) == _key(chosen.default)),
                          None)
            relpath, line = (target.relpath, target.line) if target else \
                (chosen.relpath, chosen.site)
            client.target = version_ref(chosen.default, relpath, line)
            if target is not None:
                client.target_at = (target.relpath, target.line)
            route = dict(chosen.route)
        else:
            with_topic = [t for t in targets if t.topic != NONE] or targets
            if not with_topic:
                return
            target = with_topic[0]
            client.target = version_ref(target.version, target.relpath,
                                        target.line)
            client.target_at = (target.relpath, target.line)
            route = {"topic": target.topic, "namespace": target.namespace}
        if not client.target.resolved:
            client.unresolved.append(Unresolved(
                client.target.relpath, client.target.line,
                "Target(version=...)", client.target.why))
        topics = Counter(route_text(dict(e.route).get("topic"),
                                    self.resolver) for e in events)
        topics.pop(None, None)
        client.topic = topics.most_common(1)[0][0] if topics else \
            route_text(route.get("topic"), self.resolver)
        client.namespace = namespace_value(route.get("namespace"),
                                           self.resolver)
        if client.namespace == UNRESOLVED:
            client.unresolved.append(Unresolved(
                client.relpath, client.line, "Target(namespace=...)",
                _describe_unknown(route.get("namespace"))))

    def _client_cap(self, client: Client, made, mro) -> None:
        reads_levels = any(
            "upgrade_levels" in summary(m).attributes
            for c in mro for m in c.methods.values())
        has_aliases = any("VERSION_ALIASES" in c.attrs for c in mro)
        caps = [e for e in made if e.cap is not None and e.cap != NONE]
        if not caps:
            return
        fixed = {e.cap.value for e in caps if isinstance(e.cap, Str)}
        literal = [e.cap for e in caps if isinstance(e.cap, (Str, Const))]
        if len(literal) == len(caps) and len({_key(c) for c in literal}) == 1:
            client.cap_ref = version_ref(literal[0], made[0].relpath,
                                         made[0].line)
        if reads_levels:
            client.cap = "[upgrade_levels]" + (
                " via VERSION_ALIASES" if has_aliases else "")
        elif len(fixed) == 1 and all(isinstance(e.cap, Str) for e in caps):
            client.cap = f"fixed at {fixed.pop()}"
        else:
            client.cap = f"computed ({caps[0].cap_text or 'version_cap'})"

    def _client_aliases(self, client: Client, mro) -> None:
        for cls in mro:
            for node in cls.methods.values():
                for sub in nodes(node):
                    if isinstance(sub, ast.Subscript) and \
                            _attr_name(sub.value) == "VERSION_ALIASES" and \
                            isinstance(sub.slice, ast.Constant) and \
                            isinstance(sub.slice.value, str):
                        client.alias_uses.append((
                            sub.slice.value, cls.module.relpath, sub.lineno))
        self._release_table(client, mro)
        for cls in mro:
            if "VERSION_ALIASES" in cls.attrs:
                value = self.resolver.static(
                    cls.module, cls.attrs["VERSION_ALIASES"], cls)
                line = cls.attr_lines["VERSION_ALIASES"]
                node = cls.attrs["VERSION_ALIASES"]
                lines = {k.value: v.lineno for k, v in zip(
                    node.keys, node.values) if isinstance(k, ast.Constant)} \
                    if isinstance(node, ast.Dict) else {}
                client.aliases = []
                if isinstance(value, DictV):
                    for release, version in value.items:
                        client.aliases.append(Alias(release, version_ref(
                            version, cls.module.relpath,
                            lines.get(release, line))))
                return

    def _release_table(self, client: Client, mro) -> None:
        """A table of release name -> {'rpc': version, ...} the client
        reads its cap from (ironic's RELEASE_MAPPING): its
        current-development entry, under the key the client reads."""
        for cls in mro:
            for node in cls.methods.values():
                gets = [sub for sub in summary(node).calls
                        if isinstance(sub.func, ast.Attribute) and
                        sub.func.attr == "get" and _attr_name(sub.func.value)]
                if not gets:
                    continue
                keys = {sub.slice.value for sub in nodes(node)
                        if isinstance(sub, ast.Subscript)
                        and isinstance(sub.slice, ast.Constant)
                        and isinstance(sub.slice.value, str)}
                for sub in gets:
                    table = self.resolver.static(cls.module, sub.func.value,
                                                 cls)
                    if not isinstance(table, DictV):
                        continue
                    entry = next((table.get(k) for k in _DEVELOPMENT
                                  if isinstance(table.get(k), DictV)), None)
                    if entry is None:
                        continue
                    name = next(k for k in _DEVELOPMENT if table.get(k))
                    for key in sorted(keys):
                        value = entry.get(key)
                        if isinstance(value, Str) and \
                                Version.parse(value.value):
                            client.development = (
                                f"{_attr_name(sub.func.value)}"
                                f"[{name!r}][{key!r}]",
                                Alias(name, version_ref(
                                    value, cls.module.relpath, sub.lineno)))
                            return

    def _client_history(self, client: Client, mro) -> None:
        """The "API version history" of the class's own docstring."""
        versions = _docstring_history(mro[0].node)
        if versions:
            client.history = versions
            client.history_line = mro[0].node.body[0].lineno

    def _sends(self, client: Client, events) -> list[Send]:
        groups: dict[tuple, Send] = {}
        routes: dict[tuple, set] = {}
        for event in events:
            method = event.method.value if isinstance(event.method, Str) \
                else None
            key = (event.node_relpath, event.node_line, method, event.kind)
            send = groups.get(key)
            if send is None:
                send = groups[key] = Send(method, event.kind, event.entry,
                                          event.owner, event.relpath,
                                          event.site, event.send_site,
                                          site=(event.node_relpath,
                                                event.node_line))
                if method is None:
                    client.unresolved.append(Unresolved(
                        event.relpath, event.send_site, "RPC method name",
                        _describe_unknown(event.method)))
            if event.version is DEFAULT:
                value = event.default
                if value is None:
                    ref = client.target or VersionRef(
                        None, client.relpath, client.line,
                        "no Target found")
                else:
                    ref = version_ref(value, event.relpath, event.site)
                    if client.target is not None and \
                            ref.text == client.target.text:
                        ref = client.target
                default = True
            else:
                ref = version_ref(event.version, event.relpath, event.site)
                default = False
            if isinstance(event.kwargs, DictV):
                kwargs = frozenset(event.kwargs.keys())
                open_ = event.kwargs.open
            else:
                kwargs, open_ = None, True
            route = _route(event, client.old_style, self.resolver)
            variant = Variant(ref, event.constraints, kwargs, open_, default,
                              route)
            if variant not in send.variants:
                send.variants.append(variant)
            routes.setdefault(key, set()).add(route)
            if not ref.resolved and not default:
                u = Unresolved(event.relpath, event.site,
                               "prepare(version=...)", ref.why)
                if u not in client.unresolved:
                    client.unresolved.append(u)
        for key, send in groups.items():
            # a path through a cache or an unknown router that leaves the
            # client unknown goes where the known paths go
            if any(r is not None and r.known for r in routes[key]):
                send.variants = [v for v in send.variants
                                 if v.route is None or v.route.known]
        return sorted(groups.values(), key=lambda s: (s.relpath, s.line,
                                                      s.method or ""))

    # -- servers -------------------------------------------------------
    def servers(self, interp) -> list[ServerFact]:
        found = []
        for event in interp.record.servers:
            fact = self._server(event)
            if fact is not None and fact not in found:
                found.append(fact)
        return found

    def _server(self, event) -> ServerFact | None:
        if event.kind == "listener":
            targets = event.target.items if isinstance(event.target, Tup) \
                else (event.target,)
        else:
            targets = (event.target,)
        topics = tuple(sorted({route_text(t.topic, self.resolver)
                               if isinstance(t, TargetV)
                               else None for t in targets},
                              key=lambda t: (t is None, t or "")))
        items = event.endpoints.items if isinstance(event.endpoints, Tup) \
            else None
        if items is None:
            return None  # nothing known of what it dispatches to
        refs, complete, gaps = [], True, []
        for item in items:
            ref = self._endpoint_ref(item, event)
            if ref is not None:
                refs.append(ref)
            elif isinstance(item, Unknown) and isinstance(item.origin, Obj):
                gaps.append(item.origin.cls.path)
            else:
                complete = False
        if not refs:
            return None
        held = {r.path for r in refs} | {r.via for r in refs if r.via}
        covered = tuple(sorted(set(gaps)))
        if any(g not in held for g in gaps):
            complete = False
        return ServerFact(event.kind, event.relpath, event.line, topics,
                          tuple(refs), complete, covered, event.entry)

    def _endpoint_ref(self, item, event) -> EndpointRef | None:
        if isinstance(item, ClassRef):
            return EndpointRef(item.info.path, event.relpath, event.line)
        if not isinstance(item, Obj):
            return None
        heap = event.heap
        relpath, line = (item.oid[1], item.oid[2]) if item.oid[0] == "new" \
            else (event.relpath, event.line)
        via = None
        own = heap.get((item.oid, "target"))
        inner = self._forwards_to(item, heap)
        if inner is False:
            return None  # a wrapper of an object not known
        bare = False
        if inner is not None:
            via = item.cls.path
            bare = self._calls_bare(item.cls)
            if not isinstance(own, TargetV) and \
                    not self._class_target(item.cls):
                own = heap.get((inner.oid, "target"))
            item = inner
        if isinstance(own, TargetV):
            return EndpointRef(item.cls.path, relpath, line,
                               version_ref(own.version, own.relpath,
                                           own.line),
                               namespace_value(own.namespace,
                                               self.resolver),
                               (own.relpath, own.line), via, bare)
        return EndpointRef(item.cls.path, relpath, line, via=via, bare=bare)

    def _calls_bare(self, cls) -> bool:
        mro, _ = self.project.mro(cls)
        found = self.project.find_method(mro, "__getattr__")
        return found is not None and _drops_context(found[1])

    def _class_target(self, cls) -> bool:
        mro, _ = self.project.mro(cls)
        return any("target" in c.attrs for c in mro)

    def _forwards_to(self, obj, heap):
        """The object a ``__getattr__`` wrapper forwards to
        (``getattr(self._endpoint, name)``); False when the heap does not
        hold it, None when the object is no such wrapper."""
        mro, _ = self.project.mro(obj.cls)
        found = self.project.find_method(mro, "__getattr__")
        if found is None:
            return None
        attr = _forwarded_attr(found[1])
        if attr is None:
            return None
        inner = heap.get((obj.oid, attr))
        return inner if isinstance(inner, Obj) else False

    # -- endpoints -----------------------------------------------------
    def endpoint(self, cls: ClassInfo) -> Endpoint:
        interp = self.interpreter(cls)
        mro = interp.mro
        endpoint = Endpoint(cls.path, cls.name, cls.module.relpath,
                            cls.node.lineno)
        target = self._endpoint_target(interp, mro)
        if isinstance(target, TargetV):
            endpoint.version = version_ref(target.version, target.relpath,
                                           target.line)
            endpoint.declared = (target.relpath, target.line)
            endpoint.namespace = namespace_value(target.namespace,
                                                 self.resolver)
            if endpoint.namespace == UNRESOLVED:
                endpoint.unresolved.append(Unresolved(
                    target.relpath, target.line, "Target(namespace=...)",
                    _describe_unknown(target.namespace)))
        elif target is not None:
            endpoint.version = target
            endpoint.declared = (target.relpath, target.line)
        if endpoint.version is not None and not endpoint.version.resolved:
            endpoint.unresolved.append(Unresolved(
                endpoint.version.relpath, endpoint.version.line,
                "endpoint version", endpoint.version.why))
        _, external = self.project.mro(cls)
        endpoint.open = any(not n.startswith(_PLAIN_BASES) for n in external)
        for name, (owner, node) in self._methods(mro).items():
            if flow._is_property(node) or name.startswith("__"):
                continue
            if messaging.dispatchable(name):
                endpoint.methods[name] = _method(owner, node)
            else:
                endpoint.private.add(name)
        for owner in reversed(mro):  # ``failover_host = failover``
            for name, value in owner.attrs.items():
                if isinstance(value, ast.Name) and not name.startswith("_") \
                        and value.id in endpoint.methods:
                    endpoint.methods[name] = endpoint.methods[value.id]
        endpoint.has_getattr = any("__getattr__" in c.methods for c in mro)
        endpoint.history = _class_history(cls)
        endpoint.forwards = _forwards(self._methods(mro))
        return endpoint

    def _endpoint_target(self, interp, mro):
        init = self.project.find_method(mro, "__init__")
        if init is not None and _assigns_self_target(init[1]):
            interp.prepare_object()
            if interp.record.self_targets:
                return interp.record.self_targets[0]
        for cls in mro:
            if "target" in cls.attrs:
                value = interp.class_value(cls, "target")
                if isinstance(value, TargetV):
                    return value
                return version_ref(value, cls.module.relpath,
                                   cls.attr_lines["target"])
        for cls in mro:
            if "RPC_API_VERSION" in cls.attrs:
                value = interp.class_value(cls, "RPC_API_VERSION")
                line = cls.attr_lines["RPC_API_VERSION"]
                namespace = NONE
                if "RPC_API_NAMESPACE" in cls.attrs:
                    namespace = interp.class_value(cls, "RPC_API_NAMESPACE")
                return TargetV(value, NONE, namespace, line,
                               cls.module.relpath)
        return None

    def builds_client_from_target(self, cls: ClassInfo, clients) -> bool:
        """Its ``target`` attribute is the Target its own client is built
        from, or the one its own messages take their version from
        (``prepare(version=self.target.version)``): a client, not an
        endpoint declaring what it serves."""
        mro, _ = self.project.mro(cls)
        if any(_reads_self_target(node) for c in mro
               for name, node in c.methods.items() if name != "__init__"):
            return True
        for c in mro:
            if "target" in c.attrs:
                at = {(c.module.relpath, c.attrs["target"].lineno)}
            else:
                init = c.methods.get("__init__")
                if init is None or not _assigns_self_target(init):
                    continue
                at = {(c.module.relpath, sub.value.lineno)
                      for sub in nodes(init)
                      if isinstance(sub, ast.Assign)
                      and isinstance(sub.value, ast.Call)}
            return any(client.target_at in at for client in clients)
        return False

    def _class_names(self, classes: dict) -> set:
        """The class names of ``classes`` (paths), worked out once for
        every server asking."""
        memo = self._names_memo
        if memo is None or memo[0] is not classes:
            memo = self._names_memo = (
                classes, {path.rpartition(".")[2] for path in classes})
        return memo[1]

    def registrations(self, cls: ClassInfo, endpoint_classes: dict):
        """[(ClassInfo, relpath, line, passes_self)]: the endpoint classes
        this server instantiates (``additional_endpoints.append(P(self))``,
        ``additional_apis``, an ``endpoints`` list, an attribute)."""
        found = []
        names = self._class_names(endpoint_classes)
        mro, _ = self.project.mro(cls)
        for owner in mro:
            for node in owner.methods.values():
                if callees(node).isdisjoint(names):
                    continue
                for sub in nodes(node):
                    # resolve only calls that can name an endpoint class:
                    # following every callee would parse half the tree
                    if not isinstance(sub, ast.Call) or \
                            flow._callee_name(sub) not in names:
                        continue
                    ref = self.resolver.static(owner.module, sub.func)
                    if isinstance(ref, ClassRef) and ref.info != cls and \
                            ref.info.path in endpoint_classes:
                        passes_self = any(isinstance(a, ast.Name) and
                                          a.id == "self" for a in sub.args)
                        found.append((ref.info, owner.module.relpath,
                                      sub.lineno, passes_self))
        return found


# the key of a release table's entry for the code being developed
_DEVELOPMENT = ("master", "main")


def _attr_name(node) -> str:
    """``VERSION_ALIASES`` of ``self.VERSION_ALIASES`` or of a name."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _names(node, names) -> bool:
    return bool(names) and not summary(node).attributes.isdisjoint(names)


def _on_a_client(event, interp) -> bool:
    """A send on a client the code built (not on a value of unknown
    origin, as a mixin that expects a subclass to provide the client)."""
    return interp.rpcproxy or event.default is not None


def _route(event, old_style: bool, resolver=None) -> Route | None:
    route = dict(event.route)
    if old_style and "topic" not in route:
        return None
    return Route(route_text(route.get("topic"), resolver),
                 namespace_value(route.get("namespace"), resolver),
                 _truthy(route.get("fanout")))


def _key(value):
    return flow._key(value)


def _forwarded_attr(node) -> str | None:
    """``getattr(self.<attr>, name)`` inside ``__getattr__(self, name)``."""
    params = [a.arg for a in node.args.args]
    if len(params) < 2:
        return None
    for sub in nodes(node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and \
                sub.func.id == "getattr" and len(sub.args) >= 2 and \
                isinstance(sub.args[0], ast.Attribute) and \
                isinstance(sub.args[0].value, ast.Name) and \
                sub.args[0].value.id == params[0] and \
                isinstance(sub.args[1], ast.Name) and \
                sub.args[1].id == params[1]:
            return sub.args[0].attr
    return None


def _drops_context(node) -> bool:
    """Does a ``__getattr__`` hand out a wrapper that keeps the request
    context to itself (``def run(ctx, **kwargs): ... method(**kwargs)``),
    so that the wrapped method is called without it?"""
    for inner in nodes(node):
        if inner is node or not isinstance(inner, ast.FunctionDef):
            continue
        positional = inner.args.posonlyargs + inner.args.args
        if not positional:
            continue
        context = positional[0].arg
        for sub in nodes(inner):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) \
                    and sub.func.id != "getattr" and \
                    any(isinstance(k.value, ast.Name) and k.arg is None
                        for k in sub.keywords) and \
                    not any(isinstance(a, ast.Name) and a.id == context
                            for a in sub.args +
                            [k.value for k in sub.keywords]):
                return True
    return False


def endpoint_lists(project, resolver, mod, endpoint_classes: dict):
    """[(relpath, module, line, [endpoint paths], complete)]: the
    ``endpoints = [...]`` lists of a module that hold endpoint classes."""
    found = []

    def scan(node, cls):
        for sub in nodes(node):
            if isinstance(sub, ast.Assign) and isinstance(sub.value,
                                                          ast.List):
                assigned = [t.id if isinstance(t, ast.Name) else
                            getattr(t, "attr", "") for t in sub.targets]
                if any("endpoints" in n for n in assigned):
                    members(sub.value, cls)
            elif isinstance(sub, ast.keyword) and sub.arg == "endpoints" \
                    and isinstance(sub.value, ast.List):
                members(sub.value, cls)

    names = {path.rpartition(".")[2] for path in endpoint_classes}

    def members(lst, cls):
        inside_endpoint = cls is not None and cls.path in endpoint_classes
        if inside_endpoint and not any(
                isinstance(e, ast.Name) and e.id == "self" for e in lst.elts):
            return  # an endpoint's additional_endpoints: a registration
        paths, complete = [], True
        for element in lst.elts:
            ref = None
            if isinstance(element, ast.Call) and \
                    flow._callee_name(element) in names:
                ref = resolver.static(mod, element.func)
            if isinstance(ref, ClassRef) and ref.info.path in endpoint_classes:
                paths.append(ref.info.path)
            elif isinstance(element, ast.Name) and element.id == "self" and \
                    cls is not None and cls.path in endpoint_classes:
                paths.append(cls.path)
            else:
                complete = False
        if paths:
            found.append((mod.relpath, mod.name, lst.lineno, paths, complete))

    if not _NONEMPTY_LIST.search(mod.text):
        return found
    for node in mod.tree.body:
        if isinstance(node, ast.ClassDef):
            scan(node, project.class_info(mod, node))
        else:
            scan(node, None)
    return found


def _method(owner: ClassInfo, node) -> Method:
    a = node.args
    positional = a.posonlyargs + a.args
    defaults_from = len(positional) - len(a.defaults)
    params = []
    # skip self and the request context, which the dispatcher passes
    for i, p in enumerate(positional):
        if i < 2:
            continue
        params.append(Param(p.arg, i >= defaults_from))
    for p, default in zip(a.kwonlyargs, a.kw_defaults):
        params.append(Param(p.arg, default is not None, True))
    context = Param(positional[1].arg, 1 >= defaults_from) \
        if len(positional) > 1 else None
    return Method(node.name, owner.module.relpath, node.lineno, tuple(params),
                  a.vararg is not None, a.kwarg is not None, owner.path,
                  _returns_value(node), context)


def _own_nodes(node):
    """The nodes of a function's body, not those of functions or classes
    defined inside it."""
    todo = list(ast.iter_child_nodes(node))
    while todo:
        sub = todo.pop()
        yield sub
        if not isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef,
                                ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(sub))


def _returns_value(node) -> bool:
    """Some ``return`` of the function itself gives a value (kept on the
    node: a base revision asks again about the same endpoints)."""
    found = getattr(node, "_rpc_returns", None)
    if found is None:
        found = node._rpc_returns = any(
            isinstance(sub, ast.Return) and sub.value is not None and
            not (isinstance(sub.value, ast.Constant) and
                 sub.value.value is None)
            for sub in statements(node, definitions=False))
    return found


def _held_attributes(methods) -> set:
    """``self.<attr> = <first parameter>`` in ``__init__``: the object an
    endpoint is built around (a compat proxy's manager, registered as
    ``Proxy(self)``)."""
    found = methods.get("__init__")
    if found is None:
        return set()
    node = found[1]
    params = {a.arg for a in node.args.args[1:2]}
    held = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Name) \
                and sub.value.id in params:
            for target in sub.targets:
                if isinstance(target, ast.Attribute) and \
                        isinstance(target.value, ast.Name) and \
                        target.value.id == "self":
                    held.add(target.attr)
    return held


def _forwards(methods) -> list:
    """The calls the endpoint's methods make to a method of an object it
    was built around: ``self.manager.m(context, ...)``."""
    held = _held_attributes(methods)
    if not held:
        return []
    found = []
    for name, (owner, node) in methods.items():
        if name.startswith("_") or flow._is_property(node):
            continue
        returned, used = set(), set()
        for sub in _own_nodes(node):
            if isinstance(sub, ast.Return) and sub.value is not None:
                returned |= {id(n) for n in ast.walk(sub.value)}
                returned |= {n.id for n in ast.walk(sub.value)
                             if isinstance(n, ast.Name)}
            elif isinstance(sub, ast.Assign):
                used.add(id(sub.value))
        for sub in _own_nodes(node):
            if not (isinstance(sub, ast.Call) and
                    isinstance(sub.func, ast.Attribute) and
                    isinstance(sub.func.value, ast.Attribute) and
                    isinstance(sub.func.value.value, ast.Name) and
                    sub.func.value.value.id == "self" and
                    sub.func.value.attr in held):
                continue
            star = any(isinstance(a, ast.Starred) for a in sub.args) or \
                any(k.arg is None for k in sub.keywords)
            args = tuple(a.id if isinstance(a, ast.Name) else None
                         for a in sub.args)
            # discarded: a statement of its own in a method returning
            # nothing (a result assigned may still be returned later)
            kept = id(sub) in returned or id(sub) in used or \
                not _is_statement(node, sub) or _returns_value(node)
            found.append(Forward(name, sub.func.attr, owner.module.relpath,
                                 sub.lineno, args,
                                 tuple(k.arg for k in sub.keywords if k.arg),
                                 star, kept))
    return found


def _is_statement(node, call) -> bool:
    return any(isinstance(sub, ast.Expr) and sub.value is call
               for sub in _own_nodes(node))


def hands_over(node) -> bool:
    """The method puts something on an object it was given
    (``state.request.rpc_client = self._client``, a web framework's hook):
    a client built by its class may be used by code reading it back."""
    found = getattr(node, "_rpc_hands_over", None)
    if found is None:
        params = {a.arg for a in node.args.args[1:]}
        found = node._rpc_hands_over = bool(params) and any(
            isinstance(sub, ast.Assign) and any(
                isinstance(t, ast.Attribute) and _root(t) in params
                for t in sub.targets) for sub in statements(node))
    return found


def _root(expr) -> str | None:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def _reads_self_target(node) -> bool:
    """``self.target.<field>`` read in a method."""
    if "target" not in summary(node).attributes:
        return False
    return any(isinstance(sub, ast.Attribute)
               and isinstance(sub.value, ast.Attribute)
               and sub.value.attr == "target"
               and isinstance(sub.value.value, ast.Name)
               and sub.value.value.id == "self" for sub in nodes(node))


def _docstring_history(node: ast.ClassDef) -> list[Version]:
    doc = ast.get_docstring(node, clean=False)
    if not doc or "history" not in doc.lower():
        return []
    return [v for v in map(Version.parse, _HISTORY_RE.findall(doc)) if v]


def _class_history(cls: ClassInfo) -> list[Version]:
    """Versions a class records in its docstring history or in
    ``#  1.10 - ...`` comment lines of its header (before its first
    method: a comment inside a method saying "version 2.0 of the RPC API"
    is no entry)."""
    node = cls.node
    end = node.end_lineno
    for sub in node.body:
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
            end = min([d.lineno for d in sub.decorator_list] + [sub.lineno])
            break
    body = "\n".join(cls.module.lines[node.lineno - 1:end])
    found = [Version.parse(m) for m in _COMMENT_HISTORY_RE.findall(body)]
    return _docstring_history(node) + [v for v in found if v]
