"""RPC1xx: the major-bump procedure.

A major bump N -> N+1 takes two changes over a release boundary: change #1
makes every server accept both N and N+1; change #2, once the next
release's development opens, removes N with an ``UpgradeImpact`` tag.
These rules compare the majors each API's server accepts at the baseline
and at head -- never the wording of the change -- so reverts and moves of a
major between classes stay quiet.
"""

from __future__ import annotations

from ..pairing import counterparts, topic_removals
from ..series import counts_as_released
from ..source.baseline import has_upgrade_impact
from ..versions import Version, holds
from . import Finding, Step, rule

_FAR = 10 ** 9


def paired(ctx):
    """(head api, base api) for every API present on both sides."""
    yield from pairs(ctx.head, ctx.base)


def pairs(head, base):
    before = counterparts(head.apis, base.apis)  # renames too
    for api in head.apis:
        if api.key in before and api.endpoints and before[api.key].endpoints:
            yield api, before[api.key]
    # an old major served on its own topic, whose servers went away
    yield from topic_removals(head.apis, base.apis)


def steps(ctx) -> list:
    """The changes RPC101/RPC102 judge one by one: each commit of a
    revision range that touches an RPC API (and the working tree), else
    the whole change."""
    if ctx.steps:
        return ctx.steps
    return [Step(ctx.base, ctx.head, ctx.messages)] if ctx.base else []


def judged(ctx):
    """(step, api at that step, api before it, api now) for every API of
    every step that is still there at head (where findings are placed)."""
    now = {api.key: api for api in ctx.head.apis if api.endpoints}
    for step in steps(ctx):
        for head, base in pairs(step.head, step.base):
            if head.key in now:
                yield step, head, base, now[head.key]


def in_step(step) -> str:
    return f"in {step.label}, " if step.label else ""


def newest_of(api, major: int) -> Version | None:
    versions = [e.accepts for e in api.endpoints
                if e.accepts and e.accepts.major == major]
    return max(versions) if versions else None


def declaration(endpoint) -> tuple[str, int]:
    if endpoint.declared:
        return endpoint.declared
    return endpoint.relpath, endpoint.line


def version_site(endpoint) -> tuple[str, int]:
    """Where the endpoint's version is written (a subclass's
    RPC_API_VERSION, the client's constant a manager takes its version
    from), else its target."""
    ref = endpoint.version
    if ref is not None and ref.resolved and ref.line:
        return ref.relpath, ref.line
    return declaration(endpoint)


def server_site(api, major: int) -> tuple[str, int]:
    """Where the server declares the version it takes for ``major`` (its
    newest endpoint's when it takes none of it any more)."""
    endpoint = api.endpoint_for(major) or api.endpoint_for(max(api.majors))
    return declaration(endpoint)


def major_site(api, major: int) -> tuple[str, int]:
    """Where the version of the endpoint taking ``major`` is written."""
    return version_site(api.endpoint_for(major) or
                        api.endpoint_for(max(api.majors)))


def removal_site(head, base, old: int, new: int) -> tuple[str, int]:
    """The removed endpoint's registration, if its class is still
    registered at head, else the target of the server at the new major."""
    removed = base.endpoint_for(old)
    for endpoint in head.endpoints:
        if endpoint.path == removed.path and endpoint.registration:
            return endpoint.registration
    return server_site(head, new)


def dropped_majors(head, base):
    """Change #2 shapes: majors N with N, N+1 at base and only N+1 now."""
    for old in sorted(base.majors):
        if old + 1 in base.majors and old not in head.majors and \
                old + 1 in head.majors:
            yield old


def is_rolling(api, ctx) -> bool:
    """Configured (class path or topic), or evidenced by the client: some
    send falls back from one major to another, or it guards a send on
    the first version of its major."""
    client = api.client
    if client is None:
        return False
    names = {client.path, client.name, client.topic or "", api.name}
    if any(entry in names for entry in ctx.rolling):
        return True
    target = client.target.version if client.target else None
    for guard in client.guards:
        v = guard.version.version
        if v and target and v.major == target.major >= 2 and v.minor == 0 \
                and not v.rev:
            return True
    for send in client.sends:
        majors = {v.version.version.major for v in send.variants
                  if v.version.version}
        if len(majors) > 1:
            return True
    return False


@rule("RPC101", "Major bump dropped the old major in the same change",
      needs="base",
      rationale="""
      During a rolling upgrade old services keep sending the old major N
      until every node runs the new code. The change that introduces N+1
      must leave every server able to receive N (a compat endpoint such as
      a proxy at the newest N.x in additional_endpoints); N goes away only
      in a later change, after a release. A server that stops accepting N
      in the bump rejects every message of the not-yet-upgraded nodes with
      UnsupportedVersion. The same happens when the endpoint kept for N
      declares an older N.x than the server accepted before: messages at
      the newer N.x minors are rejected.
      """,
      bad="""
      class ComputeManager(manager.Manager):
          target = messaging.Target(version='6.0')   # was '5.13'
          # no endpoint left for 5.x
      """,
      good="""
      class ComputeManager(manager.Manager):
          target = messaging.Target(version='6.0')

          def __init__(self):
              ...
              self.additional_endpoints.append(_ComputeV5Proxy(self))

      class _ComputeV5Proxy(object):
          target = messaging.Target(version='5.13')   # what 5.x accepted
      """,
      fix="""
      Keep an endpoint for the old major, at the newest version the server
      accepted before the bump, until the next release's development opens;
      remove it then in its own change tagged UpgradeImpact.
      """)
def dropped_in_bump(ctx):
    introduced = {}  # (api key, N) -> the step that added N+1 beside N
    for step, head, base, now in judged(ctx):
        for old in sorted(base.majors):
            new = old + 1
            bump = introduced.get((head.key, old))
            if old in base.majors and new in base.majors and \
                    old not in head.majors and new in head.majors and \
                    bump is not None and bump.tags_before == step.tags_before:
                # no release tag between the two: none ran change #1 alone
                yield outage(step, bump, now, base, old)
            if new not in head.majors or new in base.majors:
                continue
            if old not in head.majors:
                # the line that raised the version carries the cause
                relpath, line = major_site(now, new)
                yield Finding(
                    relpath, line, 0, "RPC101",
                    f"{head.name}: {in_step(step)}the server no longer "
                    f"accepts {old}.x in the change that introduced "
                    f"{new}.0; keep a {old}.x endpoint (such as a proxy at "
                    f"{newest_of(base, old)} in additional_endpoints) until "
                    f"the next release", head.name, cause=("major", old))
                continue
            introduced[(head.key, old)] = step
            before, after = newest_of(base, old), newest_of(head, old)
            if after < before:
                endpoint = head.endpoint_for(old)
                relpath, line = major_site(now, old)
                yield Finding(
                    relpath, line, 0, "RPC101",
                    f"{head.name}: {in_step(step)}{endpoint.name} keeps "
                    f"{old}.x only up to {after}, but the server accepted "
                    f"{before}; messages from nodes still sending {old}.x "
                    f"up to {before} would be rejected; declare {before}",
                    head.name, cause=("minor", old, str(after)))


def outage(removal, bump, now, base, old: int) -> Finding:
    """Change #1 and change #2 of the same major in one range: no release
    ran change #1 alone, so the previous release's nodes, which send only
    ``old``.x, are rejected once it is removed."""
    relpath, line = removal_site(now, base, old, old + 1)
    return Finding(
        relpath, line, 0, "RPC101",
        f"{now.name}: {old}.x is removed in {removal.label} and "
        f"{old + 1}.0 was introduced in {bump.label}, in the same range: no "
        f"release ran the server accepting both, so services of the "
        f"previous release, which send only {old}.x, are rejected; remove "
        f"{old}.x only after a release has shipped {old + 1}.0 beside it",
        now.name, cause=("major", old))


@rule("RPC102", "Old major removed without UpgradeImpact",
      needs="base", lang="text",
      rationale="""
      Removing the old major N (change #2) is safe only when every service
      of the deployment already runs a release that speaks N+1. Operators
      must know: the commit message of that change carries the
      UpgradeImpact tag, which release notes and deployment tooling look
      for. The rule is decided on the majors the server accepts, so a revert
      of either change, or moving a major between classes, never fires it.
      """,
      bad="""
      Drop compute RPC 5.x compatibility

      The 5.x proxy is no longer needed.
      """,
      good="""
      Drop compute RPC 5.x compatibility

      UpgradeImpact: computes older than Wallaby can no longer talk to
      this release; upgrade them first.
      """,
      fix="""
      Add UpgradeImpact to the commit message (with what operators must do
      first). In pre-commit the commit-msg hook checks the message being
      written; in CI the messages of base..HEAD are checked.
      """)
def removed_without_tag(ctx):
    for step, head, base, now in judged(ctx):
        if step.messages is None or has_upgrade_impact(step.messages):
            continue
        which = f"the message of {step.label} does not carry" if \
            step.label else "no commit message being checked carries"
        for old in dropped_majors(head, base):
            relpath, line = removal_site(now, base, old, old + 1)
            yield Finding(
                relpath, line, 0, "RPC102",
                f"{head.name}: {old}.x is removed from the server (only "
                f"{old + 1}.x is accepted now) and {which} "
                f"UpgradeImpact; add the tag so operators know every "
                f"service must run a {old + 1}.x release first",
                head.name, cause=("major", old))


def unguarded_new_major(api, old: int):
    """(send, variant) pairs a client pinned to ``old``.x still takes while
    sending ``old + 1``.x: nothing guards them."""
    pinned = Version(old, _FAR, _FAR)
    for send in api.client.sends:
        for variant in send.variants:
            v = variant.version.version
            if v and v.major == old + 1 and holds(variant.constraints,
                                                  pinned):
                yield send, variant
                break


@rule("RPC103", "New major sent without a guard during the transition",
      rationale="""
      While the server accepts both N and N+1 (after change #1), services
      of a rolling-upgrade API are upgraded one node at a time and their
      clients are pinned to N until the last node runs the new release.
      A client that sends N+1 unconditionally ignores the pin: an old node
      receives a message it cannot dispatch, or the capped client raises
      RPCVersionCapError. Every send must pick N+1 only when
      can_send_version('N+1.0') says so, and fall back to N.x otherwise.
      """,
      bad="""
      def attach_volume(self, ctxt, instance, bdm):
          cctxt = self.router.client(ctxt).prepare(version='6.0')
          cctxt.cast(ctxt, 'attach_volume', instance=instance, bdm=bdm)
      """,
      good="""
      def attach_volume(self, ctxt, instance, bdm):
          version = self._ver(ctxt, '5.0')   # '6.0' if allowed, else '5.0'
          cctxt = self.router.client(ctxt).prepare(version=version)
          cctxt.cast(ctxt, 'attach_volume', instance=instance, bdm=bdm)
      """,
      fix="""
      Choose the version with a can_send_version() guard or the client's
      compat helper, falling back to the newest N.x the message needs.
      """)
def unguarded_in_transition(ctx):
    for api in ctx.head.apis:
        if not api.client or not is_rolling(api, ctx):
            continue
        for old in sorted(api.majors):
            if old + 1 not in api.majors:
                continue
            for send, variant in unguarded_new_major(api, old):
                yield Finding(
                    send.relpath, send.line, 0, "RPC103",
                    f"{api.name}: {send.method or 'a message'} is sent as "
                    f"{variant.version.text} even when the client is "
                    f"pinned to {old}.x; guard it with "
                    f"can_send_version('{old + 1}.0') and fall back to a "
                    f"{old}.x version", api.name)


@rule("RPC104", "Rolling-upgrade API bumped with a client that cannot be "
      "pinned", needs="base",
      rationale="""
      A rolling-upgrade API bumps its major only if a deployment can keep
      its clients on the old major until every node is upgraded: the
      client needs a version cap fed from configuration (or computed from
      the services' versions), and a path that still sends N.x when
      capped. Without either, the first upgraded service sends N+1 to
      nodes that only speak N.
      """,
      bad="""
      target = messaging.Target(topic=RPC_TOPIC, version='6.0')
      self.client = rpc.get_client(target)      # no version_cap
      """,
      good="""
      target = messaging.Target(topic=RPC_TOPIC, version='6.0')
      version_cap = self.VERSION_ALIASES.get(CONF.upgrade_levels.compute,
                                             CONF.upgrade_levels.compute)
      self.client = rpc.get_client(target, version_cap=version_cap)
      """,
      fix="""
      Pass a version_cap from [upgrade_levels] (or computed from the
      minimum service version) and keep an N.x fallback for every message.
      """)
def bump_without_pin(ctx):
    for head, base in paired(ctx):
        client = head.client
        if client is None or not is_rolling(head, ctx) or not base.majors:
            continue
        old_top, new_top = max(base.majors), max(head.majors)
        if new_top <= old_top:
            continue
        old = new_top - 1
        reasons = []
        if not client.pinnable:
            reasons.append("no version cap is passed to its client")
        sends_old = any(v.version.version and v.version.version.major == old
                        for s in client.sends for v in s.variants)
        if client.sends and not sends_old:
            reasons.append(f"no send still has a {old}.x path")
        if reasons:
            ref = client.target
            relpath, line = (ref.relpath, ref.line) if ref else \
                (client.relpath, client.line)
            yield Finding(
                relpath, line, 0, "RPC104",
                f"{head.name}: bumped to {new_top}.x but the client cannot "
                f"be pinned to {old}.x: {' and '.join(reasons)}; add a "
                f"version_cap from [upgrade_levels] and {old}.x fallbacks",
                head.name)


def aliases_on(client, major: int) -> list:
    return [a for a in client.aliases or ()
            if a.version.version and a.version.version.major == major]


@rule("RPC105", "Stale compatibility endpoint", default=False,
      rationale="""
      A compat endpoint for the old major is needed for one release
      boundary. Once VERSION_ALIASES shows at least two releases that
      already speak N+1, no supported upgrade path still sends N: change #2
      is overdue, and the dead compatibility code keeps costing reviews and
      tests.
      """,
      bad="""
      VERSION_ALIASES = {..., 'wallaby': '6.0', 'xena': '6.0', 'yoga': '6.0'}
      self.additional_endpoints.append(_ComputeV5Proxy(self))
      """,
      good="""
      # the 5.x proxy was removed in Xena, tagged UpgradeImpact
      """,
      fix="""
      Remove the old major's endpoint and its client fallbacks in a change
      tagged UpgradeImpact.
      """)
def stale_compat(ctx):
    for api in ctx.head.apis:
        if api.client is None or not api.client.aliases:
            continue
        for old in sorted(api.majors):
            releases = aliases_on(api.client, old + 1)
            if old + 1 in api.majors and len(releases) >= 2:
                endpoint = api.endpoint_for(old)
                relpath, line = declaration(endpoint)
                yield Finding(
                    relpath, line, 0, "RPC105",
                    f"{api.name}: {endpoint.name} still accepts {old}.x "
                    f"although {len(releases)} releases already speak "
                    f"{old + 1}.x ({releases[0].release} to "
                    f"{releases[-1].release}); remove it in a change tagged "
                    f"UpgradeImpact", api.name)


@rule("RPC106", "Old major removed before any release speaks the new one",
      default=False, needs="base",
      rationale="""
      Change #2 must wait until a released version of the service speaks
      N+1; otherwise a deployment upgrading from the latest release still
      runs nodes that send only N. APIs that keep VERSION_ALIASES record
      which release speaks what: if no alias maps a release to N+1 yet, the
      removal comes too early. Since 2023.1 deployments may also skip a
      release, upgrading from one SLURP release (2024.1, 2025.1, ...)
      straight to the next: a major counts as released only once a SLURP
      release speaks it (before 2023.1, any release). Off by default,
      because releases do not always record their alias in time.
      """,
      bad="""
      VERSION_ALIASES = {..., 'victoria': '5.12'}
      # 5.x proxy removed while no release speaks 6.0
      """,
      good="""
      VERSION_ALIASES = {..., 'victoria': '5.12', 'wallaby': '6.0'}
      # 5.x proxy removed in Xena
      """,
      fix="""
      Wait for the release that ships N+1 (and add its alias) before
      removing N.
      """)
def removed_too_early(ctx):
    for head, base in paired(ctx):
        client = head.client
        if client is None or not client.aliases:
            continue
        for old in dropped_majors(head, base):
            speaking = aliases_on(client, old + 1)
            if any(counts_as_released(a.release) for a in speaking):
                continue
            relpath, line = removal_site(head, base, old, old + 1)
            last = client.aliases[-1]
            if speaking:
                names = ", ".join(a.release for a in speaking)
                why = (f"only {names} speak{'s' * (len(speaking) == 1)} "
                       f"{old + 1}.x, and no SLURP release: a deployment "
                       f"skipping from the last SLURP release still runs "
                       f"nodes that send only {old}.x; keep it until a "
                       f"SLURP release ships {old + 1}.x")
            else:
                why = (f"no release speaks {old + 1}.x yet (newest alias: "
                       f"{last.release} = {last.version.text}); keep it "
                       f"until a release ships {old + 1}.x")
            yield Finding(relpath, line, 0, "RPC106",
                          f"{head.name}: {old}.x is removed while {why}",
                          head.name)
