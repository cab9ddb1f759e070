"""The flake8 entry point: options in, findings of one file out.

Most files never reach the engine: a textual pre-filter over the lines
flake8 has already read rejects every file that cannot hold an RPC API.
For the others the whole scope (the top-level package) is analysed once
per process and each file gets the findings located in it, so a finding is
reported once, by whichever worker checks its file.
"""

from __future__ import annotations

import os
import sys

from . import __version__, engine, known, rules
from .config import (
    Config, ConfigError, FileOptions, find_config, parse_allow, parse_pairs,
    parse_severity, read_settings, split_list)
from .output import report
from .source.files import (
    Noqa, encode, find_scope, flake8_files, is_test_path, may_hold_rpc)


class Plugin:
    name = "rpc-version-lint"
    version = __version__

    config = Config()
    codes: frozenset | None = None  # None: options not parsed (defaults)
    checked: frozenset | None = None  # absolute paths flake8 checks
    _reported: set = set()
    _failed: dict = {}  # (root, top, overlay) -> why its analysis failed
    _scopes: dict = {}  # directory -> (root, top) of its files
    _results: dict = {}  # (root, top, config id, codes) -> engine.Result
    stdin_name: str | None = None
    quiet: bool = False
    ignores: FileOptions = FileOptions(())  # per-file-ignores

    def __init__(self, tree, filename, lines):
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager) -> None:
        manager.add_option(
            "--rpc-base", default="auto", parse_from_config=True,
            help="Baseline for the against-base rules: auto (default), a "
                 "git revision, a directory holding another tree of the "
                 "project, or none.")
        manager.add_option(
            "--rpc-commit-msg", default=None, parse_from_config=True,
            help="File holding the commit message to search for "
                 "UpgradeImpact (the commit-msg hook passes it).")
        manager.add_option(
            "--rpc-rolling-upgrade-apis", default="", parse_from_config=True,
            comma_separated_list=True,
            help="RPC APIs whose services are upgraded node by node, by "
                 "client class path or topic (comma separated).")
        manager.add_option(
            "--rpc-pairs", default="", parse_from_config=True,
            help="Explicit client = server class path pairs, comma or "
                 "newline separated, for layouts pairing cannot guess.")
        manager.add_option(
            "--rpc-upgrade-from", default=None, parse_from_config=True,
            help="Previous release (git revision or directory) for the "
                 "rolling-upgrade checks; for a SLURP release also the "
                 "SLURP release before it (2024.2=DIR,2024.1=DIR).")
        manager.add_option(
            "--rpc-allow", default="", parse_from_config=True,
            help="Allow-list, one 'CODES API: reason' entry per line: "
                 "findings not reported (for those who cannot annotate "
                 "lines).")
        manager.add_option(
            "--rpc-known-findings", default=None, parse_from_config=True,
            help="Known-findings file (rpc-version-lint "
                 "--write-known-findings): the findings it holds are not "
                 "reported. In the config file, relative to its directory.")
        manager.add_option(
            "--rpc-severity", default="", parse_from_config=True,
            help="Severity per rule, CODE:error or CODE:warning, comma "
                 "separated (codes or prefixes), such as RPC207:warning. "
                 "Warnings are printed, not reported, unless --rpc-strict.")
        manager.add_option(
            "--rpc-strict", default=False, action="store_true",
            parse_from_config=True,
            help="Report warnings too (they then fail the run, as "
                 "rpc-version-lint --strict does).")

    @classmethod
    def parse_options(cls, options) -> None:
        # What cannot be read is carried on without, and reported as RPC900
        # in every RPC file: a note alone would let the gate pass.
        errors = []
        path, settings = None, {}
        try:  # flake8 ignores keys it does not know: a typo would pass
            path = getattr(options, "config", None) or \
                find_config(os.getcwd())
            if path:
                settings = read_settings(path)
        except ConfigError as exc:
            errors.append(str(exc))
        try:
            pairs = parse_pairs(getattr(options, "rpc_pairs", ""))
        except ConfigError as exc:
            errors.append(str(exc))
            pairs = ()
        try:
            allow = parse_allow(getattr(options, "rpc_allow", ""))
        except ConfigError as exc:
            errors.append(str(exc))
            allow = ()
        try:
            severity = parse_severity(getattr(options, "rpc_severity", ""))
        except ConfigError as exc:
            errors.append(str(exc))
            severity = ()
        found = None
        known_file = getattr(options, "rpc_known_findings", None)
        if known_file:
            # a path in the config file is relative to its directory
            where = known_file
            if path and settings.get("rpc-known-findings") == known_file:
                where = os.path.join(os.path.dirname(os.path.abspath(path)),
                                     known_file)
            try:
                found = known.load(where, known_file, "rpc-known-findings")
            except ConfigError as exc:
                errors.append(str(exc))
        for error in errors:
            _warn(error)
        base = getattr(options, "rpc_base", "auto") or "auto"
        cls.config = Config(
            base=None if base == "none" else base,
            commit_msg=getattr(options, "rpc_commit_msg", None),
            rolling=tuple(split_list(getattr(
                options, "rpc_rolling_upgrade_apis", ""))),
            pairs=pairs,
            allow=allow,
            upgrade_from=getattr(options, "rpc_upgrade_from", None),
            errors=tuple(errors),
            flake8=True,
            severity=severity,
            strict=bool(getattr(options, "rpc_strict", False)),
            known=found,
            allow_source=path if "rpc-allow" in settings else None)
        cls.quiet = bool(getattr(options, "quiet", 0))
        try:
            cls.ignores = FileOptions((), per_file_ignores=tuple(
                (pattern, tuple(codes)) for pattern, codes in
                _files_to_codes(getattr(options, "per_file_ignores", ""))))
        except ValueError:
            cls.ignores = FileOptions(())  # flake8 itself says what is wrong
        # flake8 filters what we report with select/ignore itself; rules that
        # are off by default only run when a selection names them.
        selected = split_list(getattr(options, "select", None)) + \
            split_list(getattr(options, "extend_select", None))
        # the name flake8 gives piped text (an editor's unsaved buffer)
        filenames = getattr(options, "filenames", None) or ()
        cls.stdin_name = getattr(options, "stdin_display_name", None) \
            if "-" in filenames else None
        codes = rules.enabled_codes([s for s in selected
                                     if s.startswith("RPC") and s != "RPC"]
                                    ) | rules.enabled_codes()
        # only what flake8 reports: the same rules as the command line with
        # the same selection, so that both judge suppressions alike
        decided = _flake8_reports(options)
        cls.codes = frozenset(c for c in codes if decided(c))
        cls.checked = _checked_files(options, filenames)

    def run(self):
        filename = self.filename
        codes = self.codes if self.codes is not None else \
            frozenset(rules.enabled_codes())
        if filename in ("stdin", "-", None) or not filename.endswith(".py") \
                or not codes:  # flake8 would report none of them
            return
        path = os.path.abspath(filename)
        directory = os.path.dirname(path)
        if directory not in Plugin._scopes:  # the same for its siblings
            Plugin._scopes[directory] = find_scope(filename)
        root, top = Plugin._scopes[directory]
        relpath = os.path.relpath(path, root).replace(os.sep, "/")
        piped = filename == self.stdin_name
        text = "".join(self.lines)
        # a file that names no RPC call still gets the findings placed in
        # it (a controller sending through a client handed over), but
        # none of the notes or line-1 findings of the files that do; the
        # scope's pre-filter has judged the files on disk already
        known = None if piped else engine.prefiltered(root, top)
        rpc_file = relpath in known if known is not None \
            else may_hold_rpc(text)
        if not rpc_file and not engine.holds_rpc(root, top):
            return
        if is_test_path(relpath):
            return
        # piped text stands for the file of that name: analyse it, not the
        # file on disk (which may differ, or not exist yet)
        overlay = {relpath: encode(text)} if piped else None
        key = (root, top, bool(overlay))
        if key not in Plugin._failed:
            checked = _under(self.checked, root)
            if checked is not None and overlay:
                checked = checked | {relpath}
            try:
                # every file of the scope asks: look the result up by
                # identity, not by hashing the whole configuration again
                held = None if overlay else (root, top, id(self.config),
                                             codes)
                result = Plugin._results.get(held)
                if result is None:
                    result = engine.analyze_cached(root, top, self.config,
                                                   codes, overlay, checked)
                    if held is not None:
                        Plugin._results[held] = result
            except Exception as exc:  # never break the rest of the run
                Plugin._failed[key] = (
                    f"internal error while analysing {top or root}: "
                    f"{type(exc).__name__}: {str(exc).strip()}; RPC "
                    f"findings are missing for it (please report this)")
        if key in Plugin._failed:
            if not rpc_file:
                return
            # the findings are missing: fail rather than pass in silence
            _warn(Plugin._failed[key])
            yield 1, 0, report.escape(f"RPC900 RPC checks incomplete: "
                                      f"{Plugin._failed[key]}"), type(self)
            return
        if rpc_file:
            for problem in result.warnings:
                _warn(problem)
            if not self.quiet:
                _scope_notes(result)
        for finding, reason in result.approved:
            if finding.relpath == relpath:
                _warn(f"approved: {relpath}:{finding.line}: {finding.code} "
                      f"{finding.message} (RPC-Approved: {reason})")
        noqa = None
        for finding in result.findings_in(relpath):
            if self.config.fails(finding.code):
                yield finding.line, finding.col, \
                    report.escape(finding.text()), type(self)
                continue
            # a warning: flake8 would fail on it, so it is said on stderr,
            # unless flake8 would not have shown it
            noqa = noqa or Noqa(text)
            if not noqa.covers(finding.line, finding.code) and \
                    not self.ignores.ignored(filename, finding.code):
                _warn(f"warning: {filename}:{finding.line}:"
                      f"{finding.col + 1}: {finding.text()}")
        for finding in result.findings:
            if finding.relpath.endswith(".py") or not rpc_file:
                continue
            # RPC902 on an entry of a settings file, which flake8 does not
            # check: line 1 of each file analysed, as RPC900
            where = os.path.relpath(os.path.join(result.root,
                                                 finding.relpath))
            if self.config.fails(finding.code):
                yield 1, 0, report.escape(
                    f"{finding.code} {where}:{finding.line}: "
                    f"{finding.message}"), type(self)
            else:
                _warn(f"warning: {where}:{finding.line}: {finding.text()}")


def _scope_notes(result) -> None:
    """What the run covered, once per scope in each worker."""
    scope = result.top or result.root
    counts = report.coverage([result])
    if not result.known and not (counts["checked"] + counts["partial"] +
                                 counts["unchecked"]):
        return  # text that only mentions oslo.messaging: nothing to say
    line = f"{scope}: {report.coverage_text(counts)}"
    if result.known:
        line += (f"; {len(result.known)} known finding"
                 f"{'s' * (len(result.known) != 1)} not reported "
                 f"({result.config.known.shown})")
    _warn(line)
    for note in report.coverage_notes([result]):
        _warn(note)


def _files_to_codes(value):
    from flake8 import utils
    return utils.parse_files_to_codes_mapping(value or "")


def _flake8_reports(options):
    """code -> whether flake8 reports it (its select and ignore lists)."""
    try:
        from flake8.style_guide import Decision, DecisionEngine
        engine_ = DecisionEngine(options)
        engine_.decision_for("RPC201")
    except Exception:  # an older or newer flake8: run everything
        return lambda code: True
    return lambda code: engine_.decision_for(code) is Decision.Selected


_relative: dict = {}


def _under(paths, root: str) -> frozenset | None:
    """``paths`` relative to ``root``, computed once per process."""
    if paths is None:
        return None
    if (paths, root) not in _relative:
        _relative[(paths, root)] = frozenset(
            os.path.relpath(path, root).replace(os.sep, "/")
            for path in paths)
    return _relative[(paths, root)]


def _checked_files(options, filenames) -> frozenset | None:
    """The files flake8 checks, as absolute paths (None: not known)."""
    try:
        exclude = tuple(options.exclude) + tuple(
            getattr(options, "extend_exclude", None) or ())
        found = flake8_files([f for f in filenames if f != "-"], exclude,
                             tuple(options.filename))
    except (AttributeError, TypeError, OSError):
        return None
    return frozenset(os.path.abspath(f) for f in found)


def _warn(message: str) -> None:
    """One line on stderr, once per process (each flake8 worker is one),
    written at once: lines of two workers never run together."""
    if message not in Plugin._reported:
        Plugin._reported.add(message)
        report.write_line(sys.stderr,
                          f"rpc-version-lint: {report.escape(message)}")
