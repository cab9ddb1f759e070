"""RPC9xx: analysis health.

RPC900 makes a run that could not do what it was asked fail, whichever
front end runs it; RPC901 (off by default) points at what the analysis
could not resolve.
"""

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
                if (u.text in VERSION_EXPRESSIONS or "paths" in u.why
                        or "interpreter steps" in u.why) \
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
      whether the checks cover your API. So are methods too complex to
      follow completely (past the interpreter's budget of steps, or with
      too many paths): only part of them is checked.
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
        quoted = " ".join(u.text.split())  # source quoted on one line
        yield Finding(u.relpath, u.line, 0, "RPC901",
                      f"{api}: {quoted} could not be resolved statically "
                      f"({u.why}); the checks do not cover it", api)


@rule("RPC900", "Setting asked for cannot be honoured", lang="ini",
      rationale="""
      A gate must not pass because it could not look. When a setting
      asked for cannot be honoured (a shallow clone without the base, a
      base or previous release that does not exist, a misspelt or bad
      rpc-* key, a repository object that cannot be read) the checks that
      need it do not run, and a run that only printed a note would pass.
      The command line exits 2; under flake8, whose exit status only
      findings can change, this finding is reported at line 1 of every
      file holding an RPC client or server (of every file that may hold
      one, when none is left), with the reason.
      """,
      bad="""
      [flake8]
      # a typo: the key is rpc-allow, so the allow-list would be ignored
      rpc-allows =
          RPC105 compute API: the 5.x proxy stays until Zed
      """,
      good="""
      [flake8]
      rpc-allow =
          RPC105 compute API: the 5.x proxy stays until Zed
      """,
      fix="""
      Do what the message says: fetch the base (git fetch --deepen=1 in a
      shallow clone), correct the revision, directory or key, and run
      again.
      """)
def setting_not_honoured(ctx):
    for reason in ctx.failures:
        for relpath in ctx.files:
            yield Finding(relpath, 1, 0, "RPC900",
                          f"RPC checks incomplete: {reason}")


@rule("RPC902", "Suppression that matches nothing", severity="warning",
      rationale="""
      A `# noqa: RPC203` comment, an rpc-allow entry or an entry of the
      known-findings file that no longer matches any finding hides
      nothing today, and would hide the same mistake made again later. It
      is reported so that none goes stale silently: at the comment's line,
      the allow entry's line in the configuration file, or the entry's
      line in the known-findings file. Only what this run could have found
      is judged: codes of rules that judge the tree as it is (RPC2xx,
      RPC9xx, and RPC4xx under the same --upgrade-from), in the files the
      tool analyses, for the package the entry belongs to. Rules that
      judge a change (RPC1xx, RPC3xx) match only the change they were
      written for, so what covers them is not judged, except an allow
      entry naming an API that no longer exists.
      """,
      bad="""
      # the server accepts 6.2 since the last release
      cctxt = self.client.prepare(version='6.2')  # noqa: RPC201
      """,
      good="""
      cctxt = self.client.prepare(version='6.2')
      """,
      fix="""
      Remove the comment or the entry; for the known-findings file, write
      it again with --write-known-findings FILE.
      """)
def stale_suppression(ctx):
    # Found after every other rule has run, from their findings
    # (rpc_version_lint/known.py): nothing to do here.
    return ()
