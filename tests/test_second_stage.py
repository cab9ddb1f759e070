"""The second stage of the pre-filter reads the text of every file: which
modules it imports, which names it uses. Both are read without parsing."""

import textwrap

from rpc_version_lint import snapshot
from rpc_version_lint.source.files import DiskTree


def imports(source: str) -> set:
    snapshot.forget()
    return set(snapshot._imports_of(textwrap.dedent(source).encode()))


def test_the_import_statements_of_a_source():
    assert imports("""
        import os  # import json
        from fleet import rpcapi as fleet_rpcapi, manager
        from fleet.conductor import (api,
                                     rpcapi)
        x = "import nothing"
        if True:
            from fleet.compute import utils
        import json, fleet.scheduler.rpcapi as scheduler_rpcapi
        import sys; from fleet.cells import rpcapi as cells_rpcapi
        """) == {"os", "fleet", "fleet.rpcapi", "fleet.fleet_rpcapi",
                 "fleet.manager", "fleet.conductor", "fleet.conductor.api",
                 "fleet.conductor.rpcapi", "fleet.compute",
                 "fleet.compute.utils", "json", "fleet.scheduler.rpcapi",
                 "sys", "fleet.cells", "fleet.cells.rpcapi",
                 "fleet.cells.cells_rpcapi"}


def test_no_import_statement():
    assert imports("important = 'imports'\n") == set()


def test_importers_using_a_name(tmp_path):
    """A module's importers are judged on the names they use: as a word
    (not the tail of a longer one, nor after a digit), in any script."""
    package = tmp_path / "fleet"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "rpcapi.py").write_text("class ÉtatAPI:\n    pass\n")
    uses = {
        "word.py": "from fleet import rpcapi\nrpcapi.ComputeAPI()\n",
        "tail.py": "from fleet import rpcapi\nrpcapi.MyComputeAPIs()\n",
        "digit.py": "from fleet import rpcapi\nx = '2ComputeAPI'\n",
        "accent.py": "from fleet import rpcapi\nrpcapi.ÉtatAPI()\n",
        "none.py": "import os\nComputeAPI = 1\n",
    }
    for name, text in uses.items():
        (package / name).write_text(text, encoding="utf-8")
    asked = {}

    def judge(relpath, mentioned):
        asked[relpath] = {n for n in ("ComputeAPI", "ÉtatAPI")
                          if mentioned(n)}
        return {"ComputeAPI", "ÉtatAPI"} & asked[relpath]

    snapshot.forget()
    rounds = snapshot.second_stage(DiskTree(str(tmp_path)), "fleet",
                                   ["fleet/rpcapi.py"], judge)
    assert asked["fleet/rpcapi.py"] == {"ComputeAPI", "ÉtatAPI"}
    assert sorted(rounds[0]) == ["fleet/accent.py", "fleet/word.py"]
