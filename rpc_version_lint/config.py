"""Settings shared by the flake8 plugin and the command line.

Both read the ``rpc-*`` keys of the ``[flake8]`` section (setup.cfg,
tox.ini, .flake8); the command line also reads ``[tool.rpc-version-lint]``
in pyproject.toml. Values are parsed here, once, into a ``Config``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

_LOG = logging.getLogger(__name__)  # flake8's path matching logs through it


class ConfigError(Exception):
    """A bad option value (one line, naming the option)."""


@dataclass(frozen=True)
class Config:
    base: str | None = "auto"        # auto, a git revision, a directory
    commit_msg: str | None = None    # file holding the commit message
    rolling: tuple = ()              # rolling-upgrade APIs: class path/topic
    pairs: tuple = ()                # ((client path, server path), ...)
    upgrade_from: str | None = None  # previous release: revision or dir
    allow: tuple = ()                # Allow entries
    select: tuple = ()
    ignore: tuple = ()
    # settings that could not be read (the plugin carries on without them
    # and reports RPC900; the command line stops at the first)
    errors: tuple = ()
    flake8: bool = False             # name options as flake8 spells them
    cache: bool = True               # reuse snapshots of earlier runs
    severity: tuple = ()             # ((code or prefix, level), ...)
    strict: bool = False             # warnings fail the run too
    known: object = None             # known.KnownFindings
    allow_source: str | None = None  # the file the allow-list is read from

    @property
    def pair_map(self) -> dict:
        return dict(self.pairs)

    def level(self, code: str) -> str:
        """``error`` or ``warning``: the longest matching rpc-severity
        entry, else the rule's default."""
        best = None
        for prefix, level in self.severity:
            if code.startswith(prefix) and (best is None or
                                            len(prefix) >= len(best[0])):
                best = (prefix, level)
        if best is not None:
            return best[1]
        from . import rules
        r = rules.get(code)
        return r.severity if r is not None else "error"

    def fails(self, code: str) -> bool:
        """Whether a finding of this code fails the run."""
        return self.strict or self.level(code) == "error"


@dataclass(frozen=True)
class Allow:
    """An allow-list entry: findings of these codes (prefixes) for this API
    (class path or API name) are not reported, for the reason given."""

    codes: tuple
    api: str | None
    reason: str

    def matches(self, code: str, api_names: set) -> bool:
        return (not self.codes or any(code.startswith(c) for c in self.codes)
                ) and (self.api is None or self.api in api_names)


def parse_allow(value, option: str = "rpc-allow") -> tuple:
    """One entry per line: ``[CODES] [API]: reason``, such as
    ``RPC105 fleet.rpcapi.FleetAPI: kept until the next release``."""
    entries = []
    items = value if isinstance(value, (list, tuple)) else \
        (value or "").splitlines()
    for item in items:
        item = item.strip()
        if not item:
            continue
        selector, sep, reason = item.partition(":")
        words = selector.split()
        codes = tuple(w for w in words if re.fullmatch(r"RPC\d{0,3}", w))
        api = " ".join(w for w in words if w not in codes) or None
        if not sep or not reason.strip() or not (codes or api):
            raise ConfigError(
                f"{option}: {item!r} is not 'CODES API: reason' (a code "
                f"such as RPC105 and/or an API, then a colon and why)")
        entries.append(Allow(codes, api, reason.strip()))
    return tuple(entries)


def parse_severity(value, option: str = "rpc-severity") -> tuple:
    """``CODE:LEVEL`` entries, comma or newline separated, such as
    ``RPC207:warning, RPC2:error``; a code may be a prefix (the longest
    match wins)."""
    from . import rules
    known = [r.code for r in rules.all_rules()]
    entries = []
    for item in split_list(value):
        code, sep, level = (part.strip() for part in item.partition(":"))
        code, level = code.upper(), level.lower()
        if not sep or level not in rules.SEVERITIES or \
                not re.fullmatch(r"RPC\d{0,3}", code):
            levels = " or ".join(rules.SEVERITIES)
            raise ConfigError(
                f"{option}: {item!r} is not 'CODE:LEVEL' (a code or prefix "
                f"such as RPC207, a colon, and {levels})")
        if not any(c.startswith(code) for c in known):
            raise ConfigError(f"{option}: {code} matches no rule (see "
                              f"--list-rules)")
        if level != "error" and "RPC900".startswith(code):
            raise ConfigError(f"{option}: {item!r}: RPC900 is always an "
                              f"error (a run that could not look must fail)")
        entries.append((code, level))
    return tuple(entries)


def parse_bool(value, option: str) -> bool:
    """``true``/``false`` (and what configparser also reads as such)."""
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in ("1", "yes", "true", "on"):
        return True
    if text in ("", "0", "no", "false", "off"):
        return False
    raise ConfigError(f"{option}: {value!r} is not true or false")


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
                f"fleet.rpcapi.FleetAPI = "
                f"fleet.manager.FleetManager)")
        pairs.append((client, server))
    return tuple(pairs)


# -- the [flake8] section, as the command line reads it ---------------------

CONFIG_FILES = ("setup.cfg", "tox.ini", ".flake8")
KEYS = ("rpc-base", "rpc-commit-msg", "rpc-rolling-upgrade-apis",
        "rpc-pairs", "rpc-upgrade-from", "rpc-allow", "rpc-severity",
        "rpc-strict", "rpc-known-findings")
PYPROJECT_KEYS = tuple(k[4:] for k in KEYS) + ("select", "ignore")


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


def read_pyproject(start: str) -> tuple[str | None, dict]:
    """[tool.rpc-version-lint] of the nearest pyproject.toml, with its keys
    as rpc-* names (``select``/``ignore`` kept as they are)."""
    import os

    directory = os.path.abspath(start)
    while True:
        path = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(path):
            break
        parent = os.path.dirname(directory)
        if parent == directory:
            return None, {}
        directory = parent
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})")
    tool = data.get("tool", {})
    if not isinstance(tool, dict):  # ``tool = 3``, ``[[tool]]``
        raise ConfigError(f"{path}: tool is not a table (expected "
                          f"[tool.rpc-version-lint])")
    table = tool.get("rpc-version-lint")
    if table is None:
        return None, {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.rpc-version-lint] is not a table")
    settings = {}
    for key, value in table.items():
        name = key.replace("_", "-")
        if name not in PYPROJECT_KEYS:
            raise ConfigError(
                f"{path}: [tool.rpc-version-lint] {key}: unknown option "
                f"(known: {', '.join(PYPROJECT_KEYS)})")
        if isinstance(value, bool) and name == "strict":
            value = "true" if value else "false"
        elif isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: [tool.rpc-version-lint] {key}: "
                                  f"expected strings")
            value = value if name == "allow" else ",".join(value)
        elif not isinstance(value, str):
            raise ConfigError(f"{path}: [tool.rpc-version-lint] {key}: "
                              f"expected a string or a list of strings")
        settings[name if name in ("select", "ignore") else "rpc-" + name] = \
            value
    return path, settings


# -- flake8's own file options, so that the command line sees what it sees --

@dataclass(frozen=True)
class FileOptions:
    """flake8's ``exclude`` (with ``extend-exclude``), ``filename`` and
    ``per-file-ignores``, as flake8 reads them from the [flake8] section:
    paths in the first two relative to the file's directory."""

    exclude: tuple
    filename: tuple = ("*.py",)
    per_file_ignores: tuple = ()  # ((pattern, (codes, ...)), ...)

    def ignored(self, path: str, code: str) -> bool:
        """Whether per-file-ignores drops ``code`` in ``path`` (as given on
        the command line): the longest matching pattern decides, as in
        flake8."""
        from flake8 import utils
        best = None
        for pattern, codes in self.per_file_ignores:
            if utils.matches_filename(
                    path, patterns=[utils.normalize_path(pattern)],
                    log_message="%(path)s", logger=_LOG) and (
                    best is None or len(pattern) > len(best[0])):
                best = (pattern, codes)
        return best is not None and code.startswith(tuple(best[1]))


def file_options(path: str | None) -> FileOptions:
    import configparser
    import os

    from flake8 import defaults, utils
    from flake8.exceptions import Flake8Exception

    values = {}
    if path:
        parser = configparser.RawConfigParser()
        parser.read(path, encoding="utf-8")
        values = {key.replace("_", "-"): value
                  for key, value in parser.items("flake8")}
    parent = os.path.dirname(os.path.abspath(path)) if path else os.curdir

    def paths(key, default):
        if key not in values:
            return list(default)
        return utils.normalize_paths(
            utils.parse_comma_separated_list(values[key]), parent)

    exclude = paths("exclude", defaults.EXCLUDE) + \
        paths("extend-exclude", ())
    try:
        mapping = utils.parse_files_to_codes_mapping(
            values.get("per-file-ignores", ""))
    except (ValueError, Flake8Exception) as exc:
        raise ConfigError(f"{path}: [flake8] per-file-ignores: "
                          f"{str(exc).strip().splitlines()[0]}")
    return FileOptions(tuple(exclude),
                       tuple(paths("filename", ("*.py",))),
                       tuple((pattern, tuple(codes))
                             for pattern, codes in mapping))
