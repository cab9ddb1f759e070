"""Where a finding is reported: in a file the change touches.

pre-commit runs flake8 on the changed files only, and flake8 reports a
finding only in the file it is located in.  Rules place each finding on
the line that carries its cause (the version literal a bump raised, the
send that goes out too new); when the baseline is a git revision and that
file is not among the changed ones, the finding is reported, once, in the
first changed file (by path) among its API's client, endpoint and
registration files, on that file's most telling line for the API, and its
message says where it was found.  A finding that a ``# noqa`` comment
covers where it was found stays there (where flake8 then drops it).
"""

from __future__ import annotations

import dataclasses


def place(findings, snapshot, changed, waived=lambda finding: False):
    """``findings`` with those outside ``changed`` (a set of relpaths;
    None: no revision base, nothing moves) moved into a changed file of
    their API; ``waived(finding)``: covered by a noqa comment there."""
    if changed is None:
        return list(findings)
    spots = {}
    placed = []
    for finding in findings:
        if finding.relpath in changed or not finding.api or \
                finding.natural or waived(finding):
            placed.append(finding)
            continue
        if finding.api not in spots:
            spots[finding.api] = api_spots(snapshot, finding.api)
        files = sorted({relpath for relpath, _ in spots[finding.api]}
                       & changed)
        if not files:
            placed.append(finding)
            continue
        line = next(line for relpath, line in spots[finding.api]
                    if relpath == files[0])
        placed.append(dataclasses.replace(
            finding, relpath=files[0], line=line,
            natural=(finding.relpath, finding.line),
            message=f"{finding.message} (found at {finding.relpath}:"
                    f"{finding.line}, which this change leaves as it is)"))
    return placed


def api_spots(snapshot, name: str) -> list:
    """(relpath, line) of what makes the API named ``name``, most telling
    first: the endpoints' version literals and targets, their
    registrations and servers, the client's version and class."""
    spots = []
    apis = [api for api in snapshot.apis if api.name == name]
    endpoints = [e for api in apis for e in api.endpoints]
    for endpoint in endpoints:
        if endpoint.version is not None and endpoint.version.resolved:
            spots.append((endpoint.version.relpath, endpoint.version.line))
        for spot in (endpoint.declared, endpoint.registration):
            if spot:
                spots.append(tuple(spot))
        spots.append((endpoint.relpath, endpoint.line))
    paths = {e.path for e in endpoints}
    for server in snapshot.servers:
        if server.relpath and any(e.path in paths
                                  for e in server.endpoints):
            spots.append((server.relpath, server.line))
    for api in apis:
        client = api.client
        if client is None:
            continue
        if client.target is not None and client.target.resolved:
            spots.append((client.target.relpath, client.target.line))
        for spot in (client.target_at, client.built_at):
            if spot:
                spots.append(tuple(spot))
        spots.append((client.relpath, client.line))
    return [(relpath, line) for relpath, line in spots if line]
