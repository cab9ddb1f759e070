"""The whole run for one scope: trees -> snapshots -> findings.

A *scope* is one top-level package of a source tree (``nova`` under a
checkout).  The flake8 plugin and the command line both call ``analyze``;
results are cached per process so that flake8 pays once per scope however
many of its files it checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import known, rules, snapshot
from .config import Config, FileOptions, file_options
from .facts import index
from .model import Snapshot
from .source.baseline import BaseError, approvals, find_base
from .source.files import DiskTree, flake8_files, scopes_of
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
            overlay: dict | None = None) -> Result:
    """``overlay``: relpath -> bytes that stand for the file on disk."""
    head_tree = DiskTree(root, overlay=dict(overlay or {}))
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
            if top and not result.base.scanned and head.scanned:
                result.warnings.append(
                    f"base {baseline.label} holds no RPC API under {top}/: "
                    f"is it a tree of the same project?")
    if upgrade:
        try:
            previous = find_base(root, config.upgrade_from,
                                 option=names[2], top=top)
            context.previous = result.previous = snapshot.build(
                previous.tree, top, previous.label, config.pair_map,
                infer_root=previous.infer_root, usage=True, store=store)
        except BaseError as exc:
            result.warnings.append(str(exc))
            failures.append(str(exc))
    # RPC900: what could not be done fails the run in every front end (a
    # note alone would let flake8 pass); reported in the files holding
    # APIs, or those that may, when none is left
    result.fatal = bool(failures)
    context.failures = tuple(dict.fromkeys(failures))
    context.files = tuple(head.files or head_tree.candidates(top))
    result.findings = settle(rules.run(context, codes), result, config,
                             context.messages)
    result.context = context
    known.settle(result, config, codes, head_tree)  # known, RPC902
    # The result holds no syntax tree. The parsed modules and the caches
    # that let the baseline reuse the head's work are hundreds of thousands
    # of objects that every later garbage collection of the process (flake8
    # checking the rest of the tree) would walk again: drop them now (they
    # hold no reference cycles, so they go at once, without a collection).
    index.forget_parsed()
    snapshot.forget()
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


# (base, commit message, previous release) as each front end spells them
_OPTION_NAMES = {False: ("--base", "--commit-msg", "--upgrade-from"),
                 True: ("--rpc-base", "--rpc-commit-msg",
                        "--rpc-upgrade-from")}

_cache: dict = {}


def analyze_cached(root: str, top: str, config: Config, codes,
                   overlay: dict | None = None) -> Result:
    key = (root, top, config, frozenset(codes),
           tuple(sorted((overlay or {}).items())))
    if key not in _cache:
        _cache[key] = analyze(root, top, config, codes, overlay)
    return _cache[key]
