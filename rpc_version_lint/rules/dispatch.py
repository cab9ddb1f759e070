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
