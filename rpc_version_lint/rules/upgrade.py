"""RPC4xx: two releases side by side (``--upgrade-from``).

During a rolling upgrade the previous release's services and the new ones
talk to each other both ways. For every API paired in both trees:

1. old clients -> new servers: whatever the previous release's client
   sends, unpinned or pinned to its own release, must be dispatchable by
   the new endpoints (RPC401);
2. new clients pinned to the previous release -> old servers: with the cap
   at the previous release's alias (or the newest version its server
   accepts), every message the new client sends, guards evaluated against
   that cap, must be dispatchable by the old endpoints (RPC402);
3. new clients unpinned -> new servers: the RPC2xx rules' snapshot check,
   counted here for the matrix.

For a SLURP release --upgrade-from may also give the SLURP release before
it (a skip-level upgrade, see series.py): it is checked the same way,
this release's clients pinned to its VERSION_ALIASES entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..pairing import counterparts
from ..versions import Version, cap_allows, holds
from . import Finding, Source, rule
from .dispatch import (
    accepting, checked_apis, delivery, receiver, refused, sends_with_versions)


@dataclass
class Direction:
    name: str
    messages: set = field(default_factory=set)
    # (relpath, line, method, version, reason) -> paths taken
    failed: dict = field(default_factory=dict)

    # (relpath, line, method, version, reason) -> its cause (fold.py)
    causes: dict = field(default_factory=dict)
    # (relpath, line, method, version, reason) -> where it is sent
    sites: dict = field(default_factory=dict)

    def fail(self, relpath, line, send, version, reason, path,
             cause=()) -> None:
        key = (relpath, line, send.method, version, reason)
        paths = self.failed.setdefault(key, [])
        if path not in paths:
            paths.append(path)
        self.causes.setdefault(key, cause)
        sites = self.sites.setdefault(key, [])
        site = f"{send.relpath}:{send.send_line}"
        if site not in sites:
            sites.append(site)

    def findings(self, code: str, api: str, text):
        """One finding per message and reason, the paths taken merged;
        ``text(method, version, reason, paths, sites)`` words it."""
        for key, paths in self.failed.items():
            _relpath, _line, method, version, reason = key
            yield Finding(key[0], key[1], 0, code,
                          text(method, version, reason, "; ".join(paths),
                               ", ".join(self.sites[key])),
                          api, cause=self.causes.get(key, ()))


def release_pairs(ctx):
    """(new api, old api, source) for every API checkable in this tree and
    in a previous release (--upgrade-from; with a SLURP release, the
    SLURP release before it as well)."""
    sources = ctx.sources or ([Source(ctx.previous)] if ctx.previous
                              else [])
    new = list(checked_apis(ctx.head))
    for source in sources:
        old = counterparts(new, list(checked_apis(source.snapshot)))
        for api in new:  # renamed APIs matched by route too
            if api.key in old:
                yield api, old[api.key], source


def pin(new, old, source) -> Version | None:
    """Where this release's client is pinned while upgrading from
    ``source``: its VERSION_ALIASES entry for that release (what
    [upgrade_levels] names), else what that release's client is pinned
    to for itself."""
    names = source.release.names() if source.release else set()
    for alias in new.client.aliases or ():
        if alias.release.lower() in names and alias.version.version:
            return alias.version.version
    return own_cap(old)


def from_text(source) -> str:
    return f"the {source.role} ({source.snapshot.label})"


def own_cap(api) -> Version | None:
    """The version a release's client is pinned to for that release: its
    newest alias, else the newest version its server accepts."""
    aliases = [a.version.version for a in api.client.aliases or ()
               if a.version.version]
    return max(aliases) if aliases else api.newest


def describe(variant, cap) -> str:
    where = "unpinned" if cap is None else f"pinned to {cap}"
    failed = [f"can_send_version('{g}')" for g, ok in variant.constraints
              if not ok]
    if failed:
        where += ", " + " and ".join(failed) + " false"
    return where


def messages_under(api, cap):
    """(send, variant, version, path text) for the paths a client capped
    at ``cap`` (None: unpinned) takes, in the methods the tree uses."""
    used = api.client.used
    for send, variant, version in sends_with_versions(api):
        if used is not None and send.entry not in used:
            continue
        if holds(variant.constraints, cap):
            yield send, variant, version, describe(variant, cap)


def refusal(api, method, version) -> tuple:
    """The cause (rules/fold.py) of a message ``api``'s endpoints do not
    dispatch: its version, its method, or its arguments."""
    if not accepting(api, version):
        return refused(api, version)
    found = receiver(api, method, version)
    if found is None:
        return ()
    endpoint, target = found
    if target is None:
        return ("method", method, accepting(api, version)[0].path)
    return ("args", method, endpoint.path)


def _key(send, variant, version):
    return (send.method, version, variant.kwargs)


def old_to_new(new, old, ctx) -> Direction:
    direction = Direction("old clients -> new servers")
    caps = [None]
    if own_cap(old) is not None:
        caps.append(own_cap(old))
    for cap in caps:
        for send, variant, version, path in messages_under(old, cap):
            direction.messages.add(_key(send, variant, version))
            failed = delivery(new, send.method, version, variant.kwargs,
                              variant.kwargs_open)
            if failed:
                reason, (relpath, line) = failed
                direction.fail(relpath, line, send, version, reason, path,
                               refusal(new, send.method, version))
    return direction


def new_pinned_to_old(new, old, ctx, source=None) -> Direction:
    direction = Direction("new clients pinned -> old servers")
    cap = pin(new, old, source) if source else own_cap(old)
    if cap is None or not new.client.deployment_pin:
        # no deployment can pin it (RPC208 says what that means)
        return direction
    for send, variant, version, path in messages_under(new, cap):
        direction.messages.add(_key(send, variant, version))
        if not cap_allows(cap, version):
            reason = (f"a client capped at {cap} refuses to send {version} "
                      f"(RPCVersionCapError)")
            cause = ("cap", send.relpath, send.line, str(version))
        else:
            failed = delivery(old, send.method, version, variant.kwargs,
                              variant.kwargs_open)
            if not failed:
                continue
            reason = f"its server: {failed[0]}"
            cause = ()
        direction.fail(send.relpath, send.line, send, version, reason, path,
                       cause)
    return direction


def new_to_new(new) -> Direction:
    direction = Direction("new clients -> new servers")
    for send, variant, version, path in messages_under(new, None):
        direction.messages.add(_key(send, variant, version))
        failed = delivery(new, send.method, version, variant.kwargs,
                          variant.kwargs_open)
        if failed:
            reason, (relpath, line) = failed
            direction.fail(relpath, line, send, version, reason, path)
    return direction


def matrix(ctx) -> list[dict]:
    """The per-API summary of the three directions (``--matrix``)."""
    rows = []
    several = len(ctx.sources) > 1
    for new, old, source in release_pairs(ctx):
        cap = pin(new, old, source)
        row = {
            "api": new.name,
            "key": new.key,
            "previous_cap": str(cap) if cap else None,
            "directions": [
                {"direction": d.name, "messages": len(d.messages),
                 "failures": len(d.failed)}
                for d in (old_to_new(new, old, ctx),
                          new_pinned_to_old(new, old, ctx, source),
                          new_to_new(new))
            ],
        }
        if several:
            row["from"] = from_text(source)
        rows.append(row)
    return rows


@rule("RPC401", "Previous release's messages rejected by this release",
      needs="upgrade",
      rationale="""
      While a deployment upgrades, services of the previous release keep
      sending what their code sends: unpinned, or pinned to their own
      release. Every such message must still be dispatchable by this
      release's servers (version accepted, method present, arguments
      taken), or old nodes fail against upgraded ones.
      """,
      bad="""
      # previous release's client sends prep_resize at 4.21
      class ComputeManager(manager.Manager):
          target = messaging.Target(version='5.0')   # no 4.x endpoint
      """,
      good="""
      class ComputeManager(manager.Manager):
          target = messaging.Target(version='5.0')

      class _ComputeV4Proxy(object):
          target = messaging.Target(version='4.22')
      """,
      fix="""
      Keep accepting the previous release's messages (a compat endpoint,
      old parameter names, defaults) until the release after.
      """)
def previous_rejected(ctx):
    for new, old, source in release_pairs(ctx):
        yield from old_to_new(new, old, ctx).findings(
            "RPC401", new.name,
            lambda method, version, reason, paths, sites: (
                f"{new.name}: {method} {version}, as {from_text(source)} "
                f"sends it ({sites}; {paths}), fails on this release's "
                f"server: "
                f"{reason}; keep accepting it until every service is "
                f"upgraded"))


@rule("RPC402", "Pinned client sends what the previous release cannot take",
      needs="upgrade",
      rationale="""
      While a deployment upgrades, this release's clients are pinned to
      the previous release so that old servers understand them. Evaluated
      under that cap (guards true or false as the cap decides), every
      message must be one the previous release's servers dispatch, and
      never one above the cap (the client would raise
      RPCVersionCapError).
      """,
      bad="""
      def reboot(self, ctxt, instance, force):
          cctxt = client.prepare(version='6.4')   # previous release: 6.3
          cctxt.cast(ctxt, 'reboot', instance=instance, force=force)
      """,
      good="""
      def reboot(self, ctxt, instance, force):
          kwargs = {'instance': instance, 'force': force}
          version = '6.4'
          if not client.can_send_version(version):
              version = '6.3'
              del kwargs['force']
          client.prepare(version=version).cast(ctxt, 'reboot', **kwargs)
      """,
      fix="""
      Guard the new version with can_send_version() and fall back to what
      the previous release accepts (or raise a clear error).
      """)
def pinned_rejected(ctx):
    for new, old, source in release_pairs(ctx):
        yield from new_pinned_to_old(new, old, ctx, source).findings(
            "RPC402", new.name,
            lambda method, version, reason, paths, _sites: (
                f"{new.name}: {method} sent as {version} ({paths}) fails "
                f"against {from_text(source)}: {reason}; guard it with "
                f"can_send_version() and fall back to what that release "
                f"takes"))
