"""Text from the analysed code (method names, topics, quoted source) never
reaches the output raw: control characters are escaped in every format,
so a crafted name can neither forge a finding line nor drive the
terminal, and quoted source stays on one line."""

from __future__ import annotations

import json
import os
import re

from conftest import run_cli, run_flake8

FORGED = "\n./forged.py:1:1: RPC201 forged\r\x1b[2J\x85\u2028\u202e"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202e]")

CLIENT = f'''import oslo_messaging as messaging


class EvilAPI(object):

    def __init__(self):
        target = messaging.Target(topic={'evil' + FORGED!r}, version='1.0')
        self.client = messaging.get_rpc_client(None, target)

    def ping(self, ctxt):
        cctxt = self.client.prepare(version='1.0')
        cctxt.cast(ctxt, {'ping' + FORGED!r})

    def spread(self, ctxt):
        cctxt = self.client.prepare(version=lookup(
            ctxt,
            {'x' + FORGED!r}))
        cctxt.cast(ctxt, 'ping')
'''
SERVER = '''import oslo_messaging as messaging


class EvilManager(object):

    target = messaging.Target(version='1.0')

    def ping(self, context):
        pass
'''


def evil_tree(path) -> str:
    package = os.path.join(path, "evil")
    os.makedirs(package)
    for name, text in (("__init__.py", ""), ("rpc\x1b[1mapi.py", CLIENT),
                       ("manager.py", SERVER)):
        with open(os.path.join(package, name), "w") as handle:
            handle.write(text)
    return str(path)


def check_lines(text: str):
    assert not RAW.search(text), repr(text)
    for line in text.splitlines():
        assert "forged" not in line.split(":", 3)[0], line


def test_text_and_flake8(tmp_path):
    tree = evil_tree(tmp_path / "tree")
    proc = run_cli("--base", "none", "--select", "RPC2,RPC901", ".",
                   cwd=tree)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert {line.split()[1] for line in lines} == {"RPC202", "RPC901"}
    assert all(re.match(r"evil/rpc\\x1b\[1mapi\.py:\d+:1: RPC\d{3} ", line)
               for line in lines), lines
    check_lines(proc.stdout + proc.stderr)
    assert "\\x0a./forged.py:1:1: RPC201 forged\\x0d\\x1b[2J\\x85\\u2028" \
           "\\u202e" in proc.stdout
    f8 = run_flake8("--select", "RPC2,RPC901", "--rpc-base", "none", ".",
                    cwd=tree)
    messages = [line.split(": ", 1)[1] for line in f8.stdout.splitlines()]
    assert len(messages) == 2 and all(m.startswith("RPC") for m in messages)
    # flake8 prints the file's name itself; the rest is ours
    assert not RAW.search("".join(messages) + f8.stderr)


def test_machine_formats(tmp_path):
    tree = evil_tree(tmp_path / "tree")
    for fmt in ("json", "sarif"):
        proc = run_cli("--base", "none", "--select", "RPC2,RPC901",
                       "--format", fmt, ".", cwd=tree)
        data = json.loads(proc.stdout)
        strings = []

        def walk(value):
            if isinstance(value, dict):
                for k, v in value.items():
                    if k not in ("path",):  # the file's real name
                        walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)
            elif isinstance(value, str):
                strings.append(value)

        walk(data)
        assert not any(RAW.search(s) for s in strings), fmt
    github = run_cli("--base", "none", "--select", "RPC2,RPC901", "--format",
                     "github", ".", cwd=tree)
    assert len(github.stdout.splitlines()) == 2
    check_lines(github.stdout)


def test_views(tmp_path):
    tree = evil_tree(tmp_path / "tree")
    for view in ("--inventory", "--surface"):
        for fmt in ("text", "json"):
            proc = run_cli(view, "--format", fmt, ".", cwd=tree)
            assert proc.returncode == 0, proc.stderr
            assert not RAW.search(proc.stdout + proc.stderr), (view, fmt)


def test_quoted_source_is_one_line(tmp_path):
    tree = evil_tree(tmp_path / "tree")
    proc = run_cli("--base", "none", "--select", "RPC901", ".", cwd=tree)
    (line,) = proc.stdout.splitlines()
    assert "could not be resolved statically" in line
