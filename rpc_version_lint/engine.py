"""The whole run for one scope: trees -> snapshots -> findings.

A *scope* is one top-level package of a source tree (``nova`` under a
checkout).  The flake8 plugin and the command line both call ``analyze``;
results are cached per process so that flake8 pays once per scope however
many of its files it checks.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass, field

from . import known, rules, series, snapshot
from .config import Config, FileOptions, file_options
from .facts import index
from .model import Snapshot
from .rules import Step, anchor, fold
from .source.baseline import (
    BaseError, GitTree, approvals, find_base, head_sha, range_commits,
    tagged_commits)
from .source.files import (
    DiskTree, Noqa, SourceError, decode, flake8_files, scopes_of)
from .source.store import Store


@dataclass
class Result:
    root: str
    top: str
    head: Snapshot
    findings: list = field(default_factory=list)
    base: Snapshot | None = None
    previous: Snapshot | None = None  # --upgrade-from
    context: object = None
    problems: list = field(default_factory=list)  # files skipped
    warnings: list = field(default_factory=list)  # environment, options
    fatal: bool = False      # a setting asked for could not be honoured
    allowed: list = field(default_factory=list)   # (Finding, reason)
    approved: list = field(default_factory=list)  # (Finding, reason)
    known: list = field(default_factory=list)     # (Finding, known.Entry)
    fingerprints: dict = field(default_factory=dict)  # Finding -> str
    config: Config | None = None

    def findings_in(self, relpath: str) -> list:
        return [f for f in self.findings if f.relpath == relpath]


def scopes(paths, options: FileOptions | None = None) -> list[tuple]:
    """The (root, top package) scopes of the files flake8 would check for
    these paths (with its default excludes unless ``options`` say)."""
    options = options or file_options(None)
    return scopes_of(flake8_files(paths, options.exclude, options.filename))


def analyze(root: str, top: str, config: Config, codes,
            overlay: dict | None = None, checked=None) -> Result:
    """``overlay``: relpath -> bytes that stand for the file on disk;
    ``checked``: the relpaths the front end reports findings in (None:
    every file), so that no symptom folds into a finding it drops."""
    # Parsing allocates millions of syntax nodes, and each allocation
    # burst sets off a collection that walks every node parsed so far:
    # a third of a first run's time went to collecting nothing (the nodes
    # hold no reference cycles, see below).  Collection resumes after.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _analyze(root, top, config, codes, overlay, checked)
    finally:
        # The result holds no syntax tree. The parsed modules and the
        # caches that let the baseline reuse the head's work are hundreds
        # of thousands of objects that every later garbage collection of
        # the process (flake8 checking the rest of the tree) would walk
        # again: drop them now, also after a failure (they hold no
        # reference cycles, so they go at once, without a collection).
        index.forget_parsed()
        snapshot.forget()
        if paused:
            gc.enable()


def _analyze(root, top, config, codes, overlay, checked) -> Result:
    # the tree holds_rpc() just read, when there is one: read once
    head_tree = (None if overlay else _read.pop(root, None)) or \
        DiskTree(root, overlay=dict(overlay or {}))
    upgrade = bool(config.upgrade_from) and any(
        r.needs == "upgrade" for r in map(rules.get, codes) if r)
    store = Store.default() if config.cache else None
    head = snapshot.build(head_tree, top, "working tree", config.pair_map,
                          infer_root=root, usage=upgrade, store=store)
    result = Result(root, top, head, problems=list(head.problems))
    context = rules.Context(head, rolling=config.rolling)
    failures = list(config.errors)
    option = "rpc-pairs" if config.flake8 else "--pairs"
    unmatched = [f"{option}: {line}" for line in head.unmatched_pairs]
    result.warnings += unmatched
    failures += unmatched
    names = _OPTION_NAMES[config.flake8]
    needs_base = any(r.reads_base for r in map(rules.get, codes) if r)
    changed = None  # files the change touches, with a revision base
    if needs_base and config.base is not None:
        try:
            baseline = find_base(root, config.base, config.commit_msg,
                                 option=names[0], worktree=head_tree,
                                 msg_option=names[1], top=top)
            if baseline is not None:
                # reading the base may find an object git cannot give
                base = snapshot.build(baseline.tree, top, baseline.label,
                                      config.pair_map,
                                      infer_root=baseline.infer_root,
                                      store=store)
        except BaseError as exc:
            result.warnings.append(str(exc))
            if exc.fatal:
                failures.append(str(exc))
            baseline = None
        if baseline is not None:
            context.base = result.base = base
            context.messages = baseline.messages
            if isinstance(baseline.tree, GitTree):
                try:
                    changed = baseline.tree.changed(top)
                    if {"RPC101", "RPC102"} & set(codes):
                        context.steps = commit_steps(
                            baseline, base, head, top, config, result)
                except BaseError as exc:
                    result.warnings.append(str(exc))
                    if exc.fatal:
                        failures.append(str(exc))
            if top and head.apis and not result.base.apis:
                result.warnings.append(
                    f"base {baseline.label} holds no RPC API under {top}/: "
                    f"is it a tree of the same project?")
    if upgrade:
        try:
            for source in series.sources(config.upgrade_from, names[2],
                                         os.path.isdir):
                previous = find_base(root, source.spec, option=names[2],
                                     top=top)
                context.sources.append(rules.Source(snapshot.build(
                    previous.tree, top, previous.label, config.pair_map,
                    infer_root=previous.infer_root, usage=True,
                    store=store),
                    source.release, source.role))
            if not context.sources:
                raise series.SeriesError(
                    f"{names[2]} {config.upgrade_from!r}: names no tree")
            context.previous = result.previous = \
                context.sources[0].snapshot
        except (BaseError, series.SeriesError) as exc:
            result.warnings.append(str(exc))
            failures.append(str(exc))
            context.sources = []
    # RPC900: what could not be done fails the run in every front end (a
    # note alone would let flake8 pass); reported in the files holding
    # APIs, or those that may, when none is left
    result.fatal = bool(failures)
    context.failures = tuple(dict.fromkeys(failures))
    context.files = tuple(head.files or head_tree.candidates(top))
    result.findings = settle(rules.run(context, codes), result, config,
                             context.messages)
    result.findings = finish(result.findings, head, head_tree, changed,
                             checked)
    result.context = context
    known.settle(result, config, codes, head_tree)  # known, RPC902
    return result


def settle(findings, result, config, messages) -> list:
    """Set aside what the allow-list and RPC-Approved trailers cover; both
    stay visible (counted, listed) rather than passing silently."""
    keys = {}
    for api in result.head.apis:
        keys.setdefault(api.name, {api.name, api.key}).add(api.key)
    approved = approvals(messages)
    kept = []
    for finding in findings:
        if finding.code == "RPC900":  # nothing in the tree may waive it
            kept.append(finding)
            continue
        names = keys.get(finding.api, {finding.api})
        entry = next((a for a in config.allow
                      if a.matches(finding.code, names)), None)
        if entry is not None:
            result.allowed.append((finding, entry.reason))
            continue
        reason = next((r for codes, r in approved if finding.code in codes),
                      None)
        if reason is not None:
            result.approved.append((finding, reason))
            continue
        kept.append(finding)
    return kept


# beyond this many commits touching RPC APIs, a range is judged as one step
MAX_STEPS = 60


def commit_steps(baseline, base, head, top, config, result) -> list:
    """The steps RPC101/RPC102 judge with a revision base: every non-merge
    commit of base..HEAD that changes a file holding an RPC API, against
    its parent, then the working tree against HEAD when it differs.
    Snapshots of neighbouring trees share their facts by content
    (snapshot.py), so each costs about the files its commit touched."""
    tree = baseline.tree
    commits = range_commits(tree)
    tip = head_sha(tree)
    # the uncommitted changes, when the tree on disk is not HEAD's
    at_tip = GitTree(tree.repo, tip, tree.prefix, "HEAD",
                     tree.worktree, sibling=tree) if tip else None
    try:
        dirty = bool(at_tip and at_tip.changed(top))
    finally:
        if at_tip is not None:
            at_tip.close()
    if not commits and not dirty:
        return []
    rpc_files = set(head.files) | set(base.files) | api_files(head) | \
        api_files(base)
    touching = [c for c in commits if c.parent and rpc_files & set(c.files)]
    if len(touching) > MAX_STEPS:
        result.warnings.append(
            f"base {baseline.label}: {len(touching)} commits change RPC "
            f"APIs; RPC101/RPC102 judge the range as one change (more "
            f"than {MAX_STEPS} are not checked one by one)")
        return []
    trees = {tree.sha: base}
    if not dirty and tip:
        trees[tip] = head

    def at(sha):
        if sha not in trees:
            git_tree = GitTree(tree.repo, sha, tree.prefix, sha[:12],
                               tree.worktree, sibling=tree)
            try:
                trees[sha] = snapshot.build(git_tree, top, sha[:12],
                                            config.pair_map)
            finally:
                git_tree.close()
        return trees[sha]

    # a release tagged between change #1 and change #2 ran change #1
    tags, seen, tagged = {}, 0, tagged_commits(tree)
    for commit in commits:
        tags[commit.sha] = seen
        seen += commit.sha in tagged
    found = [Step(at(c.parent), at(c.sha), [c.message], c.label,
                  tags[c.sha]) for c in touching]
    given = baseline.messages if config.commit_msg else None
    if dirty:
        found.append(Step(at(tip), head, given, "the uncommitted changes",
                          seen))
    elif given is not None and touching and touching[-1].sha == tip:
        found[-1].messages = given  # the message being written (amend)
    if len(found) == 1:
        found[0].label = ""  # one change: said as before
    return found


def api_files(snap) -> set:
    """Files whose text makes an API: clients, endpoints, version
    literals."""
    found = set()
    for api in snap.apis:
        for endpoint in api.endpoints:
            found.add(endpoint.relpath)
            if endpoint.version is not None:
                found.add(endpoint.version.relpath)
        if api.client is not None and api.client.target is not None:
            found.add(api.client.target.relpath)
    return found


def finish(findings, head, tree, changed, checked) -> list:
    """Report each finding where the change shows it, and each root cause
    once (rules/anchor.py, rules/fold.py)."""
    noqa: dict = {}

    def waived(finding) -> bool:
        if finding.relpath not in noqa:
            try:
                text = decode(tree.read(finding.relpath) or b"",
                              finding.relpath)
            except SourceError:
                text = ""
            noqa[finding.relpath] = Noqa(text)
        return noqa[finding.relpath].covers(finding.line, finding.code)

    placed = anchor.place(findings, head, changed, waived)
    return fold.fold(placed, lambda f: (checked is None
                                        or f.relpath in checked)
                     and not waived(f))


# (base, commit message, previous release) as each front end spells them
_OPTION_NAMES = {False: ("--base", "--commit-msg", "--upgrade-from"),
                 True: ("--rpc-base", "--rpc-commit-msg",
                        "--rpc-upgrade-from")}

_cache: dict = {}


_holds: dict = {}
_read: dict = {}  # root -> the DiskTree holds_rpc() read, for analyze()


def prefiltered(root: str, top: str) -> frozenset | None:
    """The files of the scope that pass the pre-filter, read once per
    process; None when they cannot be listed (the analysis says why)."""
    if (root, top) not in _holds:
        tree = _read.setdefault(root, DiskTree(root))
        try:
            _holds[root, top] = frozenset(tree.candidates(top))
        except (OSError, SourceError):
            _holds[root, top] = None
        if _holds[root, top] == frozenset():
            del _read[root]  # no analysis will take the text it read
    return _holds[root, top]


def holds_rpc(root: str, top: str) -> bool:
    """Does some file of the scope pass the pre-filter? A file of such a
    scope may carry findings whatever its own text: one that only reads a
    client handed over, say."""
    return prefiltered(root, top) != frozenset()


def analyze_cached(root: str, top: str, config: Config, codes,
                   overlay: dict | None = None, checked=None) -> Result:
    checked = frozenset(checked) if checked is not None else None
    key = (root, top, config, frozenset(codes),
           tuple(sorted((overlay or {}).items())), checked)
    if key not in _cache:
        _cache[key] = analyze(root, top, config, codes, overlay, checked)
    return _cache[key]
