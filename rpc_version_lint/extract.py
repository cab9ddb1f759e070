"""Source -> facts: the RPC clients and endpoints of the modules of a tree.

A class is a *client* when it (or an in-tree base) creates an oslo.messaging
client (``get_client``/``RPCClient``) and a Target, or derives from the old
``RpcProxy``.  It is an *endpoint* when it declares the version it serves:
a ``target = Target(version=...)`` class attribute, ``self.target = ...`` in
``__init__``, or the old ``RPC_API_VERSION`` attribute.  Classes that other
RPC classes of the same kind derive from are bases, not APIs.

The methods of a client are run by ``flow.Interpreter``; its records become
``Send``/``Guard`` facts here.
"""

from __future__ import annotations

import ast
import re

from . import flow
from .index import ClassInfo
from .model import (UNRESOLVED, Alias, Client, Endpoint, Guard, Method,
                    Param, Send, Unresolved, Variant, VersionRef)
from .values import (DEFAULT, NONE, ClassRef, Const, DictV, ExtRef, Str,
                     TargetV, Unknown)
from .versions import Version

# External bases known to contribute no RPC methods to an endpoint.
_PLAIN_BASES = ("object", "builtins.", "oslo_", "oslo.", "six", "abc.",
                "typing.", "collections.")
_NONEMPTY_LIST = re.compile(r"endpoints\s*=\s*\[\s*[^\]\s]")
_HISTORY_RE = re.compile(r"^\s*(?:[*-]\s*)?(\d+\.\d+(?:\.\d+)?)\s*[-:]",
                         re.MULTILINE)


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
        found = frozenset(flow._callee_name(sub) for sub in ast.walk(node)
                          if isinstance(sub, ast.Call))
        if key is not None:
            _CALLEES[key] = found
    node._rpc_callees = found
    return found


def _calls_named(node, names, mod=None) -> bool:
    return not callees(node, mod).isdisjoint(names)


def _assigns_self_target(fnode) -> bool:
    """``self.target = Target(...)`` (endpoints built in ``__init__``)."""
    for sub in ast.walk(fnode):
        if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Call) \
                and flow._callee_name(sub.value) == "Target" and any(
                isinstance(t, ast.Attribute) and t.attr == "target"
                and isinstance(t.value, ast.Name) and t.value.id == "self"
                for t in sub.targets):
            return True
    return False


def role(project, cls: ClassInfo) -> str | None:
    """'client', 'endpoint' or None, from the syntax of the class and its
    in-tree bases."""
    if cls.name == "RpcProxy":
        return None
    mro, external = project.mro(cls)
    if any(n.rpartition(".")[2] == "RpcProxy" for n in external) or any(
            c.name == "RpcProxy" for c in mro[1:]):
        return "client"
    for c in mro:
        if any(_calls_named(m, flow.CLIENT_FACTORIES, c.module)
               for m in c.methods.values()) and any(
                _calls_named(m, ("Target",), cc.module)
                for cc in mro for m in cc.methods.values()):
            return "client"
    for c in mro:
        target = c.attrs.get("target")
        if isinstance(target, ast.Call) and \
                flow._callee_name(target) == "Target":
            return "endpoint"
        if "RPC_API_VERSION" in c.attrs:
            return "endpoint"
        init = c.methods.get("__init__")
        if init is not None and _assigns_self_target(init):
            return "endpoint"
    return None


def version_ref(value, relpath: str, line: int) -> VersionRef:
    if isinstance(value, Str):
        return VersionRef(value.value, value.relpath or relpath,
                          value.line or line)
    if isinstance(value, Const) and value.value is not None:
        return VersionRef(str(value.value), relpath, line)
    return VersionRef(None, relpath, line, _describe_unknown(value))


def namespace_value(value) -> str | None:
    if isinstance(value, Str):
        return value.value
    if value == NONE:
        return None
    return UNRESOLVED


def topic_value(value) -> str | None:
    """A topic for display: its literal, else the constant it names."""
    if isinstance(value, Str):
        return value.value
    if isinstance(value, ExtRef) and value.last.isupper():
        return value.last
    return None


def _describe_unknown(value) -> str:
    if isinstance(value, ExtRef):
        return f"{value.name} is defined outside the tree"
    return value.why if isinstance(value, Unknown) and value.why else \
        "not a literal"


class Extractor:
    def __init__(self, project, resolver):
        self.project = project
        self.resolver = resolver

    # -- clients -------------------------------------------------------
    def client(self, cls: ClassInfo) -> Client:
        interp = flow.Interpreter(self.project, self.resolver, cls)
        methods = self._methods(interp.mro)
        called = self._called_on_self(methods)
        for name, (owner, node) in methods.items():
            is_entry = (not name.startswith("_") or name == "__init__"
                        or name not in called)
            if is_entry:
                interp.run_method(owner, node)
        record = interp.record
        client = Client(cls.path, cls.name, cls.module.relpath,
                        cls.node.lineno, old_style=interp.rpcproxy)
        self._client_target(client, record)
        self._client_cap(client, record, interp.mro)
        self._client_aliases(client, interp.mro)
        self._client_history(client, interp.mro)
        seen_guards = set()
        for g in record.guards:
            if (g.relpath, g.line) in seen_guards:
                continue
            seen_guards.add((g.relpath, g.line))
            ref = version_ref(g.version, g.relpath, g.line)
            client.guards.append(Guard(ref, g.entry))
            if not ref.resolved:
                client.unresolved.append(Unresolved(
                    g.relpath, g.line, "can_send_version(...)", ref.why))
        client.sends = self._sends(client, record)
        client.compat_helpers = sorted(record.helpers)
        client.unresolved += record.unresolved
        return client

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
            for sub in ast.walk(node):
                if isinstance(sub, ast.Attribute) and \
                        isinstance(sub.value, (ast.Name, ast.Call)):
                    called.add(sub.attr)
        return called

    def _client_target(self, client: Client, record) -> None:
        targets = [t for t, _, _ in record.targets]
        with_topic = [t for t in targets if t.topic != NONE] or targets
        if not with_topic:
            return
        target = with_topic[0]
        client.target = version_ref(target.version, target.relpath,
                                    target.line)
        if not client.target.resolved:
            client.unresolved.append(Unresolved(
                target.relpath, target.line, "Target(version=...)",
                client.target.why))
        client.topic = topic_value(target.topic)
        client.namespace = namespace_value(target.namespace)
        if client.namespace == UNRESOLVED:
            client.unresolved.append(Unresolved(
                target.relpath, target.line, "Target(namespace=...)",
                _describe_unknown(target.namespace)))

    def _client_cap(self, client: Client, record, mro) -> None:
        reads_levels = any(
            isinstance(sub, ast.Attribute) and sub.attr == "upgrade_levels"
            for c in mro for m in c.methods.values() for sub in ast.walk(m))
        has_aliases = any("VERSION_ALIASES" in c.attrs for c in mro)
        caps = [e for e in record.clients
                if e.cap is not None and e.cap != NONE]
        if not caps:
            return
        fixed = {e.cap.value for e in caps if isinstance(e.cap, Str)}
        if reads_levels:
            client.cap = "[upgrade_levels]" + (
                " via VERSION_ALIASES" if has_aliases else "")
        elif len(fixed) == 1 and all(isinstance(e.cap, Str) for e in caps):
            client.cap = f"fixed at {fixed.pop()}"
        else:
            client.cap = f"computed ({caps[0].cap_text or 'version_cap'})"

    def _client_aliases(self, client: Client, mro) -> None:
        for cls in mro:
            if "VERSION_ALIASES" in cls.attrs:
                value = self.resolver.static(
                    cls.module, cls.attrs["VERSION_ALIASES"], cls)
                line = cls.attr_lines["VERSION_ALIASES"]
                client.aliases = []
                if isinstance(value, DictV):
                    for release, version in value.items:
                        client.aliases.append(Alias(release, version_ref(
                            version, cls.module.relpath, line)))
                return

    def _client_history(self, client: Client, mro) -> None:
        """The "API version history" of the class's own docstring."""
        node = mro[0].node
        doc = ast.get_docstring(node, clean=False)
        if not doc or "history" not in doc.lower():
            return
        versions = [Version.parse(m) for m in _HISTORY_RE.findall(doc)]
        versions = [v for v in versions if v]
        if versions:
            client.history = versions
            client.history_line = node.body[0].lineno

    def _sends(self, client: Client, record) -> list[Send]:
        groups: dict[tuple, Send] = {}
        for event in record.sends:
            method = event.method.value if isinstance(event.method, Str) \
                else None
            key = (event.node_relpath, event.node_line, method, event.kind)
            send = groups.get(key)
            if send is None:
                send = groups[key] = Send(method, event.kind, event.entry,
                                          event.owner, event.relpath,
                                          event.site, event.send_site)
                if method is None:
                    client.unresolved.append(Unresolved(
                        event.relpath, event.send_site, "RPC method name",
                        _describe_unknown(event.method)))
            if event.version is DEFAULT:
                ref = client.target or VersionRef(
                    None, client.relpath, client.line, "no Target found")
                default = True
            else:
                ref = version_ref(event.version, event.relpath, event.site)
                default = False
            if isinstance(event.kwargs, DictV):
                kwargs = frozenset(event.kwargs.keys())
                open_ = event.kwargs.open
            else:
                kwargs, open_ = None, True
            variant = Variant(ref, event.constraints, kwargs, open_, default)
            if variant not in send.variants:
                send.variants.append(variant)
            if not ref.resolved and not default:
                u = Unresolved(event.relpath, event.site,
                               "prepare(version=...)", ref.why)
                if u not in client.unresolved:
                    client.unresolved.append(u)
        return sorted(groups.values(), key=lambda s: (s.relpath, s.line,
                                                      s.method or ""))

    # -- endpoints -----------------------------------------------------
    def endpoint(self, cls: ClassInfo) -> Endpoint:
        interp = flow.Interpreter(self.project, self.resolver, cls)
        mro = interp.mro
        endpoint = Endpoint(cls.path, cls.name, cls.module.relpath,
                            cls.node.lineno)
        target = self._endpoint_target(interp, mro)
        if isinstance(target, TargetV):
            endpoint.version = version_ref(target.version, target.relpath,
                                           target.line)
            endpoint.declared = (target.relpath, target.line)
            endpoint.namespace = namespace_value(target.namespace)
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
            if name.startswith("_") or flow._is_property(node):
                continue
            endpoint.methods[name] = _method(owner, node)
        for owner in reversed(mro):  # ``failover_host = failover``
            for name, value in owner.attrs.items():
                if isinstance(value, ast.Name) and not name.startswith("_") \
                        and value.id in endpoint.methods:
                    endpoint.methods[name] = endpoint.methods[value.id]
        endpoint.has_getattr = any("__getattr__" in c.methods for c in mro)
        return endpoint

    def _endpoint_target(self, interp, mro):
        init = self.project.find_method(mro, "__init__")
        if init is not None and _assigns_self_target(init[1]):
            interp.run_method(*init)
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

    def registrations(self, cls: ClassInfo, endpoint_classes: dict):
        """[(ClassInfo, relpath, line, passes_self)]: the endpoint classes
        this server instantiates (``additional_endpoints.append(P(self))``,
        ``additional_apis``, an ``endpoints`` list, an attribute)."""
        found = []
        names = {path.rpartition(".")[2] for path in endpoint_classes}
        mro, _ = self.project.mro(cls)
        for owner in mro:
            for node in owner.methods.values():
                if callees(node).isdisjoint(names):
                    continue
                for sub in ast.walk(node):
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


def endpoint_lists(project, resolver, mod, endpoint_classes: dict):
    """[(relpath, module, line, [endpoint paths], complete)]: the
    ``endpoints = [...]`` lists of a module that hold endpoint classes."""
    found = []

    def scan(node, cls):
        for sub in ast.walk(node):
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
    return Method(node.name, owner.module.relpath, node.lineno, tuple(params),
                  a.vararg is not None, a.kwarg is not None, owner.path)
