"""The migration model: parse a migration file (never import it) into a `MigrationAST`."""

from __future__ import annotations

import ast

from mrt.model.alembic import looks_like_alembic, read_alembic
from mrt.model.django import looks_like_django, read_django
from mrt.model.migration import ALEMBIC, DJANGO, MigrationAST, SyntaxProblem
from mrt.model.ops import DOWNGRADE, UPGRADE, Kind, Operation, Span, mark_new_tables

__all__ = [
    "ALEMBIC",
    "DJANGO",
    "DOWNGRADE",
    "UPGRADE",
    "Kind",
    "MigrationAST",
    "Operation",
    "Span",
    "parse_migration",
]


def parse_migration(
    source: str, path: str, *, dialect: str | None = None, app: str | None = None, keep_tree: bool = False
) -> MigrationAST:
    """Build the model of one file. A syntax error is recorded on the result, never raised.

    `keep_tree` keeps the syntax tree in `derived["tree"]` for fix edits (`mrt.fixes`), which would
    otherwise parse the file a second time.

    Deeply nested or huge sources can make the compiler itself give up (RecursionError, MemoryError);
    those are reported like syntax errors, since the file cannot be read as Python either way.
    """
    migration = MigrationAST(path=path, source=source, app=app)
    try:
        module = ast.parse(source, filename=path)
    except SyntaxError as exc:
        migration.syntax_error = SyntaxProblem(
            exc.msg or "invalid syntax", exc.lineno or 1, max((exc.offset or 1) - 1, 0)
        )
        migration.framework = _guess_framework(path, source)
        return migration
    except (RecursionError, MemoryError, ValueError) as exc:
        migration.syntax_error = SyntaxProblem(f"cannot be parsed: {type(exc).__name__}: {exc}", 1)
        migration.framework = _guess_framework(path, source)
        return migration
    cls = looks_like_django(module)
    if cls is not None:
        read_django(module, cls, migration)
    elif looks_like_alembic(module):
        migration.app = None  # a script_location named "migrations" is not a Django app
        read_alembic(module, migration, dialect)
    mark_new_tables(migration.ops)
    if keep_tree:
        migration.derived["tree"] = module
    return migration


def _guess_framework(path: str, source: str) -> str:
    """For a file that does not parse: is it meant to be a migration at all?"""
    if "/migrations/" in path.replace("\\", "/") and "Migration" in source:
        return DJANGO
    if "def upgrade" in source or "revision" in source:
        return ALEMBIC
    return DJANGO if "class Migration" in source else ALEMBIC
