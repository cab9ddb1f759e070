"""The rule catalogue.

Each rule is a small function registered with ``@rule``: its code, title,
whether it is on by default, and its documentation (why it matters, a bad
and a good example, how to fix it) sit beside the check.  ``--explain``,
``--list-rules`` and the docs pages are all generated from this registry.

A check takes a ``Context`` and yields ``Finding`` objects.

A rule's ``severity`` is ``error`` (fails every front end) or ``warning``
(reported, but fails only under ``rpc-strict``); ``rpc-severity`` changes it
per code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable


@dataclass(frozen=True, order=True)
class Finding:
    relpath: str
    line: int
    col: int
    code: str
    message: str
    api: str = ""
    # what the finding is about, for telling symptoms from causes (see
    # fold.py): ("major", 5), ("minor", 5, "5.13"), ("method", name,
    # endpoint class), ("args", name, endpoint class), ("cap", relpath,
    # line, version); () when it is about nothing another finding shares
    cause: tuple = field(default=(), compare=False)
    # the findings folded into this one, as they were found
    folded: tuple = field(default=(), compare=False)
    # (relpath, line) where it was found, when it is reported elsewhere
    natural: tuple = field(default=(), compare=False)

    def text(self) -> str:
        return f"{self.code} {self.message}"


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    default: bool
    needs: str          # "snapshot", "base" or "upgrade"
    reads_base: bool    # uses the baseline when there is one
    rationale: str
    bad: str
    good: str
    fix: str
    lang: str           # what the bad/good examples are written in
    check: Callable = field(compare=False, repr=False)
    severity: str = "error"   # one of SEVERITIES: the default level


SEVERITIES = ("error", "warning")


REGISTRY: dict[str, Rule] = {}


def rule(code: str, title: str, *, default: bool = True,
         needs: str = "snapshot", reads_base: bool = False, rationale: str,
         bad: str, good: str, fix: str, lang: str = "python",
         severity: str = "error"):
    assert severity in SEVERITIES, severity

    def register(check):
        REGISTRY[code] = Rule(code, title, default, needs,
                              reads_base or needs == "base",
                              _dedent(rationale), _dedent(bad),
                              _dedent(good), _dedent(fix), lang, check,
                              severity)
        return check
    return register


def _dedent(text: str) -> str:
    import textwrap
    return textwrap.dedent(text).strip("\n")


@dataclass
class Step:
    """One change judged on its own: a commit against its parent, or the
    working tree against HEAD (``label`` says which, for messages)."""

    base: object                      # model.Snapshot before it
    head: object                      # model.Snapshot after it
    messages: list | None             # its message; None: not known
    label: str = ""
    # release tags on the commits of the range before this one
    tags_before: int = 0


@dataclass
class Source:
    """A previous release given to --upgrade-from."""

    snapshot: object                  # model.Snapshot
    release: object = None            # series.Release; None: not known
    role: str = "previous release"    # or "previous SLURP release"


@dataclass
class Context:
    """What the checks read: the head snapshot and, when known, the base,
    the commit messages, and the settings that change their verdicts."""

    head: object                      # model.Snapshot
    base: object = None               # model.Snapshot at the baseline
    messages: list | None = None      # commit messages; None: not known
    rolling: tuple = ()               # rpc-rolling-upgrade-apis entries
    previous: object = None           # --upgrade-from: the previous release
    # every tree --upgrade-from gives (the previous release first, then for
    # a SLURP release the SLURP release before it)
    sources: list = field(default_factory=list)
    # settings asked for that could not be honoured (RPC900), and the
    # files to report them in
    failures: tuple = ()
    files: tuple = ()
    # with a revision base: the commits of base..HEAD (and the working
    # tree) that touch an RPC API, judged one by one by RPC101/RPC102;
    # empty: the whole change is one step (base -> head)
    steps: list = field(default_factory=list)


def all_rules() -> list[Rule]:
    _load()
    return [REGISTRY[c] for c in sorted(REGISTRY)]


def get(code: str) -> Rule | None:
    _load()
    return REGISTRY.get(code)


def enabled_codes(select=None, ignore=None) -> set[str]:
    """Codes that run: the defaults, or those selected by prefix.

    A rule that is off by default runs only when a selection names it (or
    its family, such as ``RPC9``) more precisely than the bare ``RPC``.
    """
    codes = set()
    for r in all_rules():
        if select:
            chosen = any(r.code.startswith(p) and (r.default or p != "RPC")
                         for p in select)
        else:
            chosen = r.default
        if chosen and not any(r.code.startswith(p) for p in ignore or ()):
            codes.add(r.code)
    return codes


def run(context: Context, codes: Iterable[str]) -> list[Finding]:
    findings = set()
    for code in sorted(codes):
        r = get(code)
        if r is None:
            continue
        if r.needs == "base" and context.base is None:
            continue
        if r.needs == "upgrade" and context.previous is None:
            continue
        findings.update(r.check(context))
    return sorted(findings)


_loaded = []


def _load() -> None:
    if not _loaded:
        _loaded.append(True)
        from . import (dispatch, health, pins,  # noqa: F401
                       procedure, proxies, surface, upgrade)
