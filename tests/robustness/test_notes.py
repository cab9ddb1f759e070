"""Notes on stderr under flake8: at most once per scope in each worker,
each line written at once (two workers' lines never run together), and
never the only sign of something that must fail the run (that is
RPC900's, tests/robustness/test_fail_closed.py)."""

from __future__ import annotations

import os
import shutil
import sys

from conftest import fixture, run_flake8


class Recorder:
    """A stream without a file underneath: each write() kept apart."""

    def __init__(self):
        self.writes = []

    def write(self, text):
        self.writes.append(text)
        return len(text)

    def flush(self):
        pass


def test_each_note_is_one_write_of_a_whole_line(monkeypatch):
    from rpc_version_lint import plugin
    recorder = Recorder()
    monkeypatch.setattr(sys, "stderr", recorder)
    monkeypatch.setattr(plugin.Plugin, "_reported", set())
    plugin._warn("first note")
    plugin._warn("second note")
    plugin._warn("first note")  # once per process
    assert recorder.writes == ["rpc-version-lint: first note\n",
                               "rpc-version-lint: second note\n"]


def test_one_write_to_a_real_file(tmp_path, monkeypatch):
    """Through the file descriptor: a single os.write per line."""
    from rpc_version_lint.output import report
    calls = []
    real = os.write

    def counting(fd, data):
        calls.append(bytes(data))
        return real(fd, data)

    monkeypatch.setattr(os, "write", counting)
    with open(tmp_path / "err", "w") as stream:
        report.write_line(stream, "rpc-version-lint: a note")
    assert calls == [b"rpc-version-lint: a note\n"]
    assert (tmp_path / "err").read_text() == "rpc-version-lint: a note\n"


def test_once_per_scope_per_worker(tmp_path):
    """Two packages outside git, checked by two workers: the note about the
    missing baseline comes at most once from each, in whole lines."""
    tree = tmp_path / "tree"
    for name in ("fleet", "depot"):
        shutil.copytree(fixture("shapes", "compute", "fleet"), tree / name)
    proc = run_flake8("--select", "RPC", "--jobs", "2", ".", cwd=tree)
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("rpc-version-lint: ")
                         for line in lines), lines
    note = [line for line in lines if "not inside a git work tree" in line]
    assert 1 <= len(note) <= 2, lines
    assert all(line.count("rpc-version-lint:") == 1 for line in lines)
