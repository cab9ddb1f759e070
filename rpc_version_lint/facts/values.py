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
    origin: object = None  # the object whose missing attribute this is

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
    """A function: module-level, or a method looked up on a class or an
    object (``receiver``: the object its first parameter is bound to)."""

    module: object
    node: ast.AST
    owner: object = None     # ClassInfo defining it, for methods
    receiver: object = None  # Obj (or ClassRef for a classmethod)
    closure: object = None   # the locals a nested function sees

    @property
    def bound(self) -> bool:
        return self.receiver is not None


@dataclass(frozen=True)
class Obj:
    """An instance of a class of the tree.  Its attributes live in the
    interpreter state's heap under ``oid`` (one id per allocation site)."""

    cls: object   # index.ClassInfo
    oid: tuple


@dataclass(frozen=True)
class SuperV:
    receiver: object  # the Obj (or ClassRef) ``super()`` is called on
    after: object     # ClassInfo: lookups start after it in the MRO


@dataclass(frozen=True)
class Alt:
    """An attribute different paths of ``__init__`` set differently
    (ironic's client: oslo.messaging's, or its own JSON-RPC one): reading
    it follows each."""

    values: tuple


@dataclass(frozen=True)
class Fmt:
    """A string partly known: its parts are Str, ExtRef (a constant of
    another library) or Unknown (a host name, say)."""

    parts: tuple


@dataclass(frozen=True)
class ClientV:
    """An oslo.messaging RPCClient (or the old RpcProxy object): the
    Target it was built with, and its version cap."""

    target: object = None    # TargetV, or Unknown
    cap: object = None       # version_cap value; None when not given
    line: int = 0
    relpath: str = ""
    owner: str | None = None  # the class of the object that built it


@dataclass(frozen=True)
class LibMethodV:
    """A method a library class defines, looked up on an object of a
    subclass (``super().start()`` of a neutron-lib service)."""

    call: object      # messaging.Call
    receiver: object  # the Obj


@dataclass(frozen=True)
class IdentityV:
    """A function that hands back its argument (a tracing decorator)."""


@dataclass(frozen=True)
class DriverV:
    """A stevedore DriverManager: ``.driver`` is the named entry point."""

    namespace: object
    name: object


@dataclass(frozen=True)
class ConnV:
    """neutron-lib's ``rpc.Connection``: ``create_consumer`` starts
    servers."""


@dataclass(frozen=True)
class DefaultV:
    """The client's own target version: ``prepare()`` without a version."""


DEFAULT = DefaultV()


@dataclass(frozen=True)
class CctxtV:
    """A prepared call context: ``client.prepare(version=...)``; ``route``
    holds the Target fields prepare() changed, as ((field, value), ...)."""

    version: object
    line: int = 0
    client: object = None   # the ClientV it was prepared from
    route: tuple = ()

    def field(self, name: str):
        for key, value in self.route:
            if key == name:
                return value
        return None


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
    exchange: object = None
    server: object = None
    fanout: object = None


@dataclass
class Frame:
    """One function activation: where names are looked up."""

    module: object              # index.Module of the code
    owner: object = None        # ClassInfo whose method this is
    depth: int = 0
    site: int = 0               # line in the entry function being run
    stack: tuple = ()           # functions being inlined (recursion guard)
    class_scope: object = None  # ClassInfo when evaluating a class body
    receiver: object = None     # the object ``self`` is in a method
    origin: object = None       # the call in the entry that led here
    trail: tuple = ()           # call sites here: ((relpath, line, in a
    #                             method?), ...), outermost first
    holder: object = None       # the nearest object whose code runs here
    function: str = ""          # dotted path of the function running


def truth(value) -> bool | None:
    """Python truthiness where it is known."""
    if isinstance(value, Const):
        return bool(value.value)
    if isinstance(value, Str):
        return bool(value.value)
    if isinstance(value, Tup):
        return bool(value.items)
    if isinstance(value, (ClassRef, FuncRef, ModRef, Obj, ClientV, CctxtV,
                          TargetV, DriverV, ConnV)):
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
