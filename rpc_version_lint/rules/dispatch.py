"""RPC2xx: every message a client can send must be dispatchable."""

from __future__ import annotations

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
                problem = (f"{ref.text} ({what}) is a{an(ref.kind)} "
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


def an(word: str) -> str:
    """The "n" of "an" before ``word``: f"a{an(kind)} {kind}"."""
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
