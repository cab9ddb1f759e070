"""Abstract values of the small interpreter in ``flow.py``.

A value is what the interpreter knows about a Python value on one path:
a literal (with the line it came from), a tuple, a dict of message kwargs,
a reference to a class/function/module, or one of the oslo.messaging
objects it models (a client, a prepared call context, a Target).  Anything
else is ``Unknown``, with a short reason kept for the inventory.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Unknown:
    why: str = ""
    line: int = 0

    def __repr__(self) -> str:
        return f"Unknown({self.why!r})"


@dataclass(frozen=True)
class Str:
    value: str
    line: int = 0
    relpath: str = ""


@dataclass(frozen=True)
class Const:
    """A non-string literal: int, float, bool, None, bytes."""

    value: object


NONE = Const(None)
TRUE = Const(True)
FALSE = Const(False)


@dataclass(frozen=True)
class Tup:
    items: tuple


@dataclass(frozen=True)
class DictV:
    """Message kwargs built as a dict: keys known on this path.

    ``open`` means keys may also come from somewhere unknown (``**kw`` of an
    unknown dict), so absence of a key proves nothing.
    """

    items: tuple = ()  # ((key, Value), ...)
    open: bool = False

    def keys(self) -> tuple:
        return tuple(k for k, _ in self.items)

    def get(self, key: str):
        for k, v in self.items:
            if k == key:
                return v
        return None

    def with_item(self, key: str, value) -> DictV:
        items = tuple((k, v) for k, v in self.items if k != key)
        return DictV(items + ((key, value),), self.open)

    def without(self, key: str) -> DictV:
        return DictV(tuple((k, v) for k, v in self.items if k != key),
                     self.open)

    def merged(self, other) -> DictV:
        if not isinstance(other, DictV):
            return DictV(self.items, True)
        result = DictV(self.items, self.open or other.open)
        for key, value in other.items:
            result = result.with_item(key, value)
        return result


@dataclass(frozen=True)
class ModRef:
    module: object  # index.Module


@dataclass(frozen=True)
class ExtRef:
    """Something outside the tree, by dotted name: oslo_messaging.Target."""

    name: str

    @property
    def last(self) -> str:
        return self.name.rpartition(".")[2]


@dataclass(frozen=True)
class ClassRef:
    info: object  # index.ClassInfo


@dataclass(frozen=True)
class FuncRef:
    """A function: module-level, or a method looked up on a class or self."""

    module: object
    node: ast.AST
    owner: object = None  # ClassInfo defining it, for methods
    bound: bool = False   # looked up on self: the first parameter is taken


@dataclass(frozen=True)
class SelfV:
    """The instance of the class being analysed."""


@dataclass(frozen=True)
class SuperV:
    after: object  # ClassInfo: lookups start after it in the MRO


@dataclass(frozen=True)
class ClientV:
    """An oslo.messaging RPCClient (or the old RpcProxy object)."""


@dataclass(frozen=True)
class DefaultV:
    """The client's own target version: ``prepare()`` without a version."""


DEFAULT = DefaultV()


@dataclass(frozen=True)
class CctxtV:
    """A prepared call context: ``client.prepare(version=...)``."""

    version: object
    line: int = 0


@dataclass(frozen=True)
class Member:
    """An attribute of a modelled object not yet called (``cctxt.cast``)."""

    receiver: object
    name: str
    text: str = ""  # source of the receiver expression


@dataclass(frozen=True)
class MsgV:
    """Old-style ``self.make_msg('method', **kwargs)``."""

    method: object
    kwargs: object


@dataclass(frozen=True)
class TargetV:
    version: object
    topic: object
    namespace: object
    line: int
    relpath: str


@dataclass
class Frame:
    """One function activation: where names are looked up."""

    module: object              # index.Module of the code
    owner: object = None        # ClassInfo whose method this is
    depth: int = 0
    site: int = 0               # line in the entry function being run
    stack: tuple = ()           # functions being inlined (recursion guard)
    class_scope: object = None  # ClassInfo when evaluating a class body


def truth(value) -> bool | None:
    """Python truthiness where it is known."""
    if isinstance(value, Const):
        return bool(value.value)
    if isinstance(value, Str):
        return bool(value.value)
    if isinstance(value, Tup):
        return bool(value.items)
    if isinstance(value, (ClassRef, FuncRef, ModRef, SelfV, ClientV, CctxtV,
                          TargetV)):
        return True
    return None


def literal(value):
    """The Python value of a fully known literal value, else raise."""
    if isinstance(value, Str):
        return value.value
    if isinstance(value, Const):
        return value.value
    if isinstance(value, Tup):
        return tuple(literal(v) for v in value.items)
    raise ValueError(value)
