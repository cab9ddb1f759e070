"""The ``rpc-version-lint`` command: the same engine over whole trees.

Exit status: 0 no findings, 1 findings, 2 usage or environment error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys

from . import __version__, engine, known, rules
from .config import (
    Config, ConfigError, file_options, find_config, parse_allow,
    parse_bool, parse_pairs, parse_severity, read_pyproject, read_settings,
    split_list)
from .output import inventory, report
from .rules import upgrade
from .source import files as source
from .source.baseline import repository_root

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        self.exit(EXIT_ERROR, f"rpc-version-lint: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="rpc-version-lint",
        description="Check that oslo.messaging RPC APIs stay safe across "
                    "rolling upgrades. Exit status: 0 clean, 1 findings, "
                    "2 usage or environment error.")
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                   help="files or directories to check (default: .)")
    p.add_argument("--base", metavar="REF|DIR",
                   help="baseline: auto (default), a git revision, a "
                        "directory holding another tree, or none")
    p.add_argument("--commit-msg", metavar="FILE",
                   help="file holding the commit message being checked")
    p.add_argument("--upgrade-from", metavar="[NAME=]REF|DIR,...",
                   help="the previous release (git revision or directory): "
                        "check both directions of a rolling upgrade; for a "
                        "SLURP release also the SLURP release before it "
                        "(2024.2=DIR,2024.1=DIR)")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--select", metavar="CODES",
                   help="comma-separated codes or prefixes to run")
    p.add_argument("--ignore", metavar="CODES",
                   help="comma-separated codes or prefixes to skip")
    p.add_argument("--rolling-upgrade-apis", metavar="APIS",
                   help="APIs upgraded node by node (class path or topic)")
    p.add_argument("--pairs", metavar="PAIRS",
                   help="explicit 'client.Class = server.Class' pairs")
    p.add_argument("--no-cache", action="store_true",
                   help="build every snapshot afresh (do not reuse those "
                        "kept from earlier runs; see README, Performance)")
    p.add_argument("--known-findings", metavar="FILE",
                   help="report only the findings FILE does not hold "
                        "(written by --write-known-findings)")
    p.add_argument("--severity", metavar="CODE:LEVEL",
                   help="comma-separated CODE:error or CODE:warning (codes "
                        "or prefixes), such as RPC207:warning")
    p.add_argument("--strict", action="store_true", default=None,
                   help="warnings fail the run too (exit 1)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no summary line and no notes, only findings and "
                        "errors")
    view = p.add_mutually_exclusive_group()
    view.add_argument("--inventory", action="store_true",
                      help="list every RPC API found instead of checking")
    view.add_argument("--surface", action="store_true",
                      help="print each endpoint's RPC surface and "
                           "fingerprint")
    view.add_argument("--matrix", action="store_true",
                      help="with --upgrade-from: per-API summary of the "
                           "directions checked")
    view.add_argument("--explain", metavar="CODE",
                      help="explain a rule and exit")
    view.add_argument("--list-rules", action="store_true",
                      help="list the rules (text or json) and exit")
    view.add_argument("--write-known-findings", metavar="FILE",
                      help="record in FILE the findings that do not depend "
                           "on the change (RPC2xx, RPC9xx, RPC4xx), then "
                           "report the rest")
    p.add_argument("--version", action="version",
                   version=f"%(prog)s {__version__}")
    return p


def main(argv=None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # output piped into head, say
        sys.stderr.close()
        return EXIT_CLEAN
    except KeyboardInterrupt:
        return EXIT_ERROR
    except Exception as exc:  # a traceback's exit 1 would read "findings"
        return _error(f"internal error: {type(exc).__name__}: "
                      f"{_first_line(exc)} (please report this)")


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else "no detail"


def _main(argv) -> int:
    args = parser().parse_args(argv)
    out = sys.stdout
    if args.explain:
        return explain(args.explain.strip().upper(), out)
    if args.list_rules:
        return list_rules(args.format, out)
    writing = args.write_known_findings
    try:
        config = build_config(args, load_known=not writing)
        codes = checked_codes(config)
        options = file_options(find_config(os.getcwd()))
    except ConfigError as exc:
        return _error(str(exc))
    if writing:
        # the tree as it is: the rules that judge a change do not run
        config = dataclasses.replace(config, base=None, known=None)
    if args.matrix and not config.upgrade_from:
        return _error("--matrix needs --upgrade-from (the previous release)")
    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:
        return _error(f"{missing[0]}: no such file or directory")
    # the files flake8 would check, and the scopes its plugin would analyse
    files = source.flake8_files(args.paths, options.exclude,
                                options.filename)
    if not files:
        return _error(f"no Python file to check in {' '.join(args.paths)}")
    if args.inventory or args.surface:
        codes = set()  # facts only: no rules, no baseline
    elif args.matrix:
        codes = rules.enabled_codes(["RPC4"])
    results, fatal = [], False
    checked = {os.path.abspath(f) for f in files}
    for root, top in source.scopes_of(files):
        try:
            # a symptom folds only into a finding reported here
            results.append(engine.analyze(root, top, config, codes,
                                          checked=_relpaths(checked, root)))
        except Exception as exc:  # the other scopes still get checked
            print(f"rpc-version-lint: error: internal error while analysing "
                  f"{report.escape(os.path.join(root, top))}: "
                  f"{type(exc).__name__}: {report.escape(_first_line(exc))} "
                  f"(please report this)", file=sys.stderr)
            fatal = True
    for result in results:
        _keep_reported(result, checked, options)
    for problem in dict.fromkeys(p for r in results
                                 for p in r.problems + r.warnings):
        print(f"rpc-version-lint: {report.escape(problem)}", file=sys.stderr)
    fatal = fatal or any(r.fatal for r in results)
    if args.inventory or args.surface or args.matrix:
        _view(args, results, out)
        return EXIT_ERROR if fatal else EXIT_CLEAN
    if writing:
        if fatal:
            return _error(f"--write-known-findings {writing}: not written, "
                          f"the run was incomplete (see above)")
        try:
            written = _write_known(writing, results, config)
        except ConfigError as exc:
            return _error(str(exc))
    root = _repository_root(results) if args.format in ("sarif",
                                                        "github") else None
    _findings(args.format, results, out, len(files), root)
    if not args.quiet:
        if writing:
            print(f"rpc-version-lint: wrote {written} known finding"
                  f"{'s' * (written != 1)} to {report.escape(writing)}",
                  file=sys.stderr)
        for note in report.notes(results):
            # report.notes escapes what comes from the tree
            print(f"rpc-version-lint: {note}", file=sys.stderr)
        if args.format == "text":
            print(report.summary_line(results, len(files)), file=sys.stderr)
    if fatal:
        return EXIT_ERROR
    # a warning fails only under --strict (as flake8 only sees it then)
    failed = any(config.fails(f.code) for r in results for f in r.findings)
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def _write_known(path: str, results, config) -> int:
    """Record what the run reports (that does not depend on the change) in
    ``path``; those findings are then known, as a run with
    ``--known-findings`` would find them."""
    entries = known.record(results)
    known.write(path, entries)
    recorded = known.KnownFindings(os.path.abspath(path), path,
                                   tuple(entries))
    for result in results:
        result.config = dataclasses.replace(config, known=recorded)
        known.set_aside(result, recorded)
    return sum(e.count for e in entries)


def _repository_root(results) -> str:
    """The root of the git work tree holding the files checked (else the
    working directory's, else the working directory): SARIF and GitHub
    paths are relative to it, wherever the command runs."""
    for result in results:
        top = repository_root(result.root)
        if top:
            return top
    return repository_root(os.getcwd()) or os.getcwd()


def _relpaths(paths, root: str) -> set:
    """Absolute normalised paths relative to ``root`` (the prefix cut where
    it is one: os.path.relpath costs 0.01 s for a tree of 2,000 files)."""
    prefix = os.path.join(root, "")
    return {(p[len(prefix):] if p.startswith(prefix)
             else os.path.relpath(p, root)).replace(os.sep, "/")
            for p in paths}


def _keep_reported(result, checked: set, options) -> None:
    """What flake8 would report: findings located in the files it checks
    (none in an excluded file), less those a ``# noqa`` comment or
    per-file-ignores covers."""
    noqa: dict = {}

    def reported(finding):
        if not finding.relpath.endswith(".py"):
            return True  # RPC902 on an entry of a settings file
        path = os.path.join(result.root, finding.relpath)
        if path not in checked or options.ignored(report.location(
                result, finding), finding.code):
            return False
        if finding.relpath not in noqa:
            try:
                data = source.DiskTree(result.root).read(finding.relpath)
                text = source.decode(data or b"", finding.relpath)
            except source.SourceError:
                text = ""
            noqa[finding.relpath] = source.Noqa(text)
        return not noqa[finding.relpath].covers(finding.line, finding.code)

    result.findings = [f for f in result.findings if reported(f)]
    result.allowed = [(f, why) for f, why in result.allowed if reported(f)]
    result.approved = [(f, why) for f, why in result.approved
                       if reported(f)]
    result.known = [(f, entry) for f, entry in result.known if reported(f)]


def _view(args, results, out) -> None:
    if args.inventory:
        data = inventory.build(results)
        text = inventory.text
    elif args.surface:
        data = inventory.surfaces(results)
        text = inventory.surfaces_text
    else:
        data = {"schema_version": inventory.SCHEMA_VERSION,
                "apis": [row for r in results if r.previous is not None
                         for row in upgrade.matrix(r.context)]}
        text = inventory.matrix_text
    data = report.escaped(data)  # names and source from the analysed code
    if args.format == "json":
        _dump(data, out)
    else:
        print(text(data), file=out)


def _findings(fmt, results, out, python_files: int, root=None) -> None:
    if fmt == "json":
        _dump(report.as_json(results, python_files), out)
    elif fmt == "sarif":
        _dump(report.as_sarif(results, root), out)
    else:
        lines = report.github(results, root) if fmt == "github" else \
            report.text(results)
        for line in lines:
            print(line, file=out)


def _dump(data, out) -> None:
    json.dump(data, out, indent=2)
    out.write("\n")


def _error(message: str) -> int:
    print(f"rpc-version-lint: error: {report.escape(message)}",
          file=sys.stderr)
    return EXIT_ERROR


def build_config(args, load_known: bool = True) -> Config:
    """Command-line options over pyproject.toml's [tool.rpc-version-lint]
    over the [flake8] section over defaults."""
    cwd = os.getcwd()
    path = find_config(cwd)
    settings = read_settings(path) if path else {}
    sources = {key: f"{path}: [flake8] {key}" for key in settings}
    folder = {key: os.path.dirname(path) for key in settings}
    pyproject, table = read_pyproject(cwd)
    settings.update(table)
    sources.update({key: f"{pyproject}: [tool.rpc-version-lint] "
                         f"{key.removeprefix('rpc-')}" for key in table})
    folder.update({key: os.path.dirname(pyproject) for key in table})

    def pick(option, key, default=None):
        value = getattr(args, option)
        if value is not None:
            sources[key] = "--" + option.replace("_", "-")
            folder[key] = cwd
            return value
        return settings.get(key, default)

    base = pick("base", "rpc-base", "auto") or "auto"
    pairs = pick("pairs", "rpc-pairs")
    known_file = pick("known_findings", "rpc-known-findings")
    found = None
    if known_file and load_known:
        # relative to the file that names it (as flake8 reads paths)
        found = known.load(os.path.join(folder["rpc-known-findings"],
                                        known_file), known_file,
                           sources["rpc-known-findings"])
    allow_source = (pyproject if "rpc-allow" in table else path) \
        if "rpc-allow" in settings else None
    return Config(
        cache=not args.no_cache,
        base=None if base == "none" else base,
        commit_msg=pick("commit_msg", "rpc-commit-msg"),
        upgrade_from=pick("upgrade_from", "rpc-upgrade-from"),
        rolling=tuple(split_list(pick("rolling_upgrade_apis",
                                      "rpc-rolling-upgrade-apis"))),
        pairs=parse_pairs(pairs, sources.get("rpc-pairs", "rpc-pairs")),
        allow=parse_allow(settings.get("rpc-allow"),
                          sources.get("rpc-allow", "rpc-allow")),
        select=tuple(split_list(pick("select", "select"))),
        ignore=tuple(split_list(pick("ignore", "ignore"))),
        severity=parse_severity(pick("severity", "rpc-severity"),
                                sources.get("rpc-severity",
                                            "rpc-severity")),
        strict=parse_bool(pick("strict", "rpc-strict", False),
                          sources.get("rpc-strict", "rpc-strict")),
        known=found,
        allow_source=allow_source)


def checked_codes(config: Config) -> set[str]:
    known = {r.code for r in rules.all_rules()}
    for option, values in (("--select", config.select),
                           ("--ignore", config.ignore)):
        for value in values:
            if not any(code.startswith(value) for code in known):
                raise ConfigError(f"{option}: {value!r} matches no rule "
                                  f"(see --list-rules)")
    return rules.enabled_codes(config.select, config.ignore)


def explain(code: str, out) -> int:
    r = rules.get(code)
    if r is None:
        return _error(f"--explain: unknown code {code!r} (see --list-rules)")
    print(report.explanation(r), file=out)
    return EXIT_CLEAN


def list_rules(fmt: str, out) -> int:
    catalogue = rules.all_rules()
    if fmt == "json":
        _dump({"schema_version": report.JSON_SCHEMA_VERSION,
               "rules": [{"code": r.code, "title": r.title,
                          "default": r.default, "needs": r.needs,
                          "severity": r.severity}
                         for r in catalogue]}, out)
    else:
        for r in catalogue:
            print(f"{r.code}  {'on' if r.default else 'off':3}  "
                  f"{r.severity:7}  {r.title}", file=out)
    return EXIT_CLEAN
