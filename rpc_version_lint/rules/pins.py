"""RPC206-RPC208: version pins, histories and new minors agree with the
servers that will receive them, during an upgrade too."""

from __future__ import annotations

from ..pairing import counterparts
from ..versions import cap_allows, holds
from . import Finding, rule
from .dispatch import (
    accepting, an, checked_apis, endpoints_text, sends_with_versions,
    version_site)


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
            problem = f"{ref.text} is a{an(ref.kind)} {ref.kind}, not a " \
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
    base_apis = counterparts(ctx.head.apis, ctx.base.apis) if ctx.base \
        else {}
    for api in ctx.head.apis:
        client = api.client
        if client is None:
            continue
        if client.deployment_pin:
            yield from _capped_sends(ctx, api, base_apis.get(api.key))
        else:  # no cap, or a literal one
            yield from _servers_first(ctx, api)


def _capped_sends(ctx, api, base):
    """Every send a client pinned to the previous release refuses;
    ``base``: the same API at the baseline, if any."""
    client = api.client
    caps = []
    newest_alias = max((a.version.version for a in client.aliases or ()
                        if a.version.version), default=None)
    if newest_alias is not None:
        caps.append((newest_alias, f"the newest alias "
                     f"({_alias_name(client, newest_alias)})"))
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
                    not holds(variant.constraints, cap) or \
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
        if not holds(variant.constraints, cap) or \
                not cap_allows(cap, version) or \
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
