"""oslo.config option defaults registered in the tree.

Topics and manager classes are often options: ``CONF.conductor.topic``,
``CONF.taskmanager_queue``, ``CONF.volume_manager``.  Where code reads one,
the value it has unless an operator changes it is the default the tree
registers for it: ``cfg.StrOpt('topic', default='magnum-conductor')`` in a
list of options registered with ``register_opts(opts, group=...)``.

Only the modules that name the option (``'topic'`` in their text) are
parsed, when an option is first asked for.  A name with several different
defaults in the group asked for is left unresolved.
"""

from __future__ import annotations

import ast
import re
import warnings

from ..source.files import module_name
from .index import SEARCHES, nodes

CONF = "oslo_config.cfg.CONF"
_ANY = "<any group>"  # options of a module whose registration is not seen


class Options:
    """The string options a tree registers, looked up by name.  What a
    default depends on -- which files define the option, and their
    text -- is noted as read each time it is asked for (see
    ``Project.watching``)."""

    def __init__(self, project, top: str):
        self.project = project
        self.top = top
        self._modules: dict = {}

    def default(self, dotted: str) -> str | None:
        """The default of ``oslo_config.cfg.CONF[.group].name``, when the
        tree registers exactly one for it."""
        if not dotted.startswith(CONF + "."):
            return None
        parts = dotted[len(CONF) + 1:].split(".")
        if len(parts) == 1:
            group, name = None, parts[0]
        elif len(parts) == 2:
            group, name = parts
        else:
            return None
        found = {d for g, d in self._named(name) if g in (group, _ANY)}
        return found.pop() if len(found) == 1 else None

    def _named(self, name: str) -> list:
        # only the modules defining an option of that name are parsed
        found = []
        for relpath in self.project.search("option", self.top, name):
            self.project.digest(module_name(relpath))
            data = self.project.tree.read_quietly(relpath)
            found += [(g, d) for n, g, d in self._module(relpath, data)
                      if n == name]
        return found

    def _module(self, relpath: str, data: bytes | None) -> list:
        found = self._modules.get(relpath)
        if found is None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = ast.parse(data) if data else None
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                tree = None
            found = self._modules[relpath] = _options(tree) if tree else []
        return found


def files_defining(tree, top: str, name: str) -> list[str]:
    """The files of ``top`` that may define an option named ``name``,
    sorted."""
    defines = re.compile(rb"Opt\(\s*['\"]" + re.escape(name.encode())
                         + rb"['\"]")
    return sorted(relpath for relpath in tree.option_files(top)
                  if defines.search(tree.read_quietly(relpath) or b""))


SEARCHES["option"] = files_defining


def _options(tree: ast.Module) -> list:
    """(name, group, default) of the string options a module defines."""
    constants, lists, groups = {}, {}, {}
    calls, opts = [], []
    for node in nodes(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
            if isinstance(value, ast.Constant) and \
                    isinstance(value.value, str):
                constants[name] = value.value
            elif _group_name(value, {}) is not None:
                constants[name] = _group_name(value, {})
            lists[name] = value
        elif isinstance(node, ast.Call):
            called = _called(node)
            if called in ("register_opts", "register_opt"):
                calls.append(node)
            elif called.endswith("Opt"):
                opts.append(node)
    for node in calls:
        if node.args:
            group = node.args[1] if len(node.args) > 1 else next(
                (kw.value for kw in node.keywords if kw.arg == "group"),
                None)
            name = None if group is None else _group_name(group, constants)
            if group is not None and name is None:
                continue
            for opt in _opts_of(node.args[0], lists, set()):
                groups[id(opt)] = name
    found = []
    for node in opts:
        if node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            default = next((kw.value for kw in node.keywords
                            if kw.arg == "default"), None)
            if isinstance(default, ast.Constant) and \
                    isinstance(default.value, str):
                found.append((node.args[0].value,
                              groups.get(id(node), _ANY), default.value))
    return found


def _opts_of(expr, lists, seen) -> list:
    """The Opt(...) calls an expression of options holds (a list, a name
    bound to one, their sums)."""
    if isinstance(expr, (ast.List, ast.Tuple)):
        return [e for e in expr.elts if isinstance(e, ast.Call)]
    if isinstance(expr, ast.Name) and expr.id in lists and \
            expr.id not in seen:
        return _opts_of(lists[expr.id], lists, seen | {expr.id})
    if isinstance(expr, ast.BinOp):
        return _opts_of(expr.left, lists, seen) + \
            _opts_of(expr.right, lists, seen)
    if isinstance(expr, ast.Call) and expr.args:  # itertools.chain(a, b)
        return [o for a in expr.args for o in _opts_of(a, lists, seen)]
    return []


def _group_name(expr, constants) -> str | None:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.Name):
        return constants.get(expr.id)
    if isinstance(expr, ast.Call) and _called(expr) == "OptGroup":
        name = expr.args[0] if expr.args else next(
            (kw.value for kw in expr.keywords if kw.arg == "name"), None)
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            return name.value
    return None


def _called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else \
        func.id if isinstance(func, ast.Name) else ""
