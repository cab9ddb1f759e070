"""Mutations of real release trees: each edit gives exactly one finding,
at a line a reviewer recognises, and the unedited tree gives none.

The tree is copied to a temporary directory and edited there; the default
rules run on it as a snapshot (no base, no previous release).
"""

import shutil

import pytest

from conftest import analyze_tree, release_tree
from realworld import line_of

pytestmark = pytest.mark.realworld


def copy(tmp_path, project, version):
    tree = tmp_path / f"{project}-{version}"
    shutil.copytree(release_tree(project, version), tree)
    return tree


def edit(path, old, new):
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def findings(tree):
    return sorted((f.relpath, f.line, f.code, f.message)
                  for r in analyze_tree(str(tree)) for f in r.findings)


def located(found):
    return [(path, line, code) for path, line, code, _ in found]


# -- designate 23.0.0: central ------------------------------------------------

@pytest.fixture
def designate(tmp_path):
    tree = copy(tmp_path, "designate", "23.0.0")
    assert findings(tree) == []
    return tree


def test_designate_prepare_above_the_endpoint(designate):
    rpcapi = designate / "designate" / "central" / "rpcapi.py"
    edit(rpcapi,
         "        return self.client.call(context, 'share_zone', "
         "zone_id=zone_id,\n",
         "        return self.client.prepare(version='6.13').call(\n"
         "            context, 'share_zone', zone_id=zone_id,\n")
    line = line_of(rpcapi, r"prepare\(version='6\.13'\)")
    found = findings(designate)
    assert located(found) == [("designate/central/rpcapi.py", line,
                               "RPC201")]
    assert "share_zone (designate/central/rpcapi.py:" in found[0][3]
    assert "is sent as 6.13" in found[0][3]


def test_designate_endpoint_parameter_renamed(designate):
    service = designate / "designate" / "central" / "service.py"
    edit(service, "    def share_zone(self, context, zone_id, shared_zone):",
         "    def share_zone(self, context, zone_id, zone_share):")
    rpcapi = designate / "designate" / "central" / "rpcapi.py"
    send = line_of(rpcapi, r"'share_zone'")
    found = findings(designate)
    # at the send: the message names the renamed method, file:line
    assert located(found) == [("designate/central/rpcapi.py", send,
                               "RPC203")]
    message = found[0][3]
    defined = line_of(service, 'def share_zone')
    assert f"designate/central/service.py:{defined}" in message
    assert "with shared_zone=" in message and "without zone_share" in message
    assert "TypeError" in message


# -- neutron 29.0.0: the ml2 PluginApi ----------------------------------------

@pytest.fixture
def neutron(tmp_path):
    tree = copy(tmp_path, "neutron", "29.0.0")
    before = located(findings(tree))
    # the one finding of the release (see test_realworld_findings)
    assert before == [("neutron/agent/l3/agent.py", 93, "RPC207")]
    return tree


def new_findings(tree):
    return [f for f in findings(tree)
            if f[:3] != ("neutron/agent/l3/agent.py", 93, "RPC207")]


def test_neutron_prepare_above_the_endpoint(neutron):
    rpcapi = neutron / "neutron" / "agent" / "rpc.py"
    start = r"def get_ports_by_vnic_type_and_host"
    old_line = line_of(rpcapi, r"prepare\(version='1\.7'\)", after=start)
    text = rpcapi.read_text().splitlines(keepends=True)
    assert "version='1.7'" in text[old_line - 1]
    text[old_line - 1] = text[old_line - 1].replace("'1.7'", "'1.10'")
    rpcapi.write_text("".join(text))
    found = new_findings(neutron)
    assert located(found) == [("neutron/agent/rpc.py", old_line, "RPC201")]
    assert "sent as 1.10" in found[0][3]


def test_neutron_endpoint_parameter_renamed(neutron):
    ml2 = neutron / "neutron" / "plugins" / "ml2" / "rpc.py"
    edit(ml2, "    def get_ports_by_vnic_type_and_host(self, rpc_context, "
              "vnic_type, host):",
         "    def get_ports_by_vnic_type_and_host(self, rpc_context, "
         "vnic_type, host_id):")
    rpcapi = neutron / "neutron" / "agent" / "rpc.py"
    send = line_of(rpcapi, r"'get_ports_by_vnic_type_and_host'")
    found = new_findings(neutron)
    assert located(found) == [("neutron/agent/rpc.py", send, "RPC203")]
    assert "with host=" in found[0][3] and "without host_id" in found[0][3]


# -- nova 34.0.0: compute ----------------------------------------------------

def test_nova_required_parameter_the_capped_path_drops(tmp_path):
    nova = copy(tmp_path, "nova", "34.0.0")
    assert findings(nova) == []
    manager = nova / "nova" / "compute" / "manager.py"
    # 6.3 added delete_attachment with a default; make it required: a
    # client capped below 6.3 pops it, and its 6.0 (and, through the 5.x
    # proxy's __getattr__, its 5.0) message reaches this method
    edit(manager, "            self, context, volume_id, instance,\n"
                  "            delete_attachment=False):",
         "            self, context, volume_id, instance,\n"
         "            delete_attachment):")
    rpcapi = nova / "nova" / "compute" / "rpcapi.py"
    send = line_of(rpcapi, r"cctxt\.call\(ctxt, 'remove_volume_connection'")
    found = findings(nova)
    assert located(found) == [("nova/compute/rpcapi.py", send, "RPC203")]
    message = found[0][3]
    assert "without delete_attachment" in message
    assert "can_send_version('6.3') is false" in message
    assert "TypeError" in message
