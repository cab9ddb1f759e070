"""From Python source to RPC facts.

``index`` parses modules and resolves names; ``resolve``/``infer``/
``options`` give values (``ast`` first, astroid and oslo.config defaults
when needed); ``reach`` says which code can reach oslo.messaging;
``flow`` runs that code on abstract ``values``; ``extract`` turns what it
recorded into clients, servers and endpoints; ``surface`` and ``callers``
add what the against-base and upgrade rules read.
"""
