"""Findings to LSP diagnostics, and mrt positions to the client's position encoding.

mrt reports 1-based lines and 0-based columns counted in UTF-8 bytes, as `ast` does. LSP wants
0-based lines and columns in the negotiated encoding (UTF-16 for VS Code, UTF-8 for Neovim 0.11,
sometimes UTF-32). ASCII lines are identical in every encoding, so only non-ASCII lines pay for a
conversion. Positions are always computed against the exact text that was analysed, never against a
newer buffer.

Each diagnostic carries its fix edits, ready-made suppression edits and the analysed version in
`data`, so code actions need no re-analysis (ruff's and squawk's pattern).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.workspace import PositionCodec, ServerTextPosition

from mrt.findings import Fix, Related, RiskWarning, TextEdit
from mrt.rules.registry import get_rule

SOURCE = "mrt"
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


class Positions:
    """Position conversion for one analysed text."""

    def __init__(self, source: str, codec: PositionCodec) -> None:
        self.lines = source.splitlines(keepends=True) or [""]
        self.codec = codec

    def position(self, line: int, column: int) -> types.Position:
        """1-based line, UTF-8 byte column -> LSP position in client units."""
        row = max(line - 1, 0)
        if row >= len(self.lines):
            return types.Position(line=len(self.lines), character=0)
        text = self.lines[row]
        if text.isascii():
            return types.Position(line=row, character=min(column, len(text.rstrip("\r\n"))))
        points = len(text.encode("utf-8")[:column].decode("utf-8", "ignore"))
        return self.codec.position_to_client_units(self.lines, ServerTextPosition(row, points))

    def line_end(self, line: int) -> types.Position:
        row = max(line - 1, 0)
        if row >= len(self.lines):
            return types.Position(line=len(self.lines), character=0)
        return self.position(line, len(self.lines[row].rstrip("\r\n").encode("utf-8")))

    def range(self, line: int, column: int, end_line: int | None, end_column: int | None) -> types.Range:
        start = self.position(line, column)
        end = self.line_end(line) if end_line is None or end_column is None else self.position(end_line, end_column)
        return types.Range(start=start, end=end)

    def edit(self, edit: TextEdit) -> dict[str, Any]:
        """An LSP TextEdit as JSON (diagnostic `data` travels as plain JSON)."""
        span = self.range(edit.line, edit.column, edit.end_line, edit.end_column)
        return {"range": _range_json(span), "newText": edit.new_text}


def to_diagnostic(
    finding: RiskWarning,
    positions: Positions,
    *,
    uri: str,
    version: int | None,
    severity: str,
    fixes: tuple[Fix, ...],
    suppress_line: TextEdit | None,
    suppress_file: TextEdit | None,
) -> types.Diagnostic:
    line = finding.line or 1
    rule = get_rule(finding.code) if finding.code else None
    data: dict[str, Any] = {
        "version": version,
        "fixes": [{"title": fix.title, "edits": [positions.edit(e) for e in fix.edits]} for fix in fixes],
    }
    if suppress_line is not None:
        data["disableLine"] = positions.edit(suppress_line)
    if suppress_file is not None:
        data["disableFile"] = positions.edit(suppress_file)
    return types.Diagnostic(
        range=positions.range(line, finding.column, finding.end_line, finding.end_column),
        message=finding.message,
        severity=_SEVERITY.get(severity, types.DiagnosticSeverity.Warning),
        code=finding.code or finding.pattern,
        code_description=types.CodeDescription(href=rule.url) if rule else None,
        source=SOURCE,
        related_information=[_related(r, positions, uri) for r in finding.related] or None,
        data=data,
    )


def _related(related: Related, positions: Positions, uri: str) -> types.DiagnosticRelatedInformation:
    if related.file:
        where = types.Position(line=max(related.line - 1, 0), character=related.column)
        span = types.Range(start=where, end=where)
        target = Path(related.file).resolve().as_uri()
    else:
        span = positions.range(related.line, related.column, None, None)
        target = uri
    return types.DiagnosticRelatedInformation(location=types.Location(uri=target, range=span), message=related.message)


def _range_json(span: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": span.start.line, "character": span.start.character},
        "end": {"line": span.end.line, "character": span.end.character},
    }


def range_from_json(raw: dict[str, Any]) -> types.Range:
    return types.Range(
        start=types.Position(line=raw["start"]["line"], character=raw["start"]["character"]),
        end=types.Position(line=raw["end"]["line"], character=raw["end"]["character"]),
    )


def severity_of(name: str) -> types.DiagnosticSeverity:
    return _SEVERITY.get(name, types.DiagnosticSeverity.Warning)
