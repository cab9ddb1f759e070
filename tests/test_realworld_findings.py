"""Exactly the findings of real releases, each with the reason a
maintainer of that project would accept it.

For the newest release of every project in tests/data/releases.json (the
trees with a 'previous'), three runs: the default rules on the tree alone,
``--base`` its previous release, and ``--upgrade-from`` its previous
release. Each must report exactly the (path, line, code) listed here for
that run -- set equality -- and each listed finding's message must name
where the failing message is sent or served (file:line) and, for a
message that fails at run time, the error oslo.messaging raises. None of
these newest releases is a SLURP release after 2023.1 whose previous SLURP
release differs from its previous release, so no third tree applies.

The count of client APIs checked fully may not fall below the figure
recorded here for each tree: a change that stops checking an API shows
up here before it hides a finding.
"""

import re

import pytest

import realworld
import releases

pytestmark = pytest.mark.realworld

ALL = ("default", "base", "upgrade")
ALONE = ("default", "base")

# tree -> {(path, line, code): (runs reporting it, why it is right)}
EXPECTED = {
    "nova==34.0.0": {},
    "nova==23.0.0": {
        ("nova/compute/manager.py", 10666, "RPC401"): (
            ("upgrade",),
            "Victoria's nova-api still casts add_aggregate_host, "
            "change_instance_metadata, remove_aggregate_host and "
            "reset_network at 5.0; Wallaby's _ComputeV5Proxy forwards 5.x "
            "to the 6.0 manager, which removed them: NoSuchMethod on every "
            "upgraded compute (no-ops outside XenAPI, but failures in the "
            "compute log)"),
    },
    "cinder==29.0.0": {
        ("cinder/backup/rpcapi.py", 78, "RPC203"): (
            ALL,
            "restore_backup() gained a required volume_is_new in backup "
            "RPC 2.4, yet the client's own fallback (and every pre-2.4 "
            "client) sends restore_backup without it: an upgraded "
            "cinder-backup raises TypeError until the argument gets a "
            "default"),
    },
    "neutron==29.0.0": {
        ("neutron/agent/l3/agent.py", 93, "RPC207"): (
            ALL,
            "L3PluginApi's history ends with '1.14 Removed "
            "process_prefix_update' while L3RpcCallback, the server, is at "
            "1.13 and records that removal as its 1.13: the client's "
            "history claims a bump the server never made (a warning: no "
            "message is sent at 1.14, so nothing fails at run time)"),
    },
    "openstack-heat==27.0.1": {},
    "senlin==16.0.0": {},
    "python-watcher==17.0.0": {
        ("watcher/common/service.py", 285, "RPC202"): (
            ALL,
            "Service.check_api_version() calls check_api_version on the "
            "applier and the decision-engine control topics, and no "
            "endpoint of either implements it (the name occurs nowhere "
            "else in the tree): NoSuchMethod whenever it is called. It is "
            "not called today: dead, and broken"),
    },
    "blazar==18.0.0": {},
    "magnum==23.0.0": {
        ("magnum/common/rpc_service.py", 122, "RPC202"): (
            ALONE,
            "rpc_service.API.echo(), inherited by the conductor and "
            "listener clients, casts echo, which no conductor Handler "
            "implements: NoSuchMethod in the conductor log. Nothing calls "
            "it today: dead, and broken"),
        ("magnum/conductor/handlers/indirection_api.py", 20, "RPC301"): (
            ("base",),
            "23.0.0 replaced the indirection Handler's object_backport() "
            "with object_backport_versions() and kept its target at 1.0: "
            "a client cannot tell a conductor that has the new method from "
            "one that has not"),
        ("magnum/conductor/handlers/indirection_api.py", 20, "RPC302"): (
            ("base",),
            "the same change removed object_backport(), which 22.0.0's "
            "conductor API still calls to backport objects for older "
            "services: an upgraded conductor answers them NoSuchMethod "
            "while the two releases run side by side"),
        ("magnum/conductor/handlers/indirection_api.py", 20, "RPC401"): (
            ("upgrade",),
            "seen from the release pair: 22.0.0's object_backport fails "
            "on 23.0.0's conductors (NoSuchMethod), and 22.0.0's echo "
            "fails as it does within each release (that RPC202 folded "
            "in)"),
    },
    "zun==18.0.0": {
        ("zun/compute/rpcapi.py", 42, "RPC207"): (
            ALL,
            "the compute client's history lists '1.1 - Add image "
            "endpoints', but the compute Manager declares no target and so "
            "serves the default 1.0: the history records a bump the server "
            "never made (a warning: nothing is sent at 1.1)"),
        ("zun/compute/rpcapi.py", 192, "RPC202"): (
            ALONE,
            "the client still casts capsule_create, which the compute "
            "Manager no longer has (nor had in 17.0.0): NoSuchMethod. "
            "The API no longer calls it: dead, and broken"),
        ("zun/compute/rpcapi.py", 199, "RPC202"): (
            ALONE,
            "the same for capsule_delete (a call(): the caller would get "
            "the NoSuchMethod back)"),
        ("zun/compute/manager.py", 47, "RPC401"): (
            ("upgrade",),
            "17.0.0's capsule_create and capsule_delete fail on 18.0.0's "
            "Manager as they already did (the RPC202 above folded in)"),
    },
    "mistral==23.0.0": {},
    "tacker==16.0.0": {},
    "trove==26.0.0": {},
    "designate==23.0.0": {
        ("designate/central/rpcapi.py", 79, "RPC208"): (
            ("base", "upgrade"),
            "central went from 6.10 (22.0.1) to 6.12 and its client's cap "
            "is the literal '6.12': no deployment can pin it, so upgraded "
            "API and worker nodes send 6.12 to central servers still at "
            "6.10 (UnsupportedVersion) unless central is upgraded first -- "
            "one finding for the 75 sends, at the version constant"),
    },
    "manila==23.0.1": {},
    "ironic==39.0.0": {},
    "octavia==19.0.0": {},
    "masakari==22.0.0": {},
    "openstack-cyborg==17.0.0": {},
    "aodh==23.0.0": {},
    "neutron-dynamic-routing==29.0.0": {},
    "cloudkitty==25.0.0": {
        ("cloudkitty/api/v1/controllers/rating.py", 52, "RPC201"): (
            ALONE,
            "the API casts reload_modules at 1.1 while RatingEndpoint, "
            "the only endpoint on the topic, serves the default 1.0: the "
            "processor raises UnsupportedVersion and the reload the API "
            "promises never happens (so in 24.0.0 too)"),
        ("cloudkitty/orchestrator.py", 122, "RPC401"): (
            ("upgrade",),
            "the same cast from 24.0.0's API reaches 25.0.0's "
            "RatingEndpoint, still at 1.0 (the RPC201 folded in)"),
    },
    "vitrage==15.0.1": {},
    "neutron-vpnaas==29.0.0": {
        ("neutron_vpnaas/api/rpc/agentnotifiers/vpn_rpc_agent_api.py", 35,
         "RPC202"): (
            ALONE,
            "neutron calls agent_updated on every registered agent "
            "notifier when an agent's admin state changes; the VPN "
            "notifier casts it to the ipsec agents, whose endpoints (the "
            "OVN strongSwan and Libreswan drivers) have no agent_updated: "
            "NoSuchMethod in the agent log"),
        ("neutron_vpnaas/services/vpn/device_drivers/ipsec.py", 469,
         "RPC401"): (
            ("upgrade",),
            "the same cast from 28.0.0's plugin (the RPC202 folded in)"),
    },
}

# tree -> client APIs checked fully today: a floor
CHECKED = {
    "nova==34.0.0": 5, "nova==23.0.0": 5, "cinder==29.0.0": 3,
    "neutron==29.0.0": 18, "openstack-heat==27.0.1": 3, "senlin==16.0.0": 2,
    "python-watcher==17.0.0": 4, "blazar==18.0.0": 0, "magnum==23.0.0": 2,
    "zun==18.0.0": 1, "mistral==23.0.0": 4, "tacker==16.0.0": 5,
    "trove==26.0.0": 4, "designate==23.0.0": 2, "manila==23.0.1": 4,
    "ironic==39.0.0": 2, "octavia==19.0.0": 4, "masakari==22.0.0": 1,
    "openstack-cyborg==17.0.0": 2, "aodh==23.0.0": 0,
    "neutron-dynamic-routing==29.0.0": 1, "cloudkitty==25.0.0": 3,
    "vitrage==15.0.1": 1, "neutron-vpnaas==29.0.0": 3,
}

# codes of messages that fail at run time, and the errors they name
RUNTIME = {"RPC201", "RPC202", "RPC203", "RPC208", "RPC302", "RPC401",
           "RPC402"}
ERRORS = re.compile(r"UnsupportedVersion|NoSuchMethod|TypeError|"
                    r"RPCVersionCapError")
CITED = re.compile(r"[\w/]+\.py:\d+")


def newest() -> list[tuple[str, str, str]]:
    """(distribution, version, previous) of each project's newest tree."""
    return [(item["distribution"], item["version"], item["previous"])
            for item in releases.catalogue() if "previous" in item and
            item["distribution"] != "neutron-lib"]


def run(distribution, version, previous, mode):
    if mode == "base":
        return realworld.results(distribution, version, base=previous)
    if mode == "upgrade":
        return realworld.results(distribution, version,
                                 upgrade_from=previous)
    return realworld.results(distribution, version)


def test_every_newest_tree_is_listed():
    assert {f"{d}=={v}" for d, v, _ in newest()} == set(EXPECTED) == \
        set(CHECKED)


@pytest.mark.parametrize("distribution,version,previous", newest())
@pytest.mark.parametrize("mode", ALL)
def test_exactly_the_listed_findings(distribution, version, previous, mode):
    name = f"{distribution}=={version}"
    result = run(distribution, version, previous, mode)
    found = {(f.relpath, f.line, f.code) for f in result.findings}
    wanted = {place for place, (modes, _why) in EXPECTED[name].items()
              if mode in modes}
    assert found == wanted, "\n".join(
        f.text() for f in result.findings
        if (f.relpath, f.line, f.code) not in wanted)
    for finding in result.findings:
        if finding.code in RUNTIME:
            assert ERRORS.search(finding.message), finding.message
            assert CITED.search(finding.message), finding.message
    checked = sum(1 for api in result.head.apis
                  if api.client is not None and api.coverage == "checked")
    assert checked >= CHECKED[name]
