"""Settings shared by the flake8 plugin and the command line.

Both read the ``rpc-*`` keys of the ``[flake8]`` section (setup.cfg,
tox.ini, .flake8); values are parsed here, once, into a ``Config``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class ConfigError(Exception):
    """A bad option value (one line, naming the option)."""


@dataclass(frozen=True)
class Config:
    base: str | None = "auto"        # auto, a git revision, a directory
    commit_msg: str | None = None    # file holding the commit message
    rolling: tuple = ()              # rolling-upgrade APIs: class path/topic
    pairs: tuple = ()                # ((client path, server path), ...)
    upgrade_from: str | None = None  # previous release: revision or dir
    select: tuple = ()
    ignore: tuple = ()
    extra: tuple = field(default=(), compare=False)

    @property
    def pair_map(self) -> dict:
        return dict(self.pairs)


def split_list(value) -> list[str]:
    """A comma- or newline-separated option value as a list."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = []
        for v in value:
            items += split_list(v)
        return items
    return [v.strip() for v in re.split(r"[,\n]", value) if v.strip()]


_PATH = re.compile(r"[A-Za-z_][\w.]*\w")


def parse_pairs(value, option: str = "rpc-pairs") -> tuple:
    """``client.path = server.path`` entries (``:`` also accepted)."""
    pairs = []
    for item in split_list(value):
        client, sep, server = re.split(r"\s*([=:])\s*", item, maxsplit=1) \
            if re.search(r"[=:]", item) else (item, "", "")
        if not sep or not _PATH.fullmatch(client) or \
                not _PATH.fullmatch(server):
            raise ConfigError(
                f"{option}: {item!r} is not 'client.Class = server.Class' "
                f"(dotted class paths, such as "
                f"nova.compute.rpcapi.ComputeAPI = "
                f"nova.compute.manager.ComputeManager)")
        pairs.append((client, server))
    return tuple(pairs)


# -- the [flake8] section, as the command line reads it ---------------------

CONFIG_FILES = ("setup.cfg", "tox.ini", ".flake8")
KEYS = ("rpc-base", "rpc-commit-msg", "rpc-rolling-upgrade-apis",
        "rpc-pairs", "rpc-upgrade-from")


def find_config(start: str) -> str | None:
    """The file flake8 would read: the first of setup.cfg, tox.ini and
    .flake8 with a [flake8] section, from ``start`` upwards."""
    import configparser
    import os

    directory = os.path.abspath(start)
    while True:
        for name in CONFIG_FILES:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                parser = configparser.RawConfigParser()
                try:
                    parser.read(path, encoding="utf-8")
                except (configparser.Error, UnicodeDecodeError) as exc:
                    raise ConfigError(f"{path}: cannot be read "
                                      f"({str(exc).splitlines()[0]})")
                if parser.has_section("flake8"):
                    return path
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def read_settings(path: str) -> dict:
    """The rpc-* keys of the [flake8] section (dashes or underscores)."""
    import configparser

    parser = configparser.RawConfigParser()
    parser.read(path, encoding="utf-8")
    settings = {}
    for key, value in parser.items("flake8"):
        name = key.replace("_", "-")
        if not name.startswith("rpc-"):
            continue
        if name not in KEYS:
            raise ConfigError(f"{path}: [flake8] {key}: unknown option "
                              f"(known: {', '.join(KEYS)})")
        settings[name] = value.strip()
    return settings
