"""The ``rpc-version-lint`` command: the same engine over whole trees.

Exit status: 0 no findings, 1 findings, 2 usage or environment error.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__, engine, inventory, report, rules
from .rules import upgrade
from .config import (Config, ConfigError, find_config, parse_pairs,
                     read_settings, split_list)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rpc-version-lint",
        description="Check that oslo.messaging RPC APIs stay safe across "
                    "rolling upgrades.")
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                   help="files or directories to check (default: .)")
    p.add_argument("--base", metavar="REF|DIR",
                   help="baseline: auto (default), a git revision, a "
                        "directory holding another tree, or none")
    p.add_argument("--commit-msg", metavar="FILE",
                   help="file holding the commit message being checked")
    p.add_argument("--upgrade-from", metavar="REF|DIR",
                   help="the previous release (git revision or directory): "
                        "check both directions of a rolling upgrade")
    p.add_argument("--matrix", action="store_true",
                   help="with --upgrade-from: per-API summary of the "
                        "directions checked")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--select", metavar="CODES",
                   help="comma-separated codes or prefixes to run")
    p.add_argument("--ignore", metavar="CODES",
                   help="comma-separated codes or prefixes to skip")
    p.add_argument("--rolling-upgrade-apis", metavar="APIS",
                   help="APIs upgraded node by node (class path or topic)")
    p.add_argument("--pairs", metavar="PAIRS",
                   help="explicit 'client.Class = server.Class' pairs")
    p.add_argument("--inventory", action="store_true",
                   help="list every RPC API found instead of checking")
    p.add_argument("--surface", action="store_true",
                   help="print each endpoint's RPC surface and fingerprint")
    p.add_argument("--explain", metavar="CODE",
                   help="explain a rule and exit")
    p.add_argument("--list-rules", action="store_true",
                   help="list the rules and exit")
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


def _main(argv) -> int:
    args = parser().parse_args(argv)
    out = sys.stdout
    if args.explain:
        return explain(args.explain.strip().upper(), out)
    if args.list_rules:
        for r in rules.all_rules():
            state = "on" if r.default else "off"
            print(f"{r.code}  {state:3}  {r.title}", file=out)
        return EXIT_CLEAN
    try:
        config = build_config(args)
        codes = checked_codes(config)
    except ConfigError as exc:
        print(f"rpc-version-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    scopes = engine.scopes(args.paths)
    missing = [p for p in args.paths if not _exists(p)]
    for path in missing:
        print(f"rpc-version-lint: error: {path}: no such file or directory",
              file=sys.stderr)
    if missing:
        return EXIT_ERROR
    if args.matrix and not config.upgrade_from:
        print("rpc-version-lint: error: --matrix needs --upgrade-from "
              "(the previous release)", file=sys.stderr)
        return EXIT_ERROR
    if args.matrix:
        codes = {c for c in rules.enabled_codes(["RPC4"])}
    if args.inventory or args.surface:
        codes = set()  # facts only: no rules, no baseline
    results = [engine.analyze(root, top, config, codes)
               for root, top in scopes]
    for problem in dict.fromkeys(p for r in results
                                 for p in r.problems + r.warnings):
        print(f"rpc-version-lint: {problem}", file=sys.stderr)
    fatal = any(r.fatal for r in results)
    if args.matrix:
        data = {"schema_version": inventory.SCHEMA_VERSION,
                "apis": [row for r in results if r.previous is not None
                         for row in upgrade.matrix(r.context)]}
        if args.format == "json":
            json.dump(data, out, indent=2)
            out.write("\n")
        else:
            print(inventory.matrix_text(data), file=out)
        return EXIT_ERROR if fatal else EXIT_CLEAN
    if args.surface:
        data = inventory.surfaces(results)
        if args.format == "json":
            json.dump(data, out, indent=2)
            out.write("\n")
        else:
            print(inventory.surfaces_text(data), file=out)
        return EXIT_CLEAN
    if args.inventory:
        data = inventory.build(results)
        if args.format == "json":
            json.dump(data, out, indent=2)
            out.write("\n")
        else:
            print(inventory.text(data), file=out)
        return EXIT_CLEAN
    findings = [f for r in results for f in r.findings]
    if args.format == "json":
        json.dump([{"path": report.location(r, f), "line": f.line,
                    "col": f.col + 1, "code": f.code, "message": f.message}
                   for r in results for f in r.findings], out, indent=2)
        out.write("\n")
    else:
        for line in report.text(results):
            print(line, file=out)
    if fatal:
        return EXIT_ERROR
    return EXIT_FINDINGS if findings else EXIT_CLEAN


def build_config(args) -> Config:
    """Command-line options over the [flake8] section over defaults."""
    import os

    path = find_config(os.getcwd())
    settings = read_settings(path) if path else {}

    def pick(option, key, default=None):
        value = getattr(args, option)
        return value if value is not None else settings.get(key, default)

    base = pick("base", "rpc-base", "auto") or "auto"
    pairs_from = "--pairs" if args.pairs is not None else \
        f"{path}: rpc-pairs"
    return Config(
        base=None if base == "none" else base,
        commit_msg=pick("commit_msg", "rpc-commit-msg"),
        upgrade_from=pick("upgrade_from", "rpc-upgrade-from"),
        rolling=tuple(split_list(pick("rolling_upgrade_apis",
                                      "rpc-rolling-upgrade-apis"))),
        pairs=parse_pairs(pick("pairs", "rpc-pairs"), pairs_from),
        select=tuple(split_list(args.select)),
        ignore=tuple(split_list(args.ignore)))


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
        print(f"rpc-version-lint: error: --explain: unknown code {code!r} "
              f"(see --list-rules)", file=sys.stderr)
        return EXIT_ERROR
    print(explanation(r), file=out)
    return EXIT_CLEAN


def explanation(r) -> str:
    state = "on by default" if r.default else "off by default: select it"
    indent = "\n".join("    " + line for line in r.bad.splitlines())
    good = "\n".join("    " + line for line in r.good.splitlines())
    return (f"{r.code}: {r.title} ({state})\n\n{r.rationale}\n\n"
            f"Bad:\n\n{indent}\n\nGood:\n\n{good}\n\nFix: {r.fix}")


def _exists(path: str) -> bool:
    import os
    return os.path.exists(path)
