"""OpenStack release series: their order, and which are SLURP releases.

Since 2023.1 a deployment may upgrade from one SLURP release (Skip Level
Upgrade Release Process: the 20xx.1 releases, antelope, caracal, epoxy,
gazpacho, ...) straight to the next, skipping the 20xx.2 release between
them. Before 2023.1 every upgrade went release by release.

A release is named by its number (``2024.1``) or its code name
(``caracal``); ``VERSION_ALIASES`` keys use the code names.  Numbers
after the last code name known here still parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# in release order; the 20xx.N numbers start with antelope (2023.1)
_BEFORE = ("austin", "bexar", "cactus", "diablo", "essex", "folsom",
           "grizzly", "havana", "icehouse", "juno", "kilo", "liberty",
           "mitaka", "newton", "ocata", "pike", "queens", "rocky", "stein",
           "train", "ussuri", "victoria", "wallaby", "xena", "yoga", "zed")
_NUMBERED = ("antelope", "bobcat", "caracal", "dalmatian", "epoxy",
             "flamingo", "gazpacho", "hibiscus")
_FIRST_YEAR = 2023
_NUMBER = re.compile(r"(20\d\d)\.([12])")


@dataclass(frozen=True, order=True)
class Release:
    order: int
    name: str          # the code name when known, else the number

    @property
    def number(self) -> str | None:
        at = self.order - len(_BEFORE)
        if at < 0:
            return None
        return f"{_FIRST_YEAR + at // 2}.{at % 2 + 1}"

    @property
    def slurp(self) -> bool:
        """A SLURP release: upgrades may start from it and skip one."""
        return self.number is not None and self.number.endswith(".1")

    @property
    def next(self) -> Release:
        return _at(self.order + 1)

    @property
    def previous_slurp(self) -> Release | None:
        """The SLURP release a skip-level upgrade to this one starts
        from (None before 2023.1 and for 2023.1 itself)."""
        if not self.slurp or self.order - 2 < len(_BEFORE):
            return None
        return _at(self.order - 2)

    def __str__(self) -> str:
        number = self.number
        return f"{number} ({self.name})" if number and number != self.name \
            else self.name

    def names(self) -> set:
        return {self.name, self.number} - {None}


def _at(order: int) -> Release:
    if order < len(_BEFORE):
        return Release(order, _BEFORE[order])
    at = order - len(_BEFORE)
    name = _NUMBERED[at] if at < len(_NUMBERED) else \
        f"{_FIRST_YEAR + at // 2}.{at % 2 + 1}"
    return Release(order, name)


def parse(text: str) -> Release | None:
    """The release a name or a number stands for; None if it is neither."""
    word = (text or "").strip().lower()
    if word in _BEFORE:
        return _at(_BEFORE.index(word))
    if word in _NUMBERED:
        return _at(len(_BEFORE) + _NUMBERED.index(word))
    match = _NUMBER.fullmatch(word)
    if match and int(match.group(1)) >= _FIRST_YEAR:
        year, half = int(match.group(1)), int(match.group(2))
        return _at(len(_BEFORE) + (year - _FIRST_YEAR) * 2 + half - 1)
    return None


# stable/2024.1, origin/stable/caracal, unmaintained/2023.1, 2024.1-eom,
# caracal-eol: the names OpenStack gives its release branches and tags
_REF = re.compile(r"(?:^|/)(?:stable|unmaintained)/([\w.]+)$|"
                  r"(?:^|/)([\w.]+)-(?:eol|eom|em)$")


def of_revision(spec: str) -> Release | None:
    """The release a git revision's name says it is (a release branch or
    its end-of-life tag), else None."""
    match = _REF.search(spec.strip())
    if not match:
        return None
    return parse(match.group(1) or match.group(2))


def counts_as_released(name: str) -> bool:
    """Does an alias of this release make a version "released" for the
    deployments that may upgrade from it?  From 2023.1 on only SLURP
    releases do (a skip-level upgrade may start from the SLURP release
    before); before, every release did; a name not known here counts (the
    rule stays quiet rather than guess)."""
    release = parse(name)
    return release is None or release.number is None or release.slurp


class SeriesError(ValueError):
    """An --upgrade-from value that cannot be used (one line)."""


@dataclass(frozen=True)
class Source:
    """A tree given to --upgrade-from: a directory or a git revision, the
    release it is (None: not known) and the role it plays."""

    spec: str
    release: Release | None
    role: str = "previous release"


def sources(value: str, option: str, is_dir) -> list[Source]:
    """The trees of an --upgrade-from value: comma- or newline-separated
    ``[NAME=]PATH`` items (``2024.1=../nova-29``, ``caracal=stable/
    2024.1``), in the order of the upgrades they stand for: the previous
    release, then (for a SLURP release) the previous SLURP release.

    A tree's release is its NAME, else what its revision's name says
    (``stable/2024.1``, ``caracal-eol``); with one tree it need not be
    known.  ``is_dir(path)`` tells directories from revisions."""
    text = (value or "").strip()
    items = [text] if is_dir(text) else \
        [v.strip() for v in re.split(r"[,\n]", text) if v.strip()]
    found = []
    for item in items:
        name, sep, path = item.partition("=")
        release = parse(name) if sep else None
        if sep and release is None:
            raise SeriesError(
                f"{option} {item}: {name.strip()!r} is not a release (a "
                f"number such as 2024.1 or a name such as caracal)")
        spec = path.strip() if sep else item
        if release is None and not is_dir(spec):
            release = of_revision(spec)
        found.append(Source(spec, release))
    if len(found) <= 1:
        return found
    unknown = [s.spec for s in found if s.release is None]
    if unknown:
        raise SeriesError(
            f"{option}: cannot tell which release {unknown[0]} is; with "
            f"several trees name each one, such as 2024.1={unknown[0]}")
    ordered = sorted(found, key=lambda s: s.release, reverse=True)
    previous = ordered[0].release
    head = previous.next
    start = head.previous_slurp
    chosen = [ordered[0]]
    for source in ordered[1:]:
        if source.release == previous:
            raise SeriesError(f"{option}: {source.spec} and "
                              f"{ordered[0].spec} are both {previous}")
        if source.release != start:
            allowed = f" and {start}, the SLURP release before it" \
                if start else ""
            raise SeriesError(
                f"{option}: {source.spec} ({source.release}) is not a "
                f"release {head} is upgraded from: only {previous}, the "
                f"previous release{allowed}")
        chosen.append(Source(source.spec, source.release,
                             "previous SLURP release"))
    return chosen
