"""Where a Django migration cannot be reversed: the operation, and its line in the migration file.

Django refuses to unapply a migration holding a `RunPython` without `reverse_code` or a `RunSQL`
without `reverse_sql` (IrreversibleError), and one nested in `SeparateDatabaseAndState` fails
part-way (NotImplementedError). Either way the user needs the operation and its line, not a
traceback: the live operation says which one it is, the static model (`mrt.model`) says where.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

_CALLS = {"RunPython": "migrations.RunPython", "RunSQL": "migrations.RunSQL"}


def irreversible_operations(migration: Any) -> list[Any]:
    """The operations (top-level, or database operations of SeparateDatabaseAndState) with no reverse."""
    found = []
    for operation in migration.operations:
        inner = getattr(operation, "database_operations", None)
        for op in inner if inner is not None else [operation]:
            if not op.reversible:
                found.append(op)
    return found


def migration_path(migration: Any) -> Path | None:
    module = sys.modules.get(type(migration).__module__)
    path = getattr(module, "__file__", None)
    return Path(path) if path else None


def describe_irreversible(migration: Any) -> str:
    """'RunPython at shop/migrations/0004_x.py:12 has no reverse_code' (the line when it can be found)."""
    operations = irreversible_operations(migration)
    if not operations:
        return "a database operation cannot be reversed"
    operation = operations[0]
    kind = type(operation).__name__
    missing = "reverse_sql" if kind == "RunSQL" else "reverse_code"
    path = migration_path(migration)
    where = ""
    if path is not None:
        line = _line(path, operations)
        where = f" at {_shown(path)}" + (f":{line}" if line else "")
    return f"{kind}{where} has no {missing}: rolling back past this migration is impossible"


def _line(path: Path, operations: list[Any]) -> int | None:
    """The first irreversible operation's line, by matching the live operations with the static model's."""
    from mrt.model import parse_migration
    from mrt.model.source import read_source

    try:
        model = parse_migration(read_source(str(path)), str(path))
    except (OSError, UnicodeDecodeError):
        return None
    seen: set[int] = set()
    candidates: list[tuple[str, int]] = []
    for op in model.ops:
        reverse_missing = op.side == "upgrade" and op.call in _CALLS.values() and op.args.get("reverse") is None
        if reverse_missing and op.span.line not in seen:
            seen.add(op.span.line)
            candidates.append((op.call, op.span.line))
    candidates.sort(key=lambda c: c[1])
    calls = [_CALLS.get(type(op).__name__) for op in operations]
    if [c for c, _ in candidates] == calls:
        return candidates[0][1]
    return next((line for call, line in candidates if call == calls[0]), None)


def _shown(path: Path) -> str:
    """Relative to the working directory when inside it (as `mrt check` shows paths)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()
