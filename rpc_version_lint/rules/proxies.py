"""RPC209: a compat proxy (an endpoint kept for an older major that
forwards to the manager) must forward what it receives correctly."""

from __future__ import annotations

from . import Finding, rule
from .dispatch import mismatches, receiver, sends_with_versions


# -- compat proxies -----------------------------------------------------------

def proxies(snapshot):
    """(proxy, manager, apis): every endpoint a server registers with
    ``P(self)`` whose methods call methods of the object it was built
    around, the endpoint that registers it, and the APIs it serves (the
    clients sharing its topic included)."""
    by_path = {}
    for endpoint in snapshot.endpoints:
        by_path.setdefault(endpoint.path, endpoint)
    seen = set()
    for proxy in snapshot.endpoints:
        manager = by_path.get(proxy.registered_by or "")
        if manager is None or not proxy.forwards or proxy.path in seen or \
                not proxy.accepts:
            continue
        seen.add(proxy.path)
        apis = [api for api in snapshot.apis if api.client is not None
                and any(e.path == proxy.path for e in api.endpoints)]
        yield proxy, manager, apis


def forwarding_problems(forward, target):
    """What is wrong with a call ``self.manager.m(context, ...)`` of a
    manager method ``target``: [(problem, runtime consequence)]."""
    if forward.star or not forward.args:
        return []  # *args, **kwargs or a keyword context: not known
    problems = []
    positional = forward.args[1:]  # after the request context
    slots = [p for p in target.params if not p.keyword_only]
    names = {p.name for p in target.params}
    if len(positional) > len(slots) and not target.varargs:
        problems.append((f"passes {len(positional)} arguments after the "
                         f"context where it takes {len(slots)}", "TypeError"))
    for arg, slot in zip(positional, slots):
        if arg and arg != slot.name and arg in names:
            problems.append((f"passes {arg} positionally into {slot.name}",
                             "the manager gets its arguments in the wrong "
                             "parameters"))
    # the rest is what the dispatcher's own call would raise TypeError for
    bound = {slot.name for slot in slots[:len(positional)]} | \
        set(forward.keywords)
    found = list(mismatches(target, bound, False))
    problems += [(f"does not supply the required {name}", "TypeError")
                 for kind, name in found if kind == "missing"]
    problems += [(f"passes {name}=, which it does not take", "TypeError")
                 for kind, name in found if kind == "extra"]
    return problems


def called(apis, proxy, method: str) -> list:
    """Sends reaching ``proxy.method`` through call(): their results are
    waited for."""
    found = []
    for api in apis:
        for send, _, version in sends_with_versions(api):
            if send.method != method or send.kind != "call" or \
                    send in found:
                continue
            # only where the dispatcher hands the message to the proxy
            reached = receiver(api, method, version)
            if reached and reached[0] is not None and \
                    reached[0].path == proxy.path:
                found.append(send)
    return found


def lacking(apis, proxy) -> dict:
    """method -> [(api, send, version)]: messages clients send at a
    version the proxy takes, that no endpoint taking it has."""
    found: dict = {}
    if proxy.unbounded:
        return found
    for api in apis:
        for send, _, version in sends_with_versions(api):
            if not proxy.accepts.accepts(version) or \
                    proxy.method(send.method) is not None:
                continue
            if receiver(api, send.method, version) != (None, None):
                continue  # another endpoint taking it has the method
            entries = found.setdefault(send.method, [])
            if not any(s is send for _, s, _ in entries):
                entries.append((api, send, version))
    return found


@rule("RPC209", "Compat proxy forwards wrongly",
      rationale="""
      A compat proxy (an endpoint kept for another major, registered with
      Proxy(self) beside the manager) receives the old messages and
      forwards them to the manager. Its methods must call the manager's
      with every required argument, each in the right place -- an
      argument passed positionally lands in whatever parameter sits there
      now, so a reordered or renamed manager signature silently swaps
      values --, must return what the manager returns when clients call()
      the method and the dispatcher hands those calls to the proxy (no
      endpoint before it takes them): the callers wait for that result,
      and get None instead; and the proxy must have every method clients
      still send at its major, clients sharing the topic included
      (NoSuchMethod otherwise).
      """,
      bad="""
      class _ComputeV5Proxy(object):
          target = messaging.Target(version='5.13')

          def __init__(self, manager):
              self.manager = manager

          def get_console_output(self, context, instance, tail_length):
              # clients call() it; the result is dropped
              self.manager.get_console_output(context, tail_length,
                                              instance)  # swapped
      """,
      good="""
      class _ComputeV5Proxy(object):
          target = messaging.Target(version='5.13')

          def __init__(self, manager):
              self.manager = manager

          def get_console_output(self, context, instance, tail_length):
              return self.manager.get_console_output(
                  context, instance=instance, tail_length=tail_length)
      """,
      fix="""
      Pass arguments to the manager by keyword (or in its current order),
      supply every parameter it requires, return its result, and give the
      proxy every method its major's clients send (or a __getattr__ that
      forwards the rest).
      """)
def proxy_forwards_wrongly(ctx):
    for proxy, manager, apis in proxies(ctx.head):
        name = apis[0].name if apis else f"{proxy.name} endpoint"
        for forward in proxy.forwards:
            target = manager.methods.get(forward.target)
            where = f"{manager.name}.{forward.target}()"
            if target is None:
                # a helper of the manager (private, inherited from outside
                # the tree) is no message forwarded
                if manager.unbounded or manager.has_getattr or \
                        forward.target != forward.method:
                    continue
                problems = [(f"calls {where}, which does not exist",
                             "AttributeError")]
            else:
                where += f" ({target.relpath}:{target.line})"
                problems = forwarding_problems(forward, target)
                if not forward.kept and target.returns_value:
                    sends = called(apis, proxy, forward.method)
                    if sends:
                        send = sends[0]
                        problems.append((
                            f"drops the value it returns although "
                            f"{send.method} is sent with call() "
                            f"({send.relpath}:{send.send_line})",
                            "the caller gets None"))
            if not problems:
                continue
            by_consequence: dict = {}
            for problem, consequence in problems:
                by_consequence.setdefault(consequence, []).append(problem)
            text = "; ".join(f"{' and '.join(ps)} ({c})"
                             for c, ps in by_consequence.items())
            yield Finding(
                forward.relpath, forward.line, 0, "RPC209",
                f"{name}: {proxy.name}.{forward.method}(), which takes the "
                f"{proxy.accepts.major}.x messages (up to {proxy.version}), "
                f"forwards to {where} but {text}; pass arguments by "
                f"keyword, supply what the manager requires and return its "
                f"result", name)
        missing = lacking(apis, proxy)
        if missing:
            relpath, line = proxy.declared or (proxy.relpath, proxy.line)
            parts = []
            for method, entries in sorted(missing.items()):
                api, send, version = entries[0]
                parts.append(f"{method} (sent as {version} by "
                             f"{api.client.name}, {send.relpath}:"
                             f"{send.send_line})")
            yield Finding(
                relpath, line, 0, "RPC209",
                f"{apis[0].name}: {proxy.name} takes {proxy.version} "
                f"messages but lacks {', '.join(parts)}: those messages "
                f"raise NoSuchMethod; add the methods (forwarding to "
                f"{manager.name}) or a __getattr__ forwarding the rest",
                apis[0].name)
