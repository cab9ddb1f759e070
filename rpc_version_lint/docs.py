"""Write the rule pages (docs/rules/) from the rule catalogue.

    python -m rpc_version_lint.docs          # regenerate
    python -m rpc_version_lint.docs --check  # fail if they are stale
"""

from __future__ import annotations

import os
import sys

from . import report, rules


def pages() -> dict[str, str]:
    """file name -> content, for every rule and the index."""
    found = {f"{r.code}.md": report.rule_page(r) for r in rules.all_rules()}
    found["README.md"] = report.rules_index()
    return found


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "docs", "rules")
    stale = []
    for name, content in pages().items():
        path = os.path.join(target, name)
        try:
            with open(path, encoding="utf-8") as handle:
                current = handle.read()
        except FileNotFoundError:
            current = None
        if current != content:
            stale.append(name)
            if "--check" not in argv:
                os.makedirs(target, exist_ok=True)
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(content)
    if "--check" in argv and stale:
        print(f"docs/rules is out of date ({', '.join(stale)}): run "
              f"python -m rpc_version_lint.docs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
