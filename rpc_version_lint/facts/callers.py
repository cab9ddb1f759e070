"""Which methods of a client class the rest of the tree uses.

A client method nobody calls sends nothing at run time. The rolling-upgrade
checks (RPC4xx) simulate what a running release sends, so they keep only
the messages of methods in use. An instance of the client is found where
the tree assigns ``ClientClass(...)`` to a name or an attribute (the
*handles*: ``self.compute_rpcapi = compute_rpcapi.ComputeAPI()``); a method
is in use when the tree refers to ``<handle>.<method>`` (or calls it on
``self`` inside the class). When an instance is stored on another object
(Nova stores its conductor client on NovaObject for oslo.versionedobjects
to call), every method counts as used.
"""

from __future__ import annotations

import ast

from .index import nodes


def used_methods(project, tree, top: str, client) -> set[str] | None:
    """Method names in use; None when every method must be assumed used."""
    name = client.name
    handles: set[str] = set()
    used: set[str] = set()
    for relpath in tree.files_with(top, name + "("):
        mod = project.module_at(relpath)
        if mod is None:
            return None
        parents = _parents(mod.tree)
        for node in nodes(mod.tree):
            if not (isinstance(node, ast.Call) and _last(node.func) == name):
                continue
            parent = parents.get(id(node))
            while isinstance(parent, (ast.BoolOp, ast.IfExp, ast.Await)):
                parent = parents.get(id(parent))  # x or C()
            if isinstance(parent, ast.keyword) and parent.arg:
                handles.add(parent.arg)  # Task(compute_rpcapi=C())
            elif isinstance(parent, ast.Attribute):
                used.add(parent.attr)  # ClientClass().method(...)
            elif isinstance(parent, (ast.Assign, ast.AnnAssign)):
                targets = parent.targets if isinstance(parent, ast.Assign) \
                    else [parent.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        handles.add(target.id)
                    elif isinstance(target, ast.Attribute) and \
                            isinstance(target.value, ast.Name) and \
                            target.value.id in ("self", "cls"):
                        handles.add(target.attr)
                    else:
                        # stored on another object (NovaObject's
                        # indirection_api): used by code we cannot see
                        return None
    if not handles and not used:
        return None
    for handle in handles:
        for relpath in tree.files_with(top, handle):
            mod = project.module_at(relpath)
            if mod is None:
                return None
            for node in nodes(mod.tree):
                if isinstance(node, ast.Attribute) and \
                        _last(node.value) == handle:
                    used.add(node.attr)
    mod = project.module_at(client.relpath)
    if mod is not None:
        for node in nodes(mod.tree):
            if isinstance(node, ast.Attribute) and \
                    isinstance(node.value, ast.Name) and \
                    node.value.id == "self":
                used.add(node.attr)
    return used


def _last(node) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _parents(tree: ast.AST) -> dict:
    """id(node) -> parent node (a map, not attributes on the nodes: those
    would be reference cycles keeping the trees alive)."""
    return {id(child): node for node in nodes(tree)
            for child in ast.iter_child_nodes(node)}
