"""Rolling upgrades between real releases (--upgrade-from)."""

import pytest

from conftest import analyze_tree, release_tree
from rpc_version_lint.config import Config
from rpc_version_lint.rules import upgrade

pytestmark = pytest.mark.realworld

KNOWN = {
    # Cells v1: the client puts timeout in prepare() while
    # CellsManager.proxy_rpc_to_manager() requires it as an argument, so
    # every proxied call fails with TypeError, in both releases.
    (("nova", "17.0.13"), ("nova", "18.0.3")): {
        ("RPC401", "nova/cells/manager.py", 314, "proxy_rpc_to_manager"),
        ("RPC402", "nova/cells/rpcapi.py", 330, "proxy_rpc_to_manager"),
        # nova-network's multi-host calls keep the names they had before
        # oslo.messaging's access policies; nova.rpc.get_server passes
        # DefaultRPCAccessPolicy, which refuses methods named with a
        # leading '_', so these fail with NoSuchMethod in both releases.
        ("RPC401", "nova/network/manager.py", 187, "_associate_floating_ip"),
        ("RPC401", "nova/network/manager.py", 187,
         "_disassociate_floating_ip"),
        ("RPC401", "nova/network/manager.py", 187, "_rpc_allocate_fixed_ip"),
        ("RPC402", "nova/network/rpcapi.py", 295, "_rpc_allocate_fixed_ip"),
        ("RPC402", "nova/network/rpcapi.py", 321, "_associate_floating_ip"),
        ("RPC402", "nova/network/rpcapi.py", 333,
         "_disassociate_floating_ip"),
    },
    # Victoria's nova-api still casts these at 5.0 (nova/compute/api.py);
    # Wallaby's _ComputeV5Proxy forwards them to the 6.0 manager, which
    # removed them, so upgraded computes raise NoSuchMethod for each one
    # (no-ops outside XenAPI, but failures in the compute log).
    (("nova", "22.4.0"), ("nova", "23.0.0")): {
        ("RPC401", "nova/compute/manager.py", 10666, method)
        for method in ("add_aggregate_host", "change_instance_metadata",
                       "remove_aggregate_host", "reset_network")},
    (("cinder", "28.0.0"), ("cinder", "29.0.0")): set(),
}


def run(old, new):
    results = analyze_tree(release_tree(*new),
                           Config(base=None,
                                  upgrade_from=release_tree(*old)),
                           codes={"RPC401", "RPC402"})
    return results[0]


def summary(result):
    return {(f.code, f.relpath, f.line, f.message.split(":")[1].split()[0])
            for f in result.findings}


@pytest.mark.parametrize("old,new", sorted(KNOWN))
def test_release_pairs(old, new):
    assert summary(run(old, new)) == KNOWN[(old, new)]


def test_skipping_a_release_breaks_the_4x_messages():
    result = run(("nova", "16.1.8"), ("nova", "18.0.3"))
    compute = [f for f in result.findings if f.api == "compute API"]
    [old_side] = [f for f in compute if f.code == "RPC401"]
    # Pike's computes and API speak 4.x; Rocky accepts only 5.0: one root
    # cause, every message at 4.x folded into one finding
    assert old_side.cause == ("major", 4)
    messages = (old_side,) + old_side.folded
    assert len(messages) > 60
    assert all(" 4." in f.message.split(",")[0] for f in messages)
    assert {f.relpath for f in messages} == {"nova/compute/manager.py"}
    # and Rocky cannot be pinned to Pike: 5.0 is above a 4.13 cap
    assert any(f.code == "RPC402" and "RPCVersionCapError" in f.message
               for f in compute)


def test_matrix_of_wallaby():
    result = run(("nova", "22.4.0"), ("nova", "23.0.0"))
    rows = {row["api"]: [(d["messages"], d["failures"])
                         for d in row["directions"]]
            for row in upgrade.matrix(result.context)}
    assert rows == {
        "compute API": [(76, 4), (72, 0), (72, 0)],
        "conductor API": [(3, 0), (3, 0), (3, 0)],
        # ping() only: nothing in the tree calls get_backdoor_port()
        "conductor/baseapi API": [(1, 0), (1, 0), (1, 0)],
        # ComputeTaskAPI passes no version_cap: no deployment pins it
        "conductor/compute_task API": [(9, 0), (0, 0), (9, 0)],
        "scheduler API": [(7, 0), (6, 0), (6, 0)],
    }


def test_designate_minor_bump_is_one_servers_first_finding():
    # central's client passes the literal version_cap='6.12', its own
    # version: no deployment can pin it. 22.0.1's servers accept up to
    # 6.10, so 23.0.0's clients (every message goes at 6.12) fail there
    # with UnsupportedVersion until central is upgraded first -- said once,
    # at the line that raised the version, not 75 x RPC208 + 75 x RPC402.
    previous = release_tree("designate", "22.0.1")
    [result] = analyze_tree(release_tree("designate", "23.0.0"),
                            Config(base=previous, upgrade_from=previous))
    assert [(f.code, f.relpath, f.line) for f in result.findings] == [
        ("RPC208", "designate/central/rpcapi.py", 79)]
    message = result.findings[0].message
    assert "75 messages" in message and "up to 6.10" in message
    assert "UnsupportedVersion" in message
