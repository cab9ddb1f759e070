"""Every RPC API of real release trees, found and paired as the broker
routes it (the issue "Every RPC API in OpenStack").

For each tree of tests/data/releases.json with an expected inventory in
tests/data/inventories/ -- written by reading the code, each entry citing
where its client is built and where each endpoint is registered -- the
tool must pair every client API with exactly its endpoints (class,
version, namespace), or leave it unpaired where the expected inventory
does; report no API the inventory lacks; never take a server for a client
nor a notification listener for a server. What it gets wrong is listed in
the inventory's "misses", with the reason: none may go stale.
"""

import os
import re

import pytest

import realworld
from rpc_version_lint import resources
from rpc_version_lint.output import inventory

pytestmark = pytest.mark.realworld

TREES = realworld.inventoried()
# The bar: share of client APIs right overall, and in every tree.
OVERALL, PER_TREE = 0.95, 0.80


def identity(endpoint: dict) -> tuple:
    """How an expected endpoint is compared: the object the dispatcher
    ends up calling (a generic forwarding wrapper stands for what it
    wraps)."""
    return (endpoint.get("forwards_to") or endpoint["class"],
            endpoint["version"], endpoint["namespace"])


def tool_apis(snapshot) -> dict:
    """client path -> set of (endpoint class, version, namespace)."""
    found = {}
    for api in snapshot.apis:
        if api.client is not None:
            found.setdefault(api.client.path, set()).update(
                (e.path, e.version.text if e.version else None, e.namespace)
                for e in api.endpoints)
    return found


def verdicts(distribution, version):
    """(right, wrong, extra): the expected client APIs the tool gets
    right and wrong, and the client APIs it reports that the inventory
    does not list."""
    expected = realworld.inventory(distribution, version)
    found = tool_apis(realworld.facts(distribution, version))
    right, wrong = [], {}
    wanted = [(a["client"], {identity(e) for e in a["endpoints"]})
              for a in expected["apis"]]
    wanted += [(a["client"], set()) for a in expected.get("unpaired", [])]
    for client, endpoints in wanted:
        got = found.pop(client, None)
        if got == endpoints or (got == set() and not endpoints):
            right.append(client)
        else:
            wrong[client] = (endpoints, got)
    return right, wrong, sorted(found)


@pytest.mark.parametrize("distribution,version", TREES)
def test_every_client_api_paired_as_read(distribution, version):
    expected = realworld.inventory(distribution, version)
    right, wrong, extra = verdicts(distribution, version)
    assert extra == [], "client APIs the expected inventory lacks"
    misses = {m["client"]: m["reason"] for m in expected.get("misses", [])}
    assert set(wrong) == set(misses), {
        client: wrong.get(client) for client in set(wrong) ^ set(misses)}
    total = len(right) + len(wrong)
    if total:
        assert len(right) / total >= PER_TREE


def test_share_of_client_apis_right_overall():
    right = wrong = 0
    for distribution, version in TREES:
        r, w, _ = verdicts(distribution, version)
        right, wrong = right + len(r), wrong + len(w)
    assert right / (right + wrong) >= OVERALL, (right, wrong)


@pytest.mark.parametrize("distribution,version", TREES)
def test_no_server_taken_for_a_client_nor_a_listener_for_a_server(
        distribution, version):
    expected = realworld.inventory(distribution, version)
    snapshot = realworld.facts(distribution, version)
    clients = {c.path for c in snapshot.clients}
    servers = {identity(e)[0] for s in expected.get("servers_without_client",
                                                    [])
               for e in [s]}
    not_clients = {n["class"] for n in expected.get("not_clients", [])}
    assert not clients & (servers | not_clients)
    listeners = {entry["class"] for entry in expected.get("listeners", [])}
    seen = {path for path, _, _ in snapshot.listeners}
    assert seen <= listeners, seen - listeners
    if listeners and not expected["apis"]:
        assert seen, "a tree of listeners only: at least one is seen"
    endpoints = {e.path for api in snapshot.apis for e in api.endpoints}
    assert not endpoints & listeners


@pytest.mark.parametrize("distribution,version", TREES)
def test_what_was_checked_is_counted(distribution, version):
    """The run's counts of client APIs checked fully, partially and not at
    all (with the reason for each of the last two)."""
    expected = realworld.inventory(distribution, version)
    snapshot = realworld.facts(distribution, version)
    assert snapshot.coverage() == expected["coverage"]
    for api in snapshot.apis:
        if api.client is not None and api.coverage != "checked":
            assert api.reason, api.key


@pytest.mark.parametrize("distribution,version", TREES)
def test_the_inventory_says_route_evidence_and_coverage(distribution,
                                                        version):
    """--inventory --format json, valid against its schema, shows what
    the run checked: counts, each API's routes, pairing evidence and
    coverage with its reason, and the listeners set aside."""
    jsonschema = pytest.importorskip("jsonschema")
    expected = realworld.inventory(distribution, version)
    data = inventory.build([realworld.results(distribution, version)])
    jsonschema.validate(data, resources.schema("inventory"))
    assert data["coverage"] == expected["coverage"]
    listed = {entry["class"] for entry in data["listeners"]}
    assert listed == {path for path, _, _ in
                      realworld.facts(distribution, version).listeners}
    for api in data["apis"]:
        if api["client"] is None:
            continue
        assert (api["evidence"] is None) == (not api["endpoints"])
        assert (api["coverage_reason"] is None) == \
            (api["coverage"] == "checked")
        if api["evidence"] == "route":
            assert api["client"]["routes"]


@pytest.mark.parametrize("distribution,version", TREES)
def test_citations_point_at_the_code(distribution, version):
    """The expected inventory's file:line citations hold what they cite
    (a check that the ground truth itself was read, not guessed)."""
    expected = realworld.inventory(distribution, version)
    root = realworld.tree(distribution, version)
    cache = {}

    def line(cite):
        path, number = cite.rsplit(":", 1)
        if path not in cache:
            with open(os.path.join(root, path), encoding="utf-8") as handle:
                cache[path] = handle.read().splitlines()
        return cache[path][int(number) - 1]

    for api in expected["apis"] + expected.get("unpaired", []):
        assert re.search(r"client|Client|Target|super|__init__|driver|rpc",
                         line(api["client_at"])), api["client_at"]
        for e in api.get("endpoints", []):
            names = {e["class"].rpartition(".")[2],
                     (e.get("forwards_to") or "").rpartition(".")[2]}
            text = line(e["registered_at"])
            assert any(n and n in text for n in names) or re.search(
                r"\bself\b|endpoints|manager|append|server|consumer|"
                r"register", text), e["registered_at"]
    for entry in expected.get("listeners", []):
        text = line(entry["registered_at"])
        assert entry["class"].rpartition(".")[2] in text or re.search(
            r"endpoints|self|listener", text), entry["registered_at"]


def test_neutron_with_and_without_neutron_lib_installed():
    """Results never depend on what is installed: neutron analysed in two
    processes, one with neutron-lib importable, give the same inventory
    and the same findings."""
    import subprocess
    import sys
    root = realworld.tree("neutron", "29.0.0")
    library = realworld.tree("neutron-lib", "5.0.1")
    outputs = []
    for extra in ([], [library]):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(extra))
        runs = []
        for args in (["--inventory", "--format", "json"],
                     ["--base", "none", "--format", "json"]):
            proc = subprocess.run(
                [sys.executable, "-m", "rpc_version_lint", *args, root],
                capture_output=True, text=True, env=env, timeout=600)
            assert proc.returncode in (0, 1), proc.stderr
            runs.append(proc.stdout)
        outputs.append(runs)
    assert outputs[0] == outputs[1]
