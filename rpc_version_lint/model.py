"""The facts about RPC APIs, as plain data.

``facts.extract`` fills these from source, ``pairing`` groups them into
``Api`` objects, and the rules read them.  Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .versions import Version


# A target namespace that could not be resolved (a constant of a library not
# installed, say): it may equal any other namespace, None included.
UNRESOLVED = "<unresolved>"

# how facts.extract describes a literal version_cap (Client.cap)
FIXED_CAP = "fixed at "


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
    kind: str = ""   # a non-string literal: "float", "int" (never valid)

    @property
    def version(self) -> Version | None:
        return None if self.kind else Version.parse(self.text)

    @property
    def resolved(self) -> bool:
        return self.text is not None

    def __str__(self) -> str:
        return self.text if self.text is not None else f"<{self.why}>"


@dataclass(frozen=True)
class Route:
    """Where a message goes, as the broker routes it.

    ``topic`` is text: a literal, ``{dotted.name}`` for a constant or an
    option of another library that could not be read, ``*`` for an unknown
    part (a host name); None when nothing of it is known.  ``namespace``
    likewise (None: no namespace; UNRESOLVED: not known).
    """

    topic: str | None
    namespace: str | None = None
    fanout: bool = False

    @property
    def known(self) -> bool:
        return self.topic is not None


@dataclass(frozen=True)
class Variant:
    """One path through a client method to one send."""

    version: VersionRef
    constraints: tuple       # ((Version, bool), ...): guard outcomes
    kwargs: frozenset | None  # keyword arguments sent; None if unknown
    kwargs_open: bool = False  # more may be sent from an unknown dict
    default_version: bool = False  # prepare() without a version
    route: Route | None = None  # None: not known (an old RpcProxy client)

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
    site: tuple = ()     # (relpath, line) of the call/cast itself

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
    entry: str = ""          # the client method run when it was met


@dataclass
class Client:
    path: str                # fleet.rpcapi.FleetAPI (dotted class path)
    name: str
    relpath: str
    line: int
    key: str = ""            # path, and #namespace when a class has several
    target: VersionRef | None = None  # the Target's default version
    topic: str | None = None
    namespace: str | None = None
    cap: str | None = None   # how the version cap is fed (None: no cap)
    aliases: list[Alias] | None = None
    cap_ref: VersionRef | None = None  # a literal version_cap='1.3'
    # VERSION_ALIASES['name'] looked up with a literal name (a cap
    # fallback): (name, relpath, line)
    alias_uses: list = field(default_factory=list)
    # a release table's current-development entry (ironic's
    # RELEASE_MAPPING['master']['rpc']): (table name, Alias)
    development: tuple | None = None
    history: list[Version] | None = None  # "API version history" entries
    history_line: int = 0
    sends: list[Send] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    compat_helpers: list[str] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    old_style: bool = False  # RpcProxy with make_msg sends
    used: set | None = None  # methods the tree calls (None: all)
    built_at: tuple | None = None  # (relpath, line) of the client's creation
    target_at: tuple | None = None  # (relpath, line) of its Target(...)
    over_budget: list = field(default_factory=list)  # methods cut short

    def __post_init__(self):
        self.key = self.key or self.path

    @property
    def pinnable(self) -> bool:
        """A version_cap is passed (of whatever kind)."""
        return self.cap is not None

    @property
    def fixed_cap(self) -> Version | None:
        """The cap, when the code passes a literal ``version_cap='6.12'``."""
        if self.cap and self.cap.startswith(FIXED_CAP):
            return Version.parse(self.cap[len(FIXED_CAP):])
        return None

    @property
    def deployment_pin(self) -> bool:
        """Can a deployment pin the client to an older version while it
        upgrades: a cap fed from configuration or computed at run time,
        or VERSION_ALIASES to name releases with?  A literal version_cap
        is the same in every deployment: it pins nothing."""
        return bool(self.aliases) or (self.cap is not None and
                                      not self.cap.startswith(FIXED_CAP))

    @property
    def routes(self) -> set:
        return {v.route for s in self.sends for v in s.variants
                if v.route is not None}


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
    returns_value: bool = False  # some ``return <value>`` in its body
    # the parameter the dispatcher fills with the request context
    context: Param | None = None

    def called_bare(self) -> Method:
        """The method as a wrapper that keeps the context to itself
        calls it: the context's parameter takes an argument like the
        rest."""
        if self.context is None:
            return self
        return replace(self, params=(self.context,) + self.params,
                       context=None)


@dataclass(frozen=True)
class Forward:
    """A call in an endpoint method to a method of the object its
    ``__init__`` was given (a compat proxy's ``self.manager.m(...)``)."""

    method: str              # the endpoint method making the call
    target: str              # the method called on the held object
    relpath: str
    line: int
    # positional arguments: the variable passed, or None for another
    # expression (the first one is the request context)
    args: tuple = ()
    keywords: tuple = ()     # keyword argument names
    star: bool = False       # *args or **kwargs: the binding is not known
    kept: bool = True        # its result is returned (or used)


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
    via: str | None = None   # a forwarding wrapper the server holds it in
    history: list = field(default_factory=list)  # versions it records
    private: set = field(default_factory=set)  # methods it refuses to serve
    forwards: list = field(default_factory=list)  # Forward, ...

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
class Server:
    """An RPC server: the endpoints one ``get_rpc_server`` (or a service
    doing so) dispatches to, and the topics it listens on."""

    anchor: str              # "relpath:line" of its creation, or a class
    package: str
    module: str
    endpoints: list
    complete: bool = True    # every endpoint it holds is known
    topics: tuple = ()       # route texts; () when not seen
    relpath: str = ""
    line: int = 0

    def serving(self, namespace) -> list:
        return [e for e in self.endpoints if e.namespace == namespace]

    def certain(self) -> bool:
        return self.complete and all(e.namespace != UNRESOLVED
                                     for e in self.endpoints)


@dataclass(frozen=True)
class EndpointRef:
    """An object a server holds as an endpoint, as the code built it."""

    path: str                     # its class (a forwarding wrapper's target)
    relpath: str                  # where it was created
    line: int
    version: VersionRef | None = None  # its own Target, when set on it
    namespace: str | None = None
    declared: tuple | None = None
    via: str | None = None        # the forwarding wrapper holding it
    bare: bool = False            # the wrapper calls it without the context


@dataclass(frozen=True)
class ServerFact:
    """An RPC server (or a notification listener) the code starts."""

    kind: str                     # "rpc" or "listener"
    relpath: str                  # where it is created
    line: int
    topics: tuple                 # route texts (None: not known)
    endpoints: tuple              # EndpointRef, ...
    complete: bool                # every endpoint object is known
    covered_by: tuple = ()        # endpoints whose registrations fill gaps
    entry: str = ""               # the code run when it was seen


# How an API's endpoints were found, strongest first.
EVIDENCE = ("configured", "route", "symbol", "neighbourhood")


@dataclass
class Api:
    """A client paired with the endpoints that serve it."""

    key: str                 # client path, or the server's when no client
    name: str                # for messages: "compute API"
    client: Client | None
    endpoints: list[Endpoint] = field(default_factory=list)
    pairing: str = ""        # how the pair was found, or why not
    complete: bool = True    # every endpoint that may serve it is known
    evidence: str = ""       # one of EVIDENCE; "" when not paired
    coverage: str = ""       # checked, partial or unchecked
    reason: str = ""         # why partial or unchecked

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
    servers: list = field(default_factory=list)
    listeners: list = field(default_factory=list)  # (class, relpath, line)
    python_files: int = 0    # Python files of the tree (not tests)
    # work done (interpreter steps, route comparisons): what the tests
    # of bounded work count instead of seconds
    work: dict = field(default_factory=dict)
    unmatched_pairs: list = field(default_factory=list)  # rpc-pairs errors

    def coverage(self) -> dict:
        """Client APIs checked fully, partially and not at all."""
        counts = {"checked": 0, "partial": 0, "unchecked": 0}
        for api in self.apis:
            if api.client is not None and api.coverage in counts:
                counts[api.coverage] += 1
        return counts

    def api(self, key: str) -> Api | None:
        for api in self.apis:
            if api.key == key:
                return api
        return None
