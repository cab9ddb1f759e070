"""A small path-sensitive interpreter for the code around RPC.

It runs a method (or a function) symbolically and records, for every path
through it, what reaches oslo.messaging: the Targets built, the clients
created (and their version caps), each ``can_send_version`` guard, each
message sent with its route, version, method name and kwargs, and each RPC
server or notification listener started with its endpoints.  What an
external call means is ``messaging.py``'s business; everything else is
Python run abstractly.

Objects of the tree's classes are modelled: instantiating one runs its
``__init__`` (when that can matter), attributes live in the state's heap,
properties are run when read, and a service class -- one whose methods
start a server -- has those methods run as its launcher would.  Calls into
project code are inlined when the callee can reach oslo.messaging
(``reach.py``), so wrappers are understood by what their bodies do.

Guards are the only branches whose outcome matters: a path carries the
outcomes of the guards it passed (``((Version('6.0'), False), ...)``), and
paths that no cap could produce are pruned (``versions.satisfiable``).
Other conditions fork both ways.  Work is bounded: at most ``MAX_PATHS``
paths per statement, ``MAX_DEPTH`` nested calls, and ``MAX_STEPS``
interpreter steps per entry; past the budget an entry is reported as
partially checked, never silently.
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass, field

from .. import messaging
from ..model import Unresolved
from ..versions import Version, satisfiable
from .index import absolute, nodes, summary
from .resolve import constant
from .values import (
    DEFAULT, FALSE, NONE, TRUE, Alt, CctxtV, ClassRef, ClientV, ConnV,
    Const, DictV, DriverV, ExtRef, Fmt, Frame, FuncRef, IdentityV,
    LibMethodV, Member, ModRef, MsgV, Obj, Str, SuperV, TargetV, Tup,
    Unknown, literal, truth)

MAX_PATHS = 64      # per statement list; more is reported as truncated
MAX_DEPTH = 8       # nested calls (wrappers of wrappers)
MAX_STEPS = 60_000  # interpreter steps per entry
# calls through an imported module that are oslo.messaging's own methods
MESSAGING = frozenset({"prepare", "can_send_version", "call", "cast",
                       "make_msg", "Target"})
# old-style RpcProxy sends: method -> index of the message argument
OLD_SENDS = {"call": 1, "cast": 1, "multicall": 1, "fanout_cast": 1,
             "cast_to_server": 2, "fanout_cast_to_server": 2}
# values that make running an object's __init__ worth it: RPC objects,
# and objects of the tree (a wrapper around an endpoint)
_RPC_VALUES = (ClientV, CctxtV, TargetV, ConnV, Obj)


class BudgetExceeded(Exception):
    """An entry took more interpreter steps than MAX_STEPS."""


class Frozen(dict):
    """A dict never changed once shared (states copy on write).  Its
    content key hashes as the XOR of its items' hashes, kept up to date
    item by item, so telling states apart costs a full pass only when two
    of them hash alike."""

    __slots__ = ("_digest",)

    def digest(self) -> int:
        try:
            return self._digest
        except AttributeError:
            found = 0
            for item in self.items():
                found ^= _item_hash(item)
            self._digest = found
            return found

    def key(self) -> _Content:
        return _Content(self)

    def with_item(self, key, value) -> Frozen:
        new = Frozen(self)
        new[key] = value
        try:
            digest = self._digest
        except AttributeError:
            return new
        if key in self:
            digest ^= _item_hash((key, self[key]))
        new._digest = digest ^ _item_hash((key, value))
        return new

    def with_items(self, items) -> Frozen:
        new = self
        for key, value in items:
            new = new.with_item(key, value)
        return new


class _Content:
    """A Frozen dict compared by content (unknowns all alike)."""

    __slots__ = ("held",)

    def __init__(self, held: Frozen):
        self.held = held

    def __hash__(self) -> int:
        return self.held.digest()

    def __eq__(self, other) -> bool:
        a, b = self.held, other.held
        if a is b:
            return True
        if len(a) != len(b) or a.digest() != b.digest():
            return False
        return all(k in b and _key(v) == _key(b[k]) for k, v in a.items())


def _item_hash(item) -> int:
    try:
        return hash((item[0], _key(item[1])))
    except TypeError:
        return hash(item[0])


@dataclass
class State:
    env: Frozen
    constraints: tuple = ()
    heap: Frozen = field(default_factory=Frozen)  # (oid, attr) -> value

    def __post_init__(self):
        if not isinstance(self.env, Frozen):
            self.env = Frozen(self.env)
        if not isinstance(self.heap, Frozen):
            self.heap = Frozen(self.heap)

    def bind(self, name: str, value) -> State:
        return State(self.env.with_item(name, value), self.constraints,
                     self.heap)

    def under(self, constraints: tuple) -> State:
        return State(self.env, constraints, self.heap)

    def set_attr(self, oid, attr: str, value) -> State:
        return State(self.env, self.constraints,
                     self.heap.with_item((oid, attr), value))

    def returning(self, callee: State) -> State:
        """This frame's locals, with what a call changed: the guard
        outcomes it passed and the objects it modified."""
        return State(self.env, callee.constraints, callee.heap)


@dataclass(frozen=True)
class SendEvent:
    kind: str            # call, cast, fanout_cast, ...
    method: object       # Str when known
    version: object      # Str, DEFAULT or Unknown
    kwargs: object       # DictV, or Unknown when not known at all
    constraints: tuple   # guard outcomes on this path
    entry: str           # the method being run
    owner: str           # the class defining it
    relpath: str         # its file
    site: int            # line in it of the prepare (or of the send)
    send_site: int       # line in it of the send
    node_relpath: str    # where the send call itself is
    node_line: int
    route: tuple = ()    # ((field, value), ...): the message's Target
    default: object = None  # the client's Target version (DEFAULT's value)
    api: str = ""        # the class (or function) whose API this is


@dataclass(frozen=True)
class GuardEvent:
    version: object
    line: int
    relpath: str
    entry: str
    api: str = ""        # whose client it asks ("" when not known)


@dataclass(frozen=True)
class ClientEvent:
    cap: object          # the version_cap argument value, None if absent
    cap_text: str
    line: int
    relpath: str
    target: object = None
    owner: str | None = None


@dataclass(frozen=True)
class ServerEvent:
    """An RPC server (or a notification listener) started."""

    kind: str            # "rpc" or "listener"
    target: object       # TargetV (a listener: Tup of them)
    endpoints: object    # Tup of values, or Unknown
    relpath: str         # where the server is created
    line: int
    entry: str           # the entry being run when it was
    site: tuple          # (relpath, line) in that entry
    heap: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Record:
    sends: list = field(default_factory=list)
    guards: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    clients: list = field(default_factory=list)
    servers: list = field(default_factory=list)
    unresolved: list = field(default_factory=list)
    self_targets: list = field(default_factory=list)  # self.target = ...
    helpers: set = field(default_factory=set)  # methods choosing a version
    steps: int = 0
    over_budget: list = field(default_factory=list)  # entries cut short
    built: set = field(default_factory=set)  # classes instantiated
    # clients handed over on an object outside the tree (a web framework's
    # request: ``state.request.rpc_client = self._client``): attr -> the
    # clients (one per path that built one)
    handed: dict = field(default_factory=dict)


def _decorated(node, names) -> bool:
    for d in node.decorator_list:
        if isinstance(d, ast.Name) and d.id in names:
            return True
        if isinstance(d, ast.Attribute) and d.attr in names:
            return True
    return False


def _is_property(node) -> bool:
    return _decorated(node, ("property", "cached_property", "getter"))


def _is_static(node) -> bool:
    return _decorated(node, ("staticmethod",))


def _is_classmethod(node) -> bool:
    return _decorated(node, ("classmethod",))


class Interpreter:
    """Runs methods and functions of one tree; results accumulate in
    ``record``.  ``cls`` is the class whose methods are entries (None for
    module-level code)."""

    def __init__(self, project, resolver, cls=None, reach=None,
                 handed=None):
        self.project = project
        # clients other code handed over (see Record.handed), read back
        # from that outside object by the attribute's name
        self.handed = handed or {}
        self.resolver = resolver
        self.reach = reach
        self.cls = cls
        self._mros: dict = {}
        self.record = Record()
        self.entry = ""
        self.entry_relpath = cls.module.relpath if cls else ""
        self.entry_owner = cls.path if cls else ""
        self._guard_decorators: dict[int, bool] = {}
        self._seen_unresolved: set = set()
        # inlined calls: key -> [(the heap entries read, with their value
        # keys), the outcomes as (value, constraints, heap writes)]
        self._memo: dict = {}
        self._reads: list[set] = []  # per inlined call running: keys read
        self._steps = 0
        self._creators: dict = {}  # oid -> the Obj whose code built it
        if cls is not None:
            mro, external, rpcproxy = self.mro_of(cls)
            self.mro, self.external_bases, self.rpcproxy = \
                mro, external, rpcproxy
            self.self_obj = Obj(cls, ("self", cls.path))
        else:
            self.mro, self.external_bases, self.rpcproxy = [], [], False
            self.self_obj = None
        self.heap: dict = {}  # the entry object's attributes, from __init__

    def mro_of(self, cls):
        """(in-tree MRO, external bases, RpcProxy?) of a class.  An
        RpcProxy base (in-tree in old projects) is the library, not code
        to inline: its call/cast/make_msg are modelled directly."""
        found = self._mros.get(id(cls.node))
        if found is None:
            mro, external = self.project.mro(cls)
            rpcproxy = any(n.rpartition(".")[2] == "RpcProxy"
                           for n in external)
            for i, base in enumerate(mro):
                if base.name == "RpcProxy":
                    rpcproxy = True
                    mro = mro[:i]
                    break
            found = self._mros[id(cls.node)] = (mro, external, rpcproxy)
        return found

    # -- entry points --------------------------------------------------
    def prepare_object(self, args=None) -> None:
        """Run ``__init__`` (the entry object's attributes for every other
        entry), with ``args`` (args, kwargs) where the tree builds the
        object, then read each property once: a property is an attribute
        computed from that state (``router``, a lazily built client)."""
        new = self.project.find_method(self.mro, "__new__")
        if new is not None:  # a singleton built in __new__
            for state in self._run(new[0].module, new[0], new[1],
                                   ClassRef(self.cls)):
                _merge_heap(self.heap, state.heap)
        found = self.project.find_method(self.mro, "__init__")
        if found is not None:
            for state in self._run(found[0].module, found[0], found[1],
                                   self.self_obj, args):
                _merge_heap(self.heap, state.heap)
        seen = set()
        for cls in self.mro:
            for name, node in cls.methods.items():
                if name in seen or not _is_property(node):
                    continue
                seen.add(name)
                self._harvest(cls, node)

    def _harvest(self, owner, node) -> None:
        key = (self.self_obj.oid, node.name)
        if key in self.heap:
            return
        self.entry = node.name
        self.entry_owner = owner.path
        self.entry_relpath = owner.module.relpath
        self._steps = 0
        frame = Frame(module=owner.module, owner=owner, depth=0,
                      site=node.lineno, stack=(), receiver=self.self_obj)
        ref = FuncRef(owner.module, node, owner, self.self_obj)
        try:
            results = self.inline(ref, [], {}, [], State({}, (), self.heap),
                                  frame, node.lineno)
        except BudgetExceeded:
            return
        known = [(v, s) for v, s in results if not isinstance(v, Unknown)]
        value, state = (known or results or [(Unknown(node.name), None)])[0]
        if state is not None:
            for k, v in state.heap.items():
                self.heap.setdefault(k, v)
        self.heap[key] = value

    def run_method(self, owner, node) -> None:
        for state in self._run(owner.module, owner, node, self.self_obj):
            # attributes an entry sets (a start() making the client) are
            # known to the entries run after it
            _merge_heap(self.heap, {k: v for k, v in state.heap.items()
                                    if k[0] == self.self_obj.oid})

    def run_function(self, module, node) -> None:
        """A module-level function; one decorated with a wrapper of the
        tree (``@with_initialize`` calling ``main(conf)``) runs as its
        wrapper runs it."""
        wrapped = self._through_decorators(module, node)
        if wrapped is not None:
            self._run(wrapped.module, None, wrapped.node, None,
                      closure=wrapped.closure)
        else:
            self._run(module, None, node, None)

    def _through_decorators(self, module, node):
        if not any(isinstance(d, (ast.Name, ast.Attribute))
                   for d in node.decorator_list):
            return None
        self.entry, self.entry_relpath = node.name, module.relpath
        self.entry_owner = module.name
        frame = Frame(module=module, depth=0, site=node.lineno,
                      stack=(id(node),))
        value = FuncRef(module, node)
        st = State({})
        try:
            for deco in reversed(node.decorator_list):
                found = self.ev(deco, st, frame)
                if len(found) != 1 or not isinstance(found[0][0], FuncRef):
                    return None
                results = self.inline(found[0][0], [value], {}, [], st,
                                      frame, node.lineno)
                if len(results) != 1 or not isinstance(results[0][0],
                                                       FuncRef):
                    return None
                value = results[0][0]
        except (BudgetExceeded, RecursionError):
            return None
        if value.node is node or value.closure is None:
            return None
        a = value.node.args
        if len(a.posonlyargs + a.args) > len(a.defaults):
            return None  # the wrapper needs arguments of its own
        return value

    def _run(self, module, owner, node, receiver, args=None,
             closure=None) -> list:
        self.entry = node.name
        self.entry_owner = owner.path if owner else module.name
        self.entry_relpath = module.relpath
        self._steps = 0
        frame = Frame(module=module, owner=owner, depth=0,
                      site=node.lineno, stack=(id(node),),
                      receiver=receiver, holder=_holder(receiver),
                      function=_function(module, owner, node))
        if (node.name == "__init__" and receiver is not None) or \
                owner is None:
            # an object built the way the tree builds it, or the way its
            # defaults say (the topic a client takes when none is given);
            # a function such as main(manager='pkg.Manager') likewise
            given, named = args or ([], {})
            env = self._bind(node, FuncRef(module, node, owner, receiver,
                                           closure),
                             given, named, [], frame)
        else:
            env = {}
            params = self._params(node)
            if params and receiver is not None and not _is_static(node):
                env[params[0]] = receiver
                params = params[1:]
            for name in params:
                env[name] = Unknown(f"parameter {name}")
        states = []
        try:
            for state in self._decorator_guards(
                    node, module, State(env, (), dict(self.heap)), frame):
                states += [s for s, _, _ in
                           self.exec_block(node.body, state, frame)]
        except BudgetExceeded:
            self.record.over_budget.append((module.relpath, node.lineno,
                                            node.name))
            self._unresolved(frame, node, f"{node.name}() takes more than "
                             f"{MAX_STEPS} interpreter steps; only part of "
                             f"it is checked")
        return states

    def class_value(self, owner, name: str):
        """The value of a class attribute of ``owner`` (Target calls
        included), evaluated in its class body."""
        frame = Frame(module=owner.module, owner=owner, class_scope=owner,
                      site=owner.attr_lines.get(name, owner.node.lineno))
        expr = owner.attrs[name]
        self.entry = f"<class {owner.name}>"
        self._steps = 0
        try:
            results = self.ev(expr, State({}), frame)
        except (BudgetExceeded, RecursionError):
            return Unknown("too complex to evaluate")
        return results[0][0] if len(results) == 1 else Unknown("ambiguous")

    def _step(self) -> None:
        self._steps += 1
        self.record.steps += 1
        if self._steps > MAX_STEPS:
            raise BudgetExceeded()

    # -- statements ----------------------------------------------------
    def exec_block(self, stmts, state, frame):
        """Run statements; returns [(state, kind, value)] with kind one of
        next, return, raise, break, continue."""
        states = [state]
        done = []
        for stmt in stmts:
            if frame.depth == 0:
                frame.site = stmt.lineno
            following = []
            for st in states:
                for out in self.exec_stmt(stmt, st, frame):
                    (following if out[1] == "next" else done).append(out)
            following = _distinct(following)
            if len(following) > _JOIN_AT:
                following = _joined(following)
            if len(following) > MAX_PATHS:
                self._unresolved(frame, stmt, "too many paths through this "
                                 "method; only the first are checked")
                following = following[:MAX_PATHS]
            states = [out[0] for out in following]
            if not states:
                break
        return done + [(st, "next", None) for st in states]

    def exec_stmt(self, stmt, st, frame):
        self._step()
        if isinstance(stmt, ast.Expr):
            return [(s, "next", None)
                    for _, s in self.ev(stmt.value, st, frame)]
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            if stmt.value is None:
                return [(st, "next", None)]
            targets = stmt.targets if isinstance(stmt, ast.Assign) \
                else [stmt.target]
            out = []
            for value, s in self.ev(stmt.value, st, frame):
                for target in targets:
                    s = self.assign(target, value, s, frame)
                out.append((s, "next", None))
            return out
        if isinstance(stmt, ast.AugAssign):
            return self.exec_augassign(stmt, st, frame)
        if isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                st = self.delete(target, st, frame)
            return [(st, "next", None)]
        if isinstance(stmt, ast.If):
            return self.exec_if(stmt, st, frame)
        if isinstance(stmt, ast.Return):
            if stmt.value is None:
                return [(st, "return", NONE)]
            return [(s, "return", v)
                    for v, s in self.ev(stmt.value, st, frame)]
        if isinstance(stmt, ast.Raise):
            return [(st, "raise", None)]
        if isinstance(stmt, ast.Assert):
            return [(s, "next", None) if ok else (s, "raise", None)
                    for ok, s in self.cond(stmt.test, st, frame)]
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            return self.exec_for(stmt, st, frame)
        if isinstance(stmt, ast.While):
            out = [(st, "next", None)]
            for o_st, kind, value in self.exec_block(stmt.body, st, frame):
                kind = "next" if kind in ("break", "continue") else kind
                out.append((o_st, kind, value))
            return out
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            states = [st]
            for item in stmt.items:
                nxt = []
                for s in states:
                    for _, s2 in self.ev(item.context_expr, s, frame):
                        if item.optional_vars is not None:
                            s2 = self.assign(item.optional_vars,
                                             Unknown("context value"), s2,
                                             frame)
                        nxt.append(s2)
                states = nxt
            out = []
            for s in states:
                out += self.exec_block(stmt.body, s, frame)
            return out
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            return self.exec_try(stmt, st, frame)
        if isinstance(stmt, ast.Break):
            return [(st, "break", None)]
        if isinstance(stmt, ast.Continue):
            return [(st, "continue", None)]
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # a closure: it sees this frame's locals
            ref = FuncRef(frame.module, stmt, frame.owner, None, st.env)
            return [(st.bind(stmt.name, ref), "next", None)]
        if isinstance(stmt, ast.ClassDef):
            return [(st.bind(stmt.name, Unknown("local class")), "next",
                     None)]
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            return [(self.exec_import(stmt, st, frame), "next", None)]
        if isinstance(stmt, ast.Match):
            return self.exec_match(stmt, st, frame)
        return [(st, "next", None)]  # pass, global, ...

    def exec_if(self, stmt, st, frame):
        # an elif chain is walked as a loop, not a recursion: hundreds of
        # branches must not take the interpreter's stack
        out = []
        pending = [st]
        while True:
            orelse = []
            for s in pending:
                for outcome, s2 in self.cond(stmt.test, s, frame):
                    if outcome:
                        out += self.exec_block(stmt.body, s2, frame)
                    else:
                        orelse.append(s2)
            if len(stmt.orelse) == 1 and isinstance(stmt.orelse[0], ast.If):
                stmt = stmt.orelse[0]
                pending = _distinct_states(orelse)[:MAX_PATHS]
                self._step()
                continue
            for s in orelse:
                out += self.exec_block(stmt.orelse, s, frame)
            return out

    def exec_match(self, stmt, st, frame):
        out = []
        for _, s in self.ev(stmt.subject, st, frame):
            for case in stmt.cases:
                bound = s
                for sub in nodes(case.pattern):
                    name = getattr(sub, "name", None)
                    if isinstance(name, str):
                        bound = bound.bind(name, Unknown("match capture"))
                out += self.exec_block(case.body, bound, frame)
                if case.guard is None and _irrefutable(case.pattern):
                    break  # ``case _:``: no path goes past the match
            else:
                out.append((s, "next", None))
        return out

    def exec_import(self, stmt, st, frame):
        """An import inside a function binds a local name."""
        module = frame.module
        for alias in stmt.names:
            if isinstance(stmt, ast.Import):
                name = alias.asname or alias.name.split(".")[0]
                target = alias.name if alias.asname else name
                found = self.project.module(target)
                value = ModRef(found) if found else ExtRef(target)
            else:
                if alias.name == "*":
                    continue
                base = absolute(module, stmt.module, stmt.level)
                name = alias.asname or alias.name
                found = self.project.module(base)
                value = None
                if found is not None:
                    looked = self.project.lookup(found, alias.name)
                    if looked is not None:
                        value = self.resolver.convert(looked)
                if value is None:
                    sub = self.project.module(f"{base}.{alias.name}")
                    value = ModRef(sub) if sub else \
                        ExtRef(f"{base}.{alias.name}")
            st = st.bind(name, value)
        return st

    def exec_augassign(self, stmt, st, frame):
        out = []
        for value, s in self.ev(stmt.value, st, frame):
            where = self._location(stmt.target, s, frame)
            if where is not None:
                old = self._read(where, s)
                new = Unknown("augmented assignment")
                if isinstance(stmt.op, ast.Add):
                    new = _concat(old, value)
                elif isinstance(stmt.op, ast.BitOr) \
                        and isinstance(old, DictV):
                    new = old.merged(value)
                s = self._write(where, new, s)
            out.append((s, "next", None))
        return out

    def exec_for(self, stmt, st, frame):
        out = []
        for iterable, s in self.ev(stmt.iter, st, frame):
            if isinstance(iterable, Tup) and len(iterable.items) <= 32:
                states = [s]
                for item in iterable.items:
                    nxt = []
                    for s2 in states:
                        s2 = self.assign(stmt.target, item, s2, frame)
                        for o_st, kind, value in self.exec_block(
                                stmt.body, s2, frame):
                            if kind in ("next", "continue"):
                                nxt.append(o_st)
                            elif kind == "break":
                                out.append((o_st, "next", None))
                            else:
                                out.append((o_st, kind, value))
                    states = _distinct_states(nxt)[:MAX_PATHS]
                for s2 in states:
                    out += self.exec_block(stmt.orelse, s2, frame)
            else:
                # unknown iterations: none, or once with unknown values
                out += self.exec_block(stmt.orelse, s, frame)
                s2 = self.assign(stmt.target, Unknown("loop variable"), s,
                                 frame)
                for o_st, kind, value in self.exec_block(stmt.body, s2,
                                                         frame):
                    kind = "next" if kind in ("break", "continue") else kind
                    out.append((o_st, kind, value))
        return out

    def exec_try(self, stmt, st, frame):
        outs = []
        for o_st, kind, value in self.exec_block(stmt.body, st, frame):
            if kind == "next":
                outs += self.exec_block(stmt.orelse, o_st, frame)
            else:
                outs.append((o_st, kind, value))
        for handler in stmt.handlers:
            s = st
            if handler.name:
                s = s.bind(handler.name, Unknown("exception"))
            outs += self.exec_block(handler.body, s, frame)
        if not stmt.finalbody:
            return outs
        final = []
        for o_st, kind, value in outs:
            for f_st, f_kind, f_value in self.exec_block(stmt.finalbody, o_st,
                                                         frame):
                if f_kind == "next":
                    final.append((f_st, kind, value))
                else:
                    final.append((f_st, f_kind, f_value))
        return final

    # -- places values are stored ----------------------------------------
    def _location(self, target, st, frame):
        """Where an assignment target stores: ("env", name), ("heap", oid,
        attr), or None when it is not tracked."""
        if isinstance(target, ast.Name):
            return ("env", target.id)
        if isinstance(target, ast.Attribute):
            owner = None
            if isinstance(target.value, ast.Name):
                owner = st.env.get(target.value.id)
            elif isinstance(target.value, ast.Attribute):
                found = self.ev(target.value, st, frame)
                if len(found) == 1:
                    owner = found[0][0]
            if isinstance(owner, Obj):
                return ("heap", owner.oid, target.attr)
            if isinstance(owner, ClassRef):  # cls._instance = ...
                return ("heap", _class_oid(owner), target.attr)
        return None

    def _read(self, where, st):
        if where[0] == "env":
            return st.env.get(where[1], Unknown(where[1]))
        return self._heap(st, (where[1], where[2]), Unknown(where[2]))

    def _heap(self, st, key, default=None):
        """A heap entry, noted as read by the inlined call running (its
        memoised outcome depends on it)."""
        if self._reads:
            self._reads[-1].add(key)
        return st.heap.get(key, default)

    def _write(self, where, value, st):
        if where[0] == "env":
            return st.bind(where[1], value)
        return st.set_attr(where[1], where[2], value)

    def assign(self, target, value, st, frame):
        if isinstance(target, (ast.Name, ast.Attribute)):
            where = self._location(target, st, frame)
            if isinstance(target, ast.Attribute) and \
                    target.attr == "target" and isinstance(value, TargetV) \
                    and self.self_obj is not None and where is not None \
                    and where[1] == self.self_obj.oid:
                self.record.self_targets.append(value)
            if where is not None:
                return self._write(where, value, st)
            if isinstance(target, ast.Attribute) and \
                    isinstance(value, ClientV):
                held = self.record.handed.setdefault(target.attr, [])
                if value not in held:
                    held.append(value)
            return st
        if isinstance(target, (ast.Tuple, ast.List)):
            items = value.items if isinstance(value, Tup) and \
                len(value.items) == len(target.elts) else None
            for i, element in enumerate(target.elts):
                st = self.assign(element, items[i] if items else
                                 Unknown("unpacked value"), st, frame)
            return st
        if isinstance(target, ast.Subscript) and \
                isinstance(target.value, ast.Name):
            current = st.env.get(target.value.id)
            if isinstance(current, DictV):
                key = self._const_key(target.slice, frame)
                new = current.with_item(key, value) if key is not None \
                    else DictV(current.items, True)
                return st.bind(target.value.id, new)
            return st
        if isinstance(target, ast.Starred):
            return self.assign(target.value, Unknown("starred"), st, frame)
        return st

    def delete(self, target, st, frame):
        if isinstance(target, ast.Subscript) and \
                isinstance(target.value, ast.Name):
            current = st.env.get(target.value.id)
            key = self._const_key(target.slice, frame)
            if isinstance(current, DictV) and key is not None:
                return st.bind(target.value.id, current.without(key))
        return st

    def _const_key(self, node, frame):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return None

    # -- conditions ----------------------------------------------------
    def cond(self, node, st, frame):
        """[(outcome, state)]: known outcomes once, unknown ones both ways."""
        out = []
        for value, s in self.ev(node, st, frame):
            outcome = truth(value)
            if outcome is None:
                out += [(True, s), (False, s)]
            else:
                out.append((outcome, s))
        return out

    # -- expressions ---------------------------------------------------
    def ev(self, node, st, frame):
        """[(value, state)]: one pair per path the expression can take."""
        self._step()
        method = getattr(self, "ev_" + type(node).__name__, None)
        if method is None:
            return [(Unknown(f"{type(node).__name__} expression",
                             getattr(node, "lineno", 0)), st)]
        return method(node, st, frame)

    def ev_Constant(self, node, st, frame):
        return [(constant(node, frame.module.relpath), st)]

    def ev_Name(self, node, st, frame):
        if node.id in st.env:
            return [(st.env[node.id], st)]
        scope = frame.class_scope
        if scope is not None and node.id in scope.attrs:
            expr = scope.attrs[node.id]
            if expr is not node and frame.depth < MAX_DEPTH:
                inner = Frame(module=scope.module, owner=scope,
                              class_scope=scope, depth=frame.depth + 1,
                              site=frame.site, stack=frame.stack)
                return self.ev(expr, st, inner)
        return [(self.resolver.global_value(frame.module, node.id), st)]

    def ev_Attribute(self, node, st, frame):
        out = []
        for base, s in self.ev(node.value, st, frame):
            out += self.member(base, node.attr, node, s, frame)
        return out

    def member(self, base, attr, node, st, frame):
        """[(value, state)] of ``base.attr`` (reading a property runs it)."""
        if isinstance(base, Obj):
            return self.obj_member(base, attr, node, st, frame)
        if isinstance(base, SuperV):
            cls = base.receiver.info if isinstance(base.receiver, ClassRef) \
                else base.receiver.cls if isinstance(base.receiver, Obj) \
                else None
            if cls is not None:
                mro, external, _ = self.mro_of(cls)
                found = self.project.find_method(mro, attr, after=base.after)
                if found is not None:
                    return [(FuncRef(found[0].module, found[1], found[0],
                                     base.receiver), st)]
                call = messaging.library_method(external, attr)
                if call is not None:
                    return [(LibMethodV(call, base.receiver), st)]
            return [(Member(base.receiver, attr, "super()"), st)]
        if isinstance(base, ClassRef):
            held = self._heap(st, (_class_oid(base), attr), _MISSING)
            if held is not _MISSING:
                return [(held, st)]
            value = self.resolver.member(base, attr)
            if isinstance(value, FuncRef) and \
                    _is_classmethod(value.node):
                value = FuncRef(value.module, value.node, value.owner, base)
            return [(value, st)]
        if isinstance(base, ExtRef) and attr in self.handed:
            # pecan.request.rpc_client: what a hook put on the request
            return [(client, st) for client in self.handed[attr]]
        if isinstance(base, ExtRef):
            return [(self.resolver.external(f"{base.name}.{attr}"), st)]
        if isinstance(base, ModRef):
            return [(self.resolver.member(base, attr), st)]
        if isinstance(base, DriverV) and attr == messaging.DRIVER_ATTR:
            return [(self.driver_class(base), st)]
        if isinstance(base, TargetV) and attr in ("version", "topic",
                                                  "namespace", "server",
                                                  "fanout", "exchange"):
            value = getattr(base, attr)
            return [(NONE if value is None else value, st)]
        if isinstance(base, ClientV) and attr == "target":
            return [(base.target or Unknown("target"), st)]
        if isinstance(base, (CctxtV, ClientV, DictV, Str, Unknown, TargetV,
                             ConnV, Tup)):
            return [(Member(base, attr, _text(node.value)
                            if node is not None else ""), st)]
        return [(Unknown(f"attribute {attr}"), st)]

    def obj_member(self, obj, attr, node, st, frame):
        held = self._heap(st, (obj.oid, attr), _MISSING)
        if held is not _MISSING:
            if isinstance(held, Alt):
                return [(v, st.set_attr(obj.oid, attr, v))
                        for v in held.values]
            return [(held, st)]
        mro, _, rpcproxy = self.mro_of(obj.cls)
        found = self.project.find_method(mro, attr)
        if found is not None:
            owner, fnode = found
            if _is_property(fnode):
                ref = FuncRef(owner.module, fnode, owner, obj)
                return self.inline(ref, [], {}, [], st, frame, frame.site)
            receiver = ClassRef(obj.cls) if _is_classmethod(fnode) else obj
            return [(FuncRef(owner.module, fnode, owner, receiver), st)]
        for cls in mro:
            if attr in cls.attrs:
                return [(self.class_value_in(cls, attr, st, frame), st)]
        call = messaging.library_method(self.mro_of(obj.cls)[1], attr)
        if call is not None:
            return [(LibMethodV(call, obj), st)]
        if rpcproxy:
            return [(Member(obj, attr, "self"), st)]
        return [(Unknown(f"{obj.cls.name}.{attr}",
                         getattr(node, "lineno", 0), obj), st)]

    def class_value_in(self, cls, attr, st, frame):
        inner = Frame(module=cls.module, owner=cls, class_scope=cls,
                      depth=frame.depth + 1, site=frame.site,
                      stack=frame.stack)
        if frame.depth >= MAX_DEPTH:
            return Unknown("too deep")
        results = self.ev(cls.attrs[attr], State({}, st.constraints), inner)
        values = {repr(v) for v, _ in results}
        if len(values) == 1:
            return results[0][0]
        return Unknown(f"{cls.name}.{attr} has several values")

    def ev_Tuple(self, node, st, frame):
        return [(Tup(tuple(items)), s)
                for items, s in self.ev_seq(node.elts, st, frame)]

    ev_List = ev_Tuple
    ev_Set = ev_Tuple

    def ev_seq(self, nodes, st, frame):
        results = [([], st)]
        for element in nodes:
            nxt = []
            for items, s in results:
                if isinstance(element, ast.Starred):
                    for v, s2 in self.ev(element.value, s, frame):
                        extra = list(v.items) if isinstance(v, Tup) else None
                        nxt.append((items + extra if extra is not None
                                    else items + [Unknown("starred")], s2))
                else:
                    for v, s2 in self.ev(element, s, frame):
                        nxt.append((items + [v], s2))
            results = nxt[:MAX_PATHS]
        return results

    def ev_ListComp(self, node, st, frame):
        """``[f(x) for x in known]``: each element, when the iterable is
        known and nothing filters it."""
        gen = node.generators[0] if len(node.generators) == 1 else None
        if gen is None or gen.ifs or gen.is_async:
            return [(Unknown("comprehension", node.lineno), st)]
        out = []
        for iterable, s in self.ev(gen.iter, st, frame):
            if not isinstance(iterable, Tup) or len(iterable.items) > 32:
                origin = iterable.origin if isinstance(iterable, Unknown) \
                    else None
                out.append((Unknown("comprehension", node.lineno, origin),
                            s))
                continue
            partial = [([], s)]
            for item in iterable.items:
                nxt = []
                for items, s2 in partial:
                    s3 = self.assign(gen.target, item, s2, frame)
                    for v, s4 in self.ev(node.elt, s3, frame):
                        nxt.append((items + [v], s2.returning(s4)))
                partial = nxt[:MAX_PATHS]
            out += [(Tup(tuple(items)), s2) for items, s2 in partial]
        return out

    ev_GeneratorExp = ev_ListComp
    ev_SetComp = ev_ListComp

    def ev_Dict(self, node, st, frame):
        # (items, open, state) per path; a dict literal can be huge (a long
        # VERSION_ALIASES), so items are collected, not rebuilt per key
        results = [({}, False, st)]
        for key, value in zip(node.keys, node.values):
            nxt = []
            for items, open_, s in results:
                outcomes = self.ev(value, s, frame)
                for v, s2 in outcomes:
                    mine = dict(items) if len(outcomes) > 1 else items
                    if key is None:  # {**other}
                        if isinstance(v, DictV):
                            mine.update(v.items)
                        nxt.append((mine, open_ or not isinstance(v, DictV)
                                    or v.open, s2))
                        continue
                    k = self._const_key(key, frame)
                    if k is None:
                        nxt.append((mine, True, s2))
                    else:
                        mine.pop(k, None)
                        mine[k] = v
                        nxt.append((mine, open_, s2))
            results = nxt[:MAX_PATHS]
        return [(DictV(tuple(items.items()), open_), s)
                for items, open_, s in results]

    def ev_BinOp(self, node, st, frame):
        out = []
        for left, s in self.ev(node.left, st, frame):
            for right, s2 in self.ev(node.right, s, frame):
                value = Unknown("computed value", node.lineno)
                if isinstance(node.op, ast.Add):
                    value = _concat(left, right, node.lineno)
                elif isinstance(node.op, ast.Mod) and \
                        isinstance(left, Str):
                    value = _percent(left, right, node.lineno)
                elif isinstance(node.op, ast.BitOr) and \
                        isinstance(left, DictV):
                    value = left.merged(right)
                out.append((value, s2))
        return out

    def ev_BoolOp(self, node, st, frame):
        results = []
        pending = [st]
        is_and = isinstance(node.op, ast.And)
        for i, operand in enumerate(node.values):
            last = i == len(node.values) - 1
            nxt = []
            for s in pending:
                for value, s2 in self.ev(operand, s, frame):
                    outcome = truth(value)
                    if last:
                        results.append((value, s2))
                    elif outcome is None:
                        # ``a or b``: a when it is true, else b (for
                        # ``and``: a when it is false) -- both may happen
                        results.append((value, s2))
                        nxt.append(s2)
                    elif outcome == is_and:
                        nxt.append(s2)
                    else:
                        results.append((value, s2))
            pending = nxt
        return results

    def ev_UnaryOp(self, node, st, frame):
        out = []
        for value, s in self.ev(node.operand, st, frame):
            if isinstance(node.op, ast.Not):
                outcome = truth(value)
                out.append((Unknown("condition") if outcome is None
                            else Const(not outcome), s))
            elif isinstance(node.op, ast.USub) and isinstance(value, Const) \
                    and isinstance(value.value, (int, float)):
                out.append((Const(-value.value), s))
            else:
                out.append((Unknown("unary operation"), s))
        return out

    def ev_Compare(self, node, st, frame):
        out = []
        for values, s in self.ev_seq([node.left] + node.comparators, st,
                                     frame):
            out.append((self._compare(node.ops, values), s))
        return out

    def _compare(self, ops, values):
        result = True
        for op, left, right in zip(ops, values, values[1:]):
            if isinstance(op, (ast.In, ast.NotIn)) and \
                    isinstance(right, DictV) and isinstance(left, Str):
                present = left.value in right.keys()
                if not present and right.open:
                    return Unknown("key of an open dict")
                outcome = present if isinstance(op, ast.In) else not present
            else:
                try:
                    a, b = literal(left), literal(right)
                except ValueError:
                    # an option or a constant read elsewhere, an object:
                    # not None
                    if isinstance(op, (ast.Is, ast.IsNot)) and \
                            (left == NONE) != (right == NONE) and \
                            isinstance(left if right == NONE else right,
                                       (Tup, Str, DictV, CctxtV, ClientV,
                                        Obj, TargetV, ExtRef, Fmt)):
                        outcome = isinstance(op, ast.IsNot)
                    else:
                        return Unknown("comparison")
                else:
                    try:
                        outcome = _COMPARE[type(op)](a, b)
                    except TypeError:
                        return Unknown("comparison")
            result = result and outcome
        return Const(result)

    def ev_IfExp(self, node, st, frame):
        out = []
        for outcome, s in self.cond(node.test, st, frame):
            out += self.ev(node.body if outcome else node.orelse, s, frame)
        return out

    def ev_Subscript(self, node, st, frame):
        out = []
        for base, s in self.ev(node.value, st, frame):
            out.append((self._subscript(base, node.slice, frame), s))
        return out

    def _subscript(self, base, index, frame):
        if isinstance(base, ExtRef) and isinstance(index, ast.Constant) \
                and isinstance(index.value, str):
            # CONF['service:central']: the group of that name
            return self.resolver.external(f"{base.name}.{index.value}")
        if isinstance(base, Tup):
            try:
                if isinstance(index, ast.Slice):
                    bounds = [None if part is None else
                              ast.literal_eval(part)
                              for part in (index.lower, index.upper,
                                           index.step)]
                    return Tup(base.items[slice(*bounds)])
                return base.items[ast.literal_eval(index)]
            except (ValueError, TypeError, IndexError, SyntaxError):
                return Unknown("subscript")
        if isinstance(base, DictV):
            key = self._const_key(index, frame)
            found = base.get(key) if key is not None else None
            if found is not None:
                return found
        return Unknown("subscript")

    def ev_NamedExpr(self, node, st, frame):
        return [(v, s.bind(node.target.id, v))
                for v, s in self.ev(node.value, st, frame)]

    def ev_Await(self, node, st, frame):
        return self.ev(node.value, st, frame)

    def ev_JoinedStr(self, node, st, frame):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(Str(str(value.value)))
            elif isinstance(value, ast.FormattedValue) and \
                    value.format_spec is None and value.conversion == -1:
                found = self.ev(value.value, st, frame)
                parts.append(found[0][0] if len(found) == 1
                             else Unknown("formatted value"))
            else:
                parts.append(Unknown("formatted value"))
        return [(_fmt(parts, node.lineno), st)]

    def ev_Lambda(self, node, st, frame):
        return [(Unknown("lambda", node.lineno), st)]

    # -- calls ---------------------------------------------------------
    def ev_Call(self, node, st, frame):
        site = node.lineno if frame.depth == 0 else frame.site
        func = node.func
        if isinstance(func, ast.Attribute):
            where = self._location(func.value, st, frame) \
                if isinstance(func.value, (ast.Name, ast.Attribute)) \
                else None
            if where is not None and func.attr in _MUTATORS:
                held = self._read(where, st)
                if isinstance(held, (DictV, Tup)):
                    return self.container_method(where, held, func.attr,
                                                 node, st, frame)
        if self._foreign_call(func, st, frame):
            # a function of another module that cannot reach
            # oslo.messaging (objects.Service.get_minimum_version,
            # utils.spawn, ...): following it would parse half the tree
            return [(Unknown(f"call of {_text(func)}", node.lineno), s)
                    for _, s in self.ev_args(node, st, frame)]
        out = []
        for callee, s in self.ev(func, st, frame):
            for (args, kwargs, stars), s2 in self.ev_args(node, s, frame):
                out += self.call(callee, args, kwargs, stars, s2, frame,
                                 node, site)
        return out

    def _foreign_call(self, func, st, frame) -> bool:
        """A call through an imported name whose target lies outside the
        modules the analysis follows."""
        if not isinstance(func, ast.Attribute) or func.attr in MESSAGING:
            return False
        root, chain = func.value, [func.attr]
        while isinstance(root, ast.Attribute):
            chain.insert(0, root.attr)
            root = root.value
        if not isinstance(root, ast.Name) or root.id in st.env or \
                root.id in ("self", "cls", "super"):
            return False
        scope = frame.class_scope
        if scope is not None and root.id in scope.attrs:
            return False
        ref = frame.module.imports.get(root.id)
        if ref is None or self.reach is None:
            return ref is not None
        if self.reach.follows(ref.module) or self.reach.follows(ref.target) \
                or ref.module.split(".")[0] == "oslo_messaging" or \
                messaging.library_call(".".join([ref.target] + chain)):
            return False
        # a class of the tree is worth knowing (an endpoint being built)
        # even where its module holds no RPC code
        return not (isinstance(func.value, ast.Name) and
                    self.project.defines_class(ref.target, func.attr))

    def ev_args(self, node, st, frame):
        results = []
        for args, s in self.ev_seq(node.args, st, frame):
            partial = [({}, [], s)]
            for keyword in node.keywords:
                nxt = []
                for kwargs, stars, s2 in partial:
                    for v, s3 in self.ev(keyword.value, s2, frame):
                        if keyword.arg is None:
                            nxt.append((kwargs, stars + [v], s3))
                        else:
                            nxt.append(({**kwargs, keyword.arg: v}, stars,
                                        s3))
                partial = nxt[:MAX_PATHS]
            results += [((args, kwargs, stars), s2)
                        for kwargs, stars, s2 in partial]
        return results

    def container_method(self, where, held, method, node, st, frame):
        """Methods of a dict or list held in a local or an attribute,
        which change what it holds."""
        out = []
        for (args, kwargs, stars), s in self.ev_args(node, st, frame):
            new, result = held, NONE
            if isinstance(held, Tup):
                if method == "append" and args:
                    new = Tup(held.items + (args[0],))
                elif method == "extend" and args:
                    new = _concat(held, args[0])
                elif method == "insert" and len(args) > 1:
                    new = Tup((args[1],) + held.items)
                elif method == "copy":
                    result = held
                else:
                    result = Unknown("list method")
                out.append((result, self._write(where, new, s)))
                continue
            key = args[0].value if args and isinstance(args[0], Str) \
                else None
            result = Unknown("dict value")
            if method == "pop" or method == "get":
                if key is None:
                    new = DictV(held.items, True) if method == "pop" else held
                else:
                    result = held.get(key) or (args[1] if len(args) > 1
                                               else Unknown("dict value"))
                    if method == "pop":
                        new = held.without(key)
            elif method == "update":
                for extra in args + stars:
                    new = new.merged(extra)
                for k, v in kwargs.items():
                    new = new.with_item(k, v)
            elif method == "setdefault" and key is not None:
                if key not in held.keys():
                    new = held.with_item(key, args[1] if len(args) > 1
                                         else NONE)
                result = new.get(key)
            elif method == "copy":
                result = held
            elif method == "clear":
                new = DictV()
            out.append((result, self._write(where, new, s)))
        return out

    def call(self, callee, args, kwargs, stars, st, frame, node, site):
        if isinstance(callee, IdentityV):
            return [(args[0] if args else NONE, st)]
        if isinstance(callee, LibMethodV):
            return self.library_method(callee, args, kwargs, st, frame,
                                       node)
        if isinstance(callee, Member):
            return self.call_member(callee, args, kwargs, stars, st, frame,
                                    node, site)
        if isinstance(callee, FuncRef):
            if not self._follows(callee, frame):
                return [(Unknown(f"call of {callee.node.name}"), st)]
            return self.inline(callee, args, kwargs, stars, st, frame, site,
                               call_node=node)
        if isinstance(callee, ClassRef):
            return self.instantiate(callee.info, args, kwargs, stars, st,
                                    frame, node, site)
        if isinstance(callee, ExtRef):
            return self.external(callee, args, kwargs, stars, st, frame,
                                 node)
        return [(Unknown("call", node.lineno), st)]

    def _follows(self, ref, frame) -> bool:
        """Inline this call?  Methods of the object being run and functions
        of the module being run, yes.  Other code only when it can reach
        oslo.messaging, and not a method of another object that sends a
        message it names itself: that is a use of another API (a manager
        calling ``self.compute_rpcapi.reboot()``), not this code's own."""
        if self.reach is None:
            return True
        if isinstance(ref.receiver, Obj) and \
                ref.receiver is not self.self_obj and \
                self.reach.api_method(ref.module, ref.node, ref.owner):
            return False
        if ref.receiver is None and ref.module is not frame.module and \
                self.reach.api_method(ref.module, ref.node):
            return False  # a function of another module's API
        # code that can reach oslo.messaging, or a small helper of code
        # that does (make_msg, the topic of a resource type); a big method
        # that cannot reach it (an agent's setup) is not worth running
        if self.reach.of(ref.module, ref.node, ref.owner) or \
                ref.node.name == "__init__":
            return True  # (a constructor sets the state others read)
        if ref.receiver is None and ref.module is frame.module:
            return True  # a function of the module being run
        return _small(ref.node) and (
            ref.receiver is not None or self.reach.follows(ref.module.name))

    def external(self, callee, args, kwargs, stars, st, frame, node):
        call = messaging.library_call(callee.name)
        if call is not None:
            named = messaging.bind(call, args, kwargs)
            if call.kind == "target":
                return self.target_created(named, stars, st, frame, node)
            if call.kind == "client":
                return self.client_created(named, st, frame, node)
            if call.kind in ("server", "listener"):
                return self.server_started(call.kind, named, st, frame, node)
            if call.kind == "connection":
                return [(ConnV(), st)]
            if call.kind == "decorator":
                return [(IdentityV(), st)]
            if call.kind == "import_class":
                return [(self.class_named(named.get("path")), st)]
            if call.kind == "import_object":
                cls = self.class_named(named.get("path"))
                if isinstance(cls, ClassRef):
                    return self.instantiate(cls.info, args[1:], kwargs,
                                            stars, st, frame, node,
                                            frame.site)
                return [(cls, st)]
            if call.kind == "driver":
                return [(DriverV(named.get("namespace"), named.get("name")),
                         st)]
            if call.kind == "service":
                return self.service_created(named, st, frame, node)
            if call.kind == "topic_name":
                parts = messaging.topic_name(
                    named.get("prefix"), named.get("table"),
                    named.get("operation"), named.get("host"))
                return [(_fmt([Str(p) if isinstance(p, str) else p
                               for p in parts], node.lineno), st)]
        if callee.name.endswith("RpcProxy.__init__"):
            return self.rpcproxy_init(args[1:], kwargs, st, frame, node)
        return [(self.builtin(callee.name, args, kwargs, st, frame), st)]

    def service_created(self, named, st, frame, node):
        """A library service serving the manager its class path names."""
        host = named.get("host", NONE)
        cls = self.class_named(named.get("manager", NONE))
        if not isinstance(cls, ClassRef):
            return [(Unknown("service of a manager not in the tree"), st)]
        out = []
        for manager, s in self.instantiate(cls.info, [], {"host": host}, [],
                                           st, frame, node, frame.site):
            target = TargetV(NONE, named.get("topic", NONE), NONE,
                             node.lineno, frame.module.relpath, server=host)
            out += [(Unknown("service"), s2) for _, s2 in self.server_started(
                "server", {"target": target, "endpoints": Tup((manager,))},
                s, frame, node)]
        return out

    def library_method(self, method, args, kwargs, st, frame, node):
        """A library service's own methods, on an object of a subclass."""
        obj, call = method.receiver, method.call
        if not isinstance(obj, Obj):
            return [(NONE, st)]
        if call.kind == "service_init":
            named = messaging.bind(call, args, kwargs)
            manager = named.get("manager", NONE)
            for attr, value in (("host", named.get("host", NONE)),
                                ("topic", named.get("topic", NONE)),
                                ("manager", obj if manager == NONE
                                 else manager)):
                st = st.set_attr(obj.oid, attr, value)
            return [(NONE, st)]
        if call.kind == "service_start":
            topic = self._heap(st, (obj.oid, "topic"), Unknown("topic"))
            host = self._heap(st, (obj.oid, "host"), Unknown("host"))
            manager = self._heap(st, (obj.oid, "manager"), obj)
            target = TargetV(NONE, topic, NONE, node.lineno,
                             frame.module.relpath, server=host)
            return self.server_started("server", {
                "target": target, "endpoints": Tup((manager,))}, st, frame,
                node)
        return [(NONE, st)]

    def class_named(self, value):
        """``importutils.import_class('pkg.mod.Class')``: the class, if it
        is in the tree."""
        value = self.resolver.settled(value)
        if not isinstance(value, Str):
            return Unknown("class named at run time")
        module, _, name = value.value.rpartition(".")
        found = self.project.module(module) if module else None
        if found is not None and name in found.classes:
            return ClassRef(self.project.class_info(found,
                                                    found.classes[name]))
        return ExtRef(value.value)

    def driver_class(self, driver):
        """``DriverManager(namespace, name).driver``: the class the entry
        point names (from the tree's setup.cfg or installed metadata)."""
        if isinstance(driver.namespace, Str) and isinstance(driver.name, Str):
            path = self.project.entry_point(driver.namespace.value,
                                            driver.name.value)
            if path:
                return self.class_named(Str(path.replace(":", ".")))
        return Unknown("driver chosen by an entry point not found")

    def builtin(self, name, args, kwargs, st, frame):
        if name == "super":
            if len(args) == 2 and isinstance(args[0], ClassRef):
                return SuperV(args[1], args[0].info)
            return SuperV(frame.receiver, frame.owner)
        if name == "isinstance" and len(args) == 2:
            value, kind = args
            kinds = [k.name for k in (kind.items if isinstance(kind, Tup)
                                      else (kind,)) if isinstance(k, ExtRef)]
            if isinstance(value, (Tup, Str, DictV)) and kinds:
                python_type = {Tup: "tuple", Str: "str", DictV: "dict"}[
                    type(value)]
                return Const(python_type in kinds)
            return Unknown("isinstance")
        if name == "getattr" and len(args) >= 2 and \
                isinstance(args[1], Str):
            found = self.member(args[0], args[1].value, None, st, frame)
            if len(found) == 1:
                return found[0][0]
            return Unknown("getattr")
        if name == "dict" and not args:
            return DictV(tuple(kwargs.items()))
        if name == "dict" and len(args) == 1 and isinstance(args[0], DictV):
            result = args[0]
            for k, v in kwargs.items():
                result = result.with_item(k, v)
            return result
        if name in ("tuple", "list") and len(args) == 1 and \
                isinstance(args[0], Tup):
            return args[0]
        if name in ("tuple", "list") and not args:
            return Tup(())
        if name == "str" and len(args) == 1 and isinstance(args[0], Str):
            return args[0]
        return Unknown(f"call of {name}")

    def call_member(self, member, args, kwargs, stars, st, frame, node,
                    site):
        receiver, name = member.receiver, member.name
        if isinstance(receiver, ClassRef) and name == "__new__":
            # object.__new__(cls): the object being built
            if self.self_obj is not None and receiver.info == self.cls:
                return [(self.self_obj, st)]
            return [(Obj(receiver.info, ("new", frame.module.relpath,
                                         node.lineno, receiver.info.path)),
                     st)]
        if isinstance(receiver, Obj):
            if self.mro_of(receiver.cls)[2]:  # old-style RpcProxy API
                return self.rpcproxy_call(name, args, kwargs, stars, st,
                                          frame, node, site)
            return [(Unknown(f"{member.text}.{name}()"), st)]
        if isinstance(receiver, ConnV) and name == "create_consumer":
            call = messaging.LIBRARY["neutron_lib.rpc.Connection."
                                     "create_consumer"]
            named = messaging.bind(call, args, kwargs)
            target = TargetV(NONE, named.get("topic", NONE), NONE,
                             node.lineno, frame.module.relpath,
                             fanout=named.get("fanout", FALSE))
            return self.server_started("server", {
                "target": target, "endpoints": named.get("endpoints")},
                st, frame, node)
        if isinstance(receiver, Str) and name == "format":
            return [(_format(receiver, args, kwargs, node.lineno), st)]
        if isinstance(receiver, DictV) and name == "get" and args and \
                isinstance(args[0], Str):
            # a module-level table (SERVICE_MANAGERS.get(binary))
            found = receiver.get(args[0].value)
            if found is not None:
                return [(found, st)]
            if not receiver.open:
                return [(args[1] if len(args) > 1 else NONE, st)]
        if name == "prepare" and isinstance(receiver, (ClientV, CctxtV,
                                                       Unknown)):
            return self.prepared(receiver, args, kwargs, stars, st, frame,
                                 node, site)
        if name == "can_send_version":
            default = receiver.version if isinstance(receiver, CctxtV) \
                else DEFAULT
            return self.guard(args, kwargs, default, st, frame, node,
                              receiver)
        if name in messaging.SENDS and (
                isinstance(receiver, (CctxtV, ClientV))
                or (isinstance(receiver, Unknown)
                    and member.text.endswith("client"))):
            method = args[1] if len(args) > 1 else kwargs.get(
                "method", Unknown("method name"))
            rest = {k: v for k, v in kwargs.items()
                    if k not in ("ctxt", "method")}
            self.sent(name, method, receiver, _kwargs_value(rest, stars),
                      st, frame, node,
                      receiver.line if isinstance(receiver, CctxtV) else site)
            return [(Unknown("reply"), st)]
        return [(Unknown(f"{member.text}.{name}()"), st)]

    def rpcproxy_call(self, name, args, kwargs, stars, st, frame, node,
                      site):
        if name == "make_msg" and args:
            return [(MsgV(args[0], _kwargs_value(kwargs, stars)), st)]
        if name in OLD_SENDS:
            index = OLD_SENDS[name]
            msg = args[index] if len(args) > index else \
                kwargs.get("msg", Unknown("message"))
            version = kwargs.get("version", DEFAULT)
            receiver = CctxtV(version, site) if version is not DEFAULT \
                else ClientV()
            if isinstance(msg, MsgV):
                self.sent(name, msg.method, receiver, msg.kwargs, st, frame,
                          node, site)
            else:
                self.sent(name, Unknown("message"), receiver,
                          Unknown("message"), st, frame, node, site)
            return [(Unknown("reply"), st)]
        if name == "can_send_version":
            return self.guard(args, kwargs, None, st, frame, node)
        if name == "__init__" and self.rpcproxy:
            return self.rpcproxy_init(args, kwargs, st, frame, node)
        return [(Unknown(f"self.{name}"), st)]

    def prepared(self, receiver, args, kwargs, stars, st, frame, node, site):
        version = kwargs.get("version")
        if version is not None:
            version = self.settle(version, _keyword(node, "version"),
                                  frame, st)
        route = dict(receiver.route) if isinstance(receiver, CctxtV) else {}
        for key in messaging.PREPARE_ROUTE:
            if key in kwargs:
                route[key] = kwargs[key]
        for extra in stars:
            if isinstance(extra, DictV):
                for key in messaging.PREPARE_ROUTE:
                    if extra.get(key) is not None:
                        route[key] = extra.get(key)
                if version is None and "version" in extra.keys():
                    version = extra.get("version")
            if version is None and (not isinstance(extra, DictV)
                                    or extra.open):
                version = Unknown("version given through **kwargs")
        client = receiver.client if isinstance(receiver, CctxtV) else \
            receiver if isinstance(receiver, ClientV) else None
        if version is None or version == NONE:
            version = receiver.version if isinstance(receiver, CctxtV) \
                else DEFAULT
        return [(CctxtV(version, site, client, tuple(route.items())), st)]

    def guard(self, args, kwargs, default, st, frame, node, receiver=None):
        value = args[0] if args else kwargs.get("version", default)
        if value is DEFAULT or value is None:
            value = Unknown("the client's default version")
        arg_node = node.args[0] if node.args else None
        value = self.settle(value, arg_node, frame, st)
        client = receiver.client if isinstance(receiver, CctxtV) else \
            receiver if isinstance(receiver, ClientV) else None
        api = (client.owner if client is not None else None) or \
            self._owner(frame.holder) or ""
        self.record.guards.append(GuardEvent(value, node.lineno,
                                             frame.module.relpath,
                                             self.entry, api))
        version = Version.parse(value.value) if isinstance(value, Str) \
            else None
        if version is None:
            return [(TRUE, st), (FALSE, st)]
        out = []
        for outcome in (True, False):
            constraints = st.constraints
            if (version, outcome) not in constraints:
                constraints = constraints + ((version, outcome),)
            if satisfiable(constraints):
                out.append((Const(outcome), st.under(constraints)))
        return out

    def sent(self, kind, method, receiver, kwargs, st, frame, node, site):
        method = self.settle(method, node.args[1] if len(node.args) > 1
                             else None, frame, st)
        client = receiver.client if isinstance(receiver, CctxtV) else \
            receiver if isinstance(receiver, ClientV) else None
        version = receiver.version if isinstance(receiver, CctxtV) \
            else DEFAULT
        target = client.target if client is not None else None
        route = {}
        default = None
        if isinstance(target, TargetV):
            route = {"exchange": target.exchange, "topic": target.topic,
                     "namespace": target.namespace,
                     "server": target.server, "fanout": target.fanout}
            default = target.version
        elif client is None and not self.rpcproxy:
            route = {"topic": Unknown("the client this is sent on")}
        if isinstance(receiver, CctxtV):
            route.update(receiver.route)
        if kind == "fanout_cast":
            route["fanout"] = TRUE
        send_site = node.lineno if frame.depth == 0 else frame.site
        api = (client.owner if client is not None else None) or \
            self._owner(frame.holder) or frame.function
        self.record.sends.append(SendEvent(
            kind, method, version, kwargs, st.constraints, self.entry,
            self.entry_owner, self.entry_relpath, site, send_site,
            frame.module.relpath, node.lineno,
            tuple((k, v) for k, v in route.items() if v is not None),
            default, api))

    def settle(self, value, expr, frame, st):
        """Try astroid on a module-level expression ``ast`` left unknown;
        never on locals, and never on a constant of another library (the
        answer must not depend on what is installed)."""
        if isinstance(value, Unknown) and expr is not None and \
                isinstance(expr, (ast.Name, ast.Attribute)) and \
                not _is_local(expr, st.env):
            inferred = self.resolver.infer(frame.module, expr)
            if inferred is not None:
                return inferred
        return value

    def target_created(self, named, stars, st, frame, node):
        by_name = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        by_name.update(zip(messaging.TARGET_PARAMS, node.args))
        for extra in stars:
            if isinstance(extra, DictV):
                for key, value in extra.items:
                    named.setdefault(key, value)
        fields = {}
        for key in messaging.TARGET_PARAMS:
            value = named.get(key, NONE)
            fields[key] = self.settle(value, by_name.get(key), frame, st)
        if fields["version"] == NONE:
            # oslo's dispatcher reads a missing version as 1.0
            fields["version"] = Str(messaging.DEFAULT_VERSION, node.lineno,
                                    frame.module.relpath)
        target = TargetV(fields["version"], fields["topic"],
                         fields["namespace"], node.lineno,
                         frame.module.relpath, fields["exchange"],
                         fields["server"], fields["fanout"])
        self.record.targets.append((target, frame.site, self.entry))
        return [(target, st)]

    def client_created(self, named, st, frame, node):
        cap = named.get("version_cap")
        # where the entry's own code asks for the client (through a
        # wrapper, perhaps): that is what a reader recognises
        outer = frame.origin if isinstance(frame.origin, ast.Call) else node
        cap_node = next((kw.value for kw in outer.keywords
                         if kw.arg == "version_cap"), None) or next(
            (kw.value for kw in node.keywords if kw.arg == "version_cap"),
            None)
        relpath = self.entry_relpath if outer is not node else \
            frame.module.relpath
        target = named.get("target")
        if not isinstance(target, TargetV):
            target = Unknown("target of the client")
        owner = self._owner(frame.holder)
        event = ClientEvent(cap, _text(cap_node) if cap_node is not None
                            else "", outer.lineno, relpath, target, owner)
        self.record.clients.append(event)
        return [(ClientV(target, cap, node.lineno, frame.module.relpath,
                         owner), st)]

    def server_started(self, kind, named, st, frame, node):
        if kind == "server":
            target = named.get("target")
            endpoints = named.get("endpoints", Unknown("endpoints"))
            if isinstance(endpoints, Obj):  # a single endpoint object
                endpoints = Tup((endpoints,))
        else:
            target = named.get("targets")
            endpoints = named.get("endpoints", Unknown("endpoints"))
            kind = "listener"
        # where the project's own code starts it: the innermost call made
        # by a method (a service class), not the wrapper it goes through
        relpath, line = frame.module.relpath, node.lineno
        if frame.owner is None:
            for where, at, in_method in reversed(frame.trail):
                if in_method:
                    relpath, line = where, at
                    break
        self.record.servers.append(ServerEvent(
            "rpc" if kind == "server" else "listener", target, endpoints,
            relpath, line, self.entry, (self.entry_relpath, frame.site),
            dict(st.heap)))
        return [(Unknown("server"), st)]

    def rpcproxy_init(self, args, kwargs, st, frame, node):
        """``RpcProxy.__init__(topic, default_version, version_cap=None)``."""
        named = dict(zip(("topic", "default_version", "version_cap"), args))
        named.update(kwargs)
        target = TargetV(named.get("default_version", Unknown("version")),
                         named.get("topic", NONE), NONE, node.lineno,
                         frame.module.relpath)
        self.record.targets.append((target, frame.site, self.entry))
        cap_node = next((kw.value for kw in node.keywords
                         if kw.arg == "version_cap"), None)
        self.record.clients.append(ClientEvent(
            named.get("version_cap"), _text(cap_node) if cap_node else "",
            node.lineno, frame.module.relpath, target))
        return [(NONE, st)]

    # -- objects -------------------------------------------------------
    def instantiate(self, info, args, kwargs, stars, st, frame, node, site):
        """A new object of an in-tree class.  Its ``__init__`` runs when it
        can reach oslo.messaging or is handed RPC values; a service class
        (one that starts a server) also has those methods run."""
        obj = Obj(info, ("new", frame.module.relpath, node.lineno,
                         info.path))
        self.record.built.add(info.path)
        if isinstance(frame.receiver, Obj):
            # built by a method of another object: it serves that object
            # (a factory function in between makes it a shared one)
            self._creators.setdefault(obj.oid, frame.receiver)
        if frame.depth >= MAX_DEPTH or id(info.node) in frame.stack:
            return [(obj, st)]
        mro = self.mro_of(info)[0]
        init = self.project.find_method(mro, "__init__")
        servers = self.reach.server_methods(info) if self.reach else []
        states = [st]
        # Constructing another client API (a manager's compute_rpcapi) is
        # a use of it: its __init__ is that API's business.
        if init is not None and (
                servers or any(isinstance(v, _RPC_VALUES) for v in
                               list(args) + list(kwargs.values()))
                or self.reach is None
                or (self.reach.of(init[0].module, init[1], init[0])
                    and not self.reach.api_class(info))):
            ref = FuncRef(init[0].module, init[1], init[0], obj)
            states = [s for _, s in self.inline(
                ref, args, kwargs, stars, st, frame, site,
                extra=(id(info.node),))]
        for owner, method in servers:
            ref = FuncRef(owner.module, method, owner, obj)
            self.inline(ref, [], {}, [], states[0], frame, site,
                        extra=(id(info.node),))
        start = messaging.library_method(self.mro_of(info)[1], "start")
        if start is not None and self.project.find_method(mro, "start") \
                is None:
            self.library_method(LibMethodV(start, obj), [], {}, states[0],
                                frame, node)
        return [(obj, s) for s in states]

    # -- inlining ------------------------------------------------------
    def inline(self, ref, args, kwargs, stars, st, frame, site, extra=(),
               call_node=None):
        node = ref.node
        if id(node) in frame.stack or frame.depth >= MAX_DEPTH:
            return [(Unknown("recursive or deep call"), st)]
        if self.rpcproxy and ref.owner is None and ref.bound:
            return [(Unknown("library method"), st)]
        key = _memo_key(ref, args, kwargs, stars, st, frame, site,
                        (self.entry, extra))
        if key is not None:
            found = self._recall(key, st)
            if found is not None:
                return found
        callee = Frame(module=ref.module, owner=ref.owner,
                       depth=frame.depth + 1, site=site,
                       stack=frame.stack + (id(node),) + extra,
                       receiver=ref.receiver,
                       origin=frame.origin or call_node,
                       trail=frame.trail + ((
                           frame.module.relpath,
                           call_node.lineno if call_node is not None
                           else site, frame.owner is not None
                           or frame.depth == 0),),
                       holder=_holder(ref.receiver) or frame.holder,
                       function=_function(ref.module, ref.owner, node))
        env = self._bind(node, ref, args, kwargs, stars, callee)
        results = []
        self._reads.append(set())
        try:
            for start in self._decorator_guards(node, ref.module,
                                                State(env, st.constraints,
                                                      st.heap), callee):
                for o_st, kind, value in self.exec_block(node.body, start,
                                                         callee):
                    if kind == "raise":
                        continue
                    results.append((value if kind == "return" else NONE,
                                    st.returning(o_st)))
        finally:
            reads = self._reads.pop()
            if self._reads:
                self._reads[-1] |= reads
        # A helper whose guards choose which version it returns is a compat
        # helper (Nova's _ver, Cinder's _compat_ver), whatever its name.
        picked = {v.value for v, s in results
                  if isinstance(v, Str) and Version.parse(v.value)
                  and len(s.constraints) > len(st.constraints)}
        if len(picked) > 1:
            self.record.helpers.add(node.name)
        results = _distinct_values(results)
        if key is not None:
            self._remember(key, st, reads, results)
        return results

    def _remember(self, key, st, reads, results) -> None:
        """Keep the outcome of an inlined call for the next call from the
        same place with the same arguments, guard outcomes and values of
        the heap entries it read: an agent's ``__init__`` reaches its
        ``setup_rpc()`` on many paths that differ only in attributes
        ``setup_rpc()`` never reads.  What it recorded (sends, clients)
        was recorded the first time, with the same values."""
        try:
            seen = tuple((k, _key(st.heap.get(k, _MISSING)))
                         for k in reads)
            hash(seen)
        except TypeError:
            return
        heap = st.heap
        outcomes = [(value, out.constraints,
                     tuple((k, v) for k, v in out.heap.items()
                           if heap.get(k, _MISSING) is not v))
                    for value, out in results]
        self._memo.setdefault(key, []).append((reads, seen, outcomes))

    def _recall(self, key, st):
        for reads, seen, outcomes in self._memo.get(key, ()):
            if all(_key(st.heap.get(k, _MISSING)) == v for k, v in seen):
                if self._reads:
                    self._reads[-1] |= reads
                return [(value, State(st.env, constraints,
                                      st.heap.with_items(writes)))
                        for value, constraints, writes in outcomes]
        return None

    def _owner(self, holder) -> str | None:
        """The class whose API a client of ``holder`` is: the object that
        built it, or the object whose code built that one (mistral's
        EngineClient building its transport), outermost first."""
        seen = set()
        while isinstance(holder, Obj) and holder.oid in self._creators \
                and holder.oid not in seen:
            seen.add(holder.oid)
            holder = self._creators[holder.oid]
        return holder.cls.path if isinstance(holder, Obj) else None

    def _params(self, node):
        a = node.args
        return [p.arg for p in a.posonlyargs + a.args]

    def _bind(self, node, ref, args, kwargs, stars, frame):
        a = node.args
        positional = a.posonlyargs + a.args
        env = dict(ref.closure) if ref.closure else {}
        if ref.bound and not _is_static(node) and positional:
            env[positional[0].arg] = ref.receiver
            positional = positional[1:]
        args = list(args)
        kwargs = dict(kwargs)
        expanded_unknown = False
        for extra in stars:
            if isinstance(extra, DictV):
                kwargs = {**{k: v for k, v in extra.items}, **kwargs}
                expanded_unknown |= extra.open
            else:
                expanded_unknown = True
        defaults = [None] * (len(positional) - len(a.defaults)) + \
            list(a.defaults)
        for i, param in enumerate(positional):
            if i < len(args):
                env[param.arg] = args[i]
            elif param.arg in kwargs:
                env[param.arg] = kwargs.pop(param.arg)
            elif expanded_unknown:
                env[param.arg] = Unknown(f"parameter {param.arg}")
            elif defaults[i] is not None:
                env[param.arg] = self.resolver.static(ref.module,
                                                      defaults[i])
            else:
                env[param.arg] = Unknown(f"parameter {param.arg}")
        for param, default in zip(a.kwonlyargs, a.kw_defaults):
            if param.arg in kwargs:
                env[param.arg] = kwargs.pop(param.arg)
            elif default is not None and not expanded_unknown:
                env[param.arg] = self.resolver.static(ref.module, default)
            else:
                env[param.arg] = Unknown(f"parameter {param.arg}")
        if a.vararg:
            env[a.vararg.arg] = Tup(tuple(args[len(positional):]))
        if a.kwarg:
            env[a.kwarg.arg] = DictV(tuple(kwargs.items()), expanded_unknown)
        return env

    def _decorator_guards(self, node, module, state, frame):
        """States in which a function guarded by a decorator such as
        ``@rpc.assert_min_rpc_version('3.15')`` runs its body."""
        states = [state]
        for deco in node.decorator_list:
            if not (isinstance(deco, ast.Call) and deco.args):
                continue
            factory = self.resolver.static(module, deco.func)
            if not isinstance(factory, FuncRef) or \
                    not self._is_guard_decorator(factory.node):
                continue
            nxt = []
            for s in states:
                for value, s2 in self.ev(deco.args[0], s, frame):
                    for outcome, s3 in self.guard([value], {}, None, s2,
                                                  frame, deco):
                        if truth(outcome):
                            nxt.append(s3)
            states = nxt
        return states

    def _is_guard_decorator(self, factory) -> bool:
        """A decorator factory whose wrapper checks ``can_send_version`` of
        its first parameter (and so refuses to run the body otherwise)."""
        cached = self._guard_decorators.get(id(factory))
        if cached is None:
            params = self._params(factory)
            cached = False
            if params:
                for sub in nodes(factory):
                    if isinstance(sub, ast.Call) and \
                            _callee_name(sub) == "can_send_version" and \
                            sub.args and isinstance(sub.args[0], ast.Name) \
                            and sub.args[0].id == params[0]:
                        cached = True
            self._guard_decorators[id(factory)] = cached
        return cached

    def _unresolved(self, frame, node, why):
        key = (frame.module.relpath, node.lineno, why)
        if key not in self._seen_unresolved:
            self._seen_unresolved.add(key)
            self.record.unresolved.append(Unresolved(
                frame.module.relpath, node.lineno, _text(node), why,
                self.entry))


_MAX_ALTERNATIVES = 4
_JOIN_AT = 16  # paths through a statement list before plain ones merge
_MISSING = object()
_MUTATORS = frozenset({"append", "extend", "insert", "pop", "get", "update",
                       "setdefault", "copy", "clear"})
# libraries whose calls the table in messaging.py describes

_COMPARE = {
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
    ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
}


def _concat(left, right, line: int = 0):
    """``left + right`` for tuples and (partly known) strings; a list
    extended with something unknown keeps its known items."""
    if isinstance(left, Tup) and isinstance(right, Tup):
        return Tup(left.items + right.items)
    if isinstance(left, Tup) and isinstance(right, Unknown):
        return Tup(left.items + (right,))
    if isinstance(left, Str) and isinstance(right, Str):
        return Str(left.value + right.value, left.line, left.relpath)
    if isinstance(left, (Str, Fmt)) or isinstance(right, (Str, Fmt)):
        return _fmt([left, right], line)
    return Unknown("computed value", line)


def _percent(template, args, line: int):
    """``'%s.%s' % (topic, host)``, ``'%(type)s' % {...}``: a partly
    known string."""
    if isinstance(args, DictV) and "%(" in template.value:
        parts = []
        for i, piece in enumerate(re.split(r"%\((\w+)\)s", template.value)):
            parts.append(Str(piece) if i % 2 == 0 else
                         args.get(piece) or Unknown(piece))
        return _fmt(parts, line)
    values = args.items if isinstance(args, Tup) else (args,)
    pieces = template.value.split("%s")
    if len(pieces) - 1 != len(values) or "%(" in template.value:
        try:
            return Str(template.value % tuple(literal(v) for v in values),
                       line)
        except (ValueError, TypeError, KeyError):
            return Unknown("formatted string", line)
    parts = []
    for piece, value in zip(pieces, list(values) + [None]):
        parts.append(Str(piece))
        if value is not None:
            parts.append(value)
    return _fmt(parts, line)


def _format(template, args, kwargs, line: int):
    """``'{}.{}'.format(topic, host)``, ``'{name}'.format(name=...)``: a
    partly known string (a field with a format spec or an attribute is
    not known)."""
    parts, auto = [], 0
    try:
        fields = list(string.Formatter().parse(template.value))
    except ValueError:
        return Unknown("formatted string", line)
    for literal_text, name, spec, conversion in fields:
        parts.append(Str(literal_text))
        if name is None:
            continue
        if name == "":
            name, auto = str(auto), auto + 1
        value = args[int(name)] if name.isdigit() and \
            int(name) < len(args) else kwargs.get(name)
        if value is None or spec or conversion not in (None, "s"):
            value = Unknown(f"field {name}")
        parts.append(value)
    return _fmt(parts, line)


def _fmt(parts, line: int = 0):
    """Normalise parts of a string: nested Fmt flattened, adjacent literals
    joined; a Str when every part is known."""
    flat = []
    for part in parts:
        items = part.parts if isinstance(part, Fmt) else (part,)
        for item in items:
            if isinstance(item, Const) and isinstance(item.value,
                                                      (int, float)):
                item = Str(str(item.value))
            if not isinstance(item, (Str, ExtRef)):
                item = Unknown("part of a string")
            if isinstance(item, Str) and flat and isinstance(flat[-1], Str):
                flat[-1] = Str(flat[-1].value + item.value)
            elif not (isinstance(item, Str) and not item.value):
                flat.append(Str(item.value) if isinstance(item, Str)
                            else item)
    if all(isinstance(p, Str) for p in flat):
        return Str("".join(p.value for p in flat), line)
    return Fmt(tuple(flat))


def _holder(receiver):
    return receiver if isinstance(receiver, Obj) else None


def _function(module, owner, node) -> str:
    return f"{owner.path if owner is not None else module.name}.{node.name}"


def _class_oid(ref) -> tuple:
    """Where class attributes set at run time live in the heap."""
    return ("class", ref.info.path)


def _small(node) -> bool:
    """A function of a few statements (cheap to run, whatever it does)."""
    return summary(node).statements <= _SMALL


_SMALL = 12  # statements


def _irrefutable(pattern) -> bool:
    """``case _`` or ``case name`` (alone or in an or-pattern)."""
    if isinstance(pattern, ast.MatchAs):
        return pattern.pattern is None or _irrefutable(pattern.pattern)
    if isinstance(pattern, ast.MatchOr):
        return any(_irrefutable(p) for p in pattern.patterns)
    return False


def _joined(outcomes):
    """Paths that differ only in plain attribute values, merged into one
    whose differing attributes hold each value (``Alt``, split again where
    read).  Only past ``_JOIN_AT`` paths: an agent's ``__init__`` setting
    a dozen options on branches of their own would otherwise double the
    paths at each; below it every path stays exact."""
    groups: dict = {}
    for out in outcomes:
        st = out[0]
        key = (st.constraints, st.env.key(), frozenset(st.heap))
        groups.setdefault(key, []).append(out)
    joined = []
    for group in groups.values():
        if len(group) == 1:
            joined += group
            continue
        first = group[0][0].heap
        changes, plain = {}, True
        for key, value in first.items():
            values = []
            for st, _, _ in group:
                held = st.heap[key]
                for v in held.values if isinstance(held, Alt) else (held,):
                    if all(_key(v) != _key(w) for w in values):
                        values.append(v)
            if len(values) == 1:
                continue
            if any(isinstance(v, _RPC_VALUES) for v in values):
                plain = False  # an object or a client: keep the paths
                break
            changes[key] = Alt(tuple(values)) \
                if len(values) <= _MAX_ALTERNATIVES \
                else Unknown("one of several values")
        if not plain:
            joined += group
            continue
        st = group[0][0]
        joined.append((State(st.env, st.constraints,
                             first.with_items(changes.items())),) +
                      group[0][1:])
    return joined


def _merge_heap(heap: dict, other) -> None:
    """Attributes from one more path: a known value wins over an unknown
    or None one (``self._client = None`` on the path that found a cached
    client); known values that differ are all kept (``Alt``)."""
    for key, value in other.items():
        held = heap.get(key)
        if held is None or (_vague(held) and not _vague(value)):
            heap[key] = value
        elif not _vague(value) and _key(value) != _key(held):
            values = held.values if isinstance(held, Alt) else (held,)
            if all(_key(v) != _key(value) for v in values) and \
                    len(values) < _MAX_ALTERNATIVES:
                heap[key] = Alt(values + (value,))


def _vague(value) -> bool:
    return isinstance(value, Unknown) or value == NONE or \
        (isinstance(value, Str) and not value.value)


def _key(value):
    if isinstance(value, Unknown):
        return Unknown()
    try:
        hash(value)
    except TypeError:
        return id(value)
    return value


def _state_key(st):
    return (st.constraints, st.env.key(), st.heap.key())


def _distinct(outcomes):
    """Drop outcomes identical to an earlier one (unknowns all alike)."""
    seen, kept = set(), []
    for out in outcomes:
        key = (out[1], _key(out[2]), _state_key(out[0]))
        if key not in seen:
            seen.add(key)
            kept.append(out)
    return kept


def _distinct_states(states):
    seen, kept = set(), []
    for st in states:
        key = _state_key(st)
        if key not in seen:
            seen.add(key)
            kept.append(st)
    return kept


def _distinct_values(results):
    seen, kept = set(), []
    for value, st in results:
        key = (_key(value), st.constraints, st.heap.key())
        if key not in seen:
            seen.add(key)
            kept.append((value, st))
    return kept


def _memo_key(ref, args, kwargs, stars, st, frame, site, entry):
    """What an inlined call's outcome depends on besides the heap entries
    it reads (the call's place included: what it records names it), or
    None if unhashable."""
    try:
        key = (id(ref.node), _key(ref.receiver),
               tuple(_key(a) for a in args),
               tuple(sorted((k, _key(v)) for k, v in kwargs.items())),
               tuple(_key(s) for s in stars), st.constraints,
               entry, site, frame.trail, frame.stack,
               frame.origin and id(frame.origin), _key(frame.holder))
        hash(key)
    except TypeError:
        return None
    return key


def _kwargs_value(kwargs: dict, stars: list):
    value = DictV(tuple(kwargs.items()))
    for extra in stars:
        value = value.merged(extra)
    return value


def _keyword(call: ast.Call, name: str):
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _callee_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _dotted(node) -> str | None:
    """``a.b.c`` for a chain of names, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_local(expr, env) -> bool:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return isinstance(expr, ast.Name) and (expr.id in ("self", "cls")
                                           or expr.id in env)


def _text(node) -> str:
    if node is None:
        return ""
    dotted = _dotted(node)
    if dotted is not None:  # most are; unparse is slow
        return dotted if len(dotted) <= 80 else dotted[:77] + "..."
    try:
        text = ast.unparse(node)
    except Exception:  # unparse fails on some synthetic trees
        return type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."
