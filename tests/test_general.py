"""The code holds nothing project-specific: no module path of the
OpenStack trees the realworld tests read appears in rpc_version_lint/,
except in the one table of library wrappers (messaging.py), which names
libraries (neutron-lib, oslo.utils, stevedore), not projects."""

import os
import re

import releases

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "rpc_version_lint")
LIBRARY_TABLE = "messaging.py"


def project_packages() -> set:
    """Top-level packages of the project trees (not of libraries)."""
    return {item["package"] for item in releases.catalogue()
            if item["distribution"] != "neutron-lib"}


def test_no_project_module_path_in_the_code():
    pattern = re.compile(r"\b(%s)[./][A-Za-z_]" % "|".join(
        sorted(project_packages())))
    found = []
    for directory, _, files in os.walk(PACKAGE):
        for name in files:
            if not name.endswith(".py") or name == LIBRARY_TABLE:
                continue
            path = os.path.join(directory, name)
            with open(path, encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    if pattern.search(line):
                        found.append(f"{os.path.relpath(path, PACKAGE)}:"
                                     f"{number}: {line.strip()}")
    assert found == []


def test_the_library_table_names_libraries_only():
    from rpc_version_lint import messaging
    names = list(messaging.LIBRARY) + list(messaging.CONSTANTS) + [
        base for base, _ in messaging.LIBRARY_METHODS]
    # neutron is also the library its stadium builds on (the agents of
    # neutron-dynamic-routing and neutron-vpnaas start neutron's Service);
    # an entry applies only where the tree does not hold that module
    projects = project_packages() - {"neutron"}
    assert not [n for n in names if n.split(".")[0] in projects]
