"""The facts extracted from the four fixture shapes, field by field."""

import os

import pytest

from rpc_version_lint.output import inventory
from conftest import analyze_tree, fixture


def shape(name):
    results = analyze_tree(fixture("shapes", name))
    data = inventory.build(results)
    cwd_rel = os.path.relpath(fixture("shapes", name))
    apis = {a["name"]: a for a in data["apis"]}
    snapshots = {r.top: r.head for r in results}
    return apis, snapshots, cwd_rel


def variants(snapshot, client_path, method):
    """{(version, sorted kwargs)} a client can send for ``method``."""
    client = next(c for c in snapshot.clients if c.path == client_path)
    found = set()
    for send in client.sends:
        if send.method == method:
            for v in send.variants:
                found.add((v.version.text, tuple(sorted(v.kwargs))))
    return found


def test_compute_like_inventory():
    apis, snaps, where = shape("compute")
    assert list(apis) == ["fleet API"]
    api = apis["fleet API"]
    client = api["client"]
    assert client["class"] == "fleet.rpcapi.FleetAPI"
    assert client["location"] == os.path.join(where, "fleet/rpcapi.py") + \
        ":13"
    assert client["target"] == "6.0"
    assert client["topic"] == "fleet"
    assert client["namespace"] is None
    assert client["pinnable"] is True
    assert client["cap"] == "[upgrade_levels] via VERSION_ALIASES"
    assert client["aliases"] == {
        "count": 3, "first": {"release": "alder", "version": "5.0"},
        "last": {"release": "cedar", "version": "6.0"}}
    assert client["sends"] == 4
    assert client["guards"] == 4
    assert client["compat_helpers"] == ["_pick"]
    assert api["pairing"] == "same package"
    assert api["complete"] is True
    assert [(e["class"], e["version"], e["namespace"], e["registered_by"])
            for e in api["endpoints"]] == [
        ("fleet.manager.FleetManager", "6.1", None, None),
        ("fleet.manager._FleetV5Proxy", "5.2", None,
         "fleet.manager.FleetManager")]
    assert api["majors"] == [5, 6]
    assert api["newest"] == "6.1"
    assert api["unresolved"] == []


def test_compute_like_sends_follow_helpers_and_guards():
    _, snaps, _ = shape("compute")
    head = snaps["fleet"]
    path = "fleet.rpcapi.FleetAPI"
    # _pick() answers 6.0 or the old version; a guard then falls back
    assert variants(head, path, "start_host") == {
        ("6.0", ("spec",)), ("5.1", ("spec",)), ("5.0", ())}
    # the version reaches prepare() through a helper and a **params dict
    assert variants(head, path, "drain_host") == {("6.0", ()), ("5.2", ())}
    assert variants(head, path, "evacuate_host") == {
        ("6.1", ("host", "reboot")), ("6.0", ("host",)), ("5.0", ("host",))}
    assert variants(head, path, "ping") == {("6.0", ()), ("5.0", ())}


def test_compute_like_proxy_forwards_to_its_manager():
    _, snaps, _ = shape("compute")
    proxy = next(e for e in snaps["fleet"].endpoints
                 if e.name == "_FleetV5Proxy")
    assert proxy.delegate == "fleet.manager.FleetManager"
    assert proxy.method("drain_host") is not None  # via __getattr__
    assert [p.name for p in proxy.method("start_host").params] == ["spec"]
    manager = next(e for e in snaps["fleet"].endpoints
                   if e.name == "FleetManager")
    # methods of an in-tree base count; private ones do not
    assert set(manager.methods) == {"start_host", "drain_host",
                                    "evacuate_host", "ping"}
    assert manager.registration is None
    assert proxy.registration == ("fleet/manager.py", 14)


def test_conductor_like_inventory():
    apis, snaps, where = shape("conductor")
    assert list(apis) == ["orchestra API", "orchestra/plan_task API"]
    main, tasks = apis["orchestra API"], apis["orchestra/plan_task API"]
    assert main["client"]["class"] == "orchestra.rpcapi.OrchestraAPI"
    assert main["client"]["target"] == "3.0"
    assert main["client"]["topic"] == "orchestra"
    assert main["client"]["cap"] == "[upgrade_levels] via VERSION_ALIASES"
    assert main["client"]["aliases"]["last"] == {"release": "beech",
                                                 "version": "2.1"}
    # the manager stays at 2.x; the proxy holds the new major
    assert [(e["class"], e["version"]) for e in main["endpoints"]] == [
        ("orchestra.manager.OrchestraManager", "2.1"),
        ("orchestra.manager._OrchestraManagerV3Proxy", "3.0")]
    assert main["majors"] == [2, 3]
    # prepare() without a version sends the target's default
    assert variants(snaps["orchestra"], "orchestra.rpcapi.OrchestraAPI",
                    "object_action") == {("3.0", ("objinst", "objmethod"))}
    assert snaps["orchestra"].clients[0].sends[0].variants[0].default_version
    assert tasks["client"]["namespace"] == "plan_task"
    assert tasks["client"]["pinnable"] is False
    assert tasks["client"]["cap"] is None
    assert tasks["client"]["guards"] == 1
    assert [(e["class"], e["version"], e["namespace"], e["registered_by"])
            for e in tasks["endpoints"]] == [
        ("orchestra.manager.PlanTaskManager", "1.2", "plan_task",
         "orchestra.manager.OrchestraManager")]
    head = snaps["orchestra"]
    assert variants(head, "orchestra.rpcapi.PlanTaskAPI", "run_plan") == {
        ("1.2", ("plan", "priority")), ("1.0", ("plan",))}
    # ``cctxt.cast if do_cast else cctxt.call``: both kinds are sends
    rebuild = [s for s in head.clients[1].sends if s.method == "rebuild_plan"]
    assert {s.kind for s in rebuild} == {"call", "cast"}


def test_cinder_like_inventory():
    apis, snaps, where = shape("cinder")
    assert list(apis) == ["storage-volume API"]
    api = apis["storage-volume API"]
    client = api["client"]
    assert client["class"] == "storage.volume.rpcapi.VolumeAPI"
    # the Target is built in the base class from the subclass' attributes
    assert client["target"] == "3.3"
    assert client["topic"] == "storage-volume"
    assert client["pinnable"] is True
    assert client["cap"] == "computed (self.determine_version_cap())"
    assert client["aliases"]["count"] == 0
    assert client["compat_helpers"] == ["_compat_ver"]
    # the manager's version comes from the client module; the base
    # Manager (target 1.0) is not an endpoint of its own
    assert [(e["class"], e["version"]) for e in api["endpoints"]] == [
        ("storage.volume.manager.VolumeManager", "3.3")]
    head = snaps["storage"]
    path = "storage.volume.rpcapi.VolumeAPI"
    assert variants(head, path, "create_volume") == {
        ("3.0", ("request_spec", "volume"))}
    assert variants(head, path, "attach_volume") == {
        ("3.1", ("mountpoint", "volume", "volume_id")),
        ("3.0", ("mountpoint", "volume_id"))}
    assert variants(head, path, "extend_volume") == {
        ("3.3", ("new_size_gb", "volume")), ("3.0", ("new_size_gb",
                                                     "volume"))}
    # the decorator refuses to send below 3.2: the send is guarded
    revert = next(s for s in head.clients[0].sends
                  if s.method == "revert_to_snapshot")
    assert [v.constraints for v in revert.variants] == [
        ((revert.variants[0].constraints[0][0], True),)]
    assert str(revert.variants[0].constraints[0][0]) == "3.2"
    manager = head.endpoints[0]
    assert manager.method("grow_volume") is manager.method("extend_volume")


def test_old_style_inventory():
    apis, snaps, where = shape("oldstyle")
    assert list(apis) == ["LegacySchedulerAPI API"]
    api = apis["LegacySchedulerAPI API"]
    client = api["client"]
    assert client["class"] == "legacy.rpcapi.LegacySchedulerAPI"
    assert client["target"] == "2.0"
    assert client["pinnable"] is True
    assert client["aliases"]["last"] == {"release": "grizzly",
                                         "version": "2.1"}
    assert client["sends"] == 3
    assert [(e["class"], e["version"], e["registered_by"])
            for e in api["endpoints"]] == [
        ("legacy.manager.LegacySchedulerManager", "2.1", None),
        ("legacy.manager._SchedulerV1Proxy", "1.1",
         "legacy.manager.LegacySchedulerManager")]
    assert api["majors"] == [1, 2]
    head = snaps["legacy"]
    path = "legacy.rpcapi.LegacySchedulerAPI"
    assert variants(head, path, "run_instance") == {
        ("2.1", ("filter_properties", "request_spec"))}
    # make_msg() without version=: the default_version given to RpcProxy
    assert variants(head, path, "update_capabilities") == {
        ("2.0", ("capabilities", "service_name"))}
    kinds = {s.method: s.kind for s in head.clients[0].sends}
    assert kinds == {"run_instance": "cast", "ping": "call",
                     "update_capabilities": "fanout_cast"}


@pytest.mark.parametrize("name", ["compute", "conductor", "cinder",
                                  "oldstyle"])
def test_shapes_are_clean_with_default_rules(name):
    results = analyze_tree(fixture("shapes", name))
    assert [f for r in results for f in r.findings] == []
