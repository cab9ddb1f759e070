"""RPC2xx: every message a client can send must be dispatchable."""

from __future__ import annotations

from ..pairing import counterparts
from ..versions import cap_allows, holds
from . import Finding, rule


def written_versions(snapshot):
    """(VersionRef, api name, what) for every version written in the code:
    targets, prepare versions, guards, compat fallbacks, endpoints."""
    for api in snapshot.apis:
        client = api.client
        if client is not None:
            if client.target is not None:
                yield client.target, api.name, "client target version"
            for send in client.sends:
                for variant in send.variants:
                    if not variant.default_version:
                        yield variant.version, api.name, \
                            f"version sent with {send.method or 'a message'}"
            for guard in client.guards:
                yield guard.version, api.name, "can_send_version() argument"
        for endpoint in api.endpoints:
            if endpoint.version is not None:
                yield endpoint.version, api.name, \
                    f"{endpoint.name} target version"


@rule("RPC205", "Malformed version string",
      rationale="""
      oslo.messaging compares versions as strings MAJOR.MINOR or
      MAJOR.MINOR.REV of integers. Anything else ('5', '5.x', 'v5.0',
      ' 5.0', or a number such as 5.1 or 2 instead of a string) makes the
      client or the dispatcher fail when the message is prepared or
      received: the call raises instead of reaching the server, and during
      a rolling upgrade the failure only shows on the nodes that take that
      path.
      """,
      bad="""
      cctxt = self.client.prepare(version='5.x')
      cctxt = self.client.prepare(version=5.13)   # a float: not a string
      """,
      good="""
      cctxt = self.client.prepare(version='5.13')
      """,
      fix="""
      Write the exact version the message needs as a string, such as
      '5.13' (a float cannot even say 5.10).
      """)
def malformed_version(ctx):
    seen = set()
    for ref, api, what in written_versions(ctx.head):
        if ref.resolved and ref.version is None and \
                (ref.relpath, ref.line, ref.text) not in seen:
            seen.add((ref.relpath, ref.line, ref.text))
            if ref.kind:
                problem = (f"{ref.text} ({what}) is a{_n(ref.kind)} "
                           f"{ref.kind}, not a string: oslo.messaging "
                           f"compares versions as text and fails on it "
                           f"(AttributeError) when the message is sent or "
                           f"dispatched; write it as a string, such as "
                           f"'{_as_text(ref.text)}'")
            else:
                problem = (f"{ref.text!r} ({what}) is not a version "
                           f"oslo.messaging accepts; write MAJOR.MINOR "
                           f"such as '5.13'")
            yield Finding(ref.relpath, ref.line, 0, "RPC205",
                          f"{api}: {problem}", api)


def _n(word: str) -> str:
    return "n" if word[:1] in "aeiou" else ""


def _as_text(text: str) -> str:
    return text if "." in text else f"{text}.0"


# -- where each message goes ------------------------------------------------

def checked_apis(snapshot):
    """APIs whose client and complete set of endpoints are known, each
    with a version the analysis can read (an unreadable one might accept
    anything)."""
    for api in snapshot.apis:
        if api.client is not None and api.endpoints and api.complete and \
                all(e.accepts for e in api.endpoints):
            yield api


def unpinned(variant) -> bool:
    """The path a client without a cap takes (every guard true)."""
    return all(outcome for _, outcome in variant.constraints)


def path_text(variant) -> str:
    failed = [f"can_send_version('{g}')" for g, ok in variant.constraints
              if not ok]
    return "when " + " and ".join(failed) + " is false" if failed else \
        "unpinned"


def guards_text(variant) -> str:
    """The guard outcomes of a path: " when can_send_version('6.2') is
    false", or "" for a path no guard decides."""
    parts = [f"can_send_version('{g}') is {'true' if ok else 'false'}"
             for g, ok in variant.constraints]
    return " when " + " and ".join(parts) if parts else ""


def accepting(api, version):
    return [e for e in api.endpoints if e.accepts and e.accepts.accepts(
        version)]


def endpoints_text(endpoints) -> str:
    """``Name version at file:line`` of each endpoint, the first three."""
    named = []
    for e in endpoints:
        relpath, line = e.declared or (e.relpath, e.line)
        text = f"{e.name} {e.version} at {relpath}:{line}"
        if text not in named:
            named.append(text)
    more = f" and {len(named) - 3} more" if len(named) > 3 else ""
    return ", ".join(named[:3]) + more


def sends_with_versions(api):
    """(send, variant, version) for every resolved variant of a known
    method."""
    for send in api.client.sends:
        if send.method is None:
            continue
        for variant in send.variants:
            version = variant.version.version
            if version is not None:
                yield send, variant, version


def receiver(api, method: str, version):
    """(endpoint, Method) the dispatcher hands the message to: the first
    endpoint accepting the version that has the method; (None, None) when
    none has it, and None alone when an endpoint may answer anything."""
    candidates = accepting(api, version)
    for endpoint in candidates:
        found = endpoint.method(method)
        if found is not None:
            return endpoint, found
        if endpoint.unbounded:
            return None
    return None, None


def lacks(candidates, method: str) -> tuple[str, str]:
    """Why the endpoints accepting a message do not dispatch it, and what
    to do about it."""
    names = endpoints_text(candidates)
    if any(method in e.private for e in candidates):
        return (f"{names}, which refuses the private {method}(): "
                f"oslo.messaging's default access policy dispatches no "
                f"method whose name starts with '_' (NoSuchMethod)",
                "give the endpoint method a public name and send that")
    return (f"{names}, which has no method {method}(): the server raises "
            f"NoSuchMethod", "add it there")


def delivery(api, method: str, version, kwargs, kwargs_open: bool):
    """Why one message would fail at ``api``'s endpoints, and where the
    server side of it is: (reason, (relpath, line)); None when it is
    dispatched (or when the analysis cannot tell)."""
    candidates = accepting(api, version)
    if not candidates:
        near = api.endpoint_for(version.major) or max(
            api.endpoints, key=lambda e: e.accepts)
        return (f"no endpoint accepts {version} "
                f"({endpoints_text(api.endpoints)}): UnsupportedVersion",
                near.declared or (near.relpath, near.line))
    found = receiver(api, method, version)
    if found is None:
        return None
    endpoint, target = found
    if target is None:
        first = candidates[0]
        return (lacks(candidates, method)[0],
                first.declared or (first.relpath, first.line))
    if kwargs is None or kwargs_open:
        return None
    where = (target.relpath, target.line)
    params = {p.name for p in target.params}
    if not target.varkw:
        extra = sorted(kwargs - params)
        if extra:
            return (f"{endpoint.name}.{method}() does not take "
                    f"{', '.join(extra)}", where)
    missing = [p.name for p in target.params
               if not p.has_default and p.name not in kwargs]
    if missing:
        return (f"{endpoint.name}.{method}() requires {', '.join(missing)}, "
                f"which the message lacks", where)
    return None


@rule("RPC201", "Message version accepted by no endpoint",
      rationale="""
      oslo.messaging hands a message to an endpoint only if the majors are
      equal and the message's minor is not above the endpoint's; otherwise
      the caller gets UnsupportedVersion. Every version a client may send
      must be accepted by some endpoint of its server: on the path an
      unpinned client takes (every can_send_version() guard true), any
      version; on a fallback path, a version of a major the server still
      accepts but with a minor it does not have yet.
      """,
      bad="""
      # manager: target = messaging.Target(version='6.5')
      cctxt = client.prepare(server=host, version='6.6')
      """,
      good="""
      # manager: target = messaging.Target(version='6.6')
      cctxt = client.prepare(server=host, version='6.6')
      """,
      fix="""
      Raise the server's target in the same change that starts sending the
      new version, or send a version the server accepts.
      """)
def not_accepted(ctx):
    for api in checked_apis(ctx.head):
        for send, variant, version in sends_with_versions(api):
            if accepting(api, version):
                continue
            relpath, line = version_site(send, variant)
            if unpinned(variant):
                yield Finding(
                    relpath, line, 0, "RPC201",
                    f"{api.name}: {send.method} ({send.relpath}:"
                    f"{send.send_line}) is sent as {version}, which no "
                    f"endpoint accepts ({endpoints_text(api.endpoints)}): "
                    f"the server raises UnsupportedVersion; "
                    f"{advice(api, version)}", api.name,
                    cause=refused(api, version))
            elif version.major in api.majors:
                best = api.endpoint_for(version.major)
                yield Finding(
                    relpath, line, 0, "RPC201",
                    f"{api.name}: {path_text(variant)}, {send.method} is "
                    f"sent as {version}, above what "
                    f"{endpoints_text([best])} accepts: the server raises "
                    f"UnsupportedVersion; fall back to {best.version} or "
                    f"lower", api.name, cause=refused(api, version))


def version_site(send, variant) -> tuple[str, int]:
    """Where the version a message goes out with is written (the literal
    a bump raised, the client's constant a default comes from), else the
    prepare line."""
    ref = variant.version
    if ref.resolved and ref.relpath and ref.line:
        return ref.relpath, ref.line
    return send.relpath, send.line


def refused(api, version) -> tuple:
    """Why no endpoint accepts ``version``, as a cause (rules/fold.py):
    its major is not served, or only up to an older minor."""
    if version.major in api.majors:
        return ("minor", version.major,
                str(api.endpoint_for(version.major).accepts))
    return ("major", version.major)


def advice(api, version) -> str:
    """What to do about an unpinned message no endpoint accepts, in the
    direction the versions differ."""
    if version.major in api.majors:
        return (f"raise the server's target to {version} in this change or "
                f"send a version it accepts")
    served = sorted(api.majors)
    if served and version.major < served[-1]:
        return (f"the server no longer accepts {version.major}.x: send a "
                f"{served[-1]}.x version, or keep an endpoint for "
                f"{version.major}.x until no client sends it")
    return (f"the server does not accept {version.major}.x yet: send a "
            f"{served[-1]}.x version, or bump the server's major (keeping "
            f"an endpoint for {served[-1]}.x) first")


@rule("RPC202", "No endpoint has the method",
      rationale="""
      When an endpoint accepts the message's version but has no public
      method of that name, the dispatcher raises NoSuchMethod (its default
      access policy refuses methods named with a leading '_'). This is what
      happens when a method is removed from the manager under a minor
      bump, or when a compat proxy for the old major lacks a method that
      old clients still send.
      """,
      bad="""
      class _ComputeV5Proxy(object):
          target = messaging.Target(version='5.13')
          # no prep_resize(), no __getattr__ forwarding to the manager

      cctxt = client.prepare(server=host, version='5.1')
      cctxt.cast(ctxt, 'prep_resize', ...)
      """,
      good="""
      class _ComputeV5Proxy(object):
          target = messaging.Target(version='5.13')

          def prep_resize(self, context, ...):
              return self.manager.prep_resize(context, ...)
      """,
      fix="""
      Add the method to the endpoint that accepts that version (a proxy
      can forward it to the manager), or stop sending it at that version.
      """)
def no_such_method(ctx):
    for api in checked_apis(ctx.head):
        for send, variant, version in sends_with_versions(api):
            found = receiver(api, send.method, version)
            if found != (None, None) or not accepting(api, version):
                continue
            why, fix = lacks(accepting(api, version), send.method)
            yield Finding(
                send.relpath, send.send_line, 0, "RPC202",
                f"{api.name}: {send.method} sent as {version} "
                f"({path_text(variant)}) reaches {why}; {fix} or stop "
                f"sending it at {version}", api.name,
                cause=("method", send.method,
                       accepting(api, version)[0].path))


@rule("RPC203", "Endpoint method does not take the message's arguments",
      rationale="""
      The dispatcher calls the endpoint method with the message's kwargs.
      A keyword the method does not take (and no **kwargs) raises
      TypeError on the server; so does a required parameter the message
      lacks. Each path of a send is checked on its own -- its version and
      the keywords passed on that path -- against every endpoint accepting
      that version: the classic rolling-upgrade bug is a parameter the
      manager requires since a minor bump while the client drops it when
      capped below that minor (or passes a new one under
      can_send_version() that the server at that version does not take).
      Paths whose keywords the analysis cannot list are not judged.
      """,
      bad="""
      # manager at 6.2: def rebuild(self, context, instance, image, mode):
      version = '6.2'
      kwargs = {'instance': instance, 'image': image, 'mode': mode}
      if not client.can_send_version('6.2'):
          version = '6.1'
          del kwargs['mode']       # a 6.1 message reaches rebuild() too
      """,
      good="""
      # manager at 6.2: def rebuild(self, context, instance, image,
      #                             mode=None):
      """,
      fix="""
      Keep the old name (or accept both) until the clients change in a
      version bump; give parameters added in a minor version a default,
      since messages of the older minors still reach the method.
      """)
def bad_arguments(ctx):
    for api in checked_apis(ctx.head):
        yield from argument_findings(api, sends_with_versions(api))


def receivers(api, method: str, version):
    """Every (endpoint, Method) a message may be handed to: each endpoint
    accepting the version that has the method, in order, up to one that
    may answer anything (the message may stop there: not known)."""
    for endpoint in accepting(api, version):
        found = endpoint.method(method)
        if found is not None:
            yield endpoint, found
        elif endpoint.unbounded:
            return


def mismatches(method, kwargs, kwargs_open: bool):
    """What a method called with ``kwargs`` raises TypeError for:
    ("extra", name) for a keyword it does not take, ("missing", name) for
    a required parameter not passed (not decided for an open dict)."""
    if not method.varkw:
        params = {p.name for p in method.params}
        for name in sorted(kwargs - params):
            yield "extra", name
    if not kwargs_open:
        for param in method.params:
            if not param.has_default and param.name not in kwargs:
                yield "missing", param.name


def argument_findings(api, messages, code="RPC203", label=None):
    """One finding per send and endpoint method that some path of the
    send (its version, its guard outcomes and the keywords passed on that
    path) would make raise TypeError. ``messages``: (send, variant,
    version). Paths that differ only by a condition on data (``if
    router_id: kwargs['router_id'] = ...``) are one path here: a required
    parameter is missing only when none of them passes it."""
    paths: dict = {}
    for send, variant, version in messages:
        key = (id(send), version, variant.constraints)
        paths.setdefault(key, (send, variant, version, []))[3].append(
            variant)
    problems: dict = {}
    for send, variant, version, variants in paths.values():
        if any(v.kwargs is None for v in variants):
            continue
        sent = frozenset().union(*(v.kwargs for v in variants))
        open_ = any(v.kwargs_open for v in variants)
        for endpoint, method in receivers(api, send.method, version):
            for kind, name in mismatches(method, sent, open_):
                # one root cause: the method, whichever endpoint (a proxy
                # forwarding through __getattr__) hands the message to it
                key = (send.relpath, send.send_line, send.method,
                       method.relpath, method.line)
                entry = problems.setdefault(key, (send, [], method, {}))
                if not any(e is endpoint for e in entry[1]):
                    entry[1].append(endpoint)
                texts = entry[3].setdefault((kind, name), [])
                text = f"sent as {version}{guards_text(variant)}"
                if text not in texts:
                    texts.append(text)
    for send, endpoints, method, found in problems.values():
        texts = {"; ".join(t) for t in found.values()}
        common = texts.pop() if len(texts) == 1 else None
        parts = []
        for (kind, name), paths in found.items():
            how = "" if common else f" ({'; '.join(paths)})"
            if kind == "extra":
                parts.append(f"with {name}={how}, which it does not take")
            else:
                parts.append(f"without {name}{how}, which it requires")
        kinds = {kind for kind, _ in found}
        if kinds == {"extra"}:
            fix = "accept it (with a default) or stop passing it"
        elif kinds == {"missing"}:
            fix = "give it a default or pass it on every path"
        else:
            fix = ("keep accepting what is passed (the old name, with a "
                   "default) until a major bump changes the clients")
        lead = f"{send.method} {common}" if common else send.method
        owner = method.owner.rpartition(".")[2] or endpoints[0].name
        through = [e.name for e in endpoints if e.name != owner]
        via = f" (through {', '.join(through)})" if through else ""
        yield Finding(
            send.relpath, send.send_line, 0, code,
            f"{label or api.name}: {lead} reaches {owner}."
            f"{method.name}() ({method.relpath}:{method.line}){via} "
            f"{', and '.join(parts)}: the server raises TypeError; {fix}",
            api.name, cause=("args", send.method, endpoints[0].path))


@rule("RPC204", "Compatibility path for a major no endpoint accepts",
      rationale="""
      After change #2 the server no longer accepts the old major N. A
      can_send_version() fallback that still sends N.x is dead code at
      best (every deployment is past the pin) and a typo at worst; if it
      ever runs, the message is rejected. Reported instead of RPC201 for
      such fallbacks, since the unpinned path is fine.
      """,
      bad="""
      version = '6.0'
      if not client.can_send_version(version):
          version = '5.0'          # the 5.x proxy was removed
      """,
      good="""
      version = '6.0'
      """,
      fix="""
      Remove the fallback and the guard (and the old arguments they
      carried), or correct the version.
      """)
def dead_fallback(ctx):
    for api in checked_apis(ctx.head):
        if not api.majors:
            continue
        for send, variant, version in sends_with_versions(api):
            if unpinned(variant) or version.major in api.majors:
                continue
            relpath, line = version_site(send, variant)
            yield Finding(
                relpath, line, 0, "RPC204",
                f"{api.name}: {path_text(variant)}, {send.method} falls "
                f"back to {version}, but no endpoint accepts "
                f"{version.major}.x any more "
                f"({endpoints_text(api.endpoints)}); "
                f"remove the dead compatibility path", api.name,
                cause=("major", version.major))


# -- compat proxies -----------------------------------------------------------

def proxies(snapshot):
    """(proxy, manager, apis): every endpoint a server registers with
    ``P(self)`` whose methods call methods of the object it was built
    around, the endpoint that registers it, and the APIs it serves (the
    clients sharing its topic included)."""
    by_path = {}
    for endpoint in snapshot.endpoints:
        by_path.setdefault(endpoint.path, endpoint)
    seen = set()
    for proxy in snapshot.endpoints:
        manager = by_path.get(proxy.registered_by or "")
        if manager is None or not proxy.forwards or proxy.path in seen or \
                not proxy.accepts:
            continue
        seen.add(proxy.path)
        apis = [api for api in snapshot.apis if api.client is not None
                and any(e.path == proxy.path for e in api.endpoints)]
        yield proxy, manager, apis


def forwarding_problems(forward, target):
    """What is wrong with a call ``self.manager.m(context, ...)`` of a
    manager method ``target``: [(problem, runtime consequence)]."""
    if forward.star or not forward.args:
        return []  # *args, **kwargs or a keyword context: not known
    problems = []
    positional = forward.args[1:]  # after the request context
    slots = [p for p in target.params if not p.keyword_only]
    names = {p.name for p in target.params}
    if len(positional) > len(slots) and not target.varargs:
        problems.append((f"passes {len(positional)} arguments after the "
                         f"context where it takes {len(slots)}", "TypeError"))
    for arg, slot in zip(positional, slots):
        if arg and arg != slot.name and arg in names:
            problems.append((f"passes {arg} positionally into {slot.name}",
                             "the manager gets its arguments in the wrong "
                             "parameters"))
    bound = {slot.name for slot in slots[:len(positional)]} | \
        set(forward.keywords)
    for param in target.params:
        if not param.has_default and param.name not in bound:
            problems.append((f"does not supply the required {param.name}",
                             "TypeError"))
    if not target.varkw:
        for keyword in forward.keywords:
            if keyword not in names:
                problems.append((f"passes {keyword}=, which it does not "
                                 f"take", "TypeError"))
    return problems


def called(apis, proxy, method: str) -> list:
    """Sends reaching ``proxy.method`` through call(): their results are
    waited for."""
    found = []
    for api in apis:
        for send, _, version in sends_with_versions(api):
            if send.method == method and send.kind == "call" and \
                    proxy.accepts.accepts(version) and send not in found:
                found.append(send)
    return found


def lacking(apis, proxy) -> dict:
    """method -> [(api, send, version)]: messages clients send at a
    version the proxy takes, that no endpoint taking it has."""
    found: dict = {}
    if proxy.unbounded:
        return found
    for api in apis:
        for send, _, version in sends_with_versions(api):
            if not proxy.accepts.accepts(version) or \
                    proxy.method(send.method) is not None:
                continue
            if receiver(api, send.method, version) != (None, None):
                continue  # another endpoint taking it has the method
            entries = found.setdefault(send.method, [])
            if not any(s is send for _, s, _ in entries):
                entries.append((api, send, version))
    return found


@rule("RPC209", "Compat proxy forwards wrongly",
      rationale="""
      A compat proxy (an endpoint kept for another major, registered with
      Proxy(self) beside the manager) receives the old messages and
      forwards them to the manager. Its methods must call the manager's
      with every required argument, each in the right place -- an
      argument passed positionally lands in whatever parameter sits there
      now, so a reordered or renamed manager signature silently swaps
      values --, must return what the manager returns when clients call()
      the method (they wait for that result, and get None instead), and
      the proxy must have every method clients still send at its major,
      clients sharing the topic included (NoSuchMethod otherwise).
      """,
      bad="""
      class _ComputeV5Proxy(object):
          target = messaging.Target(version='5.13')

          def __init__(self, manager):
              self.manager = manager

          def get_console_output(self, context, instance, tail_length):
              # clients call() it; the result is dropped
              self.manager.get_console_output(context, tail_length,
                                              instance)  # swapped
      """,
      good="""
      class _ComputeV5Proxy(object):
          target = messaging.Target(version='5.13')

          def __init__(self, manager):
              self.manager = manager

          def get_console_output(self, context, instance, tail_length):
              return self.manager.get_console_output(
                  context, instance=instance, tail_length=tail_length)
      """,
      fix="""
      Pass arguments to the manager by keyword (or in its current order),
      supply every parameter it requires, return its result, and give the
      proxy every method its major's clients send (or a __getattr__ that
      forwards the rest).
      """)
def proxy_forwards_wrongly(ctx):
    for proxy, manager, apis in proxies(ctx.head):
        name = apis[0].name if apis else f"{proxy.name} endpoint"
        for forward in proxy.forwards:
            target = manager.methods.get(forward.target)
            where = f"{manager.name}.{forward.target}()"
            if target is None:
                # a helper of the manager (private, inherited from outside
                # the tree) is no message forwarded
                if manager.unbounded or manager.has_getattr or \
                        forward.target != forward.method:
                    continue
                problems = [(f"calls {where}, which does not exist",
                             "AttributeError")]
            else:
                where += f" ({target.relpath}:{target.line})"
                problems = forwarding_problems(forward, target)
                if not forward.kept and target.returns_value:
                    sends = called(apis, proxy, forward.method)
                    if sends:
                        send = sends[0]
                        problems.append((
                            f"drops the value it returns although "
                            f"{send.method} is sent with call() "
                            f"({send.relpath}:{send.send_line})",
                            "the caller gets None"))
            if not problems:
                continue
            by_consequence: dict = {}
            for problem, consequence in problems:
                by_consequence.setdefault(consequence, []).append(problem)
            text = "; ".join(f"{' and '.join(ps)} ({c})"
                             for c, ps in by_consequence.items())
            yield Finding(
                forward.relpath, forward.line, 0, "RPC209",
                f"{name}: {proxy.name}.{forward.method}(), which takes the "
                f"{proxy.accepts.major}.x messages (up to {proxy.version}), "
                f"forwards to {where} but {text}; pass arguments by "
                f"keyword, supply what the manager requires and return its "
                f"result", name)
        missing = lacking(apis, proxy)
        if missing:
            relpath, line = proxy.declared or (proxy.relpath, proxy.line)
            parts = []
            for method, entries in sorted(missing.items()):
                api, send, version = entries[0]
                parts.append(f"{method} (sent as {version} by "
                             f"{api.client.name}, {send.relpath}:"
                             f"{send.send_line})")
            yield Finding(
                relpath, line, 0, "RPC209",
                f"{apis[0].name}: {proxy.name} takes {proxy.version} "
                f"messages but lacks {', '.join(parts)}: those messages "
                f"raise NoSuchMethod; add the methods (forwarding to "
                f"{manager.name}) or a __getattr__ forwarding the rest",
                apis[0].name)


@rule("RPC206", "Version pins inconsistent",
      rationale="""
      A deployment pins a client with a version cap: [upgrade_levels]
      through VERSION_ALIASES, a literal version_cap, a fallback the client
      computes, or a release table (ironic's RELEASE_MAPPING). A pin that
      is not a version, names a version the server does not implement yet,
      goes down from one release to the next, lies below the client's own
      Target version, or falls back to a major the client no longer sends
      breaks every send it applies to (RPCVersionCapError) or lets through
      messages old nodes reject. A release table's entry for the code
      being developed ('master') must say the server's version: it becomes
      the next release's pin. A newest named-release alias older than the
      server is normal during a cycle and is not reported.
      """,
      bad="""
      VERSION_ALIASES = {'yoga': '6.1', 'zed': '6.0'}   # goes down

      target = messaging.Target(topic='worker', version='1.4')
      client = rpc.get_client(target, version_cap='1.3')  # below 1.4
      """,
      good="""
      VERSION_ALIASES = {'yoga': '6.0', 'zed': '6.1'}

      target = messaging.Target(topic='worker', version='1.4')
      client = rpc.get_client(target, version_cap='1.4')
      """,
      fix="""
      List releases in order with the version each one shipped, never
      above the server's own version; raise a literal cap and a release
      table's development entry with every bump; fall back to the
      client's own version, not to an alias of a major it dropped.
      """)
def bad_pins(ctx):
    seen = set()
    for api in ctx.head.apis:
        client = api.client
        if client is None:
            continue
        checked = api.endpoints and api.complete and \
            all(e.accepts for e in api.endpoints)
        newest = api.newest if checked else None
        for finding in (*_alias_problems(api, newest),
                        *_cap_problems(api),
                        *_fallback_problems(api),
                        *_development_problems(api, newest)):
            if (finding.relpath, finding.line) not in seen:
                seen.add((finding.relpath, finding.line))
                yield finding


def _alias_problems(api, newest):
    previous = None
    for alias in api.client.aliases or ():
        ref, v = alias.version, alias.version.version
        if not ref.resolved:
            continue
        if v is None:
            problem = f"{ref.text} is a{_n(ref.kind)} {ref.kind}, not a " \
                "version string" if ref.kind else \
                f"{ref.text!r} is not a version"
        elif newest is not None and v > newest:
            problem = (f"{v} is newer than anything the server "
                       f"implements ({newest})")
        elif previous is not None and v < previous[1]:
            problem = (f"{v} is older than {previous[0]}'s "
                       f"{previous[1]}: aliases must not go down")
        else:
            problem = None
        if problem:
            yield Finding(ref.relpath, ref.line, 0, "RPC206",
                          f"{api.name}: VERSION_ALIASES[{alias.release!r}"
                          f"]: {problem}", api.name)
        elif v is not None:
            previous = (alias.release, v)  # a flagged entry is no guide


def _cap_problems(api):
    client = api.client
    cap = client.cap_ref.version if client.cap_ref else None
    target = client.target.version if client.target else None
    if cap is None or target is None or cap.accepts(target):
        return
    yield Finding(
        client.cap_ref.relpath, client.cap_ref.line, 0, "RPC206",
        f"{api.name}: version_cap {cap} of {client.name} is below its own "
        f"Target version {target} ({client.target.relpath}:"
        f"{client.target.line}): every message sent at the Target's "
        f"version raises RPCVersionCapError; raise the cap with the "
        f"version", api.name)


def _fallback_problems(api):
    client = api.client
    aliases = {a.release: a.version.version for a in client.aliases or ()}
    majors = {v.major for _, _, v in sends_with_versions(api)}
    if client.target is not None and client.target.version:
        majors.add(client.target.version.major)
    for release, relpath, line in client.alias_uses:
        v = aliases.get(release)
        if v is None or not majors or v.major in majors or \
                v.major > max(majors):
            continue
        sent = ", ".join(f"{m}.x" for m in sorted(majors))
        yield Finding(
            relpath, line, 0, "RPC206",
            f"{api.name}: the cap fallback VERSION_ALIASES[{release!r}] "
            f"({v}) pins {client.name} to {v.major}.x, but it sends only "
            f"{sent}: while the fallback applies every send raises "
            f"RPCVersionCapError; fall back to the client's own version "
            f"instead", api.name)


def _development_problems(api, newest):
    if api.client.development is None or newest is None:
        return
    table, alias = api.client.development
    v = alias.version.version
    if v is None or v == newest:
        return
    yield Finding(
        alias.version.relpath, alias.version.line, 0, "RPC206",
        f"{api.name}: {table} is {v} but the server is at {newest}: the "
        f"entry for the code being developed becomes the next release's "
        f"pin; set it to {newest}", api.name)


@rule("RPC207", "Version history out of step with the server",
      severity="warning",
      rationale="""
      RPC API classes keep an "API version history" docstring: reviewers
      and operators read it to know what each version added and which
      release can be pinned to what. A server whose version went up without
      a matching entry hides what the bump was for; a history whose newest
      entry is above the version the server accepts records a bump that
      never reached the server (clients that trust it send what the server
      rejects).
      """,
      bad="""
      '''API version history:
          * 6.4 - Add allow_share() and deny_share()
      '''
      # manager: target = messaging.Target(version='6.5')
      """,
      good="""
      '''API version history:
          * 6.4 - Add allow_share() and deny_share()
          * 6.5 - Add 2nd RPC server with new topic 'compute-alt'
      '''
      """,
      fix="""
      Add an entry for the new version to the client's docstring (or to
      the history the server class keeps, which also counts); for an entry
      ahead of the server, bump the server's target with that change.
      """)
def history_behind(ctx):
    for api in ctx.head.apis:
        client = api.client
        if client is None or not api.endpoints:
            continue
        newest = api.newest
        if newest is not None and api.complete and \
                all(e.accepts for e in api.endpoints):
            yield from _history_ahead(api, newest)
        if not client.history:
            continue
        # the server side may keep the history instead (neutron's
        # callbacks do, in comments above their target)
        recorded = set(client.history).union(
            *(e.history for e in api.endpoints))
        if newest is not None and newest not in recorded:
            yield Finding(
                client.relpath, client.history_line, 0, "RPC207",
                f"{api.name}: the server is at {newest} but the version "
                f"history of {client.name} ends at {max(client.history)}; "
                f"add an entry for {newest}", api.name)


def _history_ahead(api, newest):
    """A history whose newest entry is above the version the server
    accepts: the bump it records never reached the server. When the client
    already sends above it, RPC201 reports that one cause."""
    if any(v > newest for _, _, v in sends_with_versions(api)
           if v.major == newest.major):
        return
    owners = [(api.client.name, api.client.history,
               (api.client.relpath, api.client.history_line))]
    owners += [(e.name, e.history, e.declared or (e.relpath, e.line))
               for e in api.endpoints]
    seen = set()
    for name, history, (relpath, line) in owners:
        top = max(history or (), default=None)
        if top is None or top <= newest or (relpath, line) in seen:
            continue
        seen.add((relpath, line))
        yield Finding(
            relpath, line, 0, "RPC207",
            f"{api.name}: the version history of {name} lists {top}, but "
            f"the server accepts only up to {newest}: bump the server to "
            f"{top} with the change the entry describes, or correct the "
            f"history", api.name)


def uncapped(variant, cap) -> bool:
    """Is the path taken by a client capped at ``cap``?"""
    return holds(variant.constraints, cap)


@rule("RPC208", "New minor sent before older nodes can take it",
      reads_base=True,
      rationale="""
      While a deployment upgrades, new clients and old servers run side
      by side. A client a deployment can pin ([upgrade_levels],
      VERSION_ALIASES, a computed cap) is pinned to the previous release
      meanwhile: a version newer than that release speaks -- newer than
      the newest alias, or than anything the client sent at the baseline
      (or in the previous release) -- makes the capped client raise
      RPCVersionCapError unless a can_send_version() guard (or a compat
      helper) picks an older version or refuses politely first.

      A client no deployment can pin (no cap, or a literal
      version_cap='6.12' that is the same everywhere) sends the new
      version as soon as it is upgraded: servers still running the
      previous code reject it with UnsupportedVersion. Such an API is safe
      only when its servers are upgraded before its clients; the finding
      says so once per API and change, at the line that raised the
      version. Minor versions only; new majors are RPC1xx's business.
      """,
      bad="""
      def allow_share(self, ctxt, instance, share_mapping):
          cctxt = self.router.client(ctxt).prepare(version='6.4')
          cctxt.cast(ctxt, 'allow_share', ...)
      """,
      good="""
      def allow_share(self, ctxt, instance, share_mapping):
          client = self.router.client(ctxt)
          if not client.can_send_version('6.4'):
              raise exception.UnsupportedRPCVersion(api='allow_share',
                                                    required='6.4')
          cctxt = client.prepare(version='6.4')
      """,
      fix="""
      Check can_send_version() for that version (or a newer one) first,
      and fall back to an older version or raise a clear error. For an
      API no deployment can pin, make sure the servers are upgraded first
      (release notes, upgrade docs), or give the client a cap operators
      can set.
      """)
def unguarded_new_minor(ctx):
    for api in ctx.head.apis:
        client = api.client
        if client is None:
            continue
        if client.deployment_pin:
            yield from _capped_sends(ctx, api)
        else:  # no cap, or a literal one
            yield from _servers_first(ctx, api)


def _capped_sends(ctx, api):
    """Every send a client pinned to the previous release refuses."""
    client = api.client
    base_apis = counterparts(ctx.head.apis, ctx.base.apis) if ctx.base \
        else {}
    caps = []
    newest_alias = max((a.version.version for a in client.aliases or ()
                        if a.version.version), default=None)
    if newest_alias is not None:
        caps.append((newest_alias, f"the newest alias "
                     f"({_alias_name(client, newest_alias)})"))
    base = base_apis.get(api.key)
    if base is not None and base.client is not None:
        sent = [v for _, _, v in sends_with_versions(base)]
        if base.client.target and base.client.target.version:
            sent.append(base.client.target.version)
        for major in {v.major for v in sent}:
            top = max(v for v in sent if v.major == major)
            caps.append((top, f"the newest version it sent at "
                         f"{ctx.base.label} ({top})"))
    seen = set()
    for send, variant, version in sends_with_versions(api):
        for cap, why in caps:
            if version.major != cap.major or version <= cap or \
                    not uncapped(variant, cap) or \
                    (send.relpath, send.line) in seen:
                continue
            seen.add((send.relpath, send.line))
            yield Finding(
                send.relpath, send.line, 0, "RPC208",
                f"{api.name}: {send.method} is sent as {version}, newer "
                f"than {why}, with no can_send_version('{version}') "
                f"guard: a client pinned to {cap} raises "
                f"RPCVersionCapError; guard it and fall back or raise",
                api.name, cause=("cap", send.relpath, send.line,
                                 str(version)))


def _servers_first(ctx, api):
    """One finding when a client no deployment can pin sends a minor the
    servers of the baseline (else of the previous release) reject."""
    for reference in (ctx.base, ctx.previous):
        old = reference.api(api.key) if reference is not None else None
        if old is not None and any(a is old
                                   for a in checked_apis(reference)):
            break
    else:
        return
    cap = api.client.fixed_cap
    # what the old clients sent already failed there: RPC201's business
    sent_before = {(send.method, version)
                   for send, _, version in sends_with_versions(old)}
    exposed = []
    for send, variant, version in sends_with_versions(api):
        if not uncapped(variant, cap) or not cap_allows(cap, version) or \
                version.major not in old.majors or \
                accepting(old, version) or \
                (send.method, version) in sent_before:
            continue
        exposed.append((version, version_site(send, variant), send.method))
    if not exposed:
        return
    top = max(version for version, _, _ in exposed)
    relpath, line = min(site for version, site, _ in exposed
                        if version == top)
    methods = sorted({m for _, _, m in exposed})
    server = old.endpoint_for(top.major)
    accepted = server.accepts
    pin = f"its version_cap is the literal '{cap}'" if cap else \
        "it passes no version_cap"
    yield Finding(
        relpath, line, 0, "RPC208",
        f"{api.name}: this change sends {top} ({_count(methods)}, such as "
        f"{methods[0]}) while the servers of {reference.label} accept "
        f"{top.major}.x up to {accepted} ({endpoints_text([server])}), "
        f"and no deployment can pin the "
        f"client ({pin}): until every "
        f"server of the API runs this code those messages fail with "
        f"UnsupportedVersion; the servers must be upgraded before their "
        f"clients (say so in the release notes), or guard the new "
        f"messages with can_send_version()", api.name,
        cause=("servers-first", top.major))


def _count(methods) -> str:
    return f"{len(methods)} message{'s' * (len(methods) != 1)}"


def _alias_name(client, version) -> str:
    for alias in reversed(client.aliases):
        if alias.version.version == version:
            return f"{alias.release} = {version}"
    return str(version)
