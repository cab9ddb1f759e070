"""Which functions reach oslo.messaging, and how.

The interpreter follows a call into project code only when the function
can reach oslo.messaging (build a Target, a client or a server, send, load
a class by name): that is how a project's wrappers -- ``rpc.get_client``,
a service base class, a cached client helper -- are recognised, by what
their bodies call, whatever they are named.  Reaching is judged on the
syntax of the body and of what it calls, transitively; it only decides
what is worth running, the interpreter decides what the code does.

Calls into another module are followed only when that module is one of
the tree's RPC candidates (``modules``): following every callee would parse
half the tree.
"""

from __future__ import annotations

import ast

from ..messaging import SEND_NAMES, library_call, library_method
from .index import ClassInfo, ImportRef, absolute, summary

# kinds of reach
CLIENT, SEND, TARGET, SERVER, LISTENER, LOAD = (
    "client", "send", "target", "server", "listener", "load")
# what calling a library function (messaging.py's table) reaches
_KIND_OF_CALL = {
    "target": TARGET, "client": CLIENT, "server": SERVER,
    "listener": LISTENER, "connection": SERVER, "consumer": SERVER,
    "import_class": LOAD, "import_object": LOAD, "driver": LOAD,
    "service": SERVER,
}
# methods of the objects oslo.messaging returns (a client, a call context,
# neutron-lib's Connection), whatever the object is called
_METHODS = {"prepare": SEND, "can_send_version": SEND,
            "create_consumer": SERVER}
_NONE: frozenset = frozenset()


def _name(func) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


class Reach:
    """Reach of the functions and classes of one tree (memoised)."""

    def __init__(self, project, resolver, modules=None):
        self.project = project
        self.resolver = resolver
        self.modules = modules  # names of the modules followed; None: all
        self._memo: dict = {}
        self._classes: dict = {}
        self._servers: dict = {}
        self._api: dict = {}
        self._active: dict = {}  # keys under way -> (cuts, misses) then
        self._cuts = 0
        # A result that met a module not followed may change when more
        # modules are followed; the others are final.
        self._misses = 0
        self._provisional: list = []  # (memo, key)
        self._open: set = set()       # their keys

    def follow(self, module_names) -> None:
        """Follow more modules (what was judged without them is
        forgotten)."""
        if self.modules is not None and \
                not self.modules.issuperset(module_names):
            self.modules.update(module_names)
            for memo, key in self._provisional:
                memo.pop(key, None)
            self._provisional.clear()
            self._open.clear()

    def follows(self, module_name: str) -> bool:
        return self.modules is None or module_name in self.modules

    def _followed(self, module_name: str) -> bool:
        if self.follows(module_name):
            return True
        self._misses += 1
        return False

    # -- functions -----------------------------------------------------
    def of(self, module, node, owner: ClassInfo | None = None) -> frozenset:
        """The kinds of oslo.messaging use ``node`` can reach."""
        key = (id(node), owner.path if owner is not None else None)
        return self._memoised(self._memo, key, _NONE,
                              lambda: self._of(module, node, owner))

    def _of(self, module, node, owner) -> frozenset:
        kinds: set = set()
        parts = summary(node)
        local = _local_imports(module, parts.imports)
        for call in parts.calls:
            kinds |= self._call(module, call, owner, local)
        return frozenset(kinds)

    def _memoised(self, memo, key, cut, work):
        """``work()``, kept in ``memo`` under ``key`` with the modules it
        read: an answer given again notes them again, so that whatever
        asks (a class's facts, kept by the content of what they read for
        a base revision) depends on them too.  ``cut``: the answer to a
        question already under way (a recursion: it adds nothing more
        through here)."""
        entry = memo.get(key)
        if entry is not None:
            if key in self._open:
                self._misses += 1  # built on an answer that may change
            self.project.note(entry[1])
            return entry[0]
        if key in self._active:
            self._cuts += 1
            return cut
        self._active[key] = (self._cuts, self._misses)
        try:
            with self.project.watching() as read:
                found = work()
        finally:
            cuts, misses = self._active.pop(key)
        # An answer computed without cutting a recursion below it is
        # final; one that cut a recursion is right for this question only.
        if cuts == self._cuts or not self._active:
            memo[key] = (found, frozenset(read))
            if misses != self._misses:
                self._provisional.append((memo, key))
                self._open.add(key)
        return found

    def _call(self, module, call: ast.Call, owner, local) -> frozenset:
        func = call.func
        name = _name(func)
        library = self._library(module, func, local)
        if library is not None:
            kind = _KIND_OF_CALL.get(library.kind)
            if kind == LOAD:
                return self._loaded(library, call) | {LOAD}
            return frozenset({kind}) if kind else _NONE
        if isinstance(func, ast.Attribute) and not _imported_base(
                module, func, local) and _rpc_shaped(name, call):
            return frozenset({_METHODS.get(name, SEND)})
        if isinstance(func, ast.Attribute):
            base = func.value
            if owner is not None and isinstance(base, ast.Name) and \
                    base.id in ("self", "cls"):
                return self._method(owner, name)
            if owner is not None and isinstance(base, ast.Call) and \
                    _name(base.func) == "super":
                return self._method(owner, name, after=owner)
            if isinstance(base, (ast.Name, ast.Attribute)):
                return self._callee(module, func, local)
            return _NONE
        if isinstance(func, ast.Name):
            if func.id == "cls" and owner is not None:
                return self.of_class(owner)  # a classmethod's cls(...)
            return self._callee(module, func, local)
        return _NONE

    def _library(self, module, func, local):
        """The library call ``func`` names (oslo_messaging.Target,
        n_rpc.get_client, importutils.import_class), if any."""
        parts = []
        root = func
        while isinstance(root, ast.Attribute):
            parts.append(root.attr)
            root = root.value
        if not isinstance(root, ast.Name):
            return None
        ref = (local or {}).get(root.id) or module.imports.get(root.id)
        if ref is None:
            return None
        name = ".".join([ref.target] + list(reversed(parts)))
        return library_call(name)

    def _loaded(self, library, call) -> frozenset:
        """What the class a literal name picks reaches
        (``import_class('pkg.Manager')``, ``DriverManager('ns', 'name')``)."""
        args = [a.value if isinstance(a, ast.Constant) else None
                for a in call.args]
        args += [None, None]
        if library.kind == "driver":
            path = self.project.entry_point(args[0], args[1]) \
                if isinstance(args[0], str) and isinstance(args[1], str) \
                else None
            path = path.replace(":", ".") if path else None
        else:
            path = args[0] if isinstance(args[0], str) else None
        if not path:
            return _NONE
        module, _, name = path.rpartition(".")
        if not self._followed(module):
            return _NONE
        mod = self.project.module(module)
        if mod is None or name not in mod.classes:
            return _NONE
        return self.of_class(self.project.class_info(mod, mod.classes[name]))

    def _method(self, owner, name, after=None) -> frozenset:
        mro, external = self.project.mro(owner)
        found = self.project.find_method(mro, name, after=after)
        if found is None:
            call = library_method(external, name)
            return frozenset({SERVER}) if call is not None and \
                call.kind == "service_start" else _NONE
        cls, node = found
        return self.of(cls.module, node, cls)

    def _callee(self, module, expr, local=None) -> frozenset:
        """A function, class or class method named at module level (or
        through an imported module, a function's own imports included),
        if its module is followed."""
        chain = []
        root = expr
        while isinstance(root, ast.Attribute):
            chain.append(root.attr)
            root = root.value
        if not isinstance(root, ast.Name):
            return _NONE
        local = local or {}
        ref = local.get(root.id) or module.imports.get(root.id)
        if ref is None and root.id not in module.functions and \
                root.id not in module.classes:
            return _NONE
        if ref is not None and not self._followed(ref.module) and \
                not self._followed(ref.target):
            return _NONE
        try:
            target = self.project.follow(ref) if ref is not None else \
                self.project.lookup(module, root.id)
            for attr in reversed(chain):
                if isinstance(target, ClassInfo):
                    mro, _ = self.project.mro(target)
                    found = self.project.find_method(mro, attr)
                    if found is None or not self._followed(
                            found[0].module.name):
                        return _NONE
                    return self.of(found[0].module, found[1], target)
                target = self.project.attribute(target, attr)
        except RecursionError:
            return _NONE
        if isinstance(target, ClassInfo):
            if not self._followed(target.module.name):
                return _NONE
            return self.of_class(target)
        if isinstance(target, tuple) and isinstance(
                target[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
            mod, node = target
            if not self._followed(mod.name):
                return _NONE
            if mod is not module and self.api_method(mod, node):
                return _NONE  # a use of another API (dispatcher.notify)
            return self.of(mod, node)
        return _NONE

    # -- classes -------------------------------------------------------
    def of_class(self, info: ClassInfo) -> frozenset:
        """What instantiating ``info`` can reach: its ``__init__``, and a
        server if some method of it starts one (a service class)."""
        return self._memoised(self._classes, ("class", id(info.node)), _NONE,
                              lambda: self._of_class(info))

    def _of_class(self, info: ClassInfo) -> frozenset:
        kinds: set = set()
        mro, _ = self.project.mro(info)
        init = self.project.find_method(mro, "__init__")
        if init is not None:
            kinds |= self.of(init[0].module, init[1], init[0])
        if self.server_methods(info) or library_method(
                self.project.mro(info)[1], "start") is not None:
            kinds.add(SERVER)
        return frozenset(kinds)

    def server_methods(self, info: ClassInfo) -> list:
        """(owner, node) of the methods other than ``__init__`` that start
        an RPC server or a listener: what a service's launcher calls."""
        return self._memoised(self._servers, ("servers", id(info.node)), [],
                              lambda: self._server_methods(info))

    def _server_methods(self, info: ClassInfo) -> list:
        found = []
        mro, _ = self.project.mro(info)
        seen = set()
        for cls in mro:
            for name, node in cls.methods.items():
                if name in seen or name == "__init__":
                    continue
                seen.add(name)
                if self.of(cls.module, node, info) & {SERVER, LISTENER}:
                    found.append((cls, node))
        return found

    def api_method(self, module, node, owner=None) -> bool:
        """A method that sends a message it names itself -- a literal method
        name given to a send, to ``make_msg`` or to a helper on self
        (``cctxt.cast(ctxt, 'reboot')``, ``self._call('reboot')``): calling
        it on another object is a use of that API, not code of the
        caller's own.  A transport that sends whatever method it is given
        (``sync_call(ctxt, method, **kw)``) is not."""
        found = self._api.get(id(node))
        if found is None:
            found = self._api[id(node)] = any(
                _names_a_message(call, module)
                for call in summary(node).calls)
        return found

    def api_class(self, info: ClassInfo) -> bool:
        """A client API: some method of it sends a message it names."""
        mro, _ = self.project.mro(info)  # notes what the answer reads
        found = self._api.get(id(info.node))
        if found is None:
            found = self._api[id(info.node)] = any(
                self.api_method(cls.module, node, info)
                for cls in mro for node in cls.methods.values())
        return found

    def sends(self, info: ClassInfo) -> bool:
        """Some method of the class (or of an in-tree base) can send."""
        mro, _ = self.project.mro(info)
        return any(SEND in self.of(cls.module, node, info)
                   for cls in mro for node in cls.methods.values())


def _local_imports(module, imports) -> dict:
    """name -> ImportRef for the imports inside a function."""
    found = {}
    for sub in imports:
        if isinstance(sub, ast.Import):
            for alias in sub.names:
                if alias.asname:
                    found[alias.asname] = ImportRef(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    found[top] = ImportRef(top)
        elif isinstance(sub, ast.ImportFrom):
            base = absolute(module, sub.module, sub.level)
            for alias in sub.names:
                if alias.name != "*":
                    found[alias.asname or alias.name] = ImportRef(
                        base, alias.name)
    return found


def _names_a_message(call, module) -> bool:
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    literal = [_string(a, module) for a in call.args[:2]]
    if _name(func) in SEND_NAMES:
        return len(literal) > 1 and literal[1]
    # self._call('reboot'), self._client.sync_call(ctxt, 'reboot')
    root = func.value if isinstance(func, ast.Attribute) else None
    while isinstance(root, ast.Attribute):
        root = root.value
    on_self = isinstance(root, ast.Name) and root.id in ("self", "cls")
    # notify(START_ACTION, ...): a module function of its own module
    local = isinstance(func, ast.Name) and func.id in module.functions
    return (on_self or local or _name(func) == "make_msg") and any(literal)


def _string(expr, module) -> bool:
    """A string literal, or a module constant holding one."""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str)
    if isinstance(expr, ast.Name) and expr.id in module.assigns and \
            expr.id not in module.conditional:
        value = module.assigns[expr.id][-1]
        return isinstance(value, ast.Constant) and isinstance(value.value,
                                                              str)
    return False


# oslo's RPCClient.prepare() takes only these, by keyword
_PREPARE_KEYWORDS = frozenset({
    "exchange", "topic", "namespace", "version", "server", "fanout",
    "timeout", "version_cap", "retry", "call_monitor_timeout",
    "transport_options", None})


def _rpc_shaped(name: str, call: ast.Call) -> bool:
    """Could this method call be oslo.messaging's?  A send takes the
    context and the method name; prepare() only route keywords (not
    Notifier.prepare(publisher_id=...), nor a domain method that happens
    to be called prepare)."""
    if name in SEND_NAMES:
        return len(call.args) >= 2 or any(kw.arg == "method"
                                          for kw in call.keywords)
    if name == "prepare":
        return not call.args and all(kw.arg in _PREPARE_KEYWORDS
                                     for kw in call.keywords)
    return name in _METHODS


def _imported_base(module, func, local) -> bool:
    base = func.value
    return isinstance(base, ast.Name) and (
        base.id in module.imports or base.id in (local or {}))
