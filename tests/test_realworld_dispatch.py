"""RPC2xx on mutations of a real release tree: each edit of nova
34.0.0's compute pair gives the finding it should, where it should.
(What the default rules report on unedited releases, with reasons:
test_realworld_findings.py.)"""

import shutil

import pytest

from conftest import actual_findings, analyze_tree, release_tree
from realworld import line_of

pytestmark = pytest.mark.realworld


@pytest.fixture
def nova(tmp_path):
    tree = tmp_path / "nova-34"
    shutil.copytree(release_tree("nova", "34.0.0"), tree)
    return tree


def edit(path, old, new, count=1):
    text = path.read_text()
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new, count))


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
