"""What both runners (Alembic and Django) do around a step: before an upgrade, top up the seeded rows of
the tables the last step changed; after a downgrade, compare the catalog and the seeded rows with the
state before the upgrade, and report every difference on the revision's result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mrt.verify import catalog as catalogs
from mrt.verify import database
from mrt.verify.data import Row, compare_rows, read_rows
from mrt.verify.result import RevisionResult
from mrt.verify.watch import catalog_scope, mentioned_names, row_changes, touched_tables


@dataclass
class Before:
    """The catalog and the rows just before an upgrade: what its downgrade must give back."""

    catalog: catalogs.Catalog
    rows: dict[str, list[Row]]


def top_up_rows(
    conn: Any,
    seeder: Any,
    catalog: catalogs.Catalog,
    previous: catalogs.Catalog | None,
    dirty: set[str] | None,
    rows: dict[str, list[Row]],
    result: RevisionResult,
    stale: set[str] | None = None,
) -> dict[str, list[Row]]:
    """The seeded rows of every table in `catalog`: kept for the tables the last step left alone, re-read
    for the ones it changed (`dirty`; None = all) or created, then topped up by the seeder. Its notes go
    on `result`. `stale` narrows `dirty` down to the tables whose rows may have changed (see
    `rows_may_change`)."""
    tables = set(catalog.tables)
    changed = set(dirty or ()) if stale is None else set(stale)
    reread = tables if dirty is None or previous is None else (changed | (tables - set(previous.tables))) & tables
    rows = dict(rows)
    for table in rows.keys() - tables:  # dropped since
        del rows[table]
    for table in reread:
        rows[table] = read_rows(conn, table)
    notes_before = len(seeder.notes)
    seeder.seed(conn, catalog, rows, reread, None)  # re-reads the tables it filled into rows
    result.notes.extend(seeder.notes[notes_before:])
    return rows


def compare_restored(
    conn: Any,
    before: Before,
    statements: list[str],
    touched: set[str] | None,
    shapes: Any,
    result: RevisionResult,
) -> tuple[catalogs.Catalog, dict[str, list[Row]], bool]:
    """Re-read what the step's SQL may have changed (`touched`; None = everything), fail `result` for
    every schema or data difference, and return (the catalog now, the rows re-read, schema broken?)."""
    with database.outside_a_transaction(conn):
        return _compare(conn, before, statements, touched, shapes, result)


def _compare(
    conn: Any,
    before: Before,
    statements: list[str],
    touched: set[str] | None,
    shapes: Any,
    result: RevisionResult,
) -> tuple[catalogs.Catalog, dict[str, list[Row]], bool]:
    names, objects = catalog_scope(statements)
    mentioned = mentioned_names(statements)
    after = catalogs.refresh(
        conn, before.catalog, touched, names=names, objects=objects, shapes=shapes, mentioned=mentioned
    )
    scope = set(after.tables) if touched is None else touched | (set(after.tables) - set(before.catalog.tables))
    problems = catalogs.compare(before.catalog, after, scope)
    for problem in problems:
        result.fail(problem)
    rows: dict[str, list[Row]] = {}
    changed = scope if touched is None else rows_may_change(statements, before.catalog, touched)
    for table in sorted(scope & changed & set(before.catalog.tables) & set(after.tables)):
        rows_after = read_rows(conn, table)
        pk = after.tables[table].primary_key or before.catalog.tables[table].primary_key
        for problem in compare_rows(table, pk, before.rows.get(table, []), rows_after):
            result.fail(problem)
        rows[table] = rows_after
    conn.commit()
    return after, rows, bool(problems)


def rows_may_change(statements: list[str], catalog: catalogs.Catalog, touched: set[str]) -> set[str]:
    """The tables among `touched` whose rows the step's SQL may have changed: not one that only had an
    index built or dropped, whose rows are still the ones read before the upgrade."""
    changed = touched_tables(row_changes(statements), catalog.folded_names(), catalog.views)
    return touched if changed is None else catalogs.referencing(catalog, changed) & touched
