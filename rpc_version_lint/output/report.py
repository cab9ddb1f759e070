"""Findings -> text for people and machines (an output edge).

Formats: ``text`` (``path:line:col: CODE message``, as flake8 prints),
``json`` (data/findings.schema.json), ``sarif`` (SARIF 2.1.0, for code
scanning services) and ``github`` (workflow command annotations).
"""

from __future__ import annotations

import dataclasses
import os
import re
from urllib.parse import quote

from .. import RULES_URL, __version__, rules

JSON_SCHEMA_VERSION = 1


def write_line(stream, text: str) -> None:
    """``text`` and its newline in one write to the file underneath (a
    pipe takes up to 4 KiB at once, whoever else writes to it)."""
    data = text + "\n"
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file
        stream.write(data)
        return
    stream.flush()
    raw = data.encode(getattr(stream, "encoding", None) or "utf-8",
                      "backslashreplace")
    while raw:
        raw = raw[os.write(fd, raw):]


def location(result, finding, root: str | None = None) -> str:
    """The finding's file relative to ``root`` (default: the working
    directory)."""
    path = os.path.join(result.root, finding.relpath)
    if root is None:
        return os.path.relpath(path)
    # git gives the work tree's real path: compare like with like
    return os.path.relpath(os.path.realpath(path), os.path.realpath(root))


def level(result, code: str) -> str:
    """``error`` or ``warning``, as the run's settings say."""
    if result.config is not None:
        return result.config.level(code)
    r = rules.get(code)
    return r.severity if r is not None else "error"


# What would let text from the analysed code (a method name, a topic, a
# version string) forge an output line or drive the terminal: C0 and C1
# controls, DEL, line and paragraph separators, and bidirectional overrides.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e"
                     "\u2066-\u2069\ufeff]")


def escape(text):
    """``text`` with each unsafe character written as an escape (``\\x1b``,
    ``\\u2028``): one line, shown as it is, in every format."""
    if not isinstance(text, str) or not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}"
                       if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", text)


def escaped(data):
    """``data`` (json-like) with every string in it escaped."""
    if isinstance(data, dict):
        return {escape(k): escaped(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [escaped(v) for v in data]
    return escape(data)


def _each(results, what="findings", root=None):
    """(path, finding, reason, result) with the finding's text and the
    reason escaped; the path as it is (each format escapes it its own
    way), relative to ``root`` (default: the working directory)."""
    for result in results:
        for item in getattr(result, what):
            finding, reason = item if isinstance(item, tuple) else (item,
                                                                    None)
            if what == "known":
                reason = f"known finding ({result.config.known.shown})"
            safe = dataclasses.replace(finding, message=escape(
                finding.message), api=escape(finding.api), folded=tuple(
                dataclasses.replace(s, relpath=location(result, s, root),
                                    message=escape(s.message))
                for s in finding.folded))
            yield location(result, finding, root), safe, escape(reason), \
                result


def coverage(results) -> dict:
    """Client APIs checked fully, partially and not at all, and why for
    the last two."""
    counts = {"checked": 0, "partial": 0, "unchecked": 0}
    apis = []
    for result in results:
        for kind, number in result.head.coverage().items():
            counts[kind] += number
        for api in result.head.apis:
            if api.client is not None and api.coverage in ("partial",
                                                           "unchecked"):
                apis.append({"api": api.key, "name": api.name,
                             "coverage": api.coverage,
                             "reason": api.reason or "not known"})
    return {**counts, "apis": apis}


def coverage_text(counts: dict) -> str:
    """``21 RPC APIs: 17 checked, 3 partly, 1 not (see --inventory)``."""
    total = counts["checked"] + counts["partial"] + counts["unchecked"]
    if not total:
        return "0 RPC APIs"
    parts = [f"{counts['checked']} checked"]
    if counts["partial"]:
        parts.append(f"{counts['partial']} partly")
    if counts["unchecked"]:
        parts.append(f"{counts['unchecked']} not")
    see = " (see --inventory)" if total > counts["checked"] else ""
    return (f"{total} RPC API{'s' * (total != 1)}: {', '.join(parts)}"
            f"{see}")


def coverage_notes(results) -> list[str]:
    """One line per client API checked partly or not at all, with why."""
    words = {"partial": "partly checked", "unchecked": "not checked"}
    return [escape(f"{words[a['coverage']]}: {a['name']} ({a['api']}): "
                   f"{a['reason']}") for a in coverage(results)["apis"]]


def summary(results, python_files: int | None = None) -> dict:
    findings = [(r, f) for r in results for f in r.findings]
    warnings = sum(1 for r, f in findings if level(r, f.code) == "warning")
    found = {
        "findings": len(findings),
        "errors": len(findings) - warnings,
        "warnings": warnings,
        "apis": len({f.api for _, f in findings if f.api}),
        "files_checked": sum(r.head.scanned for r in results),
        "known": sum(len(r.known) for r in results),
        "allowed": sum(len(r.allowed) for r in results),
        "approved": sum(len(r.approved) for r in results),
        "coverage": coverage(results),
    }
    if python_files is not None:
        found["python_files"] = python_files
        found["rpc_apis"] = sum(len(r.head.apis) for r in results)
    return found


def summary_line(results, python_files: int | None = None) -> str:
    s = summary(results, python_files)
    if python_files is not None and not any(r.head.files for r in results):
        # as flake8 would: nothing to check here is not an error
        return (f"0 RPC APIs in {python_files} Python "
                f"file{'s' * (python_files != 1)}")
    warned = f" ({s['warnings']} warning{'s' * (s['warnings'] != 1)})" \
        if s["warnings"] else ""
    line = (f"{s['findings']} finding{'s' * (s['findings'] != 1)}{warned} "
            f"in {s['apis']} API{'s' * (s['apis'] != 1)}, "
            f"{s['files_checked']} file{'s' * (s['files_checked'] != 1)} "
            f"checked")
    extra = [f"{s[k]} {k}" for k in ("known", "approved", "allowed")
             if s[k]]
    line += f" ({', '.join(extra)})" if extra else ""
    return f"{line}; {coverage_text(s['coverage'])}"


def text(results) -> list[str]:
    return [f"{escape(path)}:{f.line}:{f.col + 1}: {f.code} {f.message}"
            for path, f, _, _ in _each(results)]


def notes(results) -> list[str]:
    """What is set aside or not checked, one line each: never a silent
    pass."""
    lines = [f"approved: {escape(path)}:{f.line}: {f.code} {f.message} "
             f"(RPC-Approved: {reason})"
             for path, f, reason, _ in _each(results, "approved")]
    return lines + coverage_notes(results)


def as_json(results, python_files: int | None = None) -> dict:
    def entry(path, f, reason, result):
        item = {"path": path, "line": f.line, "col": f.col + 1,
                "code": f.code, "title": rules.get(f.code).title,
                "severity": level(result, f.code), "api": f.api,
                "message": f.message,
                "fingerprint": result.fingerprints.get(f, "")}
        if reason is not None:
            item["reason"] = reason
        if f.folded:  # symptoms of the same cause (rules/fold.py)
            item["folded"] = [{"path": s.relpath, "line": s.line,
                               "code": s.code, "message": s.message}
                              for s in f.folded]
        return item

    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": {"name": "rpc-version-lint", "version": __version__},
        "findings": [entry(*e) for e in _each(results)],
        "known": [entry(*e) for e in _each(results, "known")],
        "approved": [entry(*e) for e in _each(results, "approved")],
        "allowed": [entry(*e) for e in _each(results, "allowed")],
        "summary": escaped(summary(results, python_files)),
    }


def as_sarif(results, root: str | None = None) -> dict:
    """SARIF 2.1.0, paths relative to ``root`` (the repository root),
    which the consumer knows as ``%SRCROOT%``: no local path is written."""
    from .. import known
    catalogue = rules.all_rules()
    index = {r.code: i for i, r in enumerate(catalogue)}
    config = next((r.config for r in results if r.config), None)
    sarif_rules = [{
        "id": r.code,
        "name": "".join(w.capitalize() for w in r.title.split()),
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": " ".join(r.rationale.split())},
        "helpUri": RULES_URL.format(code=r.code),
        "help": {"text": explanation(r), "markdown": rule_page(r)},
        "defaultConfiguration": {
            "enabled": r.default,
            "level": config.level(r.code) if config else r.severity},
    } for r in catalogue]

    def result(path, f, reason, run, kind=None):
        item = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": level(run, f.code),
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": quote(path.replace(os.sep,
                                                               "/")),
                                     "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": f.line,
                           "startColumn": f.col + 1}}}],
        }
        if f in run.fingerprints:
            item["partialFingerprints"] = {
                known.FINGERPRINT: run.fingerprints[f]}
        if kind:
            item["suppressions"] = [{"kind": "external", "status":
                                     "accepted", "justification": reason}]
        return item

    found = [result(*e) for e in _each(results, root=root)]
    for kind in ("known", "approved", "allowed"):
        found += [result(*e, kind=kind)
                  for e in _each(results, kind, root=root)]
    return {
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/"
                   "errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rpc-version-lint",
                "version": __version__,
                "rules": sarif_rules,
            }},
            "automationDetails": {"id": _automation_id(config)},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {
                "text": "The root of the repository checked (the git work "
                        "tree; the working directory outside git)."}}},
            "columnKind": "unicodeCodePoints",
            "results": found,
            "properties": {"summary": escaped(summary(results))},
        }],
    }


def _automation_id(config) -> str:
    """The category (``rpc-version-lint/``, or ``rpc-version-lint/upgrade/``
    for the two-releases run) that code scanning keeps apart."""
    if config is not None and config.upgrade_from:
        return "rpc-version-lint/upgrade/"
    return "rpc-version-lint/"


def github(results, root: str | None = None) -> list[str]:
    """GitHub Actions workflow commands, one annotation per finding, with
    paths relative to ``root`` (the repository root)."""
    return [f"::{level(r, f.code)} file={_prop(escape(path))},"
            f"line={f.line},col={f.col + 1},"
            f"title={_prop(f.code + ' ' + rules.get(f.code).title)}::"
            f"{_data(f.message)}"
            for path, f, _, r in _each(results, root=root)]


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n",
                                                                  "%0A")


def _prop(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


# -- rule documentation, shared by --explain, the docs and SARIF -------------

def explanation(r) -> str:
    state = "on by default" if r.default else \
        "off by default: select it, e.g. extend-select = " + r.code
    state += f"; severity {r.severity}" + (
        ", which fails the run only with --strict / rpc-strict"
        if r.severity == "warning" else "")
    bad = "\n".join("    " + line for line in r.bad.splitlines())
    good = "\n".join("    " + line for line in r.good.splitlines())
    needs = {"base": "\nNeeds a baseline (--base / rpc-base).",
             "upgrade": "\nNeeds the previous release (--upgrade-from)."}
    return (f"{r.code}: {r.title} ({state})\n{needs.get(r.needs, '')}\n"
            f"{r.rationale}\n\nBad:\n\n{bad}\n\nGood:\n\n{good}\n\n"
            f"Fix: {' '.join(r.fix.split())}")


def rule_page(r) -> str:
    needs = {"base": "Needs a baseline (`--base` / `rpc-base`).",
             "upgrade": "Needs the previous release (`--upgrade-from` / "
                        "`rpc-upgrade-from`)."}.get(r.needs, "")
    state = "on by default" if r.default else \
        f"off by default (enable with `extend-select = {r.code}`)"
    if r.severity == "warning":
        state += ("; severity warning: reported, fails the run only with "
                  "`rpc-strict` (`--strict`)")
    else:
        state += "; severity error"
    return "\n".join([
        f"# {r.code}: {r.title}", "",
        f"*{state}.* {needs}".rstrip(), "",
        "## Why it matters", "", r.rationale, "",
        "## Bad", "", f"```{r.lang}", r.bad, "```", "",
        "## Good", "", f"```{r.lang}", r.good, "```", "",
        "## How to fix", "", r.fix, "",
        f"Run `rpc-version-lint --explain {r.code}` for this text in a "
        f"terminal.", ""])


def rules_index() -> str:
    lines = ["# Rules", "",
             "Generated from the rule catalogue "
             "(`python -m rpc_version_lint.docs`); do not edit by hand.", "",
             "| code | default | severity | title |",
             "| --- | --- | --- | --- |"]
    for r in rules.all_rules():
        lines.append(f"| [{r.code}]({r.code}.md) | "
                     f"{'on' if r.default else 'off'} | {r.severity} | "
                     f"{r.title} |")
    return "\n".join(lines) + "\n"
