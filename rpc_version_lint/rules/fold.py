"""One root cause, one finding: symptoms folded into their cause.

A post-step over the findings of a run.  One mistake shows in many
places: a major bump that drops the old major rejects every fallback of
the client (RPC204), every message still sent at the old major (RPC201)
and every message of the previous release (RPC401).  Reported one by one
they bury the cause; folded, the run reports the cause once and says how
many symptoms it stands for.

A finding is a *symptom* of another when both are about the same API and
the same relation between what is sent and what is accepted
(``Finding.cause``):

* ``("major", N)``: no endpoint accepts N.x (RPC101 or RPC102 removing N;
  RPC401, RPC204 or RPC201 for an N.x message);
* ``("minor", N, L)``: N.x is accepted only up to L (RPC101 for a narrowed
  compat endpoint; RPC401 or RPC201 for a message above L);
* ``("method", M, E)``: endpoint E takes the message's version but has no
  method M (RPC202; RPC401 failing with NoSuchMethod);
* ``("args", M, E)``: E's method M does not take the message's arguments
  (RPC203; RPC401 failing with TypeError);
* ``("cap", file, line, V)``: the send at that line goes out as V, above
  the pin (RPC208; RPC402 failing with RPCVersionCapError);

and the symptom's code does not come before the cause's in the order
``CAUSES``.  Findings of other codes, or with no ``cause``, are never
folded.  The finding kept is the first of the group in that order (then
by place); its message ends with what was folded, and ``folded`` holds
every symptom as it was found.

Only findings the run reports take part: one that is not enabled is
never produced, and one covered by a ``# noqa`` comment, or located in a
file the front end does not report, keeps to itself -- its symptoms fold
into the first of them instead.  Ignoring a code never hides its
symptoms.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

# causes before their symptoms; codes in one step are of the same rank
CAUSES = (
    (("RPC101", "RPC102"), ("RPC401",), ("RPC204",), ("RPC201",),
     ("RPC202", "RPC203")),
    (("RPC208",), ("RPC402",)),
)
_RANK = {code: (chain, rank) for chain, steps in enumerate(CAUSES)
         for rank, codes in enumerate(steps) for code in codes}


def fold(findings, shown=lambda finding: True) -> list:
    """``findings`` with each group of the same cause reduced to one;
    ``shown(finding)``: does the run report it (noqa, files checked)."""
    groups: dict = {}
    kept = []
    for finding in findings:
        place = _RANK.get(finding.code)
        if place is None or not finding.cause or not shown(finding):
            kept.append(finding)
            continue
        groups.setdefault((place[0], finding.api, finding.cause),
                          []).append(finding)
    for members in groups.values():
        members.sort(key=lambda f: (_RANK[f.code][1], f.code, f.relpath,
                                    f.line, f.message))
        first, rest = members[0], members[1:]
        kept.append(folded_into(first, rest) if rest else first)
    return sorted(kept)


def folded_into(cause, symptoms):
    symptoms = tuple(cause.folded) + tuple(symptoms)
    counts = Counter(s.code for s in symptoms)
    what = ", ".join(f"{code} x {n}" for code, n in sorted(counts.items()))
    many = len(symptoms)
    return dataclasses.replace(
        cause, folded=symptoms,
        message=f"{cause.message} [{many} more finding{'s' * (many != 1)} "
                f"of this cause folded in: {what}]")
