"""Module index: the parsed modules of one tree and the names they bind.

Modules are parsed lazily, once, with the standard library ``ast``: only the
files that hold RPC APIs and the few modules their names lead to (constants,
base classes) are ever read.  Lookups follow imports inside the tree; a name
that leads outside the tree is reported as external, never guessed.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import re
from dataclasses import dataclass, field

from ..source.files import (
    SourceError, decode, entry_points, module_name, module_paths, parse)


@dataclass(frozen=True)
class ImportRef:
    """A name bound by an import: a module, or a name taken from one."""

    module: str
    name: str | None = None  # ``from module import name``

    @property
    def target(self) -> str:
        return f"{self.module}.{self.name}" if self.name else self.module


@dataclass(eq=False)  # identity: one object per module of a tree
class Module:
    name: str
    relpath: str
    text: str
    tree: ast.Module
    imports: dict[str, ImportRef] = field(default_factory=dict)
    assigns: dict[str, list[ast.expr]] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    # names rebound in an if/try/loop at module level: no single value
    conditional: set[str] = field(default_factory=set)

    @property
    def lines(self) -> list[str]:
        found = self.__dict__.get("_lines")
        if found is None:
            found = self.__dict__["_lines"] = self.text.splitlines()
        return found

    @property
    def package(self) -> str:
        if self.relpath.endswith("__init__.py"):
            return self.name
        return self.name.rpartition(".")[0]


@dataclass
class ClassInfo:
    module: Module
    node: ast.ClassDef
    attrs: dict[str, ast.expr] = field(default_factory=dict)
    attr_lines: dict[str, int] = field(default_factory=dict)
    methods: dict[str, ast.FunctionDef] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def path(self) -> str:
        """Dotted class path, as users write it in configuration."""
        return f"{self.module.name}.{self.node.name}"

    def __hash__(self) -> int:
        return id(self.node)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClassInfo) and other.node is self.node


@dataclass(frozen=True)
class External:
    """A class or value defined outside the analysed tree."""

    name: str


def _index_module(mod: Module) -> None:
    _bind(mod, mod.tree.body, False)
    if "global " in mod.text:
        # ``global TRANSPORT`` in a function: the module-level value is
        # only the initial one (``TRANSPORT = None`` until init() runs)
        for node in statements(mod.tree):
            if isinstance(node, ast.Global):
                mod.conditional.update(node.names)


# Module-level, not a closure: a self-recursive closure is a reference
# cycle that would keep every module (and its syntax tree) alive until the
# next garbage collection.
def _bind(mod: Module, stmts, conditional: bool) -> None:
    for stmt in stmts:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    mod.imports[alias.asname] = ImportRef(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    mod.imports[top] = ImportRef(top)
        elif isinstance(stmt, ast.ImportFrom):
            base = absolute(mod, stmt.module, stmt.level)
            for alias in stmt.names:
                if alias.name != "*":
                    mod.imports[alias.asname or alias.name] = \
                        ImportRef(base, alias.name)
        elif isinstance(stmt, ast.ClassDef):
            mod.classes[stmt.name] = stmt
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            mod.functions[stmt.name] = stmt
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) \
                else [stmt.target]
            for target in targets:
                for name, value in _pairs(target, stmt.value):
                    mod.assigns.setdefault(name, []).append(value)
                    if conditional:
                        mod.conditional.add(name)
        elif isinstance(stmt, (ast.If, ast.Try, ast.For, ast.While,
                               ast.With)):
            for block in ("body", "orelse", "finalbody"):
                _bind(mod, getattr(stmt, block, []), True)
            for handler in getattr(stmt, "handlers", []):
                _bind(mod, handler.body, True)


_PARSED: dict = {}


def forget_parsed() -> None:
    _PARSED.clear()


def _indexed(name: str, relpath: str, data: bytes, digest: bytes) -> Module:
    """The parsed and indexed module of a file, shared by every tree of
    the process holding the same content (a base revision is mostly the
    working tree)."""
    key = (name, relpath, digest)
    mod = _PARSED.get(key)
    if mod is None:
        text = decode(data, relpath)
        mod = _PARSED[key] = Module(name, relpath, text,
                                    parse(text, relpath))
        _index_module(mod)
    return mod


def absolute(mod: Module, name: str | None, level: int) -> str:
    if not level:
        return name or ""
    package = mod.package.split(".") if mod.package else []
    if level > 1:
        package = package[:len(package) - (level - 1)]
    return ".".join(package + ([name] if name else []))


def index_class(mod: Module, node: ast.ClassDef) -> ClassInfo:
    info = ClassInfo(mod, node)
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if stmt.name in info.methods and _accessor(stmt):
                continue  # @x.setter: x stays the property's getter
            info.methods[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                for name, value in _pairs(target, stmt.value):
                    info.attrs[name] = value
                    info.attr_lines[name] = stmt.lineno
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None \
                and isinstance(stmt.target, ast.Name):
            info.attrs[stmt.target.id] = stmt.value
            info.attr_lines[stmt.target.id] = stmt.lineno
    return info


@dataclass(frozen=True)
class Summary:
    """What a function's body holds, gathered in one walk (kept on the
    node: the analysis asks about the same functions many times)."""

    calls: tuple       # every ast.Call inside
    imports: tuple     # Import/ImportFrom statements inside
    attributes: frozenset  # every attribute name used
    statements: int


_CONTEXTS = (ast.Load, ast.Store, ast.Del)


def nodes(node) -> list:
    """``ast.walk``'s nodes, in its order, without the Load/Store/Del
    markers, as a list: five times faster, and walking function bodies is
    most of what reading a big manager costs."""
    found, i, AST = [node], 0, ast.AST
    while i < len(found):
        current = found[i]
        i += 1
        for name in current._fields:
            value = getattr(current, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, AST):
                        found.append(item)
            elif isinstance(value, AST) and \
                    not isinstance(value, _CONTEXTS):
                found.append(value)
    return found


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def statements(node, definitions: bool = True):
    """The statements under ``node`` (a module, class or function), nested
    blocks included, and the bodies of nested definitions unless
    ``definitions`` is false; without walking into expressions (most of
    the nodes): only the fields that hold statements are read."""
    todo = list(node.body)
    while todo:
        stmt = todo.pop()
        yield stmt
        if not definitions and isinstance(stmt, _DEFINITIONS):
            continue
        for block in (getattr(stmt, "body", None),
                      getattr(stmt, "orelse", None),
                      getattr(stmt, "finalbody", None)):
            if block:
                todo.extend(block)
        for part in getattr(stmt, "handlers", None) or \
                getattr(stmt, "cases", None) or ():
            todo.extend(part.body)


def summary(node) -> Summary:
    found = getattr(node, "_rpc_summary", None)
    if found is None:
        calls, imports, attributes, statements = [], [], set(), 0
        for sub in nodes(node):
            if isinstance(sub, ast.Call):
                calls.append(sub)
            elif isinstance(sub, ast.Attribute):
                attributes.add(sub.attr)
            elif isinstance(sub, (ast.Import, ast.ImportFrom)):
                imports.append(sub)
            if isinstance(sub, ast.stmt):
                statements += 1
        found = node._rpc_summary = Summary(tuple(calls), tuple(imports),
                                            frozenset(attributes),
                                            statements)
    return found


def _pairs(target, value):
    """(name, value) bound by an assignment: ``X = v``, and the names of
    ``ACTIONS = (START, STOP) = ('start', 'stop')`` one by one."""
    if value is None:
        return
    if isinstance(target, ast.Name):
        yield target.id, value
    elif isinstance(target, (ast.Tuple, ast.List)) and \
            isinstance(value, (ast.Tuple, ast.List)) and \
            len(target.elts) == len(value.elts):
        for sub, item in zip(target.elts, value.elts):
            yield from _pairs(sub, item)


def _accessor(node) -> bool:
    return any(isinstance(d, ast.Attribute) and d.attr in ("setter",
                                                           "deleter")
               for d in node.decorator_list)


_SEARCH = "\0"  # starts the name of a search (no module's has it)


def _entry_point(tree, top, key) -> list[str]:
    target = entry_points(tree).get(tuple(key.split(_SEARCH, 1)))
    return [target] if target else []


# kind -> (tree, top, key) -> the answer, a list of strings (relpaths
# holding what is searched for, the target of an entry point)
SEARCHES = {"text": lambda tree, top, needle: tree.files_with(top, needle),
            "entry point": _entry_point}


def _answer_digest(relpaths) -> bytes:
    return hashlib.sha1("\0".join(relpaths).encode()).digest()


class Project:
    """The modules of one tree, loaded on demand and cached."""

    def __init__(self, tree, problems: list[str] | None = None):
        self.tree = tree
        self.problems = problems if problems is not None else []
        self._modules: dict[str, Module | None] = {}
        self._classes: dict[int, ClassInfo] = {}
        self._mros: dict[int, tuple] = {}
        self.digests: dict[str, bytes | None] = {}  # name -> content hash
        self._defines: dict = {}
        self._searches: dict = {}  # search name -> its answer
        self._watching = 0        # blocks open
        self._read: list = []     # modules read while one is

    # -- which modules a piece of work read (see snapshot.py's cache) ----
    def note(self, names) -> None:
        if self._watching:
            self._read.extend(names)

    @contextlib.contextmanager
    def watching(self):
        """The names of the modules read inside the block (also through
        cached results computed earlier), in the set given, filled when
        the block ends.  Blocks nest (each memoised answer of the reach
        analysis watches its own): the names are logged once, and each
        block takes its stretch of the log."""
        watch: set = set()
        start = len(self._read)
        self._watching += 1
        try:
            yield watch
        finally:
            watch.update(self._read[start:])
            self._watching -= 1
            if not self._watching:
                self._read.clear()

    def search(self, kind: str, top: str, key: str) -> list[str]:
        """``SEARCHES[kind]``'s answer, noted as read: work that depends on
        which files hold a text (the place a class is built, an option's
        definition) depends on all the files, as on a module whose content
        is the answer."""
        name = _SEARCH.join(("", kind, top, key))
        self.note((name,))
        found = self._searches.get(name)
        if found is None:
            found = self._searches[name] = SEARCHES[kind](self.tree, top,
                                                          key)
            self.digests[name] = _answer_digest(found)
        return found

    def searched(self) -> dict:
        """search() name -> the digest of its answer, for every search
        made (a stored snapshot holds while each answers the same)."""
        return {name: self.digests[name] for name in self._searches}

    def entry_point(self, group: str, name: str) -> str | None:
        """The "module:attr" a stevedore entry point names in the tree's
        metadata, noted as read like a search."""
        found = self.search("entry point", "", f"{group}{_SEARCH}{name}")
        return found[0] if found else None

    def digest(self, name: str) -> bytes | None:
        """The content hash of module ``name`` (None: absent or
        unreadable), from its bytes: telling whether work done on another
        tree holds here parses nothing."""
        if name.startswith(_SEARCH):  # see search()
            self.search(*name.split(_SEARCH, 3)[1:])
            return self.digests[name]
        self.note((name,))
        if name not in self.digests:
            self.digests[name] = None
            for relpath in module_paths(name):  # as module() finds it
                try:
                    data = self.tree.read(relpath)
                except SourceError:
                    continue
                if data is not None:
                    self.digests[name] = hashlib.sha1(data).digest()
                    break
        return self.digests[name]

    # -- modules -------------------------------------------------------
    def module(self, name: str) -> Module | None:
        self.note((name,))
        if name in self._modules:
            return self._modules[name]
        self._modules[name] = None  # also breaks import cycles
        for relpath in module_paths(name):
            mod = self._load(name, relpath)
            if mod is not None:
                self._modules[name] = mod
                return mod
        return None

    def defines_class(self, module: str, name: str) -> bool:
        """Does the source of ``module`` define class ``name`` at the top
        (read without parsing: deciding whether to parse it at all)?  The
        answer depends on the module's text: it is read (noted)."""
        self.digest(module)
        key = (module, name)
        found = self._defines.get(key)
        if found is None:
            found = False
            pattern = re.compile(rb"^class[ \t]+" + re.escape(
                name.encode()) + rb"\b", re.MULTILINE)
            for relpath in module_paths(module):
                try:
                    data = self.tree.read(relpath)
                except SourceError:
                    data = None
                if data is not None:
                    found = pattern.search(data) is not None
                    break
            self._defines[key] = found
        return found

    def module_at(self, relpath: str) -> Module | None:
        return self.module(module_name(relpath))

    def _load(self, name: str, relpath: str) -> Module | None:
        try:
            data = self.tree.read(relpath)
            if data is None:
                return None
            digest = self.digests[name] = hashlib.sha1(data).digest()
            return _indexed(name, relpath, data, digest)
        except SourceError as exc:
            self.problems.append(str(exc))
            return None

    # -- classes -------------------------------------------------------
    def class_info(self, mod: Module, node: ast.ClassDef) -> ClassInfo:
        info = self._classes.get(id(node))
        if info is None:
            info = self._classes[id(node)] = index_class(mod, node)
        return info

    def classes(self, mod: Module) -> list[ClassInfo]:
        return [self.class_info(mod, node) for node in mod.classes.values()]

    def lookup(self, mod: Module, name: str, depth: int = 0):
        """What a module-level name is bound to.

        Returns a ClassInfo, a (Module, FunctionDef) pair, a Module (for an
        imported module), a (Module, expr) pair for an assigned value, an
        External, or None when the name is unknown.
        """
        if depth > 8:
            return None
        if name in mod.classes:
            return self.class_info(mod, mod.classes[name])
        if name in mod.functions:
            return (mod, mod.functions[name])
        if name in mod.assigns and name not in mod.conditional:
            return (mod, mod.assigns[name][-1])
        ref = mod.imports.get(name)
        if ref is None:
            return None
        return self.follow(ref, depth + 1)

    def follow(self, ref: ImportRef, depth: int = 0):
        if ref.name is None:
            return self.module(ref.module) or External(ref.module)
        target = self.module(ref.module)
        if target is not None:
            found = self.lookup(target, ref.name, depth)
            if found is not None:
                return found
        sub = self.module(ref.target)
        if sub is not None:
            return sub
        return External(ref.target)

    def attribute(self, owner, attr: str):
        """``owner.attr`` where owner is a Module or External."""
        if isinstance(owner, Module):
            found = self.lookup(owner, attr)
            if found is not None:
                return found
            return self.module(f"{owner.name}.{attr}") or None
        if isinstance(owner, External):
            return External(f"{owner.name}.{attr}")
        return None

    def resolve_class(self, mod: Module, expr: ast.expr):
        """The class an expression names (a base class, an instantiation)."""
        found = self.resolve_ref(mod, expr)
        if isinstance(found, (ClassInfo, External)):
            return found
        return None

    def resolve_ref(self, mod: Module, expr: ast.expr):
        if isinstance(expr, ast.Name):
            found = self.lookup(mod, expr.id)
            if found is None and expr.id in _BUILTIN_NAMES:
                return External(expr.id)
            return found
        if isinstance(expr, ast.Attribute):
            owner = self.resolve_ref(mod, expr.value)
            return self.attribute(owner, expr.attr)
        if isinstance(expr, ast.Call):  # metaclass helpers, six.with_...
            return None
        return None

    def mro(self, info: ClassInfo) -> tuple[list[ClassInfo], list[str]]:
        """The in-tree classes of ``info``'s hierarchy, most derived first,
        and the dotted names of the external or unresolved bases."""
        cached = self._mros.get(id(info.node))
        if cached is None:
            with self.watching() as read:
                result = self._mro(info)
            cached = self._mros[id(info.node)] = (result, frozenset(read))
        self.note(cached[1])
        return cached[0]

    def _mro(self, info: ClassInfo) -> tuple[list[ClassInfo], list[str]]:
        order: list[ClassInfo] = []
        external: list[str] = []
        self._visit(info, 0, order, external)
        return order, external

    def _visit(self, cls: ClassInfo, depth: int, order, external) -> None:
        if cls in order or depth > 30:
            return
        order.append(cls)
        for base in cls.node.bases:
            found = self.resolve_class(cls.module, base)
            if isinstance(found, ClassInfo):
                self._visit(found, depth + 1, order, external)
            elif isinstance(found, External):
                if found.name not in ("object", "builtins.object"):
                    external.append(found.name)
            else:
                external.append(ast.unparse(base))

    def find_method(self, mro: list[ClassInfo], name: str,
                    after: ClassInfo | None = None):
        """The first definition of a method along an MRO (optionally only
        classes after ``after``, as ``super()`` does)."""
        started = after is None
        for cls in mro:
            if not started:
                started = cls == after
                continue
            if name in cls.methods:
                return cls, cls.methods[name]
        return None


_BUILTIN_NAMES = frozenset({"object", "dict", "list", "tuple", "str",
                            "Exception", "type"})
