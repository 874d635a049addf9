"""One analysis of one document snapshot: the pure job the server runs in its own executor.

It is the same code path as `mrt.analyze_source(text, path, settings)` (parse once, run the enabled
rules, apply `[tool.mrt]` and in-file suppressions, attach fix edits), kept in steps so that the parsed
model stays available for graph rules, code lenses and hovers. Everything an editor feature needs
later is computed here, off the event loop, and kept with the version it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lsprotocol import types
from pygls.workspace import PositionCodec

from mrt.analyzer import analyze_migration, attach_fixes
from mrt.config import MRTConfig
from mrt.findings import RiskWarning
from mrt.fixes import Suppressor
from mrt.model import parse_migration
from mrt.model.migration import MigrationAST
from mrt.rules.registry import get_rule

from .classify import django_app
from .convert import Positions, to_diagnostic
from .settings import Settings
from .workspace_index import WorkspaceIndex

UNTITLED = "untitled.py"
_NOT_SUPPRESSIBLE = frozenset({"MRT902"})  # a syntax error is fixed, not silenced


@dataclass(frozen=True)
class Snapshot:
    """What to analyse: the text of one document version, with the settings in force."""

    uri: str
    path: str | None
    version: int | None
    source: str
    config: MRTConfig
    settings: Settings
    codec: PositionCodec
    generation: int = 0  # the server's settings generation this snapshot was taken under
    index: WorkspaceIndex | None = None  # for revision-graph rules: the rest of the history
    buffers: Mapping[str, MigrationAST] = field(default_factory=dict)  # other open files, as typed


@dataclass
class Analysis:
    snapshot: Snapshot
    migration: MigrationAST | None
    findings: list[RiskWarning] = field(default_factory=list)
    diagnostics: list[types.Diagnostic] = field(default_factory=list)

    @property
    def version(self) -> int | None:
        return self.snapshot.version


def analyze(snapshot: Snapshot) -> Analysis:
    """Findings and ready-to-send diagnostics for one snapshot (runs in a worker thread)."""
    config = snapshot.config
    with_fixes = snapshot.settings.fix or snapshot.settings.fix_all
    migration = parse_migration(
        snapshot.source,
        snapshot.path or UNTITLED,
        dialect=config.dialect,
        app=django_app(snapshot.path),
        keep_tree=with_fixes,
    )
    findings = analyze_migration(migration, config)
    if with_fixes:
        attach_fixes(findings, migration)  # as analyze_source does
    if snapshot.index is not None and snapshot.path and migration.is_migration and migration.syntax_error is None:
        findings = snapshot.index.with_history(migration, snapshot.buffers, config, findings)
    return Analysis(snapshot, migration, findings, diagnostics_for(snapshot, findings))


def with_findings(analysis: Analysis, extra: list[RiskWarning]) -> Analysis:
    """The analysis plus findings computed elsewhere (graph findings of a whole-workspace check)."""
    if not extra or analysis.migration is None:
        return analysis
    diagnostics = diagnostics_for(analysis.snapshot, extra)
    return Analysis(
        analysis.snapshot, analysis.migration, analysis.findings + extra, analysis.diagnostics + diagnostics
    )


def diagnostics_for(snapshot: Snapshot, findings: list[RiskWarning]) -> list[types.Diagnostic]:
    config = snapshot.config
    positions = Positions(snapshot.source, snapshot.codec)
    settings = snapshot.settings
    suppressor = Suppressor(snapshot.source)
    diagnostics = []
    for finding in findings:
        suppressible = finding.code and finding.code not in _NOT_SUPPRESSIBLE
        line = finding.line or 1
        diagnostics.append(
            to_diagnostic(
                finding,
                positions,
                uri=snapshot.uri,
                version=snapshot.version,
                severity=severity(finding, config, settings),
                fixes=finding.fixes,
                suppress_line=suppressor.line(finding.code, line, finding.end_line)
                if suppressible and settings.disable_for_line
                else None,
                suppress_file=suppressor.file(finding.code) if suppressible and settings.disable_for_file else None,
            )
        )
    return diagnostics


def severity(finding: RiskWarning, config: MRTConfig, settings: Settings) -> str:
    """`[tool.mrt] severity` wins; otherwise the editor's default, if set; otherwise the rule's own."""
    if settings.severity_default is None:
        return finding.severity
    rule = get_rule(finding.code) if finding.code else None
    names = (finding.code, finding.pattern, *(rule.aliases if rule else ()))
    if any(name in config.severity_overrides for name in names):
        return finding.severity
    return settings.severity_default
