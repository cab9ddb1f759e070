"""What oslo.messaging's own calls mean, in one place.

The interpreter (``facts.flow``) is generic: it runs Python.  When the code it
runs reaches a function or class outside the analysed tree, this module
says what that call does to RPC: build a Target, a client, a server or a
notification listener, prepare a call context, send, check a version cap.
Project wrappers of these (``rpc.get_client``, service base classes,
cached helpers) need no entry here: the interpreter runs their bodies and
meets these calls inside them.

Besides oslo.messaging itself, a few libraries that most of the ecosystem
builds its RPC on are described in the same table (``LIBRARY``), so that
results never depend on what is installed: neutron-lib's ``rpc`` module
and topic names, oslo.utils' ``importutils`` and stevedore's driver
manager (how services pick their manager or driver class by name).
"""

from __future__ import annotations

from dataclasses import dataclass

# oslo_messaging.Target(exchange, topic, namespace, version, server, fanout)
TARGET_PARAMS = ("exchange", "topic", "namespace", "version", "server",
                 "fanout")
# RPCClient.prepare(exchange, topic, namespace, version, server, fanout,
# timeout, version_cap, retry, ...): what can change a message's route
PREPARE_ROUTE = ("exchange", "topic", "namespace", "server", "fanout")
SENDS = ("call", "cast")
# The dispatcher's defaults: a message without a version is dispatched as
# 1.0, and an endpoint without a target attribute has namespace None and
# version 1.0 (RPCDispatcher in oslo_messaging/rpc/dispatcher.py).
DEFAULT_VERSION = "1.0"


@dataclass(frozen=True)
class Call:
    """What calling an external function or class does.

    ``kind`` is one of target, client, server, listener, connection,
    consumer, import_class, import_object, driver, topic_name, decorator
    (returns a function handing back its argument), service (a server for
    a manager named by its class path); ``params``
    names the positional parameters (``None`` for one that is ignored).
    """

    kind: str
    params: tuple = ()
    defaults: tuple = ()  # ((name, value), ...) where the library fills one


_OSLO = {
    "Target": Call("target", TARGET_PARAMS),
    "RPCClient": Call("client", ("transport", "target", "timeout",
                                 "version_cap")),
    "get_rpc_client": Call("client", ("transport", "target")),
    "get_rpc_server": Call("server", ("transport", "target", "endpoints")),
    "get_notification_listener": Call("listener", ("transport", "targets",
                                                   "endpoints")),
    "get_batch_notification_listener": Call("listener", (
        "transport", "targets", "endpoints")),
}

LIBRARY = {
    # neutron-lib: neutron_lib/rpc.py
    "neutron_lib.rpc.get_client": Call("client", ("target", "version_cap")),
    "neutron_lib.rpc.BackingOffClient": _OSLO["RPCClient"],
    "neutron_lib.rpc.get_server": Call("server", ("target", "endpoints")),
    "neutron_lib.rpc.Connection": Call("connection"),
    # Connection().create_consumer(topic, endpoints, fanout=False) starts a
    # server on Target(topic=topic, server=CONF.host, fanout=fanout)
    "neutron_lib.rpc.Connection.create_consumer": Call(
        "consumer", ("topic", "endpoints", "fanout")),
    # neutron_lib/agent/topics.py: '%s-%s-%s' % (prefix, table, operation),
    # then '.' + host
    "neutron_lib.agent.topics.get_topic_name": Call(
        "topic_name", ("prefix", "table", "operation", "host")),
    # oslo.utils: a class or an instance named by a dotted string
    "oslo_utils.importutils.import_class": Call("import_class", ("path",)),
    "oslo_utils.importutils.import_object": Call("import_object",
                                                 ("path",)),
    # neutron's own service, which the projects of its stadium start their
    # agents with: Service(host, binary, topic, manager) and its create()
    # build the manager class named by ``manager`` (with host=host) and,
    # started, serve it on ``topic`` (neutron/service.py over neutron-lib's
    # rpc.Service.start)
    "neutron.service.Service": Call("service", ("host", "binary", "topic",
                                                "manager")),
    "neutron.service.Service.create": Call("service", (
        "host", "binary", "topic", "manager")),
    # osprofiler: trace_cls('rpc')(obj) hands back what it is given
    "osprofiler.profiler.trace_cls": Call("decorator"),
    # stevedore: a driver class named by an entry point
    "stevedore.driver.DriverManager": Call("driver", ("namespace", "name")),
    "stevedore.DriverManager": Call("driver", ("namespace", "name")),
}

# Methods of library classes that projects derive their services from:
# (class, method) -> what calling it on an object of a subclass does.
# neutron-lib's rpc.Service(host, topic, manager) starts, in start(), a
# server on its topic with [manager] (itself when no manager is given).
LIBRARY_METHODS = {
    ("neutron_lib.rpc.Service", "__init__"): Call(
        "service_init", ("host", "topic", "manager", "serializer")),
    ("neutron_lib.rpc.Service", "start"): Call("service_start"),
}

# Constants of those libraries that RPC routes are built from
# (neutron_lib/agent/topics.py and the RPC namespaces of
# neutron_lib/constants.py).
CONSTANTS = {
    "neutron_lib.agent.topics.NETWORK": "network",
    "neutron_lib.agent.topics.SUBNET": "subnet",
    "neutron_lib.agent.topics.PORT": "port",
    "neutron_lib.agent.topics.PORT_BINDING": "binding",
    "neutron_lib.agent.topics.SECURITY_GROUP": "security_group",
    "neutron_lib.agent.topics.L2POPULATION": "l2population",
    "neutron_lib.agent.topics.DVR": "dvr",
    "neutron_lib.agent.topics.RESOURCES": "resources",
    "neutron_lib.agent.topics.CREATE": "create",
    "neutron_lib.agent.topics.DELETE": "delete",
    "neutron_lib.agent.topics.UPDATE": "update",
    "neutron_lib.agent.topics.ACTIVATE": "activate",
    "neutron_lib.agent.topics.DEACTIVATE": "deactivate",
    "neutron_lib.agent.topics.AGENT": "q-agent-notifier",
    "neutron_lib.agent.topics.PLUGIN": "q-plugin",
    "neutron_lib.agent.topics.SERVER_RESOURCE_VERSIONS":
        "q-server-resource-versions",
    "neutron_lib.agent.topics.L3PLUGIN": "q-l3-plugin",
    "neutron_lib.agent.topics.REPORTS": "q-reports-plugin",
    "neutron_lib.agent.topics.DHCP": "q-dhcp-notifer",
    "neutron_lib.agent.topics.METERING_PLUGIN": "q-metering-plugin",
    "neutron_lib.agent.topics.L3_AGENT": "l3_agent",
    "neutron_lib.agent.topics.DHCP_AGENT": "dhcp_agent",
    "neutron_lib.agent.topics.METERING_AGENT": "metering_agent",
    "neutron_lib.agent.topics.RESOURCE_TOPIC_PATTERN":
        "neutron-vo-%(resource_type)s-%(version)s",
    "neutron_lib.constants.RPC_NAMESPACE_DHCP_PLUGIN": None,
    "neutron_lib.constants.RPC_NAMESPACE_METADATA": None,
    "neutron_lib.constants.RPC_NAMESPACE_SECGROUP": None,
    "neutron_lib.constants.RPC_NAMESPACE_DVR": None,
    "neutron_lib.constants.RPC_NAMESPACE_STATE": None,
    "neutron_lib.constants.RPC_NAMESPACE_RESOURCES": None,
    "neutron_lib.services.logapi.constants.LOGGING_PLUGIN":
        "logging-plugin",
    "neutron_lib.services.logapi.constants.RPC_NAMESPACE_LOGGING":
        "logging-plugin",
}

# An attribute of these objects that is a class name (``.driver`` of a
# stevedore DriverManager).
DRIVER_ATTR = "driver"

# Names a function must call (or be) to reach oslo.messaging at all: the
# cheap test that decides whether a call into project code is followed.
ENTRY_NAMES = frozenset(_OSLO) | frozenset(
    name.rpartition(".")[2] for name in LIBRARY) | {
    "prepare", "can_send_version", "create_consumer"}
SEND_NAMES = frozenset(SENDS)


def dispatchable(method: str) -> bool:
    """Whether the dispatcher may hand a message to an endpoint method of
    this name: DefaultRPCAccessPolicy -- the default, and the policy the
    projects pass explicitly -- refuses names with a leading '_'."""
    return not method.startswith("_")


def library_call(name: str) -> Call | None:
    """What calling the external ``name`` (a dotted path) does."""
    if name in LIBRARY:
        return LIBRARY[name]
    head, _, last = name.rpartition(".")
    if (head == "oslo_messaging" or head.startswith("oslo_messaging.")) \
            and last in _OSLO:
        return _OSLO[last]
    return None


def library_method(bases, name: str) -> Call | None:
    """What method ``name`` of a class deriving from the external
    ``bases`` (dotted names) does, when a library class defines it."""
    for base in bases:
        found = LIBRARY_METHODS.get((base, name))
        if found is not None:
            return found
    return None


def constant(name: str):
    """(True, value) for a library constant the table knows."""
    if name in CONSTANTS:
        return True, CONSTANTS[name]
    return False, None


def topic_name(prefix, table, operation, host=None):
    """neutron-lib's ``get_topic_name``, on abstract parts (a list)."""
    parts = [prefix, "-", table, "-", operation]
    if host is not None:
        parts += [".", host]
    return parts


def bind(call: Call, args: list, kwargs: dict) -> dict:
    """The arguments of a library call by parameter name."""
    named = {name: value for name, value in zip(call.params, args) if name}
    for key, value in kwargs.items():
        named.setdefault(key, value)
    for key, value in call.defaults:
        named.setdefault(key, value)
    return named
