"""The pure entry points every face shares: text + path + settings -> findings.

`analyze_source` is what the language server calls on an unsaved buffer; `analyze_paths` is what
`mrt check` and the pytest plugin call on files and directories. Both parse once, run every enabled
rule over the one model, and then apply the project's settings (select/ignore, per-file ignores,
severity overrides, skipped revisions, `downgrades = false`) and in-file suppressions.
"""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from mrt.config import MRTConfig, code_matches
from mrt.findings import RiskWarning
from mrt.graph.build import branch_labels
from mrt.model import MigrationAST, parse_migration
from mrt.model.migration import ALEMBIC, DOWNGRADE_BODY, UNKNOWN_FRAMEWORK
from mrt.model.ops import Span
from mrt.model.source import SourceError, read_source
from mrt.rules.registry import PARSING, Hit, Rule, all_rules, catalog_generation, file_facts, get_rule
from mrt.rules.tableless import drop_tableless_deletions, tableless_facts
from mrt.suppression import ALL, NO_SUPPRESSIONS, Suppressions, parse_suppressions

if TYPE_CHECKING:
    from mrt.discovery import FoundFile

SYNTAX_CODE = "MRT902"
UNUSED_SUPPRESSION_CODE = "MRT903"


def analyze_source(
    text: str, path: str, settings: MRTConfig | None = None, *, app: str | None = None, with_fixes: bool = True
) -> list[RiskWarning]:
    """Findings for one migration's source text (which may be an unsaved editor buffer), each with
    the fix edits its rule can offer (`RiskWarning.fixes`)."""
    config = settings or MRTConfig()
    migration = parse_migration(text, path, dialect=config.dialect, app=app, keep_tree=with_fixes)
    findings = analyze_migration(migration, config)
    if with_fixes:
        attach_fixes(findings, migration)
    return findings


def attach_fixes(findings: list[RiskWarning], migration: MigrationAST) -> None:
    """Fill `RiskWarning.fixes` from `mrt.fixes`. Separate from the analysis because building an
    edit re-reads the file's syntax tree: worth it for one file, not for every file of a batch run
    that renders no fixes (only the json and sarif reports and the editor show them)."""
    from mrt.fixes import fixes_for

    for finding in findings:
        finding.fixes = fixes_for(finding, migration)
    migration.derived.pop("tree", None)  # kept by parse_migration(keep_tree=True) for these edits only


def analyze_paths(
    paths: Iterable[str | os.PathLike[str]], settings: MRTConfig | None = None, *, with_fixes: bool = False
) -> list[RiskWarning]:
    """Findings for every migration found under `paths` (files or directories), sorted by place.
    `with_fixes` also fills each finding's fix edits (see `attach_fixes`)."""
    return analyze_project(paths, settings, with_fixes=with_fixes)[1]


def analyze_project(
    paths: Iterable[str | os.PathLike[str]],
    settings: MRTConfig | None = None,
    *,
    with_fixes: bool = False,
    jobs: int = 1,
    progress: Progress | None = None,
) -> tuple[list[MigrationAST], list[RiskWarning]]:
    """`analyze_paths`, also returning every parsed migration (in discovery order).

    The CLI needs the migrations themselves, not only their findings: the revision graph for
    `--since`/`--min-revision`, and one JUnit test case per migration, clean or not. They come back
    as headers: each file's operations and source are released once its rules ran (see `_keep_header_only`).
    `jobs` > 1 runs the per-file pass of a large history in that many processes (`mrt.workers`).
    `progress(done, total)` is told how many files have had their own pass, every few dozen files.
    """
    from mrt.discovery import discover

    config = settings or MRTConfig()
    paths = [str(p) for p in paths]
    with _few_collections():
        migrations, findings = _analyze_files(discover(paths), paths, config, with_fixes, jobs, progress)
    findings.sort(key=RiskWarning.sort_key)
    return migrations, findings


Progress = Callable[[int, int], None]  # (files done, files in all)


# Parsing a file allocates tens of thousands of syntax-tree nodes that die with the file; with the default
# threshold (700 allocations) each file triggers dozens of young-generation collections, and every one
# of them also walks what the batch keeps (models, findings). That was a third of a 4,000-file run. The
# trees are freed by reference counting; a collection has almost nothing to find, so do it rarely.
_BATCH_GC_THRESHOLD = 20_000


@contextmanager
def _few_collections() -> Iterator[None]:
    """Raise the cyclic collector's first threshold for the length of a batch run, then restore it."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], _BATCH_GC_THRESHOLD), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _analyze_files(
    found_files: list[FoundFile],
    paths: list[str],
    config: MRTConfig,
    with_fixes: bool,
    jobs: int = 1,
    progress: Progress | None = None,
) -> tuple[list[MigrationAST], list[RiskWarning]]:
    from mrt import workers

    if jobs > 1 and workers.worth_it(len(found_files)):
        migrations, findings = workers.per_file_pass(found_files, config, with_fixes, jobs, progress)
    elif progress is None:
        migrations, findings = per_file_pass(found_files, config, with_fixes)
    else:
        migrations, findings = [], []
        for start in range(0, len(found_files), workers.CHUNK):
            chunk_migrations, chunk_findings = per_file_pass(
                found_files[start : start + workers.CHUNK], config, with_fixes
            )
            migrations.extend(chunk_migrations)
            findings.extend(chunk_findings)
            progress(min(start + workers.CHUNK, len(found_files)), len(found_files))
    findings = drop_tableless_deletions(migrations, findings)  # what one file took for a table drop
    findings.extend(_project_findings(_under_directories(migrations, paths), config))
    for migration in migrations:  # after the project pass, which may use a suppression too
        findings.extend(_unused_findings(migration, config))
    return migrations, findings


def per_file_pass(
    found_files: Iterable[FoundFile], config: MRTConfig, with_fixes: bool
) -> tuple[list[MigrationAST], list[RiskWarning]]:
    """Each file's own rules (and fixes), leaving its header and facts for the project pass."""
    migrations: list[MigrationAST] = []
    findings: list[RiskWarning] = []
    extractors = _extractors(config)
    for found in found_files:
        try:
            text = read_source(found.path)
        except SourceError as exc:
            findings.append(_unreadable(found.path, str(exc), config))
            continue
        migration = parse_migration(text, found.path, dialect=config.dialect, app=found.app, keep_tree=with_fixes)
        migrations.append(migration)
        found_here = analyze_migration(migration, config, report_unused=False)
        if with_fixes:
            attach_fixes(found_here, migration)
        findings.extend(found_here)
        _keep_header_only(migration, extractors)
    return migrations, findings


def _extractors(config: MRTConfig) -> list[tuple[Callable[[MigrationAST], object], frozenset[str]]]:
    """Each `Rule.file_facts` function of the enabled project rules once, with the frameworks it is kept for:
    six rules share `field_events`, and asking for it six times per file was a third of keeping the headers."""
    frameworks: dict[Callable[[MigrationAST], object], frozenset[str]] = {}
    for rule in _enabled_rules(config):
        if rule.project_check is not None and rule.file_facts is not None:
            frameworks[rule.file_facts] = frameworks.get(rule.file_facts, frozenset()) | rule.frameworks
    return list(frameworks.items())


def _keep_header_only(
    migration: MigrationAST, extractors: list[tuple[Callable[[MigrationAST], object], frozenset[str]]]
) -> None:
    """Release what only the file's own rules read (its operations, their indexes, its source) once they ran.

    The project pass reads headers (revision ids, parents, dependencies, suppressions, unreadable branch
    labels) and the few facts the `extractors` (`_extractors`) take from each file,
    computed here while the model is whole. A batch run holds that instead of every model and its source:
    what a file costs after its own pass does not depend on its size, and the collector has little to walk.
    """
    for facts, frameworks in extractors:
        if migration.framework in frameworks:
            file_facts(migration, facts)
    _suppressions(migration)
    if migration.framework == ALEMBIC:
        branch_labels(migration)  # read from the source when not literal: kept before the source goes
    else:
        file_facts(migration, tableless_facts)
    migration.ops = []
    migration.source = ""
    for key in [k for k in migration.derived if k != "suppressions" and not k.startswith("facts:")]:
        del migration.derived[key]


def _under_directories(migrations: list[MigrationAST], paths: list[str]) -> list[MigrationAST]:
    """Migrations found by scanning a directory: a file named alone cannot show its revision graph (its
    parents were not read, so they are not missing)."""
    directories = tuple(os.path.join(os.path.abspath(p), "") for p in paths if os.path.isdir(p))
    return [m for m in migrations if os.path.abspath(m.path).startswith(directories)] if directories else []


def analyze_history(migrations: list[MigrationAST], config: MRTConfig) -> list[RiskWarning]:
    """Findings of the rules that read every migration at once (revision graphs), for callers that
    parsed the files themselves — the language server, whose open files are unsaved buffers."""
    return _project_findings(migrations, config)


def _project_findings(migrations: list[MigrationAST], config: MRTConfig) -> list[RiskWarning]:
    """Run the rules that need every file at once (revision graphs), once, after the per-file pass."""
    findings: list[RiskWarning] = []
    for rule in _enabled_rules(config):
        if rule.project_check is None or not migrations:
            continue
        try:
            hits = list(rule.project_check(migrations, config))
        except Exception as exc:  # a rule bug must not hide every other finding
            warnings.warn(f"mrt: rule {rule.code} failed: {exc!r}", RuntimeWarning, stacklevel=2)
            continue
        for migration, hit in hits:
            if migration.framework not in rule.frameworks or rule.code in config.ignored_for_path(migration.path):
                continue
            finding = _finding(rule, hit, migration, config)
            if not _suppressions(migration).matches(
                rule.code, rule.aliases, finding.line or 1, finding.end_line or finding.line or 1
            ):
                findings.append(finding)
    return findings


def analyze_migration(migration: MigrationAST, config: MRTConfig, *, report_unused: bool = True) -> list[RiskWarning]:
    """Run the enabled rules over a parsed migration and apply settings and suppressions."""
    if migration.syntax_error is not None:
        problem = migration.syntax_error
        rule = get_rule(SYNTAX_CODE)
        assert rule is not None
        hit = Hit(message=f"Syntax error: {problem.message} (line {problem.line})", span=None)
        finding = _finding(rule, hit, migration, config)
        finding.line, finding.column = problem.line, problem.column
        return [finding]
    if migration.framework == UNKNOWN_FRAMEWORK:
        return []
    ignored_here = config.ignored_for_path(migration.path)
    skipped = bool(config.skip) and (migration.label in config.skip or migration.revision in config.skip)
    has_downgrade_body = migration.framework != ALEMBIC or migration.downgrade_shape == DOWNGRADE_BODY
    suppressions = _suppressions(migration)
    present = frozenset(op.kind for op in migration.ops)
    findings: list[RiskWarning] = []
    for rule in _file_rules(
        config, migration.framework, config.downgrades and not skipped, has_downgrade_body, present
    ):
        if ignored_here and rule.code in ignored_here:
            continue
        try:
            hits = rule.check(migration, config)
            if type(hits) is not list:  # a generator; a `per_call` rule returns its list, not copied again
                hits = list(hits)
        except Exception as exc:  # a rule bug must not hide every other finding
            warnings.warn(f"mrt: rule {rule.code} failed on {migration.path}: {exc!r}", RuntimeWarning, stacklevel=2)
            continue
        for hit in hits:
            finding = _finding(rule, hit, migration, config)
            last = finding.end_line or finding.line or 1
            names = rule.aliases + hit.stands_for if hit.stands_for else rule.aliases
            if suppressions.matches(rule.code, names, finding.line or 1, last):
                continue
            findings.append(finding)
    findings.extend(_custom_checks(migration, config))
    if report_unused:
        findings.extend(_unused_findings(migration, config))
    return findings


def _suppressions(migration: MigrationAST) -> Suppressions:
    """The file's suppression comments, parsed once and shared by the per-file and project passes
    (so a comment used by either one is not reported unused)."""
    cached = migration.derived.get("suppressions")
    if cached is None:
        cached = migration.derived["suppressions"] = parse_suppressions(migration.source)
    return cached  # type: ignore[return-value]


def _unused_findings(migration: MigrationAST, config: MRTConfig) -> list[RiskWarning]:
    if migration.syntax_error is not None or migration.framework == UNKNOWN_FRAMEWORK:
        return []
    if _suppressions(migration) is NO_SUPPRESSIONS:
        return []  # most files: no comment to report, no settings to read
    if not _selected(UNUSED_SUPPRESSION_CODE, config):
        return []
    if UNUSED_SUPPRESSION_CODE in config.ignored_for_path(migration.path):
        return []
    return _unused_suppressions(migration, _suppressions(migration), config)


def _enabled_rules(config: MRTConfig) -> list[Rule]:
    """The enabled rules for this selection, computed once per catalog and selection, not per file."""
    key = (catalog_generation(), tuple(config.select), tuple(config.ignore), tuple(config.extend_select))
    enabled = _ENABLED.get(key)
    if enabled is None:
        if len(_ENABLED) > 64:
            _ENABLED.clear()
        enabled = _ENABLED[key] = [r for r in all_rules() if _selected(r.code, config, r)]
    return enabled


_ENABLED: dict[tuple[object, ...], list[Rule]] = {}


def _file_rules(
    config: MRTConfig, framework: str, downgrades: bool, has_downgrade_body: bool, kinds: frozenset[str]
) -> list[Rule]:
    """The enabled rules that read one file of `framework` with operations of `kinds`, sorted out once
    per selection and file shape (a history has a few hundred) rather than rule by rule for every file:
    not the parsing and graph rules (they run elsewhere), not the downgrade rules when downgrades are
    not expected, not the comparisons without a downgrade body, not the rules none of whose kinds occur."""
    enabled = _enabled_rules(config)
    key = (id(enabled), framework, downgrades, has_downgrade_body, kinds)
    rules = _FILE_RULES.get(key)
    if rules is None or rules[0] is not enabled:
        if len(_FILE_RULES) > 4096:
            _FILE_RULES.clear()
        chosen = [
            rule
            for rule in enabled
            if framework in rule.frameworks
            and rule.category != PARSING
            and rule.reads_one_file
            and (downgrades or not rule.needs_downgrade)
            and (has_downgrade_body or not rule.compares_downgrade)
            and (rule.kinds is None or not rule.kinds.isdisjoint(kinds))
        ]
        rules = _FILE_RULES[key] = (enabled, chosen)
    return rules[1]


# Keyed by the identity of an `_ENABLED` list, which the entry also holds: a recycled id cannot match.
_FILE_RULES: dict[tuple[object, ...], tuple[list[Rule], list[Rule]]] = {}


def _selected(code: str, config: MRTConfig, rule: Rule | None = None) -> bool:
    rule = rule or get_rule(code)
    if code_matches(code, config.ignore) or (rule and any(code_matches(a, config.ignore) for a in rule.aliases)):
        return False
    if code_matches(code, config.extend_select):
        return True
    if config.select:
        return code_matches(code, config.select)
    return rule.default_enabled if rule else False


def rule_enabled(code: str, config: MRTConfig, path: str) -> bool:
    """Whether rule `code` reports on `path` under `config`: selected (or opted into), not ignored there.
    For a rule that leaves a case to another one (MRT701 to MRT710): only if that one will report it."""
    return _selected(code, config) and code not in config.ignored_for_path(path)


def _severity(rule: Rule, config: MRTConfig) -> str:
    overrides = config.severity_overrides
    if not overrides:  # the usual case: no tuple of names to build per finding
        return rule.severity
    for key in (rule.code, rule.name, *rule.aliases):
        if key in overrides:
            return overrides[key]
    return rule.severity


def display_path(path: str) -> str:
    """Paths relative to the working directory when below it, so reports are never bare names."""
    return _shown(path, os.path.abspath(path))


def _shown(path: str, absolute: str) -> str:
    """`display_path(path)` for a path already made absolute (`absolute`)."""
    cwd = os.getcwd()
    if absolute.startswith(cwd + os.sep):
        below = absolute[len(cwd) + 1 :]
        return below if os.sep == "/" else below.replace(os.sep, "/")  # as_posix, without a Path per file
    return path


def _paths(migration: MigrationAST) -> tuple[str, str]:
    """(display path, absolute path), computed once per migration: resolving is a system call."""
    cached = migration.derived.get("paths")
    if cached is None:
        path = migration.path
        absolute = os.path.abspath(path) if path else ""
        cached = migration.derived["paths"] = (_shown(path, absolute) if path else path, absolute)
    return cached  # type: ignore[return-value]


def _finding(rule: Rule, hit: Hit, migration: MigrationAST, config: MRTConfig) -> RiskWarning:
    span = hit.span
    shown, absolute = _paths(migration)
    return RiskWarning(
        revision=migration.label,
        file=shown,
        pattern=rule.name,
        message=hit.message,
        severity=_severity(rule, config),
        line=span.line if span else 1,
        code=rule.code,
        category=rule.category,
        column=span.column if span else 0,
        end_line=span.end_line if span else None,
        end_column=span.end_column if span else None,
        table=hit.table,
        column_name=hit.column,
        app=migration.app,
        related=hit.related,
        fixes=hit.fixes,
        path=absolute,
    )


def _unreadable(path: str, reason: str, config: MRTConfig) -> RiskWarning:
    migration = MigrationAST(path=path, source="")
    rule = get_rule(SYNTAX_CODE)
    assert rule is not None
    return _finding(rule, Hit(message=f"Cannot read migration: {reason}", span=None), migration, config)


def _custom_checks(migration: MigrationAST, config: MRTConfig) -> list[RiskWarning]:
    out: list[RiskWarning] = []
    for check in config.custom_checks:
        try:
            results = check(migration) or []
        except Exception as exc:
            warnings.warn(
                f"mrt: custom check {check!r} failed on {migration.path}: {exc!r}", RuntimeWarning, stacklevel=2
            )
            continue
        for finding in results:
            if isinstance(finding, RiskWarning):
                finding.severity = config.severity_overrides.get(finding.pattern, finding.severity)
                out.append(finding)
    return out


def _unused_suppressions(migration: MigrationAST, suppressions: Suppressions, config: MRTConfig) -> list[RiskWarning]:
    rule = get_rule(UNUSED_SUPPRESSION_CODE)
    assert rule is not None
    out: list[RiskWarning] = []
    for directive in suppressions.all():
        named = {c for c in directive.codes if c.startswith("MRT")}
        if ALL in directive.codes and directive.text.lower().lstrip("# ").startswith("mrt:"):
            named = {ALL}
        unused = sorted(c for c in named if (c == ALL and not directive.used) or (c != ALL and c not in directive.used))
        if not unused:
            continue
        what = "any finding" if unused == [ALL] else ", ".join(unused)
        span = Span(directive.line, directive.column, directive.line, directive.end_column)
        finding = _finding(
            rule, Hit(message=f"Unused suppression: nothing here reports {what}", span=span), migration, config
        )
        out.append(finding)
    return out


__all__ = ["analyze_history", "analyze_migration", "analyze_paths", "analyze_project", "analyze_source", "display_path"]
