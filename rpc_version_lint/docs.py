"""Write the rule pages (rpc_version_lint/data/rules/) from the rule
catalogue. They are shipped in the wheel; the source is the registry.

    python -m rpc_version_lint.docs          # regenerate (in a checkout)
    python -m rpc_version_lint.docs --check  # exit 1 if they are stale
"""

from __future__ import annotations

import argparse
import os
import sys

from . import resources, rules
from .output import report

PROG = "python -m rpc_version_lint.docs"
PACKAGE = os.path.dirname(os.path.abspath(__file__))
RULES_DIR = os.path.join(PACKAGE, "data", "rules")
SHOWN = "rpc_version_lint/data/rules"


def pages() -> dict[str, str]:
    """file name -> content, for every rule and the index."""
    found = {f"{r.code}.md": report.rule_page(r) for r in rules.all_rules()}
    found["README.md"] = report.rules_index()
    return found


def checkout_root() -> str | None:
    """The source checkout this package sits in; None when it is installed
    (site-packages, a zip), where nothing may be written."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    root = os.path.dirname(PACKAGE)
    try:
        with open(os.path.join(root, "pyproject.toml"), "rb") as handle:
            project = tomllib.load(handle).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return root if project.get("name") == "rpc-version-lint" else None


def stale(current: dict[str, str], wanted: dict[str, str]) -> list[str]:
    """Pages that differ, are missing, or belong to no rule any more."""
    return sorted(name for name in set(current) | set(wanted)
                  if current.get(name) != wanted.get(name))


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, as the command line
        self.exit(2, f"{PROG}: error: {message}\n")


def main(argv=None) -> int:
    parser = _Parser(
        prog=PROG,
        description=f"Write the rule pages ({SHOWN}/) from the rule "
                    f"catalogue. Only in a source checkout of "
                    f"rpc-version-lint; an installed package is never "
                    f"written to.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the pages are stale "
                             "(works on an installed package too)")
    args = parser.parse_args(argv)
    wanted = pages()
    changed = stale(resources.rule_pages(), wanted)
    if args.check:
        if changed:
            print(f"{PROG}: {SHOWN} is out of date ({', '.join(changed)}): "
                  f"run {PROG} in a checkout", file=sys.stderr)
            return 1
        return 0
    if checkout_root() is None:
        print(f"{PROG}: error: {PACKAGE} is an installed package, not a "
              f"source checkout: nothing written (run it in a checkout of "
              f"rpc-version-lint)", file=sys.stderr)
        return 2
    os.makedirs(RULES_DIR, exist_ok=True)
    for name in changed:
        path = os.path.join(RULES_DIR, name)
        if name in wanted:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(wanted[name])
        else:  # the page of a rule that is gone
            os.remove(path)
    print(f"{SHOWN}: " + (f"{len(changed)} page(s) updated "
                          f"({', '.join(changed)})" if changed
                          else "up to date"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
