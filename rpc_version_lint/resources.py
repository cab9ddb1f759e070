"""Files shipped inside the package: the json schemas and the rule pages.

Read through ``importlib.resources`` so that they are found the same way
from a source checkout, an installed wheel or a zip.
"""

from __future__ import annotations

import json
from importlib import resources

SCHEMAS = ("findings", "inventory", "known-findings")


def data():
    """The package's ``data`` directory (a Traversable, not always a
    path on disk)."""
    return resources.files(__package__) / "data"


def schema(kind: str) -> dict:
    """The json schema of ``--format json`` output: ``findings`` for the
    findings, ``inventory`` for ``--inventory``; ``known-findings`` for the
    file ``--write-known-findings`` writes."""
    if kind not in SCHEMAS:
        raise ValueError(f"no schema {kind!r}; there are {SCHEMAS}")
    return json.loads((data() / f"{kind}.schema.json").read_text("utf-8"))


def rule_pages() -> dict[str, str]:
    """file name -> content of the shipped rule pages (``data/rules``)."""
    folder = data() / "rules"
    if not folder.is_dir():
        return {}
    return {entry.name: entry.read_text("utf-8")
            for entry in folder.iterdir() if entry.name.endswith(".md")}
