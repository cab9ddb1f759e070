"""Sources built to make an analysis crawl, for the bounded-work tests
and for benchmarks/bench.py (which prints their seconds): each grows
with a parameter, and the work must grow with the code, not faster."""

from __future__ import annotations

import textwrap

HEAD = "import oslo_messaging as messaging\n\n\n"


SERVER = '''

class Manager(object):
    target = messaging.Target(version='1.9')

    def ping(self, ctxt):
        pass


def serve(transport):
    target = messaging.Target(topic='fleet', server='host')
    return messaging.get_rpc_server(transport, target, [Manager()])
'''


def client(body: str, init: str = "") -> str:
    return HEAD + textwrap.dedent('''\
        class FleetAPI(object):

            def __init__(self, conf):
                target = messaging.Target(topic='fleet', version='1.0')
                self.client = messaging.get_rpc_client(None, target)
        ''') + textwrap.indent(textwrap.dedent(init), " " * 8) + \
        textwrap.indent(textwrap.dedent(body), " " * 4) + SERVER


def helpers(depth: int) -> str:
    """Each helper calls the next eight times; the last picks a version."""
    body = ""
    for level in range(depth):
        calls = " + ".join([f"self.h{level + 1}()"] * 8)
        body += f"\ndef h{level}(self):\n    return ({calls})[:3]\n"
    body += f"\ndef h{depth}(self):\n    return '1.9'\n"
    body += ("\ndef ping(self, ctxt):\n"
             "    cctxt = self.client.prepare(version=self.h0())\n"
             "    return cctxt.call(ctxt, 'ping')\n")
    return client(body)


def guards(count: int) -> str:
    chain = "\n".join(
        f"{'if' if i == 0 else 'elif'} self.client.can_send_version("
        f"'1.{count - i}'):\n    version = '1.{count - i}'"
        for i in range(count))
    body = ("\ndef ping(self, ctxt):\n" + textwrap.indent(chain, "    ")
            + "\n    else:\n        version = '1.0'\n"
            "    cctxt = self.client.prepare(version=version)\n"
            "    return cctxt.call(ctxt, 'ping')\n")
    return client(body)


def unrelated_branches(count: int) -> str:
    """``__init__`` sets attributes on independent branches (an agent's
    configuration) before the method that builds the client."""
    init = "".join(f"if conf.flag{i}:\n    self.a{i} = 'x'\nelse:\n"
                   f"    self.a{i} = None\n" for i in range(count))
    init += "self.setup_rpc()\n"
    body = ("\ndef setup_rpc(self):\n"
            "    self.topic = 'fleet'\n"
            "    for i in range(3):\n"
            "        self.version = '1.%d' % i\n"
            "\ndef ping(self, ctxt):\n"
            "    cctxt = self.client.prepare(version='1.9')\n"
            "    return cctxt.call(ctxt, 'ping')\n")
    return client(body, init)


def many_apis(count: int) -> str:
    source = HEAD
    for i in range(count):
        source += textwrap.dedent(f'''
            class Api{i}(object):
                def __init__(self):
                    target = messaging.Target(topic='t{i}', version='1.0')
                    self.client = messaging.get_rpc_client(None, target)

                def ping(self, ctxt):
                    return self.client.call(ctxt, 'ping')


            class Manager{i}(object):
                target = messaging.Target(version='1.0')

                def ping(self, ctxt):
                    pass


            def serve{i}(transport):
                target = messaging.Target(topic='t{i}', server='host')
                return messaging.get_rpc_server(transport, target,
                                                [Manager{i}()])
            ''')
    return source
