"""RPC API version values: parsing, ordering and oslo.messaging's rule.

oslo.messaging versions are ``MAJOR.MINOR`` or ``MAJOR.MINOR.REV`` of
integers.  A server endpoint at version E accepts a message at version M when
the majors are equal and M is not above E (``version_is_compatible`` in
``oslo_messaging/_utils.py``); a client capped at C may send M under the same
rule with C in place of E.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    rev: int = 0

    @classmethod
    def parse(cls, text: object) -> Version | None:
        """The version ``text`` spells, or None if oslo would reject it."""
        if not isinstance(text, str):
            return None
        match = _VERSION_RE.fullmatch(text)
        if not match:
            return None
        major, minor, rev = match.groups()
        return cls(int(major), int(minor), int(rev or 0))

    def accepts(self, message: Version) -> bool:
        """oslo's rule: can an endpoint (or cap) at self take ``message``?"""
        return (self.major == message.major
                and (message.minor, message.rev) <= (self.minor, self.rev))

    def __str__(self) -> str:
        if self.rev:
            return f"{self.major}.{self.minor}.{self.rev}"
        return f"{self.major}.{self.minor}"


def cap_allows(cap: Version | None, version: Version) -> bool:
    """``RPCClient.can_send_version``: no cap means anything may be sent."""
    return cap is None or cap.accepts(version)


# -- version caps and guards ---------------------------------------------
#
# A path through a client method is described by the outcomes of the
# ``can_send_version(g)`` guards on it: ((g, True), (h, False), ...).  Each
# guard outcome is a fact about the client's cap C: ``cap_allows(C, g)``.

def holds(constraints, cap: Version | None) -> bool:
    """Is a path with these guard outcomes taken by a client capped at cap?"""
    return all(cap_allows(cap, g) == outcome for g, outcome in constraints)


def satisfiable(constraints) -> bool:
    """Can some client (capped or not) take a path with these outcomes?

    An uncapped client passes every guard; a cap C passes exactly the
    guards of its own major up to C.  So outcomes some cap produces are
    all true (no cap), all false (a cap on another major), or true for
    guards of one major up to some version and false above it and on
    every other major.  Linear in the guards: an elif chain of hundreds
    of them asks this at each."""
    passed = [g for g, outcome in constraints if outcome]
    refused = [g for g, outcome in constraints if not outcome]
    if not passed or not refused:
        return True
    majors = {g.major for g in passed}
    if len(majors) != 1:
        return False
    major = majors.pop()
    above = [g for g in refused if g.major == major]
    return not above or max(passed) < min(above)
