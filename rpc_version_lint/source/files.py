"""Source trees: which files may hold RPC APIs, and their text.

This is an I/O edge.  A *tree* is the set of files of one revision of a
project: the working tree on disk, another directory (an unpacked release),
or a git revision (see ``baseline``).  Paths inside a tree are POSIX
relative paths such as ``fleet/rpcapi.py``.
"""

from __future__ import annotations

import ast
import bisect
import configparser
import io
import os
import re
import tokenize
import warnings
from dataclasses import dataclass, field

# A file that holds an RPC client or server names at least one of these.
# Cheap enough to run on every file flake8 sees; the rest is never parsed.
RPC_HINTS = (b"RPC_API_VERSION", b"RpcProxy", b"can_send_version",
             b"additional_endpoints", b"additional_apis", b"VERSION_ALIASES",
             b".prepare(", b"make_msg(", b"get_rpc_client", b"get_rpc_server",
             b"RPCClient(", b"notification_listener",
             b"create_consumer(", b"rpc.Service)",
             b"Service.create(")  # a service started by its manager's name
_HINT_RE = re.compile(rb"(?<![A-Za-z0-9_])Target\(|endpoints\s*=\s*\[|"
                      + b"|".join(re.escape(h) for h in RPC_HINTS))

TEST_DIRS = frozenset({"tests", "test"})
_PROJECT_ROOT = (".git", "setup.cfg", "pyproject.toml", "setup.py")
OPTION_HINT = b"Opt("  # cfg.StrOpt(...): see options.py


class SourceError(Exception):
    """A file that cannot be read, decoded or parsed (one-line message)."""


_QUICK = RPC_HINTS + (b"Target(", b"endpoints")


def may_hold_rpc(data: bytes | str) -> bool:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    # substring tests first: ten times cheaper than the regex on misses
    return any(hint in data for hint in _QUICK) and \
        _HINT_RE.search(data) is not None


def is_test_path(relpath: str) -> bool:
    """Test code is not part of the RPC model: its fakes are not APIs."""
    parts = relpath.split("/")
    name = parts[-1]
    return (any(p in TEST_DIRS for p in parts[:-1])
            or name.startswith("test_") or name in ("test.py", "conftest.py"))


def encode(text: str) -> bytes:
    """Source text as the bytes of a file: in the encoding its coding
    declaration names, UTF-8 without one."""
    data = text.encode("utf-8", "surrogateescape")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return data


def decode(data: bytes, relpath: str) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        raise SourceError(f"{relpath}: cannot decode the file ({exc})")


def parse(text: str, relpath: str) -> ast.Module:
    try:
        with warnings.catch_warnings():
            # invalid escape sequences and the like: not ours to report
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=relpath)
    except SyntaxError as exc:
        where = f"{relpath}:{exc.lineno}" if exc.lineno else relpath
        raise SourceError(f"{where}: not valid Python ({exc.msg}); file "
                          f"skipped")
    except (ValueError, RecursionError, MemoryError) as exc:
        reason = type(exc).__name__ if not str(exc) else str(exc)
        raise SourceError(f"{relpath}: cannot be parsed ({reason}); "
                          f"file skipped")


def module_name(relpath: str) -> str:
    """``fleet/rpcapi.py`` -> ``fleet.rpcapi``."""
    parts = relpath[:-3].split("/") if relpath.endswith(".py") else \
        relpath.split("/")
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_paths(name: str) -> tuple[str, str]:
    """Where a module of that dotted name lives, as a file or a package."""
    base = name.replace(".", "/")
    return base + ".py", base + "/__init__.py"


def find_scope(path: str, known: dict | None = None) -> tuple[str, str]:
    """(root, top) for a file on disk.

    ``top`` is the top-level package holding the file, relative to ``root``
    (the directory its imports are resolved from).  A directory without
    ``__init__.py`` inside a package is part of it (a namespace portion:
    ``fleet/api/rpc/`` under ``fleet/``), up to the
    project's own root (where ``.git``, ``setup.cfg`` or ``pyproject.toml``
    is).  A file outside any package is its own scope: root is its
    directory and top is ``''``.  ``known``: what earlier calls learnt
    about directories (the files of a tree share their parents).
    """
    path = os.path.abspath(path)
    top_dir = _top_package(os.path.dirname(path),
                           {} if known is None else known)
    if top_dir is None:
        return os.path.dirname(path), ""
    return os.path.dirname(top_dir), os.path.basename(top_dir)


def _top_package(directory: str, known: dict) -> str | None:
    """The outermost package directory at or above ``directory``, below
    the project's root (``known``: directory -> the answer)."""
    if directory not in known:
        parent = os.path.dirname(directory)
        if os.path.isfile(os.path.join(directory, "__init__.py")):
            above = _top_package(parent, known) \
                if parent != directory else None
            known[directory] = above or directory
        elif parent == directory or any(
                os.path.exists(os.path.join(directory, marker))
                for marker in _PROJECT_ROOT):
            known[directory] = None
        else:
            known[directory] = _top_package(parent, known)
    return known[directory]


def flake8_files(paths, exclude, filename) -> list[str]:
    """The Python files flake8 checks for these paths, found as flake8 7
    finds them (``discover_files.expand_paths``): each path walked in
    sorted order, a directory or file left out when its base name or its
    absolute path matches an ``exclude`` pattern, a file found by walking
    kept when it matches a ``filename`` pattern -- namespace packages,
    loose scripts and all.  The patterns are compiled once: flake8's own
    loop matches each pattern anew for every path, a tenth of a run."""
    excluded = _matcher(exclude)
    wanted = _matcher(filename)

    def is_excluded(path: str) -> bool:
        if excluded is None:
            return False
        base = os.path.basename(path)
        return bool(base not in (".", "..") and excluded(base)
                    or excluded(os.path.abspath(path)))

    found: dict = {}
    for path in paths:  # in the order given
        if is_excluded(path):
            continue
        if not os.path.isdir(path):
            expanded = [path]  # named on the command line: always checked
        else:
            expanded = []
            for root, directories, files in os.walk(path):
                directories[:] = [d for d in directories
                                  if not is_excluded(os.path.join(root, d))]
                expanded += [joined for joined in (os.path.join(root, f)
                                                   for f in files)
                             if not is_excluded(joined) and (
                                 wanted is None or wanted(joined))]
        # the plugin checks *.py only; a FIFO would block the read
        found.update(dict.fromkeys(sorted(
            os.path.normpath(p) for p in expanded
            if p.endswith(".py") and os.path.isfile(p))))
    return list(found)


def _matcher(patterns):
    """One compiled test for fnmatch-style patterns, as flake8 applies
    them (``os.path.normcase`` on both sides); None for no patterns."""
    if not patterns:
        return None
    import fnmatch
    match = re.compile("|".join(fnmatch.translate(os.path.normcase(p))
                                for p in patterns)).match
    return lambda name: match(os.path.normcase(name)) is not None


def scopes_of(files) -> list[tuple[str, str]]:
    """The (root, top) scopes that flake8's plugin analyses for these files:
    those of the files that pass the pre-filter, test code aside."""
    found: dict = {}
    known: dict = {}
    for path in files:
        path = os.path.abspath(path)
        scope = find_scope(path, known)
        if scope in found or is_test_path(os.path.relpath(
                path, scope[0]).replace(os.sep, "/")):
            continue
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            data = b"Target("  # analysed, so that the reason is said once
        if may_hold_rpc(data):
            found[scope] = True
    return list(found)


class Noqa:
    """The ``# noqa`` comments of one file, read as flake8 reads them: a
    ``# flake8: noqa`` line skips the file; an inline comment covers its
    line (all the lines of a token spanning several, such as a string),
    for all codes or those it names (prefixes)."""

    def __init__(self, text: str):
        from flake8 import defaults
        self._inline = defaults.NOQA_INLINE_REGEXP
        self.lines = text.splitlines(keepends=True)
        self.whole_file = any(defaults.NOQA_FILE.match(line)
                              for line in self.lines)
        self._logical: dict | None = None

    def covers(self, line: int, code: str) -> bool:
        if self.whole_file:
            return True
        text = self._logical_lines().get(line)
        if text is None:
            text = self.lines[line - 1] if 0 < line <= len(self.lines) \
                else ""
        match = self._inline.search(text)
        if match is None:
            return False
        codes = match.group("codes")
        if codes is None:
            return True
        named = {c for c in re.split(r"[,\s]+", codes) if c}
        return code in named or code.startswith(tuple(named))

    def comments(self):
        """(line, col, codes named, lines it covers) for each ``# noqa:
        CODES`` comment (a real comment, not text in a string): the lines
        are those of its logical line, whose findings it covers."""
        if self.whole_file:
            return
        lines = iter(self.lines)
        found = []
        try:
            for token in tokenize.generate_tokens(lambda: next(lines, "")):
                if token.type == tokenize.COMMENT:
                    match = self._inline.search(token.string)
                    if match is not None and match.group("codes"):
                        found.append((token.start[0], token.start[1] +
                                      match.start(), match.group("codes")))
        except (tokenize.TokenError, SyntaxError):
            return
        logical = self._logical_lines()
        for line, col, codes in found:
            text = logical.get(line)
            covered = [n for n, t in logical.items() if t is text] \
                if text is not None else [line]
            named = [c for c in re.split(r"[,\s]+", codes) if c]
            yield line, col, named, covered or [line]

    def _logical_lines(self) -> dict[int, str]:
        """line -> the text flake8 searches for its comment: the lines
        from one NL or NEWLINE token to the next."""
        if self._logical is None:
            self._logical = {}
            lines = iter(self.lines)
            low, high = len(self.lines) + 2, -1
            try:
                for token in tokenize.generate_tokens(
                        lambda: next(lines, "")):
                    if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                        continue
                    low = min(low, token.start[0])
                    high = max(high, token.end[0])
                    if token.type in (tokenize.NL, tokenize.NEWLINE):
                        joined = "".join(self.lines[low - 1:high])
                        self._logical.update(dict.fromkeys(
                            range(low, high + 1), joined))
                        low, high = len(self.lines) + 2, -1
            except (tokenize.TokenError, SyntaxError):
                self._logical = {}  # flake8 then reads the physical line
        return self._logical


@dataclass
class DiskTree:
    """Files under a directory on disk (the working tree, or a base dir)."""

    root: str
    label: str = "working tree"
    # relpath -> bytes read instead of the file (an editor's unsaved
    # buffer, piped to flake8 with --stdin-display-name)
    overlay: dict = field(default_factory=dict)
    _candidates_of: dict = field(default_factory=dict, repr=False,
                                 compare=False)
    _files_of: dict = field(default_factory=dict, repr=False, compare=False)
    _options_of: dict = field(default_factory=dict, repr=False,
                              compare=False)
    # relpath -> bytes: one run reads each file once (the pre-filter, the
    # import scan and each search for a name go over them all again), and
    # sees one version of it
    _data: dict = field(default_factory=dict, repr=False, compare=False)
    # top -> (its files' bytes joined by NULs, where each starts, relpaths):
    # one search of the whole text finds a name's files
    _joined: dict = field(default_factory=dict, repr=False, compare=False)

    def read(self, relpath: str) -> bytes | None:
        if relpath in self.overlay:
            return self.overlay[relpath]
        if relpath in self._data:
            return self._data[relpath]
        try:
            with open(os.path.join(self.root, relpath), "rb") as handle:
                data = self._data[relpath] = handle.read()
                return data
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            self._data[relpath] = None
            return None
        except OSError as exc:
            raise SourceError(f"{relpath}: cannot be read "
                              f"({exc.strerror or exc})")

    def python_files(self, top: str) -> list[str]:
        if top not in self._files_of:
            self._files_of[top] = self._python_files(top)
        return list(self._files_of[top])

    def _python_files(self, top: str) -> list[str]:
        start = os.path.join(self.root, top) if top else self.root
        found = []
        seen = set()
        for directory, dirs, files in os.walk(start, followlinks=False):
            real = os.path.realpath(directory)
            if real in seen:  # a symlink loop through a followed link
                dirs[:] = []
                continue
            seen.add(real)
            dirs[:] = sorted(d for d in dirs if d not in TEST_DIRS
                             and not d.startswith("."))
            if not top and directory != start:
                dirs[:] = []
                continue
            for name in sorted(files):
                path = os.path.join(directory, name)
                # regular files only: a FIFO would block the read, a
                # dangling or looping link holds nothing
                if name.endswith(".py") and os.path.isfile(path):
                    rel = os.path.relpath(path, self.root)
                    found.append(rel.replace(os.sep, "/"))
        found += [p for p in self.overlay if p not in found and p.endswith(
            ".py") and (p.startswith(top + "/") if top else "/" not in p)]
        return [p for p in found if not is_test_path(p)]

    def read_quietly(self, relpath: str) -> bytes | None:
        try:
            return self.read(relpath)
        except SourceError:
            return None

    def count_python(self, top: str) -> int:
        return len(self.python_files(top))

    def metadata_files(self) -> list[str]:
        """Files that may list the tree's entry points (stevedore drivers):
        a checkout's setup.cfg, an installed distribution's metadata."""
        found = ["setup.cfg"]
        try:
            names = sorted(os.listdir(self.root))
        except OSError:
            return found
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                found.append(f"{name}/entry_points.txt")
        return found

    def files_with(self, top: str, needle: str) -> list[str]:
        """The Python files of ``top`` whose text holds ``needle`` (a
        plain string without NULs), sorted."""
        if top not in self._joined:
            parts, starts, relpaths, at = [], [], [], 0
            for relpath in self.python_files(top):
                try:
                    data = self.read(relpath)
                except SourceError:
                    continue
                if data is not None:
                    parts.append(data)
                    starts.append(at)
                    relpaths.append(relpath)
                    at += len(data) + 1
            self._joined[top] = (b"\0".join(parts), starts, relpaths)
        text, starts, relpaths = self._joined[top]
        found, wanted = [], needle.encode()
        at = text.find(wanted)
        while at >= 0:
            index = bisect.bisect_right(starts, at) - 1
            found.append(relpaths[index])
            if index + 1 == len(starts):
                break
            at = text.find(wanted, starts[index + 1])  # the next file on
        return sorted(found)

    def candidates(self, top: str) -> list[str]:
        """The files of ``top`` that pass the textual pre-filter (kept: the
        baseline of a change asks again)."""
        if top not in self._candidates_of:
            self._candidates_of[top] = self._candidates(top)
        return list(self._candidates_of[top])

    def _candidates(self, top: str) -> list[str]:
        result, options = [], []
        for relpath in self.python_files(top):
            try:
                data = self.read(relpath)
            except SourceError:
                result.append(relpath)  # reported when it is loaded
                continue
            if data is None:
                continue
            if may_hold_rpc(data):
                result.append(relpath)
            if OPTION_HINT in data:
                options.append(relpath)
        self._options_of[top] = options
        return result

    def option_files(self, top: str) -> list[str]:
        """The files that may define oslo.config options."""
        if top not in self._options_of:
            self.candidates(top)
        return list(self._options_of[top])


def entry_points(tree) -> dict:
    """(group, name) -> "module:attr" from the tree's setup.cfg
    ``[entry_points]`` or an installed ``*.dist-info/entry_points.txt``."""
    found: dict = {}
    for relpath in tree.metadata_files():
        data = tree.read_quietly(relpath)
        if data is None:
            continue
        parser = configparser.RawConfigParser()
        parser.optionxform = str
        try:
            parser.read_string(data.decode("utf-8", "replace"))
        except configparser.Error:
            continue
        if relpath.endswith("setup.cfg"):
            if not parser.has_section("entry_points"):
                continue
            for group, value in parser.items("entry_points"):
                for line in value.splitlines():
                    name, sep, target = line.partition("=")
                    if sep:
                        found[(group.strip(), name.strip())] = target.strip()
        else:
            for group in parser.sections():
                for name, target in parser.items(group):
                    found[(group.strip(), name.strip())] = target.strip()
    return found
