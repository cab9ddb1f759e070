"""One tree -> its ``Snapshot``: every RPC API in it, paired.

The pre-filter picks the candidate files in two stages: the files whose
text names oslo.messaging's API, then the files that import one of those
modules and use one of its RPC names (service wiring in ``cmd/*.py``,
subclasses of base clients).  Only those (and the modules their names lead
to) are parsed.  The facts of each class are kept per process, keyed by
the content of every module their extraction read: the baseline of a
change is mostly the working tree, so it costs little more than the files
the change touched.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
import re
import sys

from .facts import extract
from .facts.callers import used_methods
from .facts.extract import (
    Extractor, declares_target, endpoint_lists, is_rpcproxy)
from .facts.index import Project
from .facts.infer import Inferrer
from .facts.options import Options
from .facts.reach import CLIENT, LISTENER, SEND, SERVER, Reach
from .facts.resolve import Resolver
from .facts.values import ClassRef
from .model import Snapshot
from .pairing import pair, servers_from
from .source.files import module_name

# (kind, key) -> [(((module, digest), ...), astroid, follows, facts)]
_FACTS: dict = {}


def _cached(project, kind: str, key: str, module: str, inferrer, follows,
            compute, where: str = ""):
    """``compute()``, or its result for another tree when every module it
    read then has the same content here (and, if astroid answered
    something, astroid is as available, and the same modules are
    followed)."""
    entries = _FACTS.setdefault((kind, key), [])
    can_infer = inferrer.root is not None
    for deps, astroid, followed, facts in entries:
        if astroid not in (None, can_infer) or followed != follows:
            continue
        if all(project.digest(name) == digest for name, digest in deps):
            return _fresh(facts)
    calls = inferrer.calls
    with project.watching() as read:
        try:
            facts = compute()
        except RecursionError:
            # thousands of nested expressions: analysing it would take
            # the interpreter's whole stack
            project.problems.append(
                f"{where or key} is nested too deeply to analyse; skipped")
            return None
    read.add(module)
    deps = tuple(sorted((name, project.digests.get(name)) for name in read))
    entries.append((deps, can_infer if inferrer.calls > calls else None,
                    follows, facts))
    return _fresh(facts)


def forget() -> None:
    """Drop what was kept for a baseline built after its head."""
    _FACTS.clear()
    _IMPORTS.clear()
    _WORDS.clear()
    _USES.clear()
    extract.forget_callees()


def _fresh(facts):
    """A copy the caller may change (pairing marks endpoints)."""
    if dataclasses.is_dataclass(facts):
        return copy.copy(facts)
    if isinstance(facts, tuple):
        return tuple(_fresh(f) for f in facts)
    if isinstance(facts, list):
        return [_fresh(f) for f in facts]
    return facts


def build(tree, top: str, label: str = "", pairs: dict | None = None,
          infer_root: str | None = None, usage: bool = False,
          store=None) -> Snapshot:
    """``usage``: also find which client methods the tree calls (for the
    rolling-upgrade checks).  ``store``: where the snapshots of earlier
    runs are kept (``source/store.py``); one is reused when everything it
    was built from still holds."""
    settings = _settings(top, pairs, infer_root) if store else None
    snapshot = None
    if store is not None:
        snapshot = _reuse(store.load(_slot(tree, top)), settings, tree, top)
    if snapshot is None:
        trace = _Trace(tree)
        snapshot = _build(trace, tree, top, pairs, infer_root)
        if store is not None and not snapshot.problems:
            store.save(_slot(tree, top), trace.entry(settings, top, snapshot))
    snapshot.label = label or getattr(tree, "label", "")
    if usage:
        project = Project(tree, [])
        for client in snapshot.clients:
            client.used = used_methods(project, tree, top, client)
    return snapshot


def _build(trace, tree, top, pairs, infer_root) -> Snapshot:
    problems: list[str] = []
    project = Project(trace, problems)
    inferrer = Inferrer(infer_root)
    resolver = Resolver(project, inferrer, Options(project, top))
    candidates = list(tree.candidates(top))
    trace.first = list(candidates)
    modules = [m for m in (project.module_at(r) for r in candidates) if m]
    reach = Reach(project, resolver, {m.name for m in modules})

    def judge(relpath, mentioned):
        mod = project.module_at(relpath)
        names = set(mod.classes) | set(mod.functions) if mod else set()
        asked = frozenset(n for n in names if mentioned(n))
        # kept like a class's facts: a base revision reuses the head's
        # judgment of a module when all it read is the same there
        judged, used = _cached(
            project, "judge", (relpath, asked), mod.name, inferrer,
            frozenset(reach.modules), lambda: _rpc_names(
                project, mod, reach, asked.__contains__), relpath) \
            if mod is not None else ((), ())
        trace.judged[relpath] = (frozenset(names), frozenset(judged),
                                 frozenset(used))
        return set(used)

    def begin(relpaths):
        reach.follow({module_name(r) for r in relpaths})

    trace.rounds = second_stage(tree, top, candidates, judge, begin)
    for relpath in (r for found in trace.rounds for r in found):
        mod = project.module_at(relpath)
        if mod is not None:
            modules.append(mod)
            candidates.append(relpath)
    follows = frozenset(reach.modules)
    extractor = Extractor(project, resolver, reach, top)
    snapshot = Snapshot("", scanned=len(candidates), problems=problems,
                        python_files=tree.count_python(top))

    runs, declared = {}, []  # class or function path -> its facts
    for mod in modules:
        for cls in project.classes(mod):
            found = None
            if is_rpcproxy(project, cls) or reach.sends(cls) or \
                    reach.of_class(cls) & {SERVER, LISTENER} or (
                        CLIENT in reach.of_class(cls) and _hands_over(
                            project, cls)):
                found = runs[cls.path] = _cached(
                    project, "run", cls.path, mod.name, inferrer, follows,
                    lambda c=cls: extractor.run_class(c),
                    f"{mod.relpath}:{cls.node.lineno}: class {cls.name}")
            # a client declares what it serves only with a Target it does
            # not send on (its RPC_API_VERSION is its own version)
            how = declares_target(project, cls)
            if how == "version" and found and found[2]:
                how = None  # cinder's RPCAPI: the version of its client
            own = [c for c in found[0] if c.path == cls.path] if found \
                else []
            if how and not (own and (
                    how == "version" or extractor.builds_client_from_target(
                        cls, own))):
                declared.append(cls)
        for name, node in mod.functions.items():
            if reach.of(mod, node) & {SEND, SERVER, LISTENER}:
                key = f"{mod.name}.{name}"
                runs[key] = _cached(project, "function", key, mod.name,
                                    inferrer, follows,
                                    lambda m=mod, n=node:
                                    extractor.run_function(m, n),
                                    f"{mod.relpath}:{node.lineno}: "
                                    f"function {name}")

    # A client handed over on an object outside the tree (a pecan hook
    # putting it on the request): the code reading it back by that name
    # and sending on it (pecan.request.rpc_client.cast(...)) runs with it.
    handed: dict = {}
    for found in runs.values():
        for attr, clients in (found[4] if found else {}).items():
            held = handed.setdefault(attr, [])
            held += [c for c in clients if c not in held]
    if handed:
        extractor.handed = handed
        readers = trace.readers = _readers(tree, top, handed)
        trace.handed = tuple(sorted(handed))
        reach.follow({module_name(r) for r in readers})
        for relpath in readers:
            mod = project.module_at(relpath)
            if mod is None:
                continue
            if relpath not in candidates:
                modules.append(mod)
                candidates.append(relpath)
            for cls in project.classes(mod):
                if _uses_names(project, cls, frozenset(handed)):
                    runs[cls.path] = _cached(
                        project, "run", cls.path, mod.name, inferrer,
                        (follows, tuple(sorted(handed))),
                        lambda c=cls: extractor.run_class(c))
        snapshot.scanned = len(candidates)

    # Code sending through a transport that takes the method name
    # (mistral's sync_call(ctxt, method, **kw)): the classes using one of
    # its methods run with those too; their named messages are the API.
    transport = frozenset({s.entry for found in runs.values() if found
                           for c in found[0] for s in c.sends
                           if s.method is None} - {"call", "cast"})
    if transport:
        for mod in modules:
            for cls in project.classes(mod):
                if _uses_names(project, cls, transport):
                    runs[cls.path] = _cached(
                        project, "run", cls.path, mod.name, inferrer,
                        (follows, transport),
                        lambda c=cls: extractor.run_class(c, transport))
    clients = _merged([c for found in runs.values() if found
                       for c in found[0]])
    facts = [f for found in runs.values() if found for f in found[1]]

    # A client class that other clients derive from and that sends nothing
    # of its own is a base (cinder's RPCAPI); a subclass that sends nothing
    # of its own and goes where its base goes repeats the base's API --
    # unless the tree builds only the subclass (neutron's OVSPluginApi).
    by_path = {c.path: c for c in clients}
    built = _Built(project, extractor, {p for found in runs.values()
                                        if found for p in found[3]})
    derived: dict = {}  # class path -> the clients deriving from it
    for client in clients:
        for base in _bases(project, client):
            derived.setdefault(base.path, []).append(client)
    for client in clients:
        if _repeats_base(project, client, by_path, clients, built,
                         derived.get(client.path, [])):
            continue
        snapshot.clients.append(client)
    snapshot.servers, snapshot.listeners, endpoints = servers_from(
        project, extractor, facts, declared, candidates, resolver,
        endpoint_lists)
    snapshot.endpoints = endpoints
    snapshot.apis = pair(snapshot.clients, snapshot.servers, pairs,
                         lambda path: _endpoint_of(project, extractor, path),
                         snapshot.work, snapshot.unmatched_pairs)
    snapshot.work["interpreter steps"] = extractor.steps
    snapshot.files = sorted({c.relpath for c in snapshot.clients}
                            | {e.relpath for e in snapshot.endpoints})
    snapshot.inferred = inferrer.resolved
    snapshot.inference_calls = inferrer.calls
    trace.searches = project.searched()
    return snapshot


# -- reusing the snapshot of an earlier run ----------------------------------

def _settings(top, pairs, infer_root) -> tuple:
    """What a snapshot depends on besides the files: this code, the
    Python that parsed them, astroid's answers, the configured pairs."""
    return (_code_digest(), sys.version, top,
            tuple(sorted((pairs or {}).items())), infer_root is not None
            and _astroid_version())


def _slot(tree, top) -> str:
    """One slot per tree: a git revision is its content; a directory
    keeps one snapshot, replaced when it changes."""
    sha = getattr(tree, "sha", None)
    if sha:
        return f"git\0{os.path.realpath(tree.repo)}\0{sha}\0" \
            f"{tree.prefix}\0{top}"
    return f"dir\0{os.path.realpath(tree.root)}\0{top}"


class _Trace:
    """The tree as the analysis reads it, noting what it read: the
    digest of every file read (or None, absent), the candidate files and
    each round of the second stage with the names judged in it."""

    def __init__(self, tree):
        self.tree = tree
        self.reads: dict[str, bytes | None] = {}
        self.first: list = []
        self.rounds: list = []
        self.judged: dict = {}
        self.handed: tuple = ()   # names clients were handed over under
        self.readers: list = []   # the files reading them back
        self.searches: dict = {}  # Project.search() name -> its digest

    def __getattr__(self, name):
        return getattr(self.tree, name)

    def read(self, relpath):
        data = self.tree.read(relpath)
        if relpath not in self.reads:  # a tree gives one version a run
            self.reads[relpath] = _digest(data)
        return data

    def read_quietly(self, relpath):
        data = self.tree.read_quietly(relpath)
        if relpath not in self.reads:
            self.reads[relpath] = _digest(data)
        return data

    def entry(self, settings, top, snapshot) -> dict:
        return {"settings": settings, "listing": _listing(self.tree, top),
                "first": self.first, "rounds": self.rounds,
                "judged": self.judged, "reads": self.reads,
                "handed": self.handed, "readers": self.readers,
                "searches": self.searches,
                "snapshot": snapshot}


def _reuse(entry, settings, tree, top) -> Snapshot | None:
    """The stored snapshot, if it would be built again the same: the same
    settings, and -- for a directory -- the same files listed, the same
    candidates, the same second stage, every file read unchanged."""
    if not isinstance(entry, dict) or entry.get("settings") != settings:
        return None
    if getattr(tree, "sha", None):
        return entry["snapshot"]  # a revision's files never change
    if entry["listing"] != _listing(tree, top) or \
            entry["first"] != list(tree.candidates(top)):
        return None
    judged = entry["judged"]

    def judge(relpath, mentioned):
        if relpath not in judged:
            raise _Stale
        names, was, used = judged[relpath]
        now = {n for n in names if mentioned(n)}
        if not now <= was:
            raise _Stale  # a name newly used elsewhere: judge it afresh
        return {u for u in used if u.lstrip("(") in now}

    try:
        if second_stage(tree, top, entry["first"], judge) != entry["rounds"]:
            return None
    except _Stale:
        return None
    if entry["handed"] and \
            _readers(tree, top, entry["handed"]) != entry["readers"]:
        return None
    if any(_digest(tree.read_quietly(relpath)) != digest
           for relpath, digest in entry["reads"].items()):
        return None
    # which files hold a text, define an option: files read to answer
    # are in "reads", but a file newly holding it is found by asking again
    probe = Project(tree, [])
    if any(probe.digest(name) != digest
           for name, digest in entry["searches"].items()):
        return None
    return entry["snapshot"]


class _Stale(Exception):
    """The second stage would judge a module differently now."""


def _digest(data) -> bytes | None:
    return None if data is None else hashlib.sha1(data).digest()


def _listing(tree, top) -> bytes:
    return hashlib.sha1("\0".join(tree.python_files(top)).encode()).digest()


_CODE: list = []


def _code_digest() -> bytes:
    """This package's own code: a snapshot built by other code is not
    reused, version number or not."""
    if not _CODE:
        digest = hashlib.sha1()
        here = os.path.dirname(os.path.abspath(__file__))
        for directory, dirs, files in sorted(os.walk(here)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    path = os.path.join(directory, name)
                    digest.update(os.path.relpath(path, here).encode())
                    with open(path, "rb") as handle:
                        digest.update(handle.read())
        _CODE.append(digest.digest())
    return _CODE[0]


def _astroid_version() -> str:
    """Which astroid answers (its version file, read without importing
    astroid or importlib.metadata: together 20 ms a run)."""
    import importlib.util
    spec = importlib.util.find_spec("astroid")
    if spec is None or not spec.origin:
        return ""
    try:
        with open(os.path.join(os.path.dirname(spec.origin),
                               "__pkginfo__.py"), "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except OSError:
        import importlib.metadata
        try:
            return importlib.metadata.version("astroid")
        except importlib.metadata.PackageNotFoundError:
            return ""


def _hands_over(project, cls) -> bool:
    """Some method of the class hands something over (extract.hands_over)."""
    return any(extract.hands_over(node) for owner in project.mro(cls)[0]
               for name, node in owner.methods.items() if name != "__init__")


def _readers(tree, top, handed) -> list:
    """The files that send on (or prepare) a client read back by the name
    it was handed over under: ``.<name>.cast(``, ``.<name>.prepare(``."""
    pattern = re.compile(r"\.(?:%s)\s*\.\s*(?:call|cast|prepare)\(" %
                         "|".join(map(re.escape, sorted(handed))))
    found = []
    for relpath in tree.python_files(top):
        data = tree.read_quietly(relpath)
        if data and pattern.search(data.decode("utf-8", "replace")):
            found.append(relpath)
    return found


def _uses_names(project, cls, names) -> bool:
    """Some method of the class names an attribute in ``names``."""
    return any(extract._names(node, names)
               for owner in project.mro(cls)[0]
               for node in owner.methods.values())


def _endpoint_of(project, extractor, path):
    """``rpc-pairs`` may name any class of the tree as a server."""
    module, _, name = path.rpartition(".")
    mod = project.module(module)
    if mod is None or name not in mod.classes:
        return None
    return extractor.endpoint(project.class_info(mod, mod.classes[name]))


def _merged(clients) -> list:
    """One Client per API: the messages of an API are recorded by every
    run that sends through its client (senlin's controllers through its
    EngineClient), merged here."""
    found: dict = {}
    for client in clients:
        held = found.get(client.key)
        if held is None:
            found[client.key] = client
            continue
        if held.target is None:
            held.target, held.target_at = client.target, client.target_at
            held.topic, held.namespace = client.topic, client.namespace
        held.cap = held.cap or client.cap
        held.built_at = held.built_at or client.built_at
        sends = {(s.site, s.method, s.kind): s for s in held.sends}
        for send in client.sends:
            same = sends.get((send.site, send.method, send.kind))
            if same is None:
                held.sends.append(send)
                sends[(send.site, send.method, send.kind)] = send
            else:
                same.variants += [v for v in send.variants
                                  if v not in same.variants]
        guards = {(g.version.relpath, g.version.line) for g in held.guards}
        held.guards += [g for g in client.guards
                        if (g.version.relpath, g.version.line) not in guards]
        held.unresolved += [u for u in client.unresolved
                            if u not in held.unresolved]
        held.compat_helpers = sorted(set(held.compat_helpers)
                                     | set(client.compat_helpers))
        held.over_budget += [o for o in client.over_budget
                             if o not in held.over_budget]
    for client in found.values():
        # a helper run on its own sends a method it is given (heat's
        # call(ctxt, msg)): where the API's methods name it, that is all
        named = {s.site for s in client.sends if s.method}
        client.sends = [s for s in client.sends
                        if s.method or s.site not in named]
        client.sends.sort(key=lambda s: (s.relpath, s.line, s.method or ""))
    return list(found.values())


class _Built:
    """Is a class built in the tree: instantiated by the code that was run
    (a service building its manager from a class path), or called
    (``Cls(...)``) in the modules followed?"""

    def __init__(self, project, extractor, seen):
        self.project, self.extractor = project, extractor
        self.seen = seen
        self._found: dict = {}

    def __call__(self, path: str) -> bool:
        if path not in self._found:
            name = path.rpartition(".")[2]
            self._found[path] = path in self.seen or any(
                isinstance(ref, ClassRef) and ref.info.path == path
                for mod, call in self.extractor._calls_named(name)
                for ref in [self.extractor.resolver.static(mod, call.func)])
        return self._found[path]


def _repeats_base(project, client, by_path, clients, built,
                  derived) -> bool:
    module, _, name = client.path.rpartition(".")
    mod = project.module(module)
    if mod is None or name not in mod.classes:
        return False
    cls = project.class_info(mod, mod.classes[name])
    if client.sends and not any(s.method for s in client.sends):
        # a transport (sync_call(ctxt, method, ...)) or a base whose sends
        # all name their method at run time: where other code sends
        # through it with named messages, those are the APIs
        elsewhere = {s.site for c in clients if c is not client
                     for s in c.sends if s.method}
        if all(s.site in elsewhere for s in client.sends):
            return True
    # its own: sent from a method it defines, or through code of its own
    # (a subclass overriding the _cast its inherited methods call)
    span = (cls.module.relpath, cls.node.lineno, cls.node.end_lineno)
    own = any(s.owner == client.path or (
        s.site[0] == span[0] and span[1] <= s.site[1] <= span[2])
        for s in client.sends)
    derived = [c for c in derived if c is not client]
    inherited = {s.site for c in derived for s in c.sends}
    if derived and all(s.site in inherited for s in client.sends) and (
            not any(r.known for r in client.routes) or (
                not built(client.path)
                and any(built(c.path) for c in derived))):
        # a base whose route its subclasses give (zun's rpc_service.API),
        # or a mixin only its subclasses are built from: they are the APIs
        return True

    def same(a, b):
        return a.routes == b.routes and a.target == b.target

    ancestors = [b for b in project.mro(cls)[0][1:] if b.path in by_path]
    if ancestors and not own and same(client, by_path[ancestors[0].path]):
        base = ancestors[0]
        return not (built(client.path) and not built(base.path))
    for other in derived:
        if not any(s.owner == other.path for s in other.sends) and \
                same(other, client) and built(other.path) and \
                not built(client.path):
            return True  # only its subclass is built: that is the API
    return False


def _bases(project, client):
    module, _, name = client.path.rpartition(".")
    mod = project.module(module)
    if mod is None or name not in mod.classes:
        return []
    return project.mro(project.class_info(mod, mod.classes[name]))[0][1:]


# -- the second stage of the pre-filter --------------------------------------

_STATEMENT = (r"(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+"
              r"(?:\(([\w, \t\n]+)\)|([\w, \t]+))|"
              r"import[ \t]+([\w. \t,]+))")
_IMPORT = re.compile(r"^[ \t]*" + _STATEMENT, re.MULTILINE)
_NEXT = re.compile(r"[ \t]*;[ \t]*" + _STATEMENT)  # import a; import b


def second_stage(tree, top, first: list[str], judge, begin=None) -> list:
    """Files that import a module of the earlier stages and use one of its
    RPC names: a service class or wrapper it calls, a client it subclasses
    (and, in turn, what imports those: a few rounds).  ``judge(relpath,
    mentioned)`` gives a module's RPC names among those ``mentioned``
    accepts; ``begin(relpaths)`` is told each round's new files.  Returns
    the relpaths added, round by round."""
    firsts = set(first)
    imports = {relpath: found for relpath in tree.python_files(top)
               if relpath not in firsts
               and (found := _imports_of(tree.read_quietly(relpath)))}
    words: dict = {}

    def mentions(relpath, name):
        if relpath not in words:
            words[relpath] = _words(tree.read_quietly(relpath) or b"")
        if not name.isascii():
            return _used(tree.read_quietly(relpath) or b"", name)
        return name.encode() in words[relpath]

    rounds, fresh = [], list(first)
    for _ in range(3):
        names = {}
        for relpath in fresh:
            name = module_name(relpath)
            importers = [r for r, imported in imports.items()
                         if name in imported]
            if importers:
                used = judge(relpath, lambda n, i=importers: any(
                    mentions(r, n) for r in i))
                if used:
                    names[name] = used
        if not names:
            break
        fresh = []
        for relpath, imported in list(imports.items()):
            wanted = set()
            for name in imported & set(names):
                wanted |= names[name]
            if not wanted:
                continue
            data = tree.read_quietly(relpath) or b""
            if any(_used(data, n) for n in sorted(wanted)):
                del imports[relpath]
                fresh.append(relpath)
        if begin is not None:
            begin(fresh)
        rounds.append(fresh)
    return rounds


def _rpc_names(project, mod, reach, mentioned) -> tuple:
    """(the top-level names judged, the RPC names among them others may
    use): services and wrappers (any use), clients (subclassed:
    ``(Name``).  Only names some importer mentions are judged: judging one
    may mean reading a whole manager."""
    judged, used = set(), set()
    for cls in project.classes(mod):
        if not mentioned(cls.name):
            continue
        judged.add(cls.name)
        if SERVER in reach.of_class(cls):
            used.add(cls.name)  # a service: started where it is used
        elif reach.sends(cls):
            used.add("(" + cls.name)  # a client: its subclasses
    for name, node in mod.functions.items():
        if mentioned(name):
            judged.add(name)
            if reach.of(mod, node):
                used.add(name)
    return frozenset(judged), frozenset(used)


# bytes -> the same, or a space where no ASCII name can go: split() then
# gives the names of a source (a superset: also numbers, and the ASCII
# part of a name with other letters in it)
_NAME_BYTES = bytes(range(256)).translate(
    None, b"0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_NAMES_ONLY = bytes.maketrans(_NAME_BYTES, b" " * len(_NAME_BYTES))


# source bytes (and a name) -> what the second stage reads in them: a base
# revision holds mostly the same files as its head
_IMPORTS: dict = {}
_WORDS: dict = {}
_USES: dict = {}


def _words(data: bytes) -> frozenset:
    """The ASCII names of a source, as bytes."""
    found = _WORDS.get(data)
    if found is None:
        found = _WORDS[data] = frozenset(data.translate(_NAMES_ONLY).split())
    return found


def _imports_of(data) -> frozenset:
    """The dotted names a source imports (``from a import b`` gives both
    ``a`` and ``a.b``)."""
    if not data or b"import" not in data:
        return frozenset()
    found = _IMPORTS.get(data)
    if found is None:
        found = _IMPORTS[data] = frozenset(_scan_imports(data))
    return found


def _scan_imports(data: bytes) -> set:
    found = set()
    text = data.decode("utf-8", "replace")
    # the statements of the lines saying "import": finding the word is
    # many times faster than trying the pattern at every line
    at, start = text.find("import"), -1
    while at >= 0:
        line = text.rfind("\n", 0, at) + 1
        match = _IMPORT.match(text, line) if line > start else None
        start = line
        at = text.find("import", at + 6)
        if match is None:
            continue
        while match is not None:
            base, grouped, items, plain = match.groups()
            if plain:  # import a, b.c as d
                found.update(part.split()[0] for part in plain.split(",")
                             if part.strip())
            else:
                found.add(base)
                for item in re.split(r"[,\s]+", grouped or items or ""):
                    if item and item != "as":
                        found.add(f"{base}.{item}")
            match = _NEXT.match(text, match.end())
    return found


def _used(data: bytes, name: str) -> bool:
    """_uses() on a file's bytes, kept by content: a base revision asks
    again about the importers it shares with the head."""
    key = (data, name)
    found = _USES.get(key)
    if found is None:
        found = _USES[key] = _uses(data.decode("utf-8", "replace"), name)
    return found


def _uses(text: str, name: str) -> bool:
    """``name`` used in the source (``(Name`` -- subclassed only)."""
    if name.startswith("("):
        return re.search(rf"^\s*class\s+\w+\s*\([^)]*\b{re.escape(name[1:])}"
                         rf"\b", text, re.MULTILINE) is not None
    return re.search(rf"\b{re.escape(name)}\b", text) is not None
