"""The snapshots of earlier runs, kept on disk between runs.

A pre-commit hook or a ``tox -e pep8`` run analyses the same tree again
and again, and most changes touch no file the analysis reads.  Each tree
(a working tree, a base revision, a previous release) has one slot here
holding the last snapshot built for it and what it was built from; the
snapshot is reused only when all of that still holds (``snapshot.py``
checks it).  Nothing here decides validity: this module only stores.

Where: ``$RPC_VERSION_LINT_CACHE`` if set (empty or ``off``: no store),
else ``$XDG_CACHE_HOME/rpc-version-lint/snapshots``, else
``~/.cache/rpc-version-lint/snapshots``.  A directory that cannot be used
means no store, never an error: the cache only saves time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile

ENV = "RPC_VERSION_LINT_CACHE"
_FORMAT = 1


def default_directory() -> str | None:
    value = os.environ.get(ENV)
    if value is not None:
        return None if value.strip() in ("", "off", "0", "false") else value
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(base, "rpc-version-lint", "snapshots")


class Store:
    """Pickled entries by slot, in a directory only this user can read
    (pickle must never load what someone else wrote)."""

    def __init__(self, directory: str):
        self.directory = directory

    @classmethod
    def default(cls) -> Store | None:
        directory = default_directory()
        return cls(directory) if directory else None

    def _path(self, slot: str) -> str:
        digest = hashlib.sha1(
            f"{_FORMAT}\0{sys.version}\0{slot}".encode()).hexdigest()
        return os.path.join(self.directory, digest[:24] + ".pickle")

    def _usable(self) -> bool:
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
        except OSError:
            return False
        return _private(self.directory)

    def load(self, slot: str):
        path = self._path(slot)
        if not (_private(self.directory) and _private(path)):
            return None
        try:
            with open(path, "rb") as handle:
                return pickle.load(handle)
        except Exception:  # missing, truncated, from another version
            return None

    def save(self, slot: str, entry) -> None:
        if not self._usable():
            return
        try:
            handle, temporary = tempfile.mkstemp(dir=self.directory,
                                                 suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                pickle.dump(entry, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self._path(slot))  # atomic: no torn reads
        except Exception:
            try:
                os.unlink(temporary)
            except (OSError, UnboundLocalError):
                pass


def _private(path: str) -> bool:
    """Owned by this user and writable by no one else."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    owner = os.getuid() if hasattr(os, "getuid") else info.st_uid
    return info.st_uid == owner and not info.st_mode & 0o022
