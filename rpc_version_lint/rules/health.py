"""RPC9xx: analysis health (off by default)."""

from __future__ import annotations

from . import Finding, rule

VERSION_EXPRESSIONS = ("prepare(version=...)", "Target(version=...)",
                       "can_send_version(...)", "endpoint version")


def unresolved_versions(snapshot):
    """(Unresolved, api name) for the version expressions left unknown, and
    the methods too complex to follow completely."""
    seen = set()
    for api in snapshot.apis:
        owners = ([api.client] if api.client else []) + api.endpoints
        for owner in owners:
            for u in owner.unresolved:
                if (u.text in VERSION_EXPRESSIONS or "paths" in u.why) \
                        and (u.relpath, u.line, u.text) not in seen:
                    seen.add((u.relpath, u.line, u.text))
                    yield u, api.name


@rule("RPC901", "Version expression not resolved statically", default=False,
      rationale="""
      Every other rule reasons about the versions a client sends and the
      versions its server accepts. An expression the analysis cannot
      resolve (a value computed at run time, a constant of a library that
      is not installed) is never assumed to be fine: it is counted in the
      inventory, and this rule points at each one so that you can tell
      whether the checks cover your API.
      """,
      bad="""
      cctxt = self.client.prepare(version=compute_version(ctxt))
      """,
      good="""
      version = '6.2' if self.client.can_send_version('6.2') else '6.0'
      cctxt = self.client.prepare(version=version)
      """,
      fix="""
      Use literals, module constants or class attributes for versions, or
      pick them with can_send_version() guards; or accept the gap and keep
      this rule unselected.
      """)
def unresolved_version(ctx):
    for u, api in unresolved_versions(ctx.head):
        yield Finding(u.relpath, u.line, 0, "RPC901",
                      f"{api}: {u.text} could not be resolved statically "
                      f"({u.why}); the checks do not cover it", api)
