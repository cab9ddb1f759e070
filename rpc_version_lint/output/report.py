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

from .. import __version__, rules

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


def location(result, finding) -> str:
    return os.path.relpath(os.path.join(result.root, finding.relpath))


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


def _each(results, what="findings"):
    """(path, finding, reason) with the finding's text and the reason
    escaped; the path as it is (each format escapes it its own way)."""
    for result in results:
        for item in getattr(result, what):
            finding, reason = item if isinstance(item, tuple) else (item,
                                                                    None)
            safe = dataclasses.replace(finding, message=escape(
                finding.message), api=escape(finding.api), folded=tuple(
                dataclasses.replace(s, relpath=location(result, s),
                                    message=escape(s.message))
                for s in finding.folded))
            yield location(result, finding), safe, escape(reason)


def summary(results, python_files: int | None = None) -> dict:
    findings = [f for r in results for f in r.findings]
    found = {
        "findings": len(findings),
        "apis": len({f.api for f in findings}),
        "files_checked": sum(r.head.scanned for r in results),
        "allowed": sum(len(r.allowed) for r in results),
        "approved": sum(len(r.approved) for r in results),
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
    line = (f"{s['findings']} finding{'s' * (s['findings'] != 1)} in "
            f"{s['apis']} API{'s' * (s['apis'] != 1)}, "
            f"{s['files_checked']} file{'s' * (s['files_checked'] != 1)} "
            f"checked")
    extra = [f"{s[k]} {k}" for k in ("approved", "allowed") if s[k]]
    return line + (f" ({', '.join(extra)})" if extra else "")


def text(results) -> list[str]:
    return [f"{escape(path)}:{f.line}:{f.col + 1}: {f.code} {f.message}"
            for path, f, _ in _each(results)]


def notes(results) -> list[str]:
    """What is set aside, one line each: never a silent pass."""
    lines = [f"approved: {escape(path)}:{f.line}: {f.code} {f.message} "
             f"(RPC-Approved: {reason})"
             for path, f, reason in _each(results, "approved")]
    return lines


def as_json(results, python_files: int | None = None) -> dict:
    def entry(path, f, reason=None):
        item = {"path": path, "line": f.line, "col": f.col + 1,
                "code": f.code, "title": rules.get(f.code).title,
                "api": f.api, "message": f.message}
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
        "approved": [entry(*e) for e in _each(results, "approved")],
        "allowed": [entry(*e) for e in _each(results, "allowed")],
        "summary": summary(results, python_files),
    }


def as_sarif(results) -> dict:
    catalogue = rules.all_rules()
    index = {r.code: i for i, r in enumerate(catalogue)}
    sarif_rules = [{
        "id": r.code,
        "name": "".join(w.capitalize() for w in r.title.split()),
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": " ".join(r.rationale.split())},
        "help": {"text": explanation(r), "markdown": rule_page(r)},
        "defaultConfiguration": {"enabled": r.default, "level": "error"},
    } for r in catalogue]

    def result(path, f, reason, kind=None):
        item = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": "error",
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": quote(path.replace(os.sep,
                                                               "/")),
                                     "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": f.line,
                           "startColumn": f.col + 1}}}],
        }
        if kind:
            item["suppressions"] = [{"kind": "external", "status":
                                     "accepted", "justification": reason}]
        return item

    found = [result(*e) for e in _each(results)]
    found += [result(*e, kind="approved")
              for e in _each(results, "approved")]
    found += [result(*e, kind="allowed") for e in _each(results, "allowed")]
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
            "originalUriBaseIds": {"%SRCROOT%": {
                "uri": _directory_uri(os.getcwd())}},
            "columnKind": "unicodeCodePoints",
            "results": found,
        }],
    }


def _directory_uri(path: str) -> str:
    from pathlib import Path
    uri = Path(path).resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def github(results) -> list[str]:
    """GitHub Actions workflow commands, one annotation per finding."""
    return [f"::error file={_prop(escape(path))},line={f.line},"
            f"col={f.col + 1},"
            f"title={_prop(f.code + ' ' + rules.get(f.code).title)}::"
            f"{_data(f.message)}" for path, f, _ in _each(results)]


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n",
                                                                  "%0A")


def _prop(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


# -- rule documentation, shared by --explain, the docs and SARIF -------------

def explanation(r) -> str:
    state = "on by default" if r.default else \
        "off by default: select it, e.g. extend-select = " + r.code
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
             "| code | default | title |", "| --- | --- | --- |"]
    for r in rules.all_rules():
        lines.append(f"| [{r.code}]({r.code}.md) | "
                     f"{'on' if r.default else 'off'} | {r.title} |")
    return "\n".join(lines) + "\n"
