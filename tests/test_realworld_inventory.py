"""The facts on real OpenStack release trees from the package index."""

import pytest

from rpc_version_lint.output import inventory
from conftest import analyze_tree, release_tree

pytestmark = pytest.mark.realworld


def apis_of(project, version):
    results = analyze_tree(release_tree(project, version))
    data = inventory.build(results)
    return {a["key"]: a for a in data["apis"]}, results


def endpoints(api):
    return [(e["class"].rpartition(".")[2], e["version"], e["namespace"])
            for e in api["endpoints"]]


def send_unresolved(api):
    return [u for u in api["unresolved"]
            if u["what"] in ("prepare(version=...)", "RPC method name",
                             "can_send_version(...)")]


@pytest.mark.parametrize("version,newest,last_alias,proxy", [
    ("23.0.0", "6.0", ("wallaby", "6.0"), "5.13"),
    ("34.0.0", "6.5", ("hibiscus", "6.5"), "5.13"),
])
def test_nova_compute(version, newest, last_alias, proxy):
    apis, _ = apis_of("nova", version)
    compute = apis["nova.compute.rpcapi.ComputeAPI"]
    client = compute["client"]
    assert compute["name"] == "compute API"
    assert client["target"] == "6.0"
    assert client["topic"] == "compute"
    assert client["pinnable"] and client["cap"].startswith("[upgrade_levels]")
    assert client["aliases"]["first"] == {"release": "icehouse",
                                          "version": "3.23"}
    assert client["aliases"]["last"] == {"release": last_alias[0],
                                         "version": last_alias[1]}
    assert client["compat_helpers"] == ["_ver"]
    assert client["sends"] > 60 and client["guards"] > 20
    assert endpoints(compute) == [("ComputeManager", newest, None),
                                  ("_ComputeV5Proxy", proxy, None)]
    assert compute["majors"] == [5, 6]
    assert compute["complete"]
    assert send_unresolved(compute) == []


@pytest.mark.parametrize("version,task_version", [("23.0.0", "1.23"),
                                                  ("34.0.0", "1.26")])
def test_nova_conductor_and_scheduler(version, task_version):
    apis, _ = apis_of("nova", version)
    tasks = apis["nova.conductor.rpcapi.ComputeTaskAPI"]
    assert tasks["name"] == "conductor/compute_task API"
    assert tasks["client"]["namespace"] == "compute_task"
    assert tasks["client"]["pinnable"] is False
    assert endpoints(tasks) == [("ComputeTaskManager", task_version,
                                 "compute_task")]
    assert tasks["endpoints"][0]["registered_by"] == \
        "nova.conductor.manager.ConductorManager"
    conductor = apis["nova.conductor.rpcapi.ConductorAPI"]
    assert endpoints(conductor) == [("ConductorManager", "3.0", None)]
    scheduler = apis["nova.scheduler.rpcapi.SchedulerAPI"]
    assert scheduler["client"]["target"] == "4.0"
    assert scheduler["client"]["aliases"]["last"] == {"release": "pike",
                                                      "version": "4.4"}
    assert endpoints(scheduler) == [("SchedulerManager", "4.5", None)]
    for api in (tasks, conductor, scheduler):
        assert send_unresolved(api) == []


def test_nova_apis_found():
    apis, results = apis_of("nova", "34.0.0")
    assert sorted(apis) == [
        "nova.baserpc.BaseAPI", "nova.compute.rpcapi.ComputeAPI",
        "nova.conductor.rpcapi.ComputeTaskAPI",
        "nova.conductor.rpcapi.ConductorAPI",
        "nova.scheduler.rpcapi.SchedulerAPI"]
    # the base API's endpoint sits in service.py's endpoints list beside
    # the manager SERVICE_MANAGERS names for the binary nova-conductor's
    # entry point starts: every endpoint of that server is known
    base = apis["nova.baserpc.BaseAPI"]
    assert base["complete"] is True
    assert base["pairing"] == "route: topic conductor"
    assert endpoints(base) == [("BaseRPCAPI", "1.1", "baseapi")]
    assert results[0].head.scanned <= 20


def test_cinder():
    apis, _ = apis_of("cinder", "29.0.0")
    expected = {
        "cinder.volume.rpcapi.VolumeAPI": ("cinder-volume", "3.20",
                                           "VolumeManager"),
        "cinder.scheduler.rpcapi.SchedulerAPI": ("cinder-scheduler", "3.12",
                                                 "SchedulerManager"),
        "cinder.backup.rpcapi.BackupAPI": ("cinder-backup", "2.4",
                                           "BackupManager"),
    }
    assert sorted(apis) == sorted(expected)
    for key, (topic, version, manager) in expected.items():
        api = apis[key]
        # versions reach the client through the base class in cinder/rpc.py
        # and the managers through the client module
        assert api["client"]["topic"] == topic
        assert api["client"]["target"] == version
        assert api["client"]["pinnable"]
        assert endpoints(api) == [(manager, version, None)]
        assert api["unresolved"] == []
    assert apis["cinder.volume.rpcapi.VolumeAPI"]["client"][
        "compat_helpers"] == ["_compat_ver"]
