"""RPC surface fingerprints: what an endpoint offers to the dispatcher.

The surface of an endpoint is its public methods (those of its in-tree
base classes included) with, for each, the parameters after the request
context: names in order, which have defaults, keyword-only ones, and
``*args``/``**kwargs``. Decorators do not change it (the dispatcher passes
keyword arguments through them to the function they wrap).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    method: str
    kind: str              # added, removed, param-added, param-removed, ...
    detail: str = ""
    compatible: bool = True
    params: tuple = ()     # the parameters it concerns ("**": **kwargs)

    def text(self) -> str:
        return f"{self.method}(): {self.detail}" if self.detail else \
            f"{self.method}() {self.kind}"


def signature(method) -> str:
    parts = []
    star_done = False
    for p in method.params:
        if p.keyword_only and not star_done and not method.varargs:
            parts.append("*")
            star_done = True
        parts.append(f"{p.name}=..." if p.has_default else p.name)
    if method.varargs:
        parts.insert(len([p for p in method.params if not p.keyword_only]),
                     "*args")
    if method.varkw:
        parts.append("**kwargs")
    return f"{method.name}({', '.join(parts)})"


def fingerprint(endpoint) -> str:
    """``version-hash`` of the surface, like versioned objects' hashes."""
    text = "\n".join(signature(endpoint.methods[name])
                     for name in sorted(endpoint.methods))
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return f"{endpoint.version.text if endpoint.version else '?'}-{digest}"


def changes(before, after) -> list[Change]:
    """How the surface of an endpoint changed between two snapshots."""
    found = []
    for name in sorted(set(before.methods) | set(after.methods)):
        old, new = before.methods.get(name), after.methods.get(name)
        if new is None:
            found.append(Change(name, "removed", "", False))
        elif old is None:
            found.append(Change(name, "added"))
        else:
            found += _method_changes(name, old, new)
    return found


def _method_changes(name, old, new) -> list[Change]:
    found = []
    old_params = {p.name: p for p in old.params}
    new_params = {p.name: p for p in new.params}
    removed = [p for p in old.params if p.name not in new_params]
    added = [p for p in new.params if p.name not in old_params]
    absorbed = new.varkw  # **kwargs takes whatever old clients send
    if len(removed) == 1 and len(added) == 1:
        r, a = removed[0], added[0]
        found.append(Change(name, "param-renamed",
                            f"parameter {r.name} renamed to {a.name}",
                            False, (r.name, a.name)))
    else:
        for p in removed:
            found.append(Change(name, "param-removed",
                                f"parameter {p.name} removed", absorbed,
                                (p.name,)))
        for p in added:
            found.append(Change(
                name, "param-added",
                f"parameter {p.name} added" + (
                    "" if p.has_default else " without a default"),
                p.has_default, (p.name,)))
    for pname, p in new_params.items():
        before = old_params.get(pname)
        if before is not None and before.has_default and not p.has_default:
            found.append(Change(name, "param-required",
                                f"parameter {pname} lost its default",
                                False, (pname,)))
    if old.varkw and not new.varkw:
        found.append(Change(name, "varkw-removed", "**kwargs removed",
                            False, ("**",)))
    if old.varkw != new.varkw and new.varkw:
        found.append(Change(name, "varkw-added", "**kwargs added"))
    return found
