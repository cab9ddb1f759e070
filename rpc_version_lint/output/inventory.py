"""The inventory: every RPC API found, as plain data for text or json.

The json form is described by ``data/inventory.schema.json``; its
``schema_version`` changes when a field is renamed or removed.
"""

from __future__ import annotations

import os

from ..facts.surface import fingerprint, signature

SCHEMA_VERSION = 1


def _where(root: str, relpath: str, line: int) -> str:
    return f"{os.path.relpath(os.path.join(root, relpath))}:{line}"


def api_entry(api, root: str) -> dict:
    client = api.client
    entry = {
        "name": api.name,
        "key": api.key,
        "client": None,
        "pairing": api.pairing,
        "evidence": api.evidence or None,
        "coverage": api.coverage or None,
        "coverage_reason": api.reason or None,
        "complete": api.complete,
        "endpoints": [{
            "class": e.path,
            "location": _where(root, e.relpath, e.line),
            "version": e.version.text if e.version else None,
            "namespace": e.namespace,
            "registered_by": e.registered_by,
            "registration": _where(root, *e.registration)
            if e.registration else None,
            "methods": len(e.methods),
        } for e in api.endpoints],
        "majors": sorted(api.majors),
        "newest": str(api.newest) if api.newest else None,
        "unresolved": [],
    }
    owners = list(api.endpoints)
    if client is not None:
        aliases = client.aliases or []
        entry["client"] = {
            "class": client.path,
            "location": _where(root, client.relpath, client.line),
            "target": client.target.text if client.target else None,
            "topic": client.topic,
            "namespace": client.namespace,
            "pinnable": client.pinnable,
            "cap": client.cap,
            "aliases": {
                "count": len(aliases),
                "first": _alias(aliases[0]) if aliases else None,
                "last": _alias(aliases[-1]) if aliases else None,
            },
            "routes": [_route(r) for r in sorted(
                client.routes, key=lambda r: (r.topic or "",
                                              r.namespace or "",
                                              r.fanout))],
            "sends": len(client.sends),
            "guards": len(client.guards),
            "compat_helpers": list(client.compat_helpers),
        }
        owners.insert(0, client)
    seen = set()
    for owner in owners:
        for u in owner.unresolved:
            key = (u.relpath, u.line, u.text)
            if key not in seen:
                seen.add(key)
                entry["unresolved"].append({
                    "location": _where(root, u.relpath, u.line),
                    "what": u.text, "why": u.why})
    return entry


def _route(route) -> dict:
    return {"topic": route.topic, "namespace": route.namespace,
            "fanout": route.fanout}


def _alias(alias) -> dict:
    return {"release": alias.release, "version": alias.version.text}


def build(results) -> dict:
    """The inventory of several scopes (``engine.Result`` objects)."""
    apis, listeners = [], []
    coverage = {"checked": 0, "partial": 0, "unchecked": 0}
    for result in results:
        apis += [api_entry(api, result.root) for api in result.head.apis]
        for key, count in result.head.coverage().items():
            coverage[key] += count
        listeners += [{"class": path,
                       "location": _where(result.root, relpath, line)}
                      for path, relpath, line in result.head.listeners]
    return {"schema_version": SCHEMA_VERSION, "coverage": coverage,
            "apis": apis, "listeners": listeners}


def text(inventory: dict) -> str:
    header = ("API", "client", "server endpoints", "paired by", "checked",
              "majors", "newest", "aliases", "pinned by", "sends", "guards",
              "unresolved")
    rows = [header]
    for api in inventory["apis"]:
        client = api["client"] or {}
        aliases = client.get("aliases") or {}
        alias_text = "-"
        if aliases.get("count"):
            first, last = aliases["first"], aliases["last"]
            alias_text = (f"{first['release']} {first['version']} .. "
                          f"{last['release']} {last['version']}")
        endpoints = ", ".join(
            f"{e['class'].rpartition('.')[2]} {e['version']}"
            + (f" ns={e['namespace']}" if e["namespace"] else "")
            for e in api["endpoints"])
        if not api["endpoints"]:
            endpoints = f"none: {api['pairing']}"
        elif not api["complete"]:
            endpoints += " (incomplete)"
        rows.append((
            api["name"],
            f"{client['class'].rpartition('.')[2]} {client['location']}"
            if client else "-",
            endpoints,
            api["evidence"] or "-",
            api["coverage"] or "-",
            ",".join(str(m) for m in api["majors"]) or "-",
            api["newest"] or "-",
            alias_text,
            client.get("cap") or ("-" if client else ""),
            str(client.get("sends", "")),
            str(client.get("guards", "")),
            str(len(api["unresolved"])),
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    details = []
    for api in inventory["apis"]:
        for u in api["unresolved"]:
            details.append(f"  {u['location']}: {api['name']}: {u['what']}: "
                           f"{u['why']}")
    if details:
        lines += ["", "Unresolved expressions:"] + details
    gaps = [f"  {api['name']}: {api['coverage']}: {api['coverage_reason']}"
            for api in inventory["apis"]
            if api["coverage"] in ("partial", "unchecked")]
    if gaps:
        lines += ["", "Not fully checked:"] + gaps
    if inventory["listeners"]:
        lines += ["", "Notification listeners (not RPC APIs, set aside):"] + [
            f"  {item['class']} {item['location']}"
            for item in inventory["listeners"]]
    counts = inventory["coverage"]
    lines += ["", f"{len(inventory['apis'])} RPC APIs; client APIs: "
              f"{counts['checked']} checked, {counts['partial']} partly, "
              f"{counts['unchecked']} not checked"]
    return "\n".join(lines)


def surfaces(results) -> dict:
    """Each endpoint's RPC surface: its methods' signatures, fingerprinted
    (``--surface``)."""
    endpoints = []
    for result in results:
        for api in result.head.apis:
            for e in api.endpoints:
                endpoints.append({
                    "api": api.name,
                    "class": e.path,
                    "location": _where(result.root, *(e.declared or
                                                      (e.relpath, e.line))),
                    "version": e.version.text if e.version else None,
                    "fingerprint": fingerprint(e),
                    "forwards_to": e.delegate,
                    "methods": {name: signature(e.methods[name])
                                for name in sorted(e.methods)},
                })
    return {"schema_version": SCHEMA_VERSION, "endpoints": endpoints}


def surfaces_text(data: dict) -> str:
    lines = []
    for e in data["endpoints"]:
        lines.append(f"{e['api']}: {e['class'].rpartition('.')[2]} "
                     f"{e['version']} ({e['location']}) fingerprint "
                     f"{e['fingerprint']}")
        if e["forwards_to"]:
            lines.append(f"    (other methods forwarded to "
                         f"{e['forwards_to']})")
        lines += [f"    {sig}" for sig in e["methods"].values()]
    return "\n".join(lines)


def matrix_text(data: dict) -> str:
    """The rolling-upgrade matrix, one row per API and direction."""
    header = ("API", "previous cap", "direction", "messages", "failures")
    rows = [header]
    for api in data["apis"]:
        for i, d in enumerate(api["directions"]):
            # several previous releases (a SLURP release): say which
            name = f"{api['api']}, from {api['from']}" if "from" in api \
                else api["api"]
            rows.append((name if i == 0 else "",
                         (api["previous_cap"] or "-") if i == 0 else "",
                         d["direction"], str(d["messages"]),
                         str(d["failures"])))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
