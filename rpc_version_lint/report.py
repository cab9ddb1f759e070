"""Findings -> text for people and machines (an output edge).

Formats: ``text`` (``path:line:col: CODE message``, as flake8 prints),
``json`` (data/findings.schema.json), ``sarif`` (SARIF 2.1.0, for code
scanning services) and ``github`` (workflow command annotations).
"""

from __future__ import annotations

import os

from . import __version__, rules

JSON_SCHEMA_VERSION = 1


def location(result, finding) -> str:
    return os.path.relpath(os.path.join(result.root, finding.relpath))


def _each(results, what="findings"):
    for result in results:
        for item in getattr(result, what):
            finding, reason = item if isinstance(item, tuple) else (item,
                                                                    None)
            yield location(result, finding), finding, reason


def summary(results) -> dict:
    findings = [f for r in results for f in r.findings]
    return {
        "findings": len(findings),
        "apis": len({f.api for f in findings}),
        "files_checked": sum(r.head.scanned for r in results),
        "allowed": sum(len(r.allowed) for r in results),
        "approved": sum(len(r.approved) for r in results),
    }


def summary_line(results) -> str:
    s = summary(results)
    line = (f"{s['findings']} finding{'s' * (s['findings'] != 1)} in "
            f"{s['apis']} API{'s' * (s['apis'] != 1)}, "
            f"{s['files_checked']} file{'s' * (s['files_checked'] != 1)} "
            f"checked")
    extra = [f"{s[k]} {k}" for k in ("approved", "allowed") if s[k]]
    return line + (f" ({', '.join(extra)})" if extra else "")


def text(results) -> list[str]:
    return [f"{path}:{f.line}:{f.col + 1}: {f.code} {f.message}"
            for path, f, _ in _each(results)]


def notes(results) -> list[str]:
    """What is set aside, one line each: never a silent pass."""
    lines = [f"approved: {path}:{f.line}: {f.code} {f.message} "
             f"(RPC-Approved: {reason})"
             for path, f, reason in _each(results, "approved")]
    return lines


def as_json(results) -> dict:
    def entry(path, f, reason=None):
        item = {"path": path, "line": f.line, "col": f.col + 1,
                "code": f.code, "title": rules.get(f.code).title,
                "api": f.api, "message": f.message}
        if reason is not None:
            item["reason"] = reason
        return item

    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": {"name": "rpc-version-lint", "version": __version__},
        "findings": [entry(*e) for e in _each(results)],
        "approved": [entry(*e) for e in _each(results, "approved")],
        "allowed": [entry(*e) for e in _each(results, "allowed")],
        "summary": summary(results),
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
                "artifactLocation": {"uri": path.replace(os.sep, "/"),
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
    return [f"::error file={_prop(path)},line={f.line},col={f.col + 1},"
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
