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

from .index import ClassInfo, ImportRef, absolute
from .messaging import SEND_NAMES, library_call

# kinds of reach
CLIENT, SEND, TARGET, SERVER, LISTENER, LOAD = (
    "client", "send", "target", "server", "listener", "load")
# what calling a library function (messaging.py's table) reaches
_KIND_OF_CALL = {
    "target": TARGET, "client": CLIENT, "server": SERVER,
    "listener": LISTENER, "connection": SERVER, "consumer": SERVER,
    "import_class": LOAD, "import_object": LOAD, "driver": LOAD,
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

    def follows(self, module_name: str) -> bool:
        return self.modules is None or module_name in self.modules

    # -- functions -----------------------------------------------------
    def of(self, module, node, owner: ClassInfo | None = None) -> frozenset:
        """The kinds of oslo.messaging use ``node`` can reach."""
        key = (id(node), owner.path if owner is not None else None)
        found = self._memo.get(key)
        if found is not None:
            return found
        self._memo[key] = _NONE  # recursion: nothing more through here
        kinds: set = set()
        local = _local_imports(module, node)
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                kinds |= self._call(module, sub, owner, local)
        found = self._memo[key] = frozenset(kinds)
        return found

    def _call(self, module, call: ast.Call, owner, local) -> frozenset:
        func = call.func
        name = _name(func)
        library = self._library(module, func, local)
        if library is not None:
            kind = _KIND_OF_CALL.get(library.kind)
            return frozenset({kind}) if kind else _NONE
        if isinstance(func, ast.Attribute) and not _imported_base(
                module, func, local):
            # typing.cast() and subprocess.call() are not sends
            if name in SEND_NAMES:
                return frozenset({SEND})
            if name in _METHODS and not any(
                    kw.arg == "publisher_id" for kw in call.keywords):
                return frozenset({_METHODS[name]})  # not Notifier.prepare
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

    def _method(self, owner, name, after=None) -> frozenset:
        mro, _ = self.project.mro(owner)
        found = self.project.find_method(mro, name, after=after)
        if found is None:
            return _NONE
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
        if ref is not None and not self.follows(ref.module) and \
                not self.follows(ref.target):
            return _NONE
        try:
            target = self.project.follow(ref) if ref is not None else \
                self.project.lookup(module, root.id)
            for attr in reversed(chain):
                if isinstance(target, ClassInfo):
                    mro, _ = self.project.mro(target)
                    found = self.project.find_method(mro, attr)
                    if found is None or not self.follows(
                            found[0].module.name):
                        return _NONE
                    return self.of(found[0].module, found[1], target)
                target = self.project.attribute(target, attr)
        except RecursionError:
            return _NONE
        if isinstance(target, ClassInfo):
            if not self.follows(target.module.name):
                return _NONE
            return self.of_class(target)
        if isinstance(target, tuple) and isinstance(
                target[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
            mod, node = target
            if not self.follows(mod.name):
                return _NONE
            return self.of(mod, node)
        return _NONE

    # -- classes -------------------------------------------------------
    def of_class(self, info: ClassInfo) -> frozenset:
        """What instantiating ``info`` can reach: its ``__init__``, and a
        server if some method of it starts one (a service class)."""
        found = self._classes.get(id(info.node))
        if found is not None:
            return found
        self._classes[id(info.node)] = _NONE
        kinds: set = set()
        mro, _ = self.project.mro(info)
        init = self.project.find_method(mro, "__init__")
        if init is not None:
            kinds |= self.of(init[0].module, init[1], init[0])
        if self.server_methods(info):
            kinds.add(SERVER)
        found = self._classes[id(info.node)] = frozenset(kinds)
        return found

    def server_methods(self, info: ClassInfo) -> list:
        """(owner, node) of the methods other than ``__init__`` that start
        an RPC server or a listener: what a service's launcher calls."""
        found = self._servers.get(id(info.node))
        if found is None:
            found = self._servers[id(info.node)] = []
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
            found = SEND in self.of(module, node, owner) and any(
                _names_a_message(sub) for sub in ast.walk(node))
            self._api[id(node)] = found
        return found

    def api_class(self, info: ClassInfo) -> bool:
        """A client API: some method of it sends a message it names."""
        found = self._api.get(id(info.node))
        if found is None:
            mro, _ = self.project.mro(info)
            found = self._api[id(info.node)] = any(
                self.api_method(cls.module, node, info)
                for cls in mro for node in cls.methods.values())
        return found

    def sends(self, info: ClassInfo) -> bool:
        """Some method of the class (or of an in-tree base) can send."""
        mro, _ = self.project.mro(info)
        return any(SEND in self.of(cls.module, node, info)
                   for cls in mro for node in cls.methods.values())


def _local_imports(module, node) -> dict:
    """name -> ImportRef for the imports inside a function."""
    found = {}
    for sub in ast.walk(node):
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


def _names_a_message(call) -> bool:
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    literal = [isinstance(a, ast.Constant) and isinstance(a.value, str)
               for a in call.args[:2]]
    if _name(func) in SEND_NAMES:
        return len(literal) > 1 and literal[1]
    on_self = isinstance(func, ast.Attribute) and \
        isinstance(func.value, ast.Name) and func.value.id in ("self", "cls")
    return (on_self or _name(func) == "make_msg") and any(literal)


def _imported_base(module, func, local) -> bool:
    base = func.value
    return isinstance(base, ast.Name) and (
        base.id in module.imports or base.id in (local or {}))
