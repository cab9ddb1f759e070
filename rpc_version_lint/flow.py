"""A small path-sensitive interpreter for the methods of an RPC class.

It runs one method of a client class symbolically and records, for every
path through it, what reaches oslo.messaging: the Target the class builds,
the client it creates (and its version cap), each ``can_send_version``
guard, and each message sent with its version, method name and kwargs.

Guards are the only branches whose outcome matters: a path carries the
outcomes of the guards it passed (``((Version('6.0'), False), ...)``), and
paths that no cap could produce are pruned (``versions.satisfiable``).  Other
conditions fork both ways.  Calls to methods of the same class (and of its
in-tree bases) are inlined with their arguments, so a compat helper is
understood by what its body does -- whatever its name.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .model import Unresolved
from .resolve import constant
from .values import (DEFAULT, FALSE, NONE, TRUE, CctxtV, ClassRef, ClientV,
                     Const, DictV, ExtRef, Frame, FuncRef, Member, ModRef,
                     MsgV, SelfV, Str, SuperV, TargetV, Tup, Unknown, literal,
                     truth)
from .versions import Version, satisfiable

MAX_PATHS = 64      # per statement list; more is reported as truncated
MAX_DEPTH = 6       # inlining depth
CLIENT_FACTORIES = frozenset({"get_client", "RPCClient", "get_rpc_client"})
# calls through an imported module that the interpreter must follow
MESSAGING = CLIENT_FACTORIES | {"Target", "prepare", "can_send_version",
                                "call", "cast", "make_msg", "client"}
TARGET_PARAMS = ("exchange", "topic", "namespace", "version", "server",
                 "fanout")
# old-style RpcProxy sends: method -> index of the message argument
OLD_SENDS = {"call": 1, "cast": 1, "multicall": 1, "fanout_cast": 1,
             "cast_to_server": 2, "fanout_cast_to_server": 2}


@dataclass
class State:
    env: dict
    constraints: tuple = ()

    def bind(self, name: str, value) -> State:
        env = dict(self.env)
        env[name] = value
        return State(env, self.constraints)

    def under(self, constraints: tuple) -> State:
        return State(self.env, constraints)


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


@dataclass(frozen=True)
class GuardEvent:
    version: object
    line: int
    relpath: str
    entry: str


@dataclass(frozen=True)
class ClientEvent:
    cap: object          # the version_cap argument value, None if absent
    cap_text: str
    line: int
    relpath: str


@dataclass
class Record:
    sends: list = field(default_factory=list)
    guards: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    clients: list = field(default_factory=list)
    unresolved: list = field(default_factory=list)
    self_targets: list = field(default_factory=list)  # self.target = Target()
    helpers: set = field(default_factory=set)  # methods choosing a version


def _is_property(node) -> bool:
    return any((isinstance(d, ast.Name) and d.id in ("property",
                                                     "cached_property"))
               or (isinstance(d, ast.Attribute) and d.attr in (
                   "cached_property", "getter"))
               for d in node.decorator_list)


def _is_static(node) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod"
               for d in node.decorator_list)


class Interpreter:
    """Runs the methods of one class; results accumulate in ``record``."""

    def __init__(self, project, resolver, cls):
        self.project = project
        self.resolver = resolver
        self.cls = cls
        mro, external = project.mro(cls)
        # An RpcProxy base (in-tree in old projects) is the library, not
        # code to inline: its call/cast/make_msg are modelled directly.
        self.rpcproxy = any(n.rpartition(".")[2] == "RpcProxy"
                            for n in external)
        for i, base in enumerate(mro):
            if base.name == "RpcProxy":
                self.rpcproxy = True
                mro = mro[:i]
                break
        self.mro = mro
        self.external_bases = external
        self.record = Record()
        self.entry = ""
        self.entry_relpath = cls.module.relpath
        self.entry_owner = cls.path
        self._client_attrs = None
        self._guard_decorators: dict[int, int | None] = {}
        self._seen_unresolved: set = set()

    # -- entry points --------------------------------------------------
    def run_method(self, owner, node) -> None:
        self.entry = node.name
        self.entry_owner = owner.path
        self.entry_relpath = owner.module.relpath
        frame = Frame(module=owner.module, owner=owner, depth=0,
                      site=node.lineno, stack=(id(node),))
        env = {}
        params = self._params(node)
        if params and not _is_static(node):
            env[params[0]] = SelfV()
            params = params[1:]
        for name in params:
            env[name] = Unknown(f"parameter {name}")
        for state in self._decorator_guards(node, owner.module,
                                            State(env), frame):
            self.exec_block(node.body, state, frame)

    def class_value(self, owner, name: str):
        """The value of a class attribute of ``owner`` (Target calls
        included), evaluated in its class body."""
        frame = Frame(module=owner.module, owner=owner, class_scope=owner,
                      site=owner.attr_lines.get(name, owner.node.lineno))
        expr = owner.attrs[name]
        self.entry = f"<class {owner.name}>"
        results = self.ev(expr, State({}), frame)
        return results[0][0] if len(results) == 1 else Unknown("ambiguous")

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
            if len(following) > MAX_PATHS:
                self._unresolved(frame, stmt, "too many paths through this "
                                 "method; only the first are checked")
                following = following[:MAX_PATHS]
            states = [out[0] for out in following]
            if not states:
                break
        return done + [(st, "next", None) for st in states]

    def exec_stmt(self, stmt, st, frame):
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
            out = []
            for outcome, s in self.cond(stmt.test, st, frame):
                out += self.exec_block(stmt.body if outcome else stmt.orelse,
                                       s, frame)
            return out
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
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef,
                             ast.ClassDef)):
            return [(st.bind(stmt.name, Unknown("local definition")), "next",
                     None)]
        if isinstance(stmt, ast.Match):
            out = []
            for case in stmt.cases:
                out += self.exec_block(case.body, st, frame)
            return out + [(st, "next", None)]
        return [(st, "next", None)]  # pass, global, import, ...

    def exec_augassign(self, stmt, st, frame):
        out = []
        for value, s in self.ev(stmt.value, st, frame):
            if isinstance(stmt.target, ast.Name):
                old = s.env.get(stmt.target.id, Unknown())
                new = Unknown("augmented assignment")
                if isinstance(stmt.op, ast.Add):
                    if isinstance(old, Tup) and isinstance(value, Tup):
                        new = Tup(old.items + value.items)
                    elif isinstance(old, Str) and isinstance(value, Str):
                        new = Str(old.value + value.value, old.line,
                                  old.relpath)
                elif isinstance(stmt.op, ast.BitOr) \
                        and isinstance(old, DictV):
                    new = old.merged(value)
                s = s.bind(stmt.target.id, new)
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
                    states = nxt
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

    def assign(self, target, value, st, frame):
        if isinstance(target, ast.Name):
            return st.bind(target.id, value)
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
        if isinstance(target, ast.Attribute) and \
                isinstance(target.value, ast.Name) and \
                isinstance(st.env.get(target.value.id), SelfV) and \
                target.attr == "target" and isinstance(value, TargetV):
            self.record.self_targets.append(value)
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
            out += [(v, s) for v in self.member(base, node, s, frame)]
        return out

    def member(self, base, node, st, frame):
        attr = node.attr
        if isinstance(base, SelfV):
            return self.self_member(attr, node, st, frame)
        if isinstance(base, SuperV):
            found = self.project.find_method(self.mro, attr, after=base.after)
            if found is not None:
                return [FuncRef(found[0].module, found[1], found[0], True)]
            return [Member(SelfV(), attr, "super()")]
        if isinstance(base, (ModRef, ExtRef, ClassRef)):
            value = self.resolver.member(base, attr)
            if isinstance(value, FuncRef) and isinstance(base, ClassRef):
                return [value]
            return [value]
        if isinstance(base, (CctxtV, ClientV, DictV, Str, Unknown, TargetV)):
            if isinstance(base, TargetV) and attr in ("version", "topic",
                                                      "namespace"):
                return [getattr(base, attr)]
            return [Member(base, attr, _text(node.value))]
        return [Unknown(f"attribute {attr}")]

    def self_member(self, attr, node, st, frame):
        found = self.project.find_method(self.mro, attr)
        if found is not None:
            owner, fnode = found
            if _is_property(fnode):
                # run as an entry of its own; its value is rarely a literal
                return [Unknown(f"property {attr}")]
            return [FuncRef(owner.module, fnode, owner, True)]
        if attr in self.client_attrs():
            return [ClientV()]
        for cls in self.mro:
            if attr in cls.attrs:
                return [self.class_value_in(cls, attr, st, frame)]
        if self.rpcproxy:
            return [Member(SelfV(), attr, "self")]
        return [Unknown(f"self.{attr}", node.lineno)]

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

    def client_attrs(self) -> set:
        """Instance attributes assigned an RPC client in some method."""
        if self._client_attrs is None:
            found = set()
            for cls in self.mro:
                for fnode in cls.methods.values():
                    for sub in ast.walk(fnode):
                        if isinstance(sub, ast.Assign) and \
                                isinstance(sub.value, ast.Call) and \
                                _callee_name(sub.value) in CLIENT_FACTORIES:
                            for target in sub.targets:
                                if isinstance(target, ast.Attribute):
                                    found.add(target.attr)
            self._client_attrs = found
        return self._client_attrs

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
                    if isinstance(left, Tup) and isinstance(right, Tup):
                        value = Tup(left.items + right.items)
                    elif isinstance(left, Str) and isinstance(right, Str):
                        value = Str(left.value + right.value, left.line,
                                    left.relpath)
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
                        results.append((Unknown("condition"), s2))
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
                    if isinstance(op, (ast.Is, ast.IsNot)) and \
                            (left == NONE) != (right == NONE) and \
                            isinstance(left if right == NONE else right,
                                       (Tup, Str, DictV, CctxtV, ClientV)):
                        outcome = isinstance(op, ast.IsNot)
                    else:
                        return Unknown("comparison")
                else:
                    outcome = _COMPARE[type(op)](a, b)
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
        return [(Unknown("formatted string", node.lineno), st)]

    # -- calls ---------------------------------------------------------
    def ev_Call(self, node, st, frame):
        site = node.lineno if frame.depth == 0 else frame.site
        # dict methods mutate the local holding the dict
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value,
                                                          ast.Name):
            held = st.env.get(func.value.id)
            if isinstance(held, DictV):
                return self.dict_method(func.value.id, held, func.attr, node,
                                        st, frame)
        if self._foreign_call(func, st, frame):
            # a function of another module (objects.Service.get_minimum_
            # version, utils.spawn, ...): only oslo.messaging's own calls
            # matter, and following the others would parse half the tree
            return [(Unknown(f"call of {_text(func)}", node.lineno), s)
                    for _, s in self.ev_args(node, st, frame)]
        out = []
        for callee, s in self.ev(func, st, frame):
            for (args, kwargs, stars), s2 in self.ev_args(node, s, frame):
                out += self.call(callee, args, kwargs, stars, s2, frame,
                                 node, site)
        return out

    def _foreign_call(self, func, st, frame) -> bool:
        if not isinstance(func, ast.Attribute) or func.attr in MESSAGING:
            return False
        root = func.value
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or root.id in st.env or \
                root.id in ("self", "cls", "super"):
            return False
        scope = frame.class_scope
        if scope is not None and root.id in scope.attrs:
            return False
        return root.id in frame.module.imports

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

    def dict_method(self, name, held, method, node, st, frame):
        out = []
        for (args, kwargs, stars), s in self.ev_args(node, st, frame):
            key = args[0].value if args and isinstance(args[0], Str) \
                else None
            new, result = held, Unknown("dict value")
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
            elif method in ("clear",):
                new = DictV()
            out.append((result, s.bind(name, new)))
        return out

    def call(self, callee, args, kwargs, stars, st, frame, node, site):
        if isinstance(callee, Member):
            return self.call_member(callee, args, kwargs, stars, st, frame,
                                    node, site)
        if isinstance(callee, FuncRef):
            name = callee.node.name
            if name in CLIENT_FACTORIES:
                return self.client_created(args, kwargs, st, frame, node)
            if name == "Target":
                return self.target_created(args, kwargs, st, frame, node)
            return self.inline(callee, args, kwargs, stars, st, frame, site)
        if isinstance(callee, ExtRef):
            last = callee.last
            if last == "Target":
                return self.target_created(args, kwargs, st, frame, node)
            if last in CLIENT_FACTORIES:
                return self.client_created(args, kwargs, st, frame, node)
            if callee.name.endswith("RpcProxy.__init__"):
                return self.rpcproxy_init(args[1:], kwargs, st, frame, node)
            return [(self.builtin(callee.name, args, kwargs, frame), st)]
        if isinstance(callee, ClassRef) and callee.info.name == "Target":
            return self.target_created(args, kwargs, st, frame, node)
        return [(Unknown("call", node.lineno), st)]

    def builtin(self, name, args, kwargs, frame):
        if name == "super":
            return SuperV(frame.owner)
        if name == "isinstance" and len(args) == 2:
            value, kind = args
            kinds = [k.name for k in (kind.items if isinstance(kind, Tup)
                                      else (kind,)) if isinstance(k, ExtRef)]
            if isinstance(value, (Tup, Str, DictV)) and kinds:
                python_type = {Tup: "tuple", Str: "str", DictV: "dict"}[
                    type(value)]
                return Const(python_type in kinds)
            return Unknown("isinstance")
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
        if name == "str" and len(args) == 1 and isinstance(args[0], Str):
            return args[0]
        return Unknown(f"call of {name}")

    def call_member(self, member, args, kwargs, stars, st, frame, node,
                    site):
        receiver, name = member.receiver, member.name
        if isinstance(receiver, SelfV):  # old-style RpcProxy API on self
            if name == "make_msg" and args:
                return [(MsgV(args[0], _kwargs_value(kwargs, stars)), st)]
            if name in OLD_SENDS:
                index = OLD_SENDS[name]
                msg = args[index] if len(args) > index else \
                    kwargs.get("msg", Unknown("message"))
                version = kwargs.get("version", DEFAULT)
                if isinstance(msg, MsgV):
                    self.sent(name, msg.method, version, msg.kwargs, st,
                              frame, node, site)
                else:
                    self.sent(name, Unknown("message"), version,
                              Unknown("message"), st, frame, node, site)
                return [(Unknown("reply"), st)]
            if name == "can_send_version":
                return self.guard(args, kwargs, None, st, frame, node)
            if name == "__init__" and self.rpcproxy:
                return self.rpcproxy_init(args, kwargs, st, frame, node)
            return [(Unknown(f"self.{name}"), st)]
        if name == "prepare":
            version = kwargs.get("version")
            if version is not None:
                version = self.settle(version, _keyword(node, "version"),
                                      frame, st)
            if version is None:
                for extra in stars:
                    if isinstance(extra, DictV) and "version" in extra.keys():
                        version = extra.get("version")
                    elif not isinstance(extra, DictV) or extra.open:
                        version = Unknown("version given through **kwargs")
            if version is None or version == NONE:
                version = DEFAULT if not isinstance(receiver, CctxtV) \
                    else receiver.version
            return [(CctxtV(version, site), st)]
        if name == "can_send_version":
            default = receiver.version if isinstance(receiver, CctxtV) \
                else DEFAULT
            return self.guard(args, kwargs, default, st, frame, node)
        if name in ("call", "cast") and (
                isinstance(receiver, (CctxtV, ClientV))
                or (isinstance(receiver, Unknown)
                    and member.text.endswith("client"))):
            method = args[1] if len(args) > 1 else kwargs.get(
                "method", Unknown("method name"))
            rest = {k: v for k, v in kwargs.items()
                    if k not in ("ctxt", "method")}
            version = receiver.version if isinstance(receiver, CctxtV) \
                else DEFAULT
            self.sent(name, method, version, _kwargs_value(rest, stars), st,
                      frame, node,
                      receiver.line if isinstance(receiver, CctxtV) else site)
            return [(Unknown("reply"), st)]
        if name == "client" and not isinstance(receiver, (Str, DictV)):
            return [(ClientV(), st)]
        return [(Unknown(f"{member.text}.{name}()"), st)]

    def guard(self, args, kwargs, default, st, frame, node):
        value = args[0] if args else kwargs.get("version", default)
        if value is DEFAULT or value is None:
            value = Unknown("the client's default version")
        arg_node = node.args[0] if node.args else None
        value = self.settle(value, arg_node, frame, st)
        self.record.guards.append(GuardEvent(value, node.lineno,
                                             frame.module.relpath,
                                             self.entry))
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

    def sent(self, kind, method, version, kwargs, st, frame, node, site):
        method = self.settle(method, node.args[1] if len(node.args) > 1
                             else None, frame, st)
        send_site = node.lineno if frame.depth == 0 else frame.site
        self.record.sends.append(SendEvent(
            kind, method, version, kwargs, st.constraints, self.entry,
            self.entry_owner, self.entry_relpath, site, send_site,
            frame.module.relpath, node.lineno))

    def settle(self, value, expr, frame, st):
        """Try astroid on a module-level expression ``ast`` left unknown
        (or naming a constant of another library); never on locals."""
        if isinstance(value, (Unknown, ExtRef)) and expr is not None and \
                isinstance(expr, (ast.Name, ast.Attribute)) and \
                not _is_local(expr, st.env):
            inferred = self.resolver.infer(frame.module, expr)
            if inferred is not None:
                return inferred
        return value

    def target_created(self, args, kwargs, st, frame, node):
        named = dict(zip(TARGET_PARAMS, args))
        named.update(kwargs)
        by_name = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        by_name.update(zip(TARGET_PARAMS, node.args))
        fields = {}
        for key in ("version", "topic", "namespace"):
            value = named.get(key, NONE)
            fields[key] = self.settle(value, by_name.get(key), frame, st)
        if fields["version"] == NONE:
            # oslo's dispatcher reads a missing version as 1.0
            fields["version"] = Str("1.0", node.lineno, frame.module.relpath)
        target = TargetV(fields["version"], fields["topic"],
                         fields["namespace"], node.lineno,
                         frame.module.relpath)
        self.record.targets.append((target, frame.site, self.entry))
        return [(target, st)]

    def client_created(self, args, kwargs, st, frame, node):
        # get_client(target, version_cap) in project wrappers;
        # RPCClient/get_rpc_client(transport, target, version_cap) in oslo
        at = 1 if _callee_name(node) == "get_client" else 2
        cap = kwargs.get("version_cap", args[at] if len(args) > at else None)
        cap_node = next((kw.value for kw in node.keywords
                         if kw.arg == "version_cap"),
                        node.args[at] if len(node.args) > at else None)
        self.record.clients.append(ClientEvent(
            cap, _text(cap_node) if cap_node is not None else "",
            node.lineno, frame.module.relpath))
        return [(ClientV(), st)]

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
            node.lineno, frame.module.relpath))
        return [(NONE, st)]

    # -- inlining ------------------------------------------------------
    def inline(self, ref, args, kwargs, stars, st, frame, site):
        node = ref.node
        if id(node) in frame.stack or frame.depth >= MAX_DEPTH:
            return [(Unknown("recursive or deep call"), st)]
        if self.rpcproxy and ref.owner is None and ref.bound:
            return [(Unknown("library method"), st)]
        callee = Frame(module=ref.module, owner=ref.owner,
                       depth=frame.depth + 1, site=site,
                       stack=frame.stack + (id(node),))
        env = self._bind(node, ref, args, kwargs, stars, callee)
        results = []
        for start in self._decorator_guards(node, ref.module,
                                            State(env, st.constraints),
                                            callee):
            for o_st, kind, value in self.exec_block(node.body, start,
                                                     callee):
                if kind == "raise":
                    continue
                results.append((value if kind == "return" else NONE,
                                st.under(o_st.constraints)))
        # A helper whose guards choose which version it returns is a compat
        # helper (Nova's _ver, Cinder's _compat_ver), whatever its name.
        picked = {v.value for v, s in results
                  if isinstance(v, Str) and Version.parse(v.value)
                  and len(s.constraints) > len(st.constraints)}
        if len(picked) > 1:
            self.record.helpers.add(node.name)
        return _distinct_values(results)

    def _params(self, node):
        a = node.args
        return [p.arg for p in a.posonlyargs + a.args]

    def _bind(self, node, ref, args, kwargs, stars, frame):
        a = node.args
        positional = a.posonlyargs + a.args
        env = {}
        if ref.bound and not _is_static(node) and positional:
            env[positional[0].arg] = SelfV()
            positional = positional[1:]
        args = list(args)
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
                for sub in ast.walk(factory):
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
                frame.module.relpath, node.lineno, _text(node), why))


_COMPARE = {
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
    ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
}


def _key(value):
    if isinstance(value, Unknown):
        return Unknown()
    try:
        hash(value)
    except TypeError:
        return id(value)
    return value


def _distinct(outcomes):
    """Drop outcomes identical to an earlier one (unknowns all alike)."""
    seen, kept = set(), []
    for out in outcomes:
        st = out[0]
        key = (out[1], _key(out[2]), st.constraints,
               frozenset((k, _key(v)) for k, v in st.env.items()))
        if key not in seen:
            seen.add(key)
            kept.append(out)
    return kept


def _distinct_values(results):
    seen, kept = set(), []
    for value, st in results:
        key = (_key(value), st.constraints)
        if key not in seen:
            seen.add(key)
            kept.append((value, st))
    return kept


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


def _is_local(expr, env) -> bool:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return isinstance(expr, ast.Name) and (expr.id in ("self", "cls")
                                           or expr.id in env)


def _text(node) -> str:
    if node is None:
        return ""
    try:
        text = ast.unparse(node)
    except Exception:  # unparse fails on some synthetic trees
        return type(node).__name__
    return text if len(text) <= 80 else text[:77] + "..."
