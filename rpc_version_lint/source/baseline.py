"""The baseline tree and the commit messages (an I/O edge: git, files).

``--base`` / ``rpc-base`` is ``auto``, a git revision, or a directory
holding another tree of the project.  ``auto``: inside a git work tree with
uncommitted changes (staged, or Python files of the package that differ
from ``HEAD`` on disk) the base is ``HEAD`` (pre-commit); with a clean tree
it is ``HEAD^`` (the commit under review; the first parent of a merge
commit, as a CI system builds it); outside git or at a root commit there
is no base.

Git is read with the command line, as on a checkout nobody vouches for:
no command runs a program the repository configures (fsmonitor, hooks,
filter drivers, gpg, a transport fetching missing objects) or writes into
``.git``, and none compares with the working tree.  A revision's files
are listed with ``ls-tree``; a file whose bytes on disk hash to the listed
blob is read from disk, any other through one ``cat-file --batch`` process
per revision.  Whatever the caller exported (``GIT_DIR`` in a hook, say),
git finds the repository from the directory of the files.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
from dataclasses import dataclass

from .files import (
    OPTION_HINT, DiskTree, SourceError, is_test_path, may_hold_rpc)

GIT_TIMEOUT = 60

# before every subcommand: nothing configured in the repository runs, and
# no optional lock or index refresh writes into .git
_SAFE = ("--no-optional-locks", "-c", "core.fsmonitor=false",
         "-c", "core.hooksPath=/dev/null", "-c", "log.showSignature=false")
# where the caller's environment would point git at another repository,
# work tree or index than the one holding the files
_LOCATION = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR",
             "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
             "GIT_IMPLICIT_WORK_TREE", "GIT_PREFIX", "GIT_NAMESPACE")


def _environment() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _LOCATION}
    env["GIT_LITERAL_PATHSPECS"] = "1"  # a directory may be called '*'
    env["GIT_NO_LAZY_FETCH"] = "1"  # git >= 2.44: no transport runs
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


class BaseError(Exception):
    """One line: what happened and what to do.  ``fatal`` when the user
    asked for this base explicitly, or it exists and cannot be read (the
    command line exits 2, flake8 reports RPC900)."""

    def __init__(self, message: str, fatal: bool = True):
        super().__init__(message)
        self.fatal = fatal


@dataclass
class Baseline:
    tree: object                  # DiskTree or GitTree
    label: str                    # for messages: "HEAD^", "../nova-22"
    messages: list | None         # commit messages, None if not known
    infer_root: str | None = None


def _run(cwd: str, args, **kwargs):
    try:
        return subprocess.run(["git", *_SAFE, *args], cwd=cwd,
                              env=_environment(), timeout=GIT_TIMEOUT,
                              **kwargs)
    except FileNotFoundError:
        raise BaseError("git is not installed or not on PATH: the "
                        "against-base rules are skipped (install git, or "
                        "pass --base DIR with another tree)")
    except subprocess.TimeoutExpired:
        raise BaseError(f"git {args[0]} took more than {GIT_TIMEOUT}s: the "
                        f"against-base rules are skipped")


def _git(cwd: str, *args: str, check: bool = True) -> str:
    proc = _run(cwd, args, capture_output=True, stdin=subprocess.DEVNULL)
    if check and proc.returncode != 0:
        error = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _GitFailed(error[-1] if error else f"git {args[0]} failed")
    return proc.stdout.decode("utf-8", "surrogateescape")


class _GitFailed(Exception):
    pass


def _blob_id(data: bytes, length: int) -> str:
    """The object id git gives these bytes (sha1, or sha256 repositories)."""
    digest = hashlib.sha1() if length == 40 else hashlib.sha256()
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


class GitTree:
    """The files of one git revision.

    ``ls-tree`` says which paths the revision holds: any other is absent.
    With ``worktree`` (the same tree checked out on disk), a file whose
    bytes on disk are the listed blob (or are once CRLF line ends are made
    LF, as a checkout with autocrlf writes them) is read from disk and
    keeps the working tree's pre-filter answer; the rest are read from
    the object store, where an object that cannot be read is an error, not
    an absent file.  Index flags (assume-unchanged, skip-worktree) and the
    index's stat data play no part: the bytes decide.
    """

    def __init__(self, repo: str, sha: str, prefix: str, label: str,
                 worktree: DiskTree | None = None, sibling=None):
        self.repo = repo
        self.sha = sha
        self.prefix = prefix  # the tree root inside the repository
        self.label = label
        self.worktree = worktree
        # another revision compared with the same disk: a file with the
        # same blob there is on disk or not alike, hashed once
        self.sibling = sibling
        self._process = None
        self._cache: dict[str, bytes | None] = {}
        self._listing: dict | None = None
        self._same: dict[str, bytes | None] = {}
        self._files_of: dict = {}    # top -> its Python files
        self._differ_in: dict = {}   # top -> those not on disk as they are

    def _path(self, relpath: str) -> str:
        return f"{self.prefix}/{relpath}" if self.prefix else relpath

    def listing(self) -> dict[str, tuple[str, str]]:
        """relpath -> (mode, blob id) of every file under the root."""
        if self._listing is None:
            try:
                out = _git(self.repo, "ls-tree", "-r", "-z", "--full-tree",
                           self.sha, "--", self.prefix or ".")
            except _GitFailed as exc:
                raise BaseError(f"base {self.label}: its files cannot be "
                                f"listed ({exc}); the against-base rules "
                                f"are skipped")
            cut = len(self.prefix) + 1 if self.prefix else 0
            listing = {}
            for entry in out.split("\0"):
                meta, _, path = entry.partition("\t")
                mode, kind, oid = (meta.split() + ["", "", ""])[:3]
                if kind == "blob":
                    listing[path[cut:]] = (mode, oid)
            self._listing = listing
        return self._listing

    def _on_disk(self, relpath: str) -> bytes | None:
        """The bytes on disk when they are the revision's blob, else None."""
        if relpath not in self._same:
            data = None
            mode, oid = self.listing()[relpath]
            sibling = self.sibling
            if sibling is not None and sibling.worktree is self.worktree \
                    and sibling.listing().get(relpath) == (mode, oid):
                self._same[relpath] = sibling._on_disk(relpath)
                return self._same[relpath]
            if self.worktree is not None and mode != "120000":
                try:
                    data = self.worktree.read(relpath)
                except SourceError:
                    data = None
                if data is not None and _blob_id(data, len(oid)) != oid and \
                        (b"\r\n" not in data or _blob_id(
                            data.replace(b"\r\n", b"\n"), len(oid)) != oid):
                    data = None
            self._same[relpath] = data
        return self._same[relpath]

    def differs(self, top: str | None) -> list[str]:
        """The Python files of package ``top`` (None: all) in the revision,
        tests aside, whose content on disk is not the revision's: changed
        or removed (one answer a run: a run sees one version of a file)."""
        if top not in self._differ_in:
            self._differ_in[top] = [p for p in self._python_files(top)
                                    if self._on_disk(p) is None]
        return list(self._differ_in[top])

    def changed(self, top: str | None) -> set[str]:
        """The Python files of package ``top`` that differ between the
        revision and the files on disk: changed, removed or new (tests
        aside)."""
        found = set(self.differs(top))
        if self.worktree is not None:
            listed = self.listing()
            found.update(p for p in self.worktree.python_files(top or "")
                         if p not in listed)
        return found

    def _python_files(self, top: str | None) -> list[str]:
        if top not in self._files_of:
            self._files_of[top] = sorted(
                p for p, (mode, _) in self.listing().items()
                if p.endswith(".py") and not is_test_path(p)
                and mode != "120000" and (
                    top is None or (p.startswith(top + "/") if top
                                    else "/" not in p)))
        return list(self._files_of[top])

    def read(self, relpath: str) -> bytes | None:
        if relpath not in self._cache:
            entry = self.listing().get(relpath)
            if entry is None or entry[0] == "120000":
                data = None  # not in the revision (a link holds a path)
            else:
                data = self._on_disk(relpath)
                if data is None:
                    data = self._cat(entry[1], relpath)
            self._cache[relpath] = data
        return self._cache[relpath]

    def _cat(self, oid: str, relpath: str) -> bytes:
        if self._process is None:
            # no --filters, no --textconv: the blob as stored
            self._process = subprocess.Popen(
                ["git", *_SAFE, "cat-file", "--batch"], cwd=self.repo,
                env=_environment(), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        process = self._process
        try:
            process.stdin.write(oid.encode("ascii") + b"\n")
            process.stdin.flush()
            header = process.stdout.readline().split()
        except OSError:  # git gave up on the object and exited
            header = []
        if len(header) != 3 or header[1] != b"blob":
            self.close()
            raise BaseError(
                f"base {self.label}: {self._path(relpath)} (object "
                f"{oid[:12]}) is in the revision but cannot be read from "
                f"the repository (a partial or damaged clone?): fetch it "
                f"and run again; the against-base rules are skipped")
        data = process.stdout.read(int(header[2]))
        process.stdout.read(1)  # the newline after the content
        return data

    def candidates(self, top: str) -> list[str]:
        listed = set(self._python_files(top))
        kept = []
        if self.worktree is not None:
            kept = [p for p in self.worktree.candidates(top)
                    if p in listed and self._on_disk(p) is not None]
        for relpath in self.differs(top):
            data = self.read(relpath)
            if data is not None and may_hold_rpc(data):
                kept.append(relpath)
        return sorted(kept)

    def python_files(self, top: str) -> list[str]:
        return self._python_files(top)

    def count_python(self, top: str) -> int:
        return len(self.python_files(top))

    def read_quietly(self, relpath: str) -> bytes | None:
        return self.read(relpath)

    def metadata_files(self) -> list[str]:
        return ["setup.cfg"]

    def option_files(self, top: str) -> list[str]:
        """The files that may define oslo.config options (see files.py)."""
        kept = []
        if self.worktree is not None:
            listed = set(self._python_files(top))
            kept = [p for p in self.worktree.option_files(top)
                    if p in listed and self._on_disk(p) is not None]
        for relpath in self.differs(top):
            data = self.read(relpath)
            if data is not None and OPTION_HINT in data:
                kept.append(relpath)
        return sorted(kept)

    def files_with(self, top: str, needle: str) -> list[str]:
        if self.worktree is not None:
            # as candidates(): the files on disk that are the revision's
            # were searched already, the others are read
            listed = set(self._python_files(top))
            wanted = needle.encode()
            kept = [p for p in self.worktree.files_with(top, needle)
                    if p in listed and self._on_disk(p) is not None]
            kept += [p for p in self.differs(top)
                     if wanted in (self.read(p) or b"")]
            return sorted(kept)
        where = self._path(top) if top else (self.prefix or ".")
        try:
            out = _git(self.repo, "grep", "-z", "-l", "-I", "-F", "-e",
                       needle, self.sha, "--", where, check=False)
        except BaseError:
            return []
        strip = len(self.sha) + 1 + (len(self.prefix) + 1 if self.prefix
                                     else 0)
        return sorted({path[strip:] for path in out.split("\0")
                       if path.endswith(".py")
                       and not is_test_path(path[strip:])})

    def close(self) -> None:
        if self._process is not None:
            process, self._process = self._process, None
            try:
                process.stdin.close()
            except OSError:
                pass
            process.wait(timeout=10)


def repository_root(path: str) -> str | None:
    """The top of the git work tree holding ``path``; None outside git (or
    without git)."""
    try:
        top = _git(path, "rev-parse", "--show-toplevel").strip()
    except (_GitFailed, BaseError, OSError):
        return None
    return os.path.abspath(top) if top else None


@dataclass
class Commit:
    """A non-merge commit of the range under review."""

    sha: str
    parent: str
    message: str
    files: tuple                  # paths it changes, relative to the root

    @property
    def label(self) -> str:
        subject = self.message.strip().splitlines()[0] if \
            self.message.strip() else ""
        return f"commit {self.sha[:12]}" + (f" ({subject[:60]})"
                                            if subject else "")


def range_commits(tree: GitTree) -> list[Commit]:
    """The commits of ``base..HEAD`` (``tree`` is the base), oldest first,
    each non-merge one with its parent and the files it changes under the
    tree's root (a merge or a root commit has no parent there and no
    files: nothing to judge).  Only commit objects and trees are read:
    never the working tree."""
    try:
        out = _git(tree.repo, "log", "--reverse", "--topo-order",
                   "--format=%x01%H %P%x00%B", f"{tree.sha}..HEAD")
    except _GitFailed as exc:
        raise BaseError(f"base {tree.label}: the commits since it cannot "
                        f"be listed ({exc})")
    found = []
    for record in out.split("\x01")[1:]:
        head, _, message = record.partition("\x00")
        shas = head.split()
        if len(shas) != 2:  # a merge, or a root commit
            found.append(Commit(shas[0], "", message.strip(), ()))
            continue
        try:
            names = _git(tree.repo, "diff-tree", "-r", "-z", "--name-only",
                         "--no-renames", "--no-ext-diff", "--no-textconv",
                         shas[1], shas[0], "--", tree.prefix or ".")
        except _GitFailed as exc:
            raise BaseError(f"base {tree.label}: commit {shas[0][:12]} "
                            f"cannot be read ({exc})")
        cut = len(tree.prefix) + 1 if tree.prefix else 0
        files = tuple(n[cut:] for n in names.split("\0") if n)
        found.append(Commit(shas[0], shas[1], message.strip(), files))
    return found


def tagged_commits(tree: GitTree) -> set[str]:
    """The commits a tag points at (annotated tags peeled): releases."""
    out = _git(tree.repo, "for-each-ref", "--format=%(objectname) "
               "%(*objectname)", "refs/tags", check=False)
    return {sha for line in out.splitlines() for sha in line.split()[-1:]}


def head_sha(tree: GitTree) -> str:
    return _git(tree.repo, "rev-parse", "--verify", "--quiet",
                "HEAD^{commit}", check=False).strip()


def find_base(root: str, spec: str | None, commit_msg: str | None = None,
              option: str = "--base", worktree: DiskTree | None = None,
              msg_option: str = "--commit-msg", top: str | None = None):
    """The Baseline for a tree at ``root`` (None when there is none);
    ``top`` is the package checked (its files decide whether ``auto``
    finds uncommitted work; None: every file under ``root``).

    Raises BaseError for trouble worth a line; ``fatal`` when ``spec`` was
    given explicitly (``option`` names where, in messages).
    """
    messages = _message_file(commit_msg, msg_option, root) \
        if commit_msg else None
    if spec is None:
        return None
    if spec != "auto" and os.path.isdir(spec):
        base_root = os.path.abspath(spec)
        return Baseline(DiskTree(base_root, label=spec), spec, messages,
                        infer_root=base_root)
    explicit = spec != "auto"
    try:
        # --show-prefix: where the files are, as git sees it (no realpath
        # guesswork with links or case-insensitive file systems)
        top_dir, prefix = (_git(root, "rev-parse", "--show-toplevel",
                                "--show-prefix").split("\n") + [""])[:2]
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
    prefix = prefix.strip("/")
    worktree = worktree or DiskTree(root)
    if not explicit:
        spec = "HEAD" if _uncommitted(top_dir, prefix, worktree, top) \
            else "HEAD^"
    try:
        sha = _git(top_dir, "rev-parse", "--verify", "--quiet",
                   f"{spec}^{{commit}}").strip()
    except _GitFailed:
        raise _missing_revision(top_dir, spec, explicit, option)
    if messages is None and spec != "HEAD":
        messages = _log_messages(top_dir, sha) or None
    return Baseline(GitTree(top_dir, sha, prefix, spec, worktree), spec,
                    messages)


def _uncommitted(top_dir: str, prefix: str, worktree: DiskTree,
                 top: str | None) -> bool:
    """Staged changes, or Python files of the package whose bytes differ
    from HEAD's: never git's view of the working tree, which would refresh
    the index and run filters."""
    head = _git(top_dir, "rev-parse", "--verify", "--quiet",
                "HEAD^{commit}", check=False).strip()
    if not head:
        return False  # no commit yet: said when HEAD^ is looked up
    staged = _run(top_dir, ("diff-index", "--cached", "--quiet",
                            "--no-ext-diff", head, "--"),
                  capture_output=True, stdin=subprocess.DEVNULL)
    if staged.returncode == 1:
        return True
    tree = GitTree(top_dir, head, prefix, "HEAD", worktree)
    try:
        return bool(tree.differs(top))
    finally:
        tree.close()


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


def _message_file(path: str, option: str = "--commit-msg",
                  root: str = ".") -> list[str]:
    """The message as git will record it: nothing from the scissors line
    of ``git commit -v`` on (the diff), no comment lines."""
    try:
        # non-blocking: opening a FIFO nobody writes to must not hang
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise BaseError(f"{option} {path}: cannot be read "
                        f"({exc.strerror or exc})")
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BaseError(f"{option} {path}: not a regular file (a "
                            f"commit message file is expected)")
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    except OSError as exc:
        raise BaseError(f"{option} {path}: cannot be read "
                        f"({exc.strerror or exc})")
    finally:
        os.close(fd)
    text = b"".join(chunks).decode("utf-8", "replace")
    comment = _comment_string(root, text)
    cut = f"{comment} {SCISSORS}"
    lines = []
    for line in text.splitlines():
        if line == cut:
            break
        if not line.startswith(comment):
            lines.append(line)
    return ["\n".join(lines)]


SCISSORS = "------------------------ >8 ------------------------"
_AUTO_COMMENT = "#;@!$%^&|:"  # the characters core.commentChar=auto picks


def _comment_string(root: str, text: str) -> str:
    """core.commentChar (or commentString) of the repository, '#' when
    none; for ``auto``, the one the message's scissors line or trailing
    comment block uses."""
    try:
        out = _git(root, "config", "-z", "--get-regexp",
                   r"^core\.comment(char|string)$", check=False)
    except BaseError:
        out = ""
    values = [entry.partition("\n")[2] for entry in out.split("\0")
              if entry]
    comment = values[-1] if values else "#"
    if comment.lower() != "auto":
        return comment or "#"
    for char in _AUTO_COMMENT:
        if f"\n{char} {SCISSORS}\n" in "\n" + text + "\n":
            return char
    last = [line for line in text.splitlines() if line.strip()][-1:]
    return last[0][0] if last and last[0][0] in _AUTO_COMMENT else "#"


def has_upgrade_impact(messages) -> bool:
    return any("upgradeimpact" in m.lower() for m in messages)


# a trailer starts its line: an indented one is quoted text or diff context
_APPROVED = re.compile(r"^RPC-Approved:[ \t]*((?:RPC\d{3}[ \t,]*)+)(.*)$",
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
