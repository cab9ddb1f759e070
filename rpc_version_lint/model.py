"""The facts about RPC APIs, as plain data.

``extract.py`` fills these from source, ``pairing.py`` groups them into
``Api`` objects, and the rules read them.  Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .versions import Version


# A target namespace that could not be resolved (a constant of a library not
# installed, say): it may equal any other namespace, None included.
UNRESOLVED = "<unresolved>"


@dataclass(frozen=True)
class VersionRef:
    """A version as written in the code, and where.

    ``text`` is None when the expression could not be resolved (``why``
    says what it was); ``version`` is None when the text is not a version
    oslo.messaging accepts.
    """

    text: str | None
    relpath: str
    line: int
    why: str = ""

    @property
    def version(self) -> Version | None:
        return Version.parse(self.text)

    @property
    def resolved(self) -> bool:
        return self.text is not None

    def __str__(self) -> str:
        return self.text if self.text is not None else f"<{self.why}>"


@dataclass(frozen=True)
class Variant:
    """One path through a client method to one send."""

    version: VersionRef
    constraints: tuple       # ((Version, bool), ...): guard outcomes
    kwargs: frozenset | None  # keyword arguments sent; None if unknown
    kwargs_open: bool = False  # more may be sent from an unknown dict
    default_version: bool = False  # prepare() without a version

    @property
    def guarded(self) -> bool:
        return any(self.constraints)


@dataclass
class Send:
    """A message sent by a client: ``cctxt.call(ctxt, 'method', ...)``."""

    method: str | None   # None when the name is not known statically
    kind: str            # call, cast, fanout_cast, ...
    entry: str           # the client method it is reached from
    owner: str           # the class defining that method
    relpath: str
    line: int            # the prepare (or send) line in ``entry``
    send_line: int
    variants: list[Variant] = field(default_factory=list)

    def kwargs_always(self) -> frozenset | None:
        """Keywords sent on every path (None if some path is unknown)."""
        sets = [v.kwargs for v in self.variants]
        if not sets or any(s is None for s in sets):
            return None
        return frozenset.intersection(*sets)


@dataclass(frozen=True)
class Guard:
    version: VersionRef
    entry: str


@dataclass(frozen=True)
class Alias:
    release: str
    version: VersionRef


@dataclass(frozen=True)
class Unresolved:
    relpath: str
    line: int
    text: str
    why: str


@dataclass
class Client:
    path: str                # nova.compute.rpcapi.ComputeAPI
    name: str
    relpath: str
    line: int
    target: VersionRef | None = None  # the Target's default version
    topic: str | None = None
    namespace: str | None = None
    cap: str | None = None   # how the version cap is fed (None: no cap)
    aliases: list[Alias] | None = None
    history: list[Version] | None = None  # "API version history" entries
    history_line: int = 0
    sends: list[Send] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    compat_helpers: list[str] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    old_style: bool = False  # RpcProxy with make_msg sends
    used: set | None = None  # methods the tree calls (None: all)

    @property
    def pinnable(self) -> bool:
        return self.cap is not None


@dataclass(frozen=True)
class Param:
    name: str
    has_default: bool
    keyword_only: bool = False


@dataclass
class Method:
    name: str
    relpath: str
    line: int
    params: tuple = ()        # after self and the context
    varargs: bool = False
    varkw: bool = False
    owner: str = ""           # class path defining it (may be a base)


@dataclass
class Endpoint:
    """A server-side object the dispatcher hands messages to."""

    path: str
    name: str
    relpath: str
    line: int
    version: VersionRef | None = None
    declared: tuple | None = None  # (relpath, line) of its target
    namespace: str | None = None
    methods: dict = field(default_factory=dict)  # name -> Method
    open: bool = False       # an external base may add methods
    has_getattr: bool = False  # defines __getattr__
    delegate: str | None = None  # __getattr__ forwards to this class path
    delegate_methods: dict = field(default_factory=dict)
    registered_by: str | None = None
    registration: tuple | None = None  # (relpath, line) of the append(...)
    unresolved: list[Unresolved] = field(default_factory=list)

    @property
    def accepts(self) -> Version | None:
        return self.version.version if self.version else None

    def method(self, name: str) -> Method | None:
        """The method a message ``name`` reaches, following a
        ``__getattr__`` that forwards to the server it is registered on."""
        return self.methods.get(name) or self.delegate_methods.get(name)

    @property
    def unbounded(self) -> bool:
        """It may answer methods the analysis cannot list."""
        return self.open or (self.has_getattr and self.delegate is None)


@dataclass
class Api:
    """A client paired with the endpoints that serve it."""

    key: str                 # client path, or the server's when no client
    name: str                # for messages: "compute API"
    client: Client | None
    endpoints: list[Endpoint] = field(default_factory=list)
    pairing: str = ""        # how the pair was found, or why not
    complete: bool = True    # every endpoint that may serve it is known

    @property
    def majors(self) -> set[int]:
        return {e.accepts.major for e in self.endpoints if e.accepts}

    @property
    def newest(self) -> Version | None:
        versions = [e.accepts for e in self.endpoints if e.accepts]
        return max(versions) if versions else None

    def endpoint_for(self, major: int) -> Endpoint | None:
        """The endpoint taking the newest messages of a major."""
        best = None
        for endpoint in self.endpoints:
            v = endpoint.accepts
            if v and v.major == major and (best is None or v > best.accepts):
                best = endpoint
        return best


@dataclass
class Snapshot:
    """Every RPC API of one tree."""

    label: str
    apis: list[Api] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # files that hold APIs
    scanned: int = 0         # files that passed the pre-filter
    problems: list[str] = field(default_factory=list)
    inferred: int = 0        # expressions astroid resolved
    inference_calls: int = 0

    def api(self, key: str) -> Api | None:
        for api in self.apis:
            if api.key == key:
                return api
        return None
