"""RPC3xx: changes to an endpoint's RPC surface need a version bump.

The counterpart, for RPC endpoints, of the object fingerprint tests
OpenStack runs for versioned objects. Only methods the paired client sends
(at the baseline or now) are the RPC surface: a public helper that no
client calls is not part of the API, whatever the dispatcher would allow.
"""

from __future__ import annotations

from ..facts.surface import changes
from . import Finding, rule


def compared(ctx):
    """(api, endpoint now, endpoint at base, methods that are RPC) for
    every paired endpoint present on both sides with readable versions."""
    base_endpoints = {e.path: e for api in ctx.base.apis for e in api.endpoints
                      if api.client is not None}
    base_sent = {api.key: {s.method for s in api.client.sends if s.method}
                 for api in ctx.base.apis if api.client is not None}
    for api in ctx.head.apis:
        if api.client is None:
            continue
        sent = {s.method for s in api.client.sends if s.method} | \
            base_sent.get(api.key, set())
        for endpoint in api.endpoints:
            before = base_endpoints.get(endpoint.path)
            if before is not None and endpoint.accepts and before.accepts:
                yield api, endpoint, before, sent


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
      parameter, give the new one a default.
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
        if found:
            relpath, line = site(endpoint)
            moved = f"{before.accepts} -> {endpoint.accepts}" \
                if endpoint.accepts != before.accepts else \
                f"(still at {endpoint.accepts})"
            yield Finding(
                relpath, line, 0, "RPC302",
                f"{api.name}: {endpoint.name} {moved} breaks messages older "
                f"{before.accepts.major}.x clients send "
                f"({'; '.join(c.text() for c in found)}); keep the old form "
                f"within {before.accepts.major}.x or bump the major in two "
                f"changes", api.name)
