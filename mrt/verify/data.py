"""Row data: read a table's rows, normalise engine-specific value types, and compare before/after.

Rows are matched by primary key, or as a multiset of whole rows when the table has none. Only columns
present on both sides are compared; a missing or extra column is the catalog's finding.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

Row = dict[str, Any]


def read_rows(connection: Any, table: str, schema: str | None = None) -> list[Row]:
    """Every row of `table`, as column -> value dicts in the DBAPI's own types.

    The query is written out rather than compiled by SQLAlchemy: a long history has more tables than
    SQLAlchemy's statement cache holds, and compiling it again cost more than running it.
    """
    prep = connection.dialect.identifier_preparer
    name = prep.quote(table) if schema is None else f"{prep.quote_schema(schema)}.{prep.quote(table)}"
    result = connection.exec_driver_sql(f"SELECT * FROM {name}", execution_options={"no_parameters": True})
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def normalise(value: Any) -> Any:
    """A comparable form: engines hand the same value back as different Python types after a rebuild."""
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return float(value) if value == value.to_integral_value() or abs(value) < 1e15 else value.normalize()
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in "[{":
            try:
                return json.dumps(json.loads(stripped), sort_keys=True)
            except ValueError:
                return value
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def compare_rows(table: str, primary_key: Sequence[str], before: list[Row], after: list[Row]) -> list[str]:
    """Differences between a table's rows before the upgrade and after the downgrade, in words."""
    if not before and not after:
        return []
    shared = [c for c in (before or after)[0] if after and c in after[0]] if before else []
    if primary_key and all(c in shared for c in primary_key):
        return _by_key(table, tuple(primary_key), shared, before, after)
    return _as_multiset(table, shared, before, after)


def _key(row: Row, primary_key: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(normalise(row[c]) for c in primary_key)


def _by_key(
    table: str, primary_key: tuple[str, ...], shared: list[str], before: list[Row], after: list[Row]
) -> list[str]:
    problems: list[str] = []
    after_by_key = {_key(r, primary_key): r for r in after}
    before_keys = {_key(r, primary_key) for r in before}
    lost = [r for r in before if _key(r, primary_key) not in after_by_key]
    if lost:
        problems.append(f"Table '{table}': {len(lost)}/{len(before)} rows lost after rollback")
    added = [r for r in after if _key(r, primary_key) not in before_keys]
    if added:
        problems.append(f"Table '{table}': {len(added)} row(s) added by the round trip")
    changed: dict[str, list[tuple[Any, Any]]] = {}
    for row in before:
        other = after_by_key.get(_key(row, primary_key))
        if other is None:
            continue
        for column in shared:
            if normalise(row[column]) != normalise(other[column]):
                changed.setdefault(column, []).append((row[column], other[column]))
    survivors = len(before) - len(lost)
    for column, pairs in changed.items():
        expected, got = pairs[0]
        if all(g is None for _, g in pairs):
            problems.append(
                f"Table '{table}': column '{column}' data lost after rollback "
                f"({len(pairs)}/{survivors} rows are now NULL, expected {expected!r})"
            )
            continue
        share = f" in {len(pairs)}/{survivors} rows" if survivors > 1 else ""
        problems.append(
            f"Table '{table}': column '{column}' value changed after rollback (expected {expected!r}, got {got!r}){share}"
        )
    return problems


def _as_multiset(table: str, shared: list[str], before: list[Row], after: list[Row]) -> list[str]:
    def signature(row: Row) -> tuple[Any, ...]:
        return tuple(normalise(row.get(c)) for c in shared)

    have = Counter(signature(r) for r in after)
    missing = 0
    for row in before:
        sig = signature(row)
        if have[sig]:
            have[sig] -= 1
        else:
            missing += 1
    problems = []
    extra = sum(have.values())
    if missing and extra and len(after) >= len(before):
        problems.append(f"Table '{table}': {missing}/{len(before)} rows changed after rollback (no primary key)")
    elif missing:
        problems.append(f"Table '{table}': {missing}/{len(before)} rows lost after rollback")
    elif extra:
        problems.append(f"Table '{table}': {extra} row(s) added by the round trip")
    return problems
