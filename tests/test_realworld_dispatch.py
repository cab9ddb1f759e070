"""RPC2xx on real release trees: quiet on correct code, right on broken.

Each finding the default rule set reports on a real release is listed here
with the reason a maintainer of that project would accept it as a defect.
"""

import re
import shutil

import pytest

from conftest import actual_findings, analyze_tree, release_tree

pytestmark = pytest.mark.realworld

KNOWN = {
    ("nova", "23.0.0"): {},
    ("nova", "34.0.0"): {},
    ("cinder", "29.0.0"): {
        ("cinder/backup/rpcapi.py", 78, "RPC203"):
            "restore_backup() gained a required volume_is_new in backup "
            "RPC 2.4, yet the client's own fallback (and every pre-2.4 "
            "client) sends restore_backup without it: an upgraded "
            "cinder-backup raises TypeError until the argument gets a "
            "default",
    },
    ("neutron", "29.0.0"): {
        ("neutron/agent/l3/agent.py", 93, "RPC207"):
            "L3PluginApi's history ends with '1.14 Removed "
            "process_prefix_update' while L3RpcCallback, the server, is at "
            "1.13 and records that removal as its 1.13: the client's "
            "history claims a bump the server never made (no message is "
            "sent at 1.14 yet, so nothing fails at run time)",
    },
}


@pytest.mark.parametrize("project,version", sorted(KNOWN))
def test_default_rules_on_real_releases(project, version):
    results = analyze_tree(release_tree(project, version))
    assert actual_findings(results) == set(KNOWN[(project, version)])


# -- mutations of the real nova 34.0.0 compute pair --------------------------

@pytest.fixture
def nova(tmp_path):
    tree = tmp_path / "nova-34"
    shutil.copytree(release_tree("nova", "34.0.0"), tree)
    return tree


def edit(path, old, new, count=1):
    text = path.read_text()
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new, count))


def line_of(path, pattern, after=None):
    """Line number of the first line matching ``pattern`` (after the first
    line matching ``after``)."""
    started = after is None
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not started:
            started = re.search(after, line) is not None
        elif re.search(pattern, line):
            return number
    raise AssertionError(pattern)


def findings(tree, code):
    return {(p, n) for p, n, c in actual_findings(analyze_tree(str(tree)))
            if c == code}


def test_unedited_pair_is_clean(nova):
    assert actual_findings(analyze_tree(str(nova))) == set()


def test_prepare_version_above_the_manager(nova):
    rpcapi = nova / "nova" / "compute" / "rpcapi.py"
    edit(rpcapi, "    def allow_share(self, ctxt, instance, share_mapping):\n"
                 "        version = '6.4'",
         "    def allow_share(self, ctxt, instance, share_mapping):\n"
         "        version = '6.6'")
    # at the edited line: the version the message goes out with
    assert findings(nova, "RPC201") == {
        ("nova/compute/rpcapi.py", line_of(rpcapi, r"version = '6\.6'",
                                           after=r"def allow_share"))}
    assert line_of(rpcapi, r"version = '6\.6'", after=r"def allow_share") < \
        line_of(rpcapi, r"\.prepare\(", after=r"def allow_share")


def test_method_removed_from_the_5x_proxy(nova):
    manager = nova / "nova" / "compute" / "manager.py"
    text = manager.read_text()
    proxy = text.index("class _ComputeV5Proxy")
    start = text.index("    # 6.0 drop unused instance argument\n"
                       "    def check_instance_shared_storage", proxy)
    manager.write_text(text[:start])
    # __getattr__ now forwards the 5.0 message to the 6.x manager method,
    # which no longer takes the instance argument
    rpcapi = nova / "nova" / "compute" / "rpcapi.py"
    send = line_of(rpcapi, r"cctxt\.call\(ctxt, 'check_instance_shared",
                   after=r"def check_instance_shared_storage")
    assert findings(nova, "RPC203") == {("nova/compute/rpcapi.py", send)}


def test_kwarg_renamed_on_the_manager_only(nova):
    manager = nova / "nova" / "compute" / "manager.py"
    edit(manager, "    def detach_volume(self, context, volume_id, instance, "
                  "attachment_id):",
         "    def detach_volume(self, context, volume_id, instance, "
         "attachment):")
    rpcapi = nova / "nova" / "compute" / "rpcapi.py"
    send = line_of(rpcapi, r"cctxt\.cast\(ctxt, 'detach_volume'",
                   after=r"def detach_volume")
    assert findings(nova, "RPC203") == {("nova/compute/rpcapi.py", send)}


def test_5x_endpoint_dropped_while_fallbacks_send_5x(nova):
    manager = nova / "nova" / "compute" / "manager.py"
    edit(manager, "        self.additional_endpoints.append("
                  "_ComputeV5Proxy(self))\n", "")
    rpcapi = nova / "nova" / "compute" / "rpcapi.py"
    results = analyze_tree(str(nova))
    [dead] = [f for r in results for f in r.findings if f.code == "RPC204"]
    # one root cause: the first fallback's version, the others folded in
    fallback = line_of(rpcapi, r"_ver\(ctxt, '5\.",
                       after=r"def add_fixed_ip_to_instance")
    assert (dead.relpath, dead.line) == ("nova/compute/rpcapi.py", fallback)
    assert len(dead.folded) > 40  # every 5.x fallback is dead now
    assert {f.code for f in dead.folded} == {"RPC204"}
    assert findings(nova, "RPC201") == set()
