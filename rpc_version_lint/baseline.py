"""The baseline tree and the commit messages (an I/O edge: git, files).

``--base`` / ``rpc-base`` is ``auto``, a git revision, or a directory
holding another tree of the project.  ``auto``: inside a git work tree with
uncommitted changes to tracked files the base is ``HEAD`` (pre-commit);
with a clean tree it is ``HEAD^`` (the commit under review; the first
parent of a merge commit, as a CI system builds it); outside git or at a
root commit there is no base.

Git is read with the command line: one ``git cat-file --batch`` process per
revision serves every file read, and only the files that pass the
pre-filter (``git grep``) are read at all.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

from .source import RPC_HINTS, DiskTree, is_test_path, may_hold_rpc

GIT_TIMEOUT = 60


class BaseError(Exception):
    """One line: what happened and what to do.  ``fatal`` when the user
    asked for this base explicitly (the command line exits 2)."""

    def __init__(self, message: str, fatal: bool = True):
        super().__init__(message)
        self.fatal = fatal


@dataclass
class Baseline:
    tree: object                  # DiskTree or GitTree
    label: str                    # for messages: "HEAD^", "../nova-22"
    messages: list | None         # commit messages, None if not known
    infer_root: str | None = None


def _git(cwd: str, *args: str, check: bool = True) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True,
                              timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise BaseError("git is not installed or not on PATH: the "
                        "against-base rules are skipped (install git, or "
                        "pass --base DIR with another tree)")
    except subprocess.TimeoutExpired:
        raise BaseError(f"git {args[0]} took more than {GIT_TIMEOUT}s: the "
                        f"against-base rules are skipped")
    if check and proc.returncode != 0:
        error = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _GitFailed(error[-1] if error else f"git {args[0]} failed")
    return proc.stdout.decode("utf-8", "surrogateescape")


class _GitFailed(Exception):
    pass


class GitTree:
    """The files of one git revision, read through ``git cat-file``.

    With ``worktree`` (the same tree checked out on disk), the files that
    ``git diff`` says are unchanged since the revision are read from disk
    instead, and the pre-filter's answer for them is taken from the working
    tree's: a baseline then costs little more than the files a change
    touched.
    """

    def __init__(self, repo: str, sha: str, prefix: str, label: str,
                 worktree: DiskTree | None = None):
        self.repo = repo
        self.sha = sha
        self.prefix = prefix  # the tree root inside the repository
        self.label = label
        self.worktree = worktree
        self._process = None
        self._cache: dict[str, bytes | None] = {}
        self._differs: set | None = None

    def _path(self, relpath: str) -> str:
        return f"{self.prefix}/{relpath}" if self.prefix else relpath

    def differs(self) -> set:
        """Paths (relative to the tree) whose content on disk is not the
        revision's: changed, added, removed, or untracked."""
        if self._differs is None:
            where = self.prefix or "."
            # -z: paths with spaces or non-ASCII letters come unquoted
            changed = _git(self.repo, "diff", "-z", "--name-only",
                           "--no-renames", self.sha, "--", where, check=False)
            untracked = _git(self.repo, "ls-files", "-z", "--others", "--",
                             where, check=False)
            cut = len(self.prefix) + 1 if self.prefix else 0
            self._differs = {path[cut:] for path in
                             (changed + untracked).split("\0") if path}
        return self._differs

    def read(self, relpath: str) -> bytes | None:
        if relpath not in self._cache:
            if self.worktree is not None and relpath not in self.differs():
                data = self.worktree.read(relpath)
            else:
                data = self._cat(f"{self.sha}:{self._path(relpath)}")
            self._cache[relpath] = data
        return self._cache[relpath]

    def _cat(self, spec: str) -> bytes | None:
        if "\n" in spec:
            return None
        if self._process is None:
            self._process = subprocess.Popen(
                ["git", "cat-file", "--batch"], cwd=self.repo,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL)
        process = self._process
        process.stdin.write(spec.encode("utf-8", "surrogateescape") + b"\n")
        process.stdin.flush()
        header = process.stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            return None  # "<spec> missing", or a tree
        data = process.stdout.read(int(header[2]))
        process.stdout.read(1)  # the newline after the content
        return data

    def candidates(self, top: str) -> list[str]:
        if self.worktree is not None:
            return self._candidates_from_worktree(top)
        where = self._path(top) if top else (self.prefix or ".")
        patterns = []
        for hint in RPC_HINTS + (b"Target(",):
            patterns += ["-e", hint.decode()]
        patterns += ["-e", "endpoints = ["]
        try:
            out = _git(self.repo, "grep", "-z", "-l", "-F", "-I", *patterns,
                       self.sha, "--", where, check=False)
        except BaseError:
            return []
        result = []
        strip = len(self.sha) + 1 + (len(self.prefix) + 1 if self.prefix
                                     else 0)
        for line in out.split("\0"):
            if not line:
                continue
            relpath = line[strip:]
            if not relpath.endswith(".py") or is_test_path(relpath):
                continue
            if not top and "/" in relpath:
                continue
            data = self.read(relpath)
            if data is not None and may_hold_rpc(data):
                result.append(relpath)
        return result

    def _candidates_from_worktree(self, top: str) -> list[str]:
        differs = self.differs()
        inside = [p for p in differs if p.endswith(".py") and (
            not top or p.startswith(top + "/")) and not is_test_path(p)
            and (top or "/" not in p)]
        kept = [p for p in self.worktree.candidates(top) if p not in differs]
        for relpath in inside:
            data = self.read(relpath)
            if data is not None and may_hold_rpc(data):
                kept.append(relpath)
        return sorted(kept)

    def lines_with(self, top: str, needle: str):
        where = self._path(top) if top else (self.prefix or ".")
        try:
            out = _git(self.repo, "grep", "-z", "-I", "-F", "-e", needle,
                       self.sha, "--", where, check=False)
        except BaseError:
            return
        strip = len(self.sha) + 1 + (len(self.prefix) + 1 if self.prefix
                                     else 0)
        for entry in out.splitlines():
            path, _, line = entry[strip:].partition("\0")
            if path.endswith(".py") and not is_test_path(path):
                yield path, line

    def close(self) -> None:
        if self._process is not None:
            self._process.stdin.close()
            self._process.wait(timeout=10)
            self._process = None


def find_base(root: str, spec: str | None, commit_msg: str | None = None,
              option: str = "--base", worktree: DiskTree | None = None,
              msg_option: str = "--commit-msg"):
    """The Baseline for a tree at ``root`` (None when there is none).

    Raises BaseError for trouble worth a line; ``fatal`` when ``spec`` was
    given explicitly (``option`` names where, in messages).
    """
    messages = _message_file(commit_msg, msg_option) if commit_msg else None
    if spec is None:
        return None
    if spec != "auto" and os.path.isdir(spec):
        base_root = os.path.abspath(spec)
        return Baseline(DiskTree(base_root, label=spec), spec, messages,
                        infer_root=base_root)
    explicit = spec != "auto"
    try:
        top = _git(root, "rev-parse", "--show-toplevel").strip()
    except _GitFailed:
        if explicit:
            raise BaseError(
                f"{option} {spec}: no such directory, and {root} is not "
                f"inside a git work tree to look it up as a revision")
        raise BaseError(
            f"{root} is not inside a git work tree: no baseline, the "
            f"against-base rules are skipped (pass --base DIR to compare "
            f"with another tree)", fatal=False)
    except BaseError as exc:
        exc.fatal = explicit
        raise
    if not explicit:
        dirty = _git(top, "status", "--porcelain", "--untracked-files=no",
                     check=False).strip()
        spec = "HEAD" if dirty else "HEAD^"
    try:
        sha = _git(top, "rev-parse", "--verify", "--quiet",
                   f"{spec}^{{commit}}").strip()
    except _GitFailed:
        raise _missing_revision(top, spec, explicit, option)
    if messages is None and spec != "HEAD":
        messages = _log_messages(top, sha) or None
    prefix = os.path.relpath(os.path.realpath(root),
                             os.path.realpath(top)).replace(os.sep, "/")
    prefix = "" if prefix == "." else prefix
    tree = GitTree(top, sha, prefix, spec, worktree or DiskTree(root))
    return Baseline(tree, spec, messages)


def _missing_revision(top: str, spec: str, explicit: bool,
                      option: str) -> BaseError:
    if not explicit:
        head = _git(top, "rev-parse", "--verify", "--quiet", "HEAD",
                    check=False).strip()
        if not head:
            return BaseError("the repository has no commit yet: no "
                             "baseline, the against-base rules are skipped",
                             fatal=False)
    shallow = _git(top, "rev-parse", "--is-shallow-repository",
                   check=False).strip() == "true"
    if shallow:
        return BaseError(
            f"base {spec} is not in this shallow clone: fetch it (git fetch "
            f"--deepen=1, or --unshallow) and run again; the against-base "
            f"rules are skipped", fatal=True)
    if not explicit and spec == "HEAD^":
        return BaseError("HEAD is a root commit: no baseline, the "
                         "against-base rules are skipped", fatal=False)
    return BaseError(f"{option} {spec}: not a directory, and not a revision "
                     f"of the repository at {top} (check the name, or fetch "
                     f"it); the against-base rules are skipped")


def _log_messages(top: str, sha: str) -> list[str]:
    out = _git(top, "log", "--format=%B%x00", f"{sha}..HEAD", check=False)
    return [m.strip() for m in out.split("\x00") if m.strip()]


def _message_file(path: str, option: str = "--commit-msg") -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError as exc:
        raise BaseError(f"{option} {path}: cannot be read "
                        f"({exc.strerror or exc})")
    # git's commit message template comments do not count
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return ["\n".join(lines)]


def has_upgrade_impact(messages) -> bool:
    return any("upgradeimpact" in m.lower() for m in messages)


_APPROVED = re.compile(r"^\s*RPC-Approved:\s*((?:RPC\d{3}[\s,]*)+)(.*)$",
                       re.IGNORECASE | re.MULTILINE)


def approvals(messages) -> list[tuple[tuple, str]]:
    """``RPC-Approved: RPC302 reason`` trailers: (codes, reason) each.

    RPC102 cannot be approved this way: UpgradeImpact is its approval.
    """
    found = []
    for message in messages or ():
        for match in _APPROVED.finditer(message):
            named = re.findall(r"RPC\d{3}", match.group(1), re.IGNORECASE)
            codes = tuple(c.upper() for c in named if c.upper() != "RPC102")
            reason = match.group(2).strip()
            if codes and reason:
                found.append((codes, reason))
    return found
