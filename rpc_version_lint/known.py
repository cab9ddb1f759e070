"""Known findings, fingerprints and suppressions that match nothing.

A project adopting the checks on a tree that already has findings records
them once (``--write-known-findings FILE``) and from then on is told only
of new ones (``--known-findings FILE`` / ``rpc-known-findings``). Only
findings that do not depend on the change are recorded: those of the rules
that judge the tree as it is (RPC2xx, RPC9xx) and RPC4xx with the
``--upgrade-from`` they were found under. Never RPC1xx or RPC3xx: they
judge one change, and recording them would hide the same mistake made
again.

Each finding is fingerprinted by its code, its API's key (the client's
class path) and its cause: the message without the API's name in front,
without any file path or line number, and without the advice after the
first ``;`` (the method, the versions, the endpoint class). Never by its
path or line, so the fingerprint survives lines moving, and a finding that
moves to another file but keeps its cause is the same finding. SARIF
``partialFingerprints`` carry the same value.

The file (data/known-findings.schema.json) is json, versioned by
``schema_version`` as the json outputs are; the entries are sorted so that
a rewrite shows as a small diff.

What stays visible: an entry of that file, an ``rpc-allow`` entry or a
``# noqa`` comment naming an RPC code that matches nothing in a run that
could have found it is reported as RPC902.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field

from . import __version__, rules
from .config import ConfigError
from .rules import Finding

SCHEMA_VERSION = 1
FINGERPRINT = "rpcVersionLint/v1"   # the SARIF partialFingerprints key
STALE = "RPC902"
NEVER = ("RPC900", STALE)           # nothing may waive or record these


@dataclass(frozen=True)
class Entry:
    code: str
    package: str              # the top-level package ("" for a script)
    api: str                  # the API's key: the client's class path
    cause: str
    upgrade_from: str | None = None   # RPC4xx: the previous release
    count: int = 1            # findings with this fingerprint
    name: str = field(default="", compare=False)   # "compute API"
    line: int = field(default=0, compare=False)    # in the file

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.code, self.api, self.cause,
                           self.upgrade_from)


@dataclass(frozen=True)
class KnownFindings:
    path: str                 # absolute
    shown: str                # as the user wrote it
    entries: tuple = ()


def recordable(code: str) -> bool:
    """Findings that do not depend on the change."""
    r = rules.get(code)
    return r is not None and r.needs in ("snapshot", "upgrade") and \
        code not in NEVER


# -- fingerprints ------------------------------------------------------------

def fingerprint(code: str, api: str, cause: str,
                upgrade_from: str | None = None) -> str:
    text = "\0".join((FINGERPRINT, code, api, cause, upgrade_from or ""))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")
                          ).hexdigest()[:32]


# a place in the tree: a file (with its line and column), or "line N"
_PLACE = re.compile(r"[\w./\\-]*\.py(?::\d+)*|\blines? \d+(?:-\d+)?")


def cause(finding: Finding) -> str:
    """What the finding is about, without where it is."""
    text = finding.message
    if finding.api and text.startswith(finding.api + ": "):
        text = text[len(finding.api) + 2:]
    text = _diagnosis(text)
    text = _PLACE.sub("<file>", text)
    return " ".join(text.split())


def _diagnosis(text: str) -> str:
    """``text`` up to its first ``; `` outside brackets and quotes: the
    diagnosis, without the advice (which a new version may reword)."""
    depth, quote = 0, None
    for i, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"" and (i == 0 or not text[i - 1].isalnum()):
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif char == ";" and depth == 0 and text[i + 1:i + 2] == " ":
            return text[:i]
    return text


def api_key(finding: Finding, snapshot) -> str:
    """The key of the finding's API (the client's class path); when
    several APIs carry its name, the one whose code holds the finding."""
    named = [api for api in snapshot.apis if api.name == finding.api]
    if not named:
        return finding.api
    if len(named) > 1:
        def holds(api):
            files = {e.relpath for e in api.endpoints}
            if api.client is not None:
                files.add(api.client.relpath)
            return finding.relpath in files
        near = [api for api in named if holds(api)]
        named = near or named
    return ",".join(sorted({api.key for api in named}))


def of(finding: Finding, result, upgrade_from: str | None) -> str:
    r = rules.get(finding.code)
    previous = upgrade_from if r is not None and r.needs == "upgrade" \
        else None
    return fingerprint(finding.code, api_key(finding, result.head),
                       cause(finding), previous)


# -- the engine's last step --------------------------------------------------

def settle(result, config, codes, tree) -> None:
    """Fingerprint every finding of ``result``, set aside the known ones,
    and report what the known-findings file, the allow-list and the
    ``# noqa`` comments of the files the analysis read (``tree``'s
    candidates) hold that matches nothing (RPC902)."""
    result.config = config
    everything = list(result.findings) + \
        [f for f, _ in result.allowed + result.approved]
    prints = {f: of(f, result, config.upgrade_from) for f in everything}
    result.fingerprints = prints
    stale = []
    if STALE in codes:
        for relpath in tree.candidates(result.top):
            stale += _noqa_in(result, tree, relpath, codes)
    if config.known is not None:
        stale += _known(result, config, codes, prints, everything)
    if STALE in codes and config.allow:
        stale += _allow_entries(result, config, codes)
    for finding in stale:
        prints[finding] = of(finding, result, None)
    result.findings = sorted(result.findings + stale)


def _noqa_in(result, tree, relpath, codes) -> list:
    from .source.files import SourceError, decode
    try:
        data = tree.read(relpath)
        if not data or b"noqa" not in data.lower():
            return []
        text = decode(data, relpath)
    except SourceError:
        return []  # said when it was loaded
    return stale_noqa(result, relpath, text, codes)


def set_aside(result, known: KnownFindings) -> None:
    """Move the findings ``known`` holds from ``result.findings`` to
    ``result.known``: as many of each fingerprint as it recorded, the
    first ones in file order."""
    left = Counter()
    by_print = {}
    for entry in known.entries:
        left[entry.fingerprint] += entry.count
        by_print.setdefault(entry.fingerprint, entry)
    kept = []
    for finding in sorted(result.findings):
        fp = result.fingerprints.get(finding)
        if left[fp] > 0 and recordable(finding.code):
            left[fp] -= 1
            result.known.append((finding, by_print[fp]))
        else:
            kept.append(finding)
    result.findings = kept


def _known(result, config, codes, prints, everything) -> list:
    known = config.known
    set_aside(result, known)
    if STALE not in codes:
        return []
    found = Counter(prints[f] for f in everything)
    judged = judgeable(result, codes)
    stale = []
    relpath = _relpath(known.path, result.root)
    for entry in known.entries:
        r = rules.get(entry.code)
        if entry.package != result.top or entry.code not in judged or (
                r.needs == "upgrade" and
                entry.upgrade_from != config.upgrade_from):
            continue
        matched = found[entry.fingerprint]
        if matched >= entry.count:
            continue
        how_many = f" ({matched} of {entry.count} found)" if matched else ""
        stale.append(Finding(
            relpath, entry.line or 1, 0, STALE,
            f"{entry.name or entry.api}: known finding {entry.code} "
            f"({entry.cause}) matches nothing any more{how_many}; remove "
            f"its entry from {known.shown} (or write the file again with "
            f"--write-known-findings)", entry.name or entry.api))
    return stale


def _allow_entries(result, config, codes) -> list:
    names = {}
    for api in result.head.apis:
        names.setdefault(api.name, {api.name, api.key}).add(api.key)
    here = set(names) | {key for keys in names.values() for key in keys}
    used = set()
    for finding, _ in result.allowed:
        applies = names.get(finding.api, {finding.api})
        entry = next((a for a in config.allow
                      if a.matches(finding.code, applies)), None)
        if entry is not None:
            used.add(entry)
    judged = judgeable(result, codes)
    stale = []
    for entry in config.allow:
        if entry in used:
            continue
        if entry.api is not None and entry.api not in here:
            dotted = "." in entry.api and " " not in entry.api
            if dotted and entry.api.split(".")[0] != result.top:
                continue  # another package's API
            why = f"names no RPC API of {result.top or result.root}"
        elif entry.codes and all(covered_by(c, judged)
                                 for c in entry.codes):
            why = "matches no finding"
        else:
            continue  # it covers rules that judge a change
        text = _allow_text(entry)
        path, line = _find_line(config.allow_source, entry)
        stale.append(Finding(
            _relpath(path, result.root) if path else "setup.cfg", line, 0,
            STALE, f"rpc-allow entry {text!r} {why}; remove it",
            entry.api or ""))
    return stale


def _allow_text(entry) -> str:
    selector = " ".join(list(entry.codes) + ([entry.api] if entry.api
                                             else []))
    return f"{selector}: {entry.reason}"


def _find_line(path: str | None, entry) -> tuple[str | None, int]:
    if not path:
        return None, 1
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return path, 1
    for number, line in enumerate(lines, 1):
        if entry.reason in line and all(c in line for c in entry.codes) and \
                (entry.api is None or entry.api in line):
            return path, number
    return path, 1


def _relpath(path: str, root: str) -> str:
    return os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")


def judgeable(result, codes) -> set[str]:
    """Codes whose absence of findings means something in this run: rules
    that ran and judge the tree as it is (with the previous release, for
    RPC4xx)."""
    found = set()
    for code in codes:
        r = rules.get(code)
        if r is None or code in NEVER:
            continue
        if r.needs == "snapshot" or (r.needs == "upgrade" and
                                     result.previous is not None):
            found.add(code)
    return found


def covered_by(token: str, judged: set) -> bool:
    """Whether every rule a code or prefix names is judged."""
    named = {r.code for r in rules.all_rules() if r.code.startswith(token)}
    return bool(named) and named <= judged


def stale_noqa(result, relpath: str, text: str, codes) -> list[Finding]:
    """RPC902 for each ``# noqa`` comment of the file ``relpath`` that
    names an RPC code or prefix no finding at its line has."""
    if STALE not in codes or "noqa" not in text.lower() or \
            "RPC" not in text:
        return []
    from .source.files import Noqa
    judged = judgeable(result, codes)
    here = [f for f in list(result.findings)
            + [f for f, _ in result.allowed + result.approved]
            if f.relpath == relpath]
    stale = []
    for line, col, named, covered in Noqa(text).comments():
        for token in named:
            if not token.startswith("RPC") or not covered_by(token, judged):
                continue
            if not any(f.line in covered and f.code.startswith(token)
                       for f in here):
                stale.append(Finding(
                    relpath, line, col, STALE,
                    f"this # noqa names {token}, but no {token} finding is "
                    f"on its line any more; remove {token} from it"))
    return stale


# -- the file ----------------------------------------------------------------

def record(results) -> list[Entry]:
    """The entries for what ``results`` report (recordable codes only)."""
    counts: dict = {}
    for result in results:
        upgrade_from = result.config.upgrade_from if result.config else None
        for finding in result.findings:
            if not recordable(finding.code):
                continue
            r = rules.get(finding.code)
            entry = Entry(finding.code, result.top,
                          api_key(finding, result.head), cause(finding),
                          upgrade_from if r.needs == "upgrade" else None,
                          name=finding.api)
            if entry in counts:
                counts[entry] = (counts[entry][0] + 1, counts[entry][1])
            else:
                counts[entry] = (1, entry)
    entries = [Entry(e.code, e.package, e.api, e.cause, e.upgrade_from,
                     count, name=e.name)
               for count, e in counts.values()]
    return sorted(entries, key=lambda e: (e.package, e.api, e.code,
                                          e.upgrade_from or "", e.cause))


def dumps(entries) -> str:
    data = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "rpc-version-lint", "version": __version__},
        "known_findings": [_entry_json(e) for e in entries],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _entry_json(entry: Entry) -> dict:
    item = {"fingerprint": entry.fingerprint, "code": entry.code,
            "package": entry.package, "api": entry.api, "name": entry.name,
            "cause": entry.cause}
    if entry.upgrade_from is not None:
        item["upgrade_from"] = entry.upgrade_from
    if entry.count != 1:
        item["count"] = entry.count
    return item


def write(path: str, entries) -> None:
    """Replace ``path`` at once (never half written)."""
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory,
                             f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(dumps(entries))
        os.replace(temporary, path)
    except OSError as exc:
        try:
            os.remove(temporary)
        except OSError:
            pass
        raise ConfigError(f"--write-known-findings {path}: cannot be "
                          f"written ({exc.strerror or exc})")


def load(path: str, shown: str | None = None,
         option: str = "--known-findings") -> KnownFindings:
    """The file's entries; ConfigError (one line, naming the file) when it
    is missing or is not such a file."""
    shown = shown or path
    where = f"{option} {shown}"
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such file (write it with "
                          f"--write-known-findings {shown})")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot be read "
                          f"({getattr(exc, 'strerror', None) or exc})")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where}: not json (line {exc.lineno}: "
                          f"{exc.msg})")
    if not isinstance(data, dict) or "known_findings" not in data:
        hint = " (it is --format json output)" if isinstance(data, dict) \
            and "findings" in data else ""
        raise ConfigError(f"{where}: not a known-findings file{hint}; "
                          f"write one with --write-known-findings")
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or \
            version < 1:
        raise ConfigError(f"{where}: schema_version is not a positive "
                          f"integer")
    if version > SCHEMA_VERSION:
        raise ConfigError(f"{where}: schema_version {version} is newer "
                          f"than this rpc-version-lint reads "
                          f"({SCHEMA_VERSION}); upgrade it")
    items = data["known_findings"]
    if not isinstance(items, list):
        raise ConfigError(f"{where}: known_findings is not a list")
    lines = _entry_lines(text)
    entries = []
    for number, item in enumerate(items, 1):
        entry = _entry(item, f"{where}: known_findings[{number - 1}]")
        entries.append(Entry(entry.code, entry.package, entry.api,
                             entry.cause, entry.upgrade_from, entry.count,
                             name=entry.name,
                             line=lines.get(entry.fingerprint, 1)))
    return KnownFindings(os.path.abspath(path), shown, tuple(entries))


def _entry(item, where: str) -> Entry:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: not an object")
    for key in ("code", "package", "api", "cause", "fingerprint"):
        if not isinstance(item.get(key), str):
            raise ConfigError(f"{where}: {key} is missing or not a string")
    code = item["code"]
    if rules.get(code) is None:
        raise ConfigError(f"{where}: unknown code {code!r}")
    if not recordable(code):
        raise ConfigError(f"{where}: {code} findings depend on the change "
                          f"(or must never be waived): they cannot be "
                          f"known findings")
    upgrade_from = item.get("upgrade_from")
    needs_upgrade = rules.get(code).needs == "upgrade"
    if needs_upgrade != isinstance(upgrade_from, str):
        wanted = "the previous release" if needs_upgrade else "absent"
        raise ConfigError(f"{where}: upgrade_from must be {wanted} for "
                          f"{code}")
    count = item.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ConfigError(f"{where}: count is not a positive integer")
    name = item.get("name", "")
    entry = Entry(code, item["package"], item["api"], item["cause"],
                  upgrade_from, count,
                  name=name if isinstance(name, str) else "")
    if entry.fingerprint != item["fingerprint"]:
        raise ConfigError(f"{where}: its fingerprint does not match its "
                          f"code, api, cause and upgrade_from (edited by "
                          f"hand? write the file again with "
                          f"--write-known-findings)")
    return entry


def _entry_lines(text: str) -> dict:
    """fingerprint -> the line of its entry (where RPC902 points)."""
    found = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = re.search(r'"fingerprint"\s*:\s*"([0-9a-f]+)"', line)
        if match:
            found.setdefault(match.group(1), number)
    return found
