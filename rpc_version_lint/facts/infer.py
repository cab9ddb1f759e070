"""astroid-backed inference, for the expressions ``ast`` cannot resolve.

astroid costs about twenty times ``ast.parse`` per module, so it is imported
and used only when the fast path in ``resolve.py`` has failed for a
version, topic or namespace expression, and it only builds the modules that
the expression needs.  A result counts only when inference gives exactly one
literal; anything else stays unresolved (and is reported as such).
"""

from __future__ import annotations

import os
import sys

_active_root: list[str | None] = [None]


class Inferrer:
    def __init__(self, root: str | None):
        # Without a directory on disk (a git revision), imports cannot be
        # followed, so inference is not attempted.
        self.root = root
        self.calls = 0
        self.resolved = 0
        self._built: dict[str, object] = {}

    def literal(self, mod, expr):
        """The single literal ``expr`` (an ast node of ``mod``) infers to,
        as ``(True, value)``; ``(False, None)`` when there is none."""
        if self.root is None:
            return False, None
        self.calls += 1
        try:
            found = self._infer(mod, expr)
        except Exception:  # astroid raises many kinds; none is fatal here
            return False, None
        if found[0]:
            self.resolved += 1
        return found

    def _infer(self, mod, expr):
        import astroid
        from astroid import nodes

        if _active_root[0] != self.root:
            # Module names are the same in two trees of one project: do not
            # let the other tree's modules answer.
            astroid.MANAGER.clear_cache()
            _active_root[0] = self.root
        built = self._built.get(mod.relpath)
        if built is None:
            path = os.path.join(self.root, mod.relpath)
            built = astroid.MANAGER.ast_from_string(mod.text, mod.name, path)
            self._built[mod.relpath] = built
        target = None
        for node in built.nodes_of_class((nodes.Name, nodes.Attribute,
                                          nodes.Subscript, nodes.BinOp,
                                          nodes.Call, nodes.JoinedStr)):
            if (node.lineno == expr.lineno
                    and node.col_offset == expr.col_offset
                    and node.end_lineno == expr.end_lineno
                    and node.end_col_offset == expr.end_col_offset):
                target = node
                break
        if target is None:
            return False, None
        sys.path.insert(0, self.root)
        try:
            results = []
            for inferred in target.infer():
                if not isinstance(inferred, nodes.Const):
                    return False, None
                results.append(inferred.value)
                if len(results) > 4:
                    return False, None
        finally:
            sys.path.remove(self.root)
        # None counts: a namespace constant may well be None
        if results and all(r == results[0] for r in results) \
                and isinstance(results[0], (str, int, type(None))):
            return True, results[0]
        return False, None
