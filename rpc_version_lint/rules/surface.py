"""RPC3xx: changes to an endpoint's RPC surface need a version bump.

The counterpart, for RPC endpoints, of the object fingerprint tests
OpenStack runs for versioned objects. Only methods the paired client sends
(at the baseline or now) are the RPC surface: a public helper that no
client calls is not part of the API, whatever the dispatcher would allow.
"""

from __future__ import annotations

from ..facts.surface import changes
from . import Finding, rule
from .dispatch import mismatches, receivers, sends_with_versions


def compared(ctx):
    """(api, endpoint now, endpoint at base, methods that are RPC) for
    every paired endpoint present on both sides with readable versions,
    once per endpoint. The methods that are RPC are those any client
    sends to it, now or at base (clients sharing its topic included)."""
    base_endpoints = {e.path: e for api in ctx.base.apis for e in api.endpoints
                      if api.client is not None}
    sent: dict = {}
    for snapshot in (ctx.base, ctx.head):
        for api in snapshot.apis:
            if api.client is None:
                continue
            methods = {s.method for s in api.client.sends if s.method}
            for endpoint in api.endpoints:
                sent.setdefault(endpoint.path, set()).update(methods)
    seen = set()
    for api in ctx.head.apis:
        if api.client is None:
            continue
        for endpoint in api.endpoints:
            before = base_endpoints.get(endpoint.path)
            key = (endpoint.path, endpoint.version.text if endpoint.version
                   else None)
            if before is not None and endpoint.accepts and \
                    before.accepts and key not in seen:
                seen.add(key)
                yield api, endpoint, before, sent.get(endpoint.path, set())


def base_messages(ctx, before):
    """(api, send, variant, version) for every message a client at base
    sends that the endpoint ``before`` took: what the previous code,
    still running during the upgrade, keeps sending."""
    for api in ctx.base.apis:
        paths = {e.path for e in api.endpoints}
        if api.client is None or before.path not in paths:
            continue
        for send, variant, version in sends_with_versions(api):
            if before.accepts.accepts(version) and \
                    before.method(send.method) is not None:
                yield api, send, variant, version


def broken_by(ctx, api, endpoint, before, found):
    """The incompatible changes in ``found`` that break a message of the
    baseline's clients, each with what breaks: {Change: [text, ...]}."""
    broken: dict = {}
    by_method: dict = {}
    for change in found:
        by_method.setdefault(change.method, []).append(change)
    for base_api, send, variant, version in base_messages(ctx, before):
        changes_of = by_method.get(send.method)
        if not changes_of:
            continue
        sender = f"{send.method} sent as {version} by " \
            f"{base_api.client.name} ({send.relpath}:{send.send_line} at " \
            f"{ctx.base.label})"
        method = endpoint.method(send.method)
        if method is None:
            if endpoint.unbounded or any(
                    e is not endpoint for e, _ in
                    receivers(api, send.method, version)):
                continue  # answered elsewhere now
            error = "NoSuchMethod"
            hit = [c for c in changes_of if c.kind == "removed"]
        elif variant.kwargs is None:
            error = "TypeError"  # not known: judged on the surface
            hit = changes_of
        else:
            names = set()
            for kind, name in mismatches(method, variant.kwargs,
                                         variant.kwargs_open):
                names |= {name, "**"} if kind == "extra" else {name}
            error = "TypeError"
            hit = [c for c in changes_of if names & set(c.params)]
        for change in hit:
            texts = broken.setdefault(change, [])
            text = f"{sender} raises {error}"
            if text not in texts:
                texts.append(text)
    return broken


def relevant(api, endpoint, before, sent):
    return [c for c in changes(before, endpoint) if c.method in sent]


def site(endpoint):
    return endpoint.declared or (endpoint.relpath, endpoint.line)


@rule("RPC301", "RPC surface changed without a version bump",
      needs="base",
      rationale="""
      Clients decide what to send, and whether a server can take it, from
      the version alone. A method added (or a parameter added, removed or
      renamed) without raising the endpoint's target version makes two
      different servers claim the same version: a client that checks
      can_send_version() believes an old server has the new method, and
      the call fails on every node not yet upgraded.
      """,
      bad="""
      target = messaging.Target(version='6.4')   # unchanged

      def allow_share(self, context, instance, share_mapping):  # new
      """,
      good="""
      target = messaging.Target(version='6.5')

      def allow_share(self, context, instance, share_mapping):  # new in 6.5
      """,
      fix="""
      Raise the minor version of the endpoint's target (and of the client's
      history and guards) in the change that alters the surface.
      """)
def unbumped_surface_change(ctx):
    for api, endpoint, before, sent in compared(ctx):
        if endpoint.accepts != before.accepts:
            continue
        found = [c for c in relevant(api, endpoint, before, sent)
                 if c.compatible]
        if found:
            relpath, line = site(endpoint)
            new = before.accepts
            yield Finding(
                relpath, line, 0, "RPC301",
                f"{api.name}: {endpoint.name} changed its RPC surface "
                f"({'; '.join(c.text() for c in found)}) but stays at "
                f"{new}; bump it to {new.major}.{new.minor + 1}", api.name)


@rule("RPC302", "Incompatible surface change without a major bump",
      needs="base",
      rationale="""
      Within a major, every newer version must accept every message of the
      older ones: that is what lets a client pinned to N.x talk to any
      N.y >= N.x server. Removing a method, removing or renaming a
      parameter, or adding one without a default breaks messages the older
      clients still send, so it needs a major bump (done in two changes),
      or a compatible form: keep the method, keep accepting the old
      parameter, give the new one a default. The change is judged against
      what the baseline's clients send -- every client of the endpoint at
      base, those sharing its topic included, since the previous code keeps
      running during the upgrade -- not only against the new client: a
      parameter no client ever passed can go.
      """,
      bad="""
      # 6.4 -> 6.5
      def prep_resize(self, context, instance, flavor):  # was instance_type
      """,
      good="""
      # 6.4 -> 6.5
      def prep_resize(self, context, instance, instance_type=None,
                      flavor=None):
      """,
      fix="""
      Keep the old form working within the major (defaults, old names
      accepted), and drop it only with the next major bump.
      """)
def incompatible_under_minor(ctx):
    for api, endpoint, before, sent in compared(ctx):
        if endpoint.accepts.major != before.accepts.major:
            continue
        found = [c for c in relevant(api, endpoint, before, sent)
                 if not c.compatible]
        if not found:
            continue
        broken = broken_by(ctx, api, endpoint, before, found)
        if not broken:
            continue
        relpath, line = site(endpoint)
        what = "; ".join(f"{c.text()}, so {', '.join(texts)}"
                         for c, texts in broken.items())
        old, new = before.accepts, endpoint.accepts
        bump = f"{old} -> {new}" if new != old else f"still at {new}"
        yield Finding(
            relpath, line, 0, "RPC302",
            f"{api.name}: {endpoint.name} {bump} breaks what the "
            f"baseline's {old.major}.x clients still send during the "
            f"upgrade: {what}; keep the old form within {old.major}.x or "
            f"bump the major in two changes", api.name)
