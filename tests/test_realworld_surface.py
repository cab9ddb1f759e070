"""RPC301/RPC302 on real nova and cinder release pairs."""

import shutil

import pytest

from conftest import actual_findings, analyze_tree, release_tree
from rpc_version_lint.config import Config

pytestmark = pytest.mark.realworld

# Each expected finding carries the reason a maintainer would accept it.
PAIRS = {
    # 5.12 -> 6.0 is a major bump (with _ComputeV5Proxy keeping 5.x): the
    # manager may drop 5.x forms; nothing else changed its surface
    (("nova", "22.4.0"), ("nova", "23.0.0")): {},
    # only set_shutdown_in_progress() appeared on the managers' shared
    # base class: called locally at shutdown, sent by no client
    (("nova", "33.0.2"), ("nova", "34.0.0")): {},
    (("cinder", "28.0.0"), ("cinder", "29.0.0")): {},
}


def surface_findings(head, base):
    results = analyze_tree(head, Config(base=base),
                           codes={"RPC301", "RPC302"})
    return actual_findings(results)


@pytest.mark.parametrize("old,new", sorted(PAIRS))
def test_release_pairs(old, new):
    head, base = release_tree(*new), release_tree(*old)
    assert surface_findings(head, base) == set(PAIRS[(old, new)])


def test_a_required_parameter_added_to_nova_34_is_found(tmp_path):
    base = release_tree("nova", "34.0.0")
    head = tmp_path / "nova"
    shutil.copytree(base, head)
    manager = head / "nova" / "compute" / "manager.py"
    text = manager.read_text()
    old = ("    def detach_volume(self, context, volume_id, instance, "
           "attachment_id):")
    assert old in text
    manager.write_text(text.replace(old, old[:-2] + ", force):"))
    line = next(n for n, l in enumerate(text.splitlines(), 1)
                if l.strip() == "target = messaging.Target(version='6.5')")
    assert surface_findings(str(head), base) == {
        ("nova/compute/manager.py", line, "RPC302")}
