"""Shapes found across the ecosystem, each in a small tree of its own
(fixtures/ecosystem/*/README.md says what each one stands for): the API
found, the server it pairs with by route, and exactly the findings
marked ``# expect:`` beside the lines."""

import pytest

from conftest import actual_findings, analyze_tree, expected_findings, \
    fixture, reported, run_flake8

SHAPES = {
    # tree: {client class: endpoint classes}
    "handover": {"gauge.api.hooks.ClientHook":
                 ["gauge.service.GaugeEndpoint"]},
    "formatted": {"vpn.plugin_api.VpnAgentApi": ["vpn.agent.VpnDriver"],
                  "vpn.api.rpc.notifier.VpnNotifier":
                  ["vpn.agent.VpnDriver"]},
    "stadium": {"bgp.notifier.BgpAgentNotifier": ["bgp.agent.BgpAgent"]},
    "keeper": {"lease.manager.rpcapi.ManagerRPCAPI":
               ["lease.manager.service.ManagerService"]},
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_paired_by_route(name):
    results = analyze_tree(fixture("ecosystem", name), codes=set())
    assert len(results) == 1  # one scope: a namespace portion included
    apis = {a.key: a for a in results[0].head.apis}
    assert {key: [e.path for e in api.endpoints]
            for key, api in apis.items()} == SHAPES[name]
    assert {api.evidence for api in apis.values()} == {"route"}
    assert {api.coverage for api in apis.values()} == {"checked"}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_findings_beside_the_lines(name):
    root = fixture("ecosystem", name)
    assert actual_findings(analyze_tree(root)) == expected_findings(root)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_flake8_reports_them_in_files_that_name_no_rpc_call(name):
    """flake8 checks file by file: a file that only reads a client handed
    over (handover's meters.py names no RPC call) still gets its
    findings."""
    root = fixture("ecosystem", name)
    proc = run_flake8("--select", "RPC", "--rpc-base", "none", ".",
                      cwd=root)
    assert {f[:3] for f in reported(proc.stdout)} == \
        expected_findings(root), proc.stdout + proc.stderr
