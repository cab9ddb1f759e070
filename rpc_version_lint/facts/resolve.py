"""Values of module-level names and class attributes (``ast`` fast path).

``RPC_TOPIC = 'compute'``, ``constants.VOLUME_TOPIC``,
``volume_rpcapi.VolumeAPI.RPC_API_VERSION``: names are followed through
imports and base classes inside the tree.  What cannot be resolved this way
is handed to astroid (``infer.py``) by the caller that needs it.
"""

from __future__ import annotations

import ast
import builtins

from .. import messaging
from .index import ClassInfo, External, Module
from .values import (
    ClassRef, Const, DictV, ExtRef, FuncRef, ModRef, Str, Tup, Unknown)

_BUILTINS = frozenset(dir(builtins))


def constant(node: ast.Constant, relpath: str = ""):
    if isinstance(node.value, str):
        return Str(node.value, node.lineno, relpath)
    return Const(node.value)


class Resolver:
    """Shared by every interpreter of one tree; results are cached."""

    def __init__(self, project, inferrer=None, options=None):
        self.project = project
        self.inferrer = inferrer
        self.options = options  # options.Options of the tree
        self._globals: dict[tuple[str, str], object] = {}
        self._active: set = set()

    def global_value(self, mod: Module, name: str):
        key = (mod.name, name)
        if key in self._globals:
            value, read = self._globals[key]
            self.project.note(read)
            return value
        if key in self._active:
            return Unknown(f"{name} is defined in terms of itself")
        self._active.add(key)
        try:
            with self.project.watching() as read:
                found = self.project.lookup(mod, name)
                if found is None:
                    value = ExtRef(name) if name in _BUILTINS else \
                        Unknown(f"{name} is not defined in {mod.relpath}")
                else:
                    value = self.convert(found)
        finally:
            self._active.discard(key)
        self._globals[key] = (value, frozenset(read | {mod.name}))
        return value

    def convert(self, found):
        """A ``Project.lookup`` result as a value."""
        if isinstance(found, ClassInfo):
            return ClassRef(found)
        if isinstance(found, Module):
            return ModRef(found)
        if isinstance(found, External):
            return ExtRef(found.name)
        if isinstance(found, tuple):
            mod, node = found
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return FuncRef(mod, node)
            if id(node) in self._active:  # X = b.Y; Y = a.X
                return Unknown("defined in terms of itself")
            self._active.add(id(node))
            try:
                return self.static(mod, node)
            finally:
                self._active.discard(id(node))
        return Unknown("unresolved name")

    def member(self, base, attr: str):
        if isinstance(base, ModRef):
            found = self.project.attribute(base.module, attr)
            if found is None:
                return Unknown(f"{base.module.name}.{attr} is not defined")
            return self.convert(found)
        if isinstance(base, ExtRef):
            return self.external(f"{base.name}.{attr}")
        if isinstance(base, ClassRef):
            return self.class_attr(base.info, attr)
        return Unknown(f"attribute {attr} of an unknown value")

    def external(self, name: str):
        """A name outside the tree: a constant the library table knows,
        else its name (an option stays one until its value matters: see
        ``settled``)."""
        known, value = messaging.constant(name)
        if known:
            return Const(None) if value is None else Str(value)
        return ExtRef(name)

    def settled(self, value):
        """An option read where its value matters (a topic, a class name):
        the default the tree registers for it, if it has one."""
        if isinstance(value, ExtRef) and self.options is not None:
            default = self.options.default(value.name)
            if default is not None:
                return Str(default)
        return value

    def class_attr(self, info: ClassInfo, name: str):
        mro, _ = self.project.mro(info)
        for cls in mro:
            if name in cls.attrs:
                return self.static(cls.module, cls.attrs[name], cls)
            if name in cls.methods:
                return FuncRef(cls.module, cls.methods[name], cls)
        return Unknown(f"{info.name}.{name} is not defined in the tree")

    def static(self, mod: Module, expr: ast.expr, scope: ClassInfo = None):
        """Evaluate a module-level or class-body expression without calls."""
        if isinstance(expr, ast.Constant):
            return constant(expr, mod.relpath)
        if isinstance(expr, ast.Name):
            if scope is not None and expr.id in scope.attrs \
                    and scope.attrs[expr.id] is not expr:
                return self.static(mod, scope.attrs[expr.id], scope)
            return self.global_value(mod, expr.id)
        if isinstance(expr, ast.Attribute):
            return self.member(self.static(mod, expr.value, scope), expr.attr)
        if isinstance(expr, (ast.Tuple, ast.List)):
            return Tup(tuple(self.static(mod, e, scope) for e in expr.elts))
        if isinstance(expr, ast.Dict):
            # a dict defined at module or class level can be changed at run
            # time: its items are known, not that it holds only them
            items = []
            for key, value in zip(expr.keys, expr.values):
                key_v = self.static(mod, key, scope) if key else None
                if not isinstance(key_v, Str):
                    return DictV(tuple(items), True)
                items.append((key_v.value, self.static(mod, value, scope)))
            return DictV(tuple(items), True)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left = self.static(mod, expr.left, scope)
            right = self.static(mod, expr.right, scope)
            if isinstance(left, Str) and isinstance(right, Str):
                return Str(left.value + right.value, left.line, left.relpath)
            if isinstance(left, Tup) and isinstance(right, Tup):
                return Tup(left.items + right.items)
        return Unknown(f"cannot evaluate {_short(expr)}", expr.lineno)

    def infer(self, mod: Module, expr: ast.expr):
        """astroid's answer for an expression ``ast`` could not resolve."""
        if self.inferrer is None:
            return None
        found, value = self.inferrer.literal(mod, expr)
        if not found:
            return None
        if isinstance(value, str):
            return Str(value, expr.lineno, mod.relpath)
        return Const(value)


def _short(expr: ast.AST) -> str:
    try:
        text = ast.unparse(expr)
    except Exception:  # unparse fails on some synthetic trees
        return type(expr).__name__
    text = " ".join(text.split())  # quoted in one-line messages
    return text if len(text) <= 60 else text[:57] + "..."
