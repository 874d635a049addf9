"""Code lens above `def upgrade()` / `class Migration`: how many findings, and "Verify rollback".

The count opens the migration's explanation (`mrt.explainMigration`). "Verify rollback" appears only
when the project names a disposable test database (`[tool.mrt] db_url` or `mrt.verify.databaseUrl`),
since there is nothing to run it against otherwise.
"""

from __future__ import annotations

import re

from lsprotocol import types

from mrt.model.migration import ALEMBIC

from .server import MrtServer

_DJANGO_CLASS = re.compile(r"^class Migration\b", re.MULTILINE)


def register(server: MrtServer) -> None:
    server.feature(types.TEXT_DOCUMENT_CODE_LENS)(code_lens)


async def code_lens(ls: MrtServer, params: types.CodeLensParams) -> list[types.CodeLens] | None:
    uri = params.text_document.uri
    if uri not in ls.attached:
        return None
    analysis = ls.analyses.get(uri) or await ls.analyse(uri)
    migration = analysis.migration if analysis else None
    if analysis is None or migration is None:
        return None
    line = _anchor_line(migration.source, migration.upgrade_span.line if migration.upgrade_span else None)
    if migration.framework != ALEMBIC:
        line = _anchor_line(migration.source, None)
    if line is None:
        return None
    where = types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line, character=0))
    lenses = [
        types.CodeLens(
            range=where,
            command=types.Command(title=_count(analysis.findings), command="mrt.explainMigration", arguments=[uri]),
        )
    ]
    if ls.verify_database(analysis.snapshot.config):
        lenses.append(
            types.CodeLens(
                range=where,
                command=types.Command(title="Verify rollback", command="mrt.verifyRevision", arguments=[uri]),
            )
        )
    return lenses


def _anchor_line(source: str, upgrade_line: int | None) -> int | None:
    """0-based line of `def upgrade` (Alembic) or `class Migration` (Django)."""
    if upgrade_line is not None:
        return upgrade_line - 1
    match = _DJANGO_CLASS.search(source)
    return source.count("\n", 0, match.start()) if match else None


def _count(findings: list) -> str:
    if not findings:
        return "mrt: no findings"
    errors = sum(1 for f in findings if f.severity == "error")
    noun = "finding" if len(findings) == 1 else "findings"
    return f"mrt: {len(findings)} {noun}" + (f" ({errors} error{'s' if errors != 1 else ''})" if errors else "")
