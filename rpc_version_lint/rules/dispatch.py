"""RPC2xx: every message a client can send must be dispatchable."""

from __future__ import annotations

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
      oslo.messaging compares versions as MAJOR.MINOR or MAJOR.MINOR.REV
      of integers. Anything else ('5', '5.x', 'v5.0', ' 5.0') makes the
      client or the dispatcher fail when the message is prepared or
      received: the call raises instead of reaching the server, and during
      a rolling upgrade the failure only shows on the nodes that take that
      path.
      """,
      bad="""
      cctxt = self.client.prepare(version='5.x')
      """,
      good="""
      cctxt = self.client.prepare(version='5.13')
      """,
      fix="Write the exact version the message needs, such as '5.13'.")
def malformed_version(ctx):
    seen = set()
    for ref, api, what in written_versions(ctx.head):
        if ref.resolved and ref.version is None and \
                (ref.relpath, ref.line, ref.text) not in seen:
            seen.add((ref.relpath, ref.line, ref.text))
            yield Finding(
                ref.relpath, ref.line, 0, "RPC205",
                f"{api}: {ref.text!r} ({what}) is not a version "
                f"oslo.messaging accepts; write MAJOR.MINOR such as '5.13'",
                api)


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


def accepting(api, version):
    return [e for e in api.endpoints if e.accepts and e.accepts.accepts(
        version)]


def endpoints_text(api) -> str:
    return ", ".join(f"{e.name} {e.version}" for e in api.endpoints)


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
    names = ", ".join(f"{e.name} {e.version}" for e in candidates)
    if any(method in e.private for e in candidates):
        return (f"{names}, which refuses the private {method}(): "
                f"oslo.messaging's default access policy dispatches no "
                f"method whose name starts with '_'",
                "give the endpoint method a public name and send that")
    return f"{names}, which has no method {method}()", "add it there"


def delivery(api, method: str, version, kwargs, kwargs_open: bool):
    """Why one message would fail at ``api``'s endpoints, and where the
    server side of it is: (reason, (relpath, line)); None when it is
    dispatched (or when the analysis cannot tell)."""
    candidates = accepting(api, version)
    if not candidates:
        near = api.endpoint_for(version.major) or max(
            api.endpoints, key=lambda e: e.accepts)
        return (f"no endpoint accepts {version} ({endpoints_text(api)})",
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
                    f"{api.name}: {send.method} is sent as {version}, which "
                    f"no endpoint accepts ({endpoints_text(api)}); "
                    f"{advice(api, version)}", api.name,
                    cause=refused(api, version))
            elif version.major in api.majors:
                best = api.endpoint_for(version.major)
                yield Finding(
                    relpath, line, 0, "RPC201",
                    f"{api.name}: {path_text(variant)}, {send.method} is "
                    f"sent as {version}, above what {best.name} accepts "
                    f"({best.version}); fall back to {best.version} or "
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
      TypeError on the server; so does a required parameter the client
      never sends. Typical causes: a parameter renamed on the manager only,
      or a new parameter added without a default. The rule is
      conservative: it only reports what holds on every path the analysis
      can see.
      """,
      bad="""
      def prep_resize(self, context, instance, new_flavor, ...):  # renamed
      ...
      cctxt.cast(ctxt, 'prep_resize', instance=instance, flavor=flavor)
      """,
      good="""
      def prep_resize(self, context, instance, flavor, ...):
      """,
      fix="""
      Keep the old name (or accept both) until the clients change in a
      version bump; give new parameters a default.
      """)
def bad_arguments(ctx):
    for api in checked_apis(ctx.head):
        targets: dict = {}
        for send, variant, version in sends_with_versions(api):
            found = receiver(api, send.method, version)
            if not found or found[1] is None:
                continue
            key = (send.relpath, send.send_line, send.method, found[0].path)
            targets.setdefault(key, (send, found, []))[2].append(
                (variant, version))
        for send, (endpoint, method), variants in targets.values():
            if any(v.kwargs is None or v.kwargs_open for v, _ in variants):
                continue
            always = frozenset.intersection(*(v.kwargs for v, _ in variants))
            ever = frozenset.union(*(v.kwargs for v, _ in variants))
            params = {p.name for p in method.params}
            versions = ", ".join(sorted({str(v) for _, v in variants}))
            where = f"{endpoint.name}.{method.name}()"
            if not method.varkw:
                for name in sorted(always - params):
                    yield Finding(
                        send.relpath, send.send_line, 0, "RPC203",
                        f"{api.name}: {send.method} sent as {versions} "
                        f"always passes {name}=, which {where} does not "
                        f"take; accept it (with a default) or stop sending "
                        f"it", api.name,
                        cause=("args", send.method, endpoint.path))
            for param in method.params:
                if not param.has_default and param.name not in ever:
                    yield Finding(
                        send.relpath, send.send_line, 0, "RPC203",
                        f"{api.name}: {where} requires {param.name}, which "
                        f"{send.method} sent as {versions} never passes; "
                        f"give it a default or send it", api.name,
                        cause=("args", send.method, endpoint.path))


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
                f"{version.major}.x any more ({endpoints_text(api)}); "
                f"remove the dead compatibility path", api.name,
                cause=("major", version.major))


@rule("RPC206", "VERSION_ALIASES inconsistent",
      rationale="""
      [upgrade_levels] pins a client to the version VERSION_ALIASES gives
      for a release name. A value that is not a version, a version the
      server does not implement yet, or a release mapped to an older
      version than the release before it pins deployments wrongly: the cap
      either breaks every send or lets through messages old nodes reject.
      """,
      bad="""
      VERSION_ALIASES = {'yoga': '6.1', 'zed': '6.0'}   # goes down
      """,
      good="""
      VERSION_ALIASES = {'yoga': '6.0', 'zed': '6.1'}
      """,
      fix="""
      List releases in order with the version each one shipped; never
      above the server's own version.
      """)
def bad_aliases(ctx):
    for api in ctx.head.apis:
        client = api.client
        if client is None or not client.aliases:
            continue
        newest = api.newest if api.endpoints and api.complete else None
        previous = None
        for alias in client.aliases:
            ref, v = alias.version, alias.version.version
            if not ref.resolved:
                continue
            if v is None:
                problem = f"{ref.text!r} is not a version"
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


@rule("RPC207", "Version history not updated", severity="warning",
      rationale="""
      RPC API classes keep an "API version history" docstring: reviewers
      and operators read it to know what each version added and which
      release can be pinned to what. A server whose version went up without
      a matching entry hides what the bump was for.
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
      the history the server class keeps, which also counts).
      """)
def history_behind(ctx):
    for api in ctx.head.apis:
        client = api.client
        if client is None or not client.history or not api.endpoints:
            continue
        newest = api.newest
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
    base_apis = {a.key: a for a in ctx.base.apis} if ctx.base else {}
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
    exposed = []
    for send, variant, version in sends_with_versions(api):
        if not uncapped(variant, cap) or not cap_allows(cap, version) or \
                version.major not in old.majors or accepting(old, version):
            continue
        exposed.append((version, version_site(send, variant), send.method))
    if not exposed:
        return
    top = max(version for version, _, _ in exposed)
    relpath, line = min(site for version, site, _ in exposed
                        if version == top)
    methods = sorted({m for _, _, m in exposed})
    accepted = old.endpoint_for(top.major).accepts
    pin = f"its version_cap is the literal '{cap}'" if cap else \
        "it passes no version_cap"
    yield Finding(
        relpath, line, 0, "RPC208",
        f"{api.name}: this change sends {top} ({_count(methods)}, such as "
        f"{methods[0]}) while the servers of {reference.label} accept "
        f"{top.major}.x up to {accepted}, and no deployment can pin the "
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
