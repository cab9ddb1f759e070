"""Findings -> text for people and machines (an output edge)."""

from __future__ import annotations

import os


def location(result, finding) -> str:
    return os.path.relpath(os.path.join(result.root, finding.relpath))


def text(results) -> list[str]:
    """``path:line:col: CODE message``, as flake8 prints."""
    lines = []
    for result in results:
        for f in result.findings:
            lines.append(f"{location(result, f)}:{f.line}:{f.col + 1}: "
                         f"{f.code} {f.message}")
    return lines
