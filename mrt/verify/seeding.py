"""Seeding: before each revision, every table holds `seed_rows` rows and no column is NULL.

Rows are inserted parents first (foreign-key order) and reference real parent rows; primary and
unique columns get values unique across the run; nullable columns get values too, because a dropped
nullable column is still data loss. Rows stay in place from one revision to the next; a column a
migration added is filled in on the existing rows, and rows a migration removed are replaced.
Each row goes in under a savepoint (none is needed where every statement stands alone, see
`mrt.verify.database.stands_alone`), so a CHECK the value generator could not satisfy costs that row
only; such rows are reported as notes (give the table a `custom_seeds` entry to control it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

from mrt.verify.catalog import Catalog, Table
from mrt.verify.data import Row, read_rows
from mrt.verify.database import stands_alone
from mrt.verify.values import CheckHints, value_for


class Seeder:
    def __init__(self, rows_per_table: int, custom: dict[str, Callable[..., Any]] | None = None) -> None:
        self.rows_per_table = rows_per_table
        self.custom = dict(custom or {})
        self.serial = 0
        self.notes: list[str] = []
        self._custom_done: set[str] = set()

    def seed(
        self, connection: Any, catalog: Catalog, rows: dict[str, list[Row]], tables: Iterable[str], schema: str | None
    ) -> set[str]:
        """Top up `tables` (names in `catalog`); returns the tables whose rows changed."""
        dialect = "mysql" if connection.dialect.name in ("mysql", "mariadb") else connection.dialect.name
        changed: set[str] = set()
        # Inserted rows come back as stored with the INSERT itself, one round trip fewer than reading the
        # table again, where that is the whole change: each statement stands alone (PostgreSQL), and no
        # trigger can have changed other rows.
        returning = stands_alone(connection) and not catalog.has_triggers
        for name in _parents_first(catalog, tables):
            table = catalog.tables[name]
            touched = reread = False
            if name in self.custom and name not in self._custom_done:
                self._custom_done.add(name)
                for row in self.custom[name]() or []:
                    reread |= self._insert(connection, table, dict(row), schema)
            elif name not in self.custom:
                missing = max(self.rows_per_table - len(rows.get(name, [])), 0)
                batch = [self._new_row(table, catalog, rows, dialect) for _ in range(missing)]
                stored = self._insert_many(connection, table, batch, schema, returning) if batch else None
                if stored is not None:
                    touched = True
                    if returning:
                        rows[name] = [*rows.get(name, []), *stored]
                    else:
                        reread = True
                elif batch:
                    for row in batch:  # one at a time, so one unsatisfiable row costs only itself
                        reread |= self._insert(connection, table, row, schema)
            if reread:
                rows[name] = read_rows(connection, name, schema)  # children below pick their parents from these
            if self._fill_nulls(connection, table, catalog, rows, rows.get(name, []), dialect, schema):
                rows[name] = read_rows(connection, name, schema)
                reread = True
            if touched or reread:
                changed.add(name)
        return changed

    # -- rows -----------------------------------------------------------------------------------

    def _new_row(self, table: Table, catalog: Catalog, rows: dict[str, list[Row]], dialect: str) -> Row:
        self.serial += 1
        row: Row = {}
        hints = CheckHints(table.checks)
        unique_cols = {c for cols in table.uniques.values() for c in cols} | set(table.primary_key)
        unique_cols |= {c for (cols, unique, _) in table.indexes.values() if unique for c in cols}
        for fk in table.foreign_keys.values():
            parent = self._parent_row(fk.referred_table, table, catalog, rows)
            if parent is None:
                continue
            for col, ref in zip(fk.columns, fk.referred_columns, strict=False):
                row[col] = parent.get(ref)
        for column in table.columns.values():
            if column.name in row:
                continue
            row[column.name] = value_for(column, self.serial, dialect, unique=column.name in unique_cols, hints=hints)
        return row

    def _parent_row(self, parent: str, table: Table, catalog: Catalog, rows: dict[str, list[Row]]) -> Row | None:
        if parent == table.name:
            return None  # self-reference: filled with the row's own key below
        candidates = rows.get(parent) or []
        if not candidates:
            return None
        return candidates[self.serial % len(candidates)]

    def _fill_nulls(
        self,
        connection: Any,
        table: Table,
        catalog: Catalog,
        rows: dict[str, list[Row]],
        existing: list[Row],
        dialect: str,
        schema: str | None,
    ) -> bool:
        from sqlalchemy import and_, bindparam, column, update
        from sqlalchemy import table as table_clause

        changed = False
        target = table_clause(table.name, *(column(c) for c in table.columns), schema=schema)
        if not table.primary_key:  # no key to address a row by: fill each column's NULLs in one go
            fresh = self._new_row(table, catalog, rows, dialect)
            for name in table.columns:
                if any(row.get(name) is None for row in existing) and fresh.get(name) is not None:
                    statement = update(target).where(target.c[name].is_(None)).values({name: fresh[name]})
                    changed |= self._guarded(connection, statement, table.name, fresh)
            return changed
        updates: dict[tuple[str, ...], list[tuple[Row, Row]]] = {}  # grouped by the columns they set
        for row in existing:
            nulls = [c for c in table.columns if row.get(c) is None]
            if not nulls:
                continue
            fresh = self._new_row(table, catalog, rows, dialect)
            values = {c: fresh[c] for c in nulls if fresh.get(c) is not None}
            self_ref = [fk for fk in table.foreign_keys.values() if fk.referred_table == table.name]
            for fk in self_ref:
                for col, ref in zip(fk.columns, fk.referred_columns, strict=False):
                    if col in nulls:
                        values[col] = row.get(ref)
            if values:
                updates.setdefault(tuple(sorted(values)), []).append((row, values))
        for columns, group in updates.items():
            # One statement for the whole group; row by row only if the database refuses it.
            statement = (
                update(target)
                .where(and_(*(target.c[k] == bindparam(f"k_{k}") for k in table.primary_key)))
                .values({c: bindparam(f"v_{c}") for c in columns})
            )
            params = [
                {**{f"k_{k}": row[k] for k in table.primary_key}, **{f"v_{c}": v for c, v in values.items()}}
                for row, values in group
            ]
            if self._guarded_many(connection, statement, params):
                changed = True
                continue
            for row, values in group:
                where = and_(*(target.c[k] == row[k] for k in table.primary_key))
                changed |= self._guarded(connection, update(target).where(where).values(values), table.name, values)
        return changed

    @staticmethod
    def _guarded_many(connection: Any, statement: Any, params: list[dict[str, Any]]) -> bool:
        from sqlalchemy.exc import DBAPIError

        try:
            with _guard(connection):
                connection.execute(statement, params)
            return True
        except DBAPIError:
            return False

    def _insert(self, connection: Any, table: Table, row: Row, schema: str | None) -> bool:
        from sqlalchemy import column, insert
        from sqlalchemy import table as table_clause

        self._point_to_self(table, row)
        target = table_clause(table.name, *(column(c) for c in row), schema=schema)
        return self._guarded(connection, insert(target).values(row), table.name, row)

    def _insert_many(
        self, connection: Any, table: Table, batch: list[Row], schema: str | None, returning: bool
    ) -> list[Row] | None:
        """All rows in one statement under one savepoint; None (nothing inserted) if any is refused.
        With `returning`, the rows as the database stored them (else an empty list)."""
        from sqlalchemy import column, insert, literal_column
        from sqlalchemy import table as table_clause
        from sqlalchemy.exc import DBAPIError

        for row in batch:
            self._point_to_self(table, row)
        target = table_clause(table.name, *(column(c) for c in batch[0]), schema=schema)
        statement = insert(target).returning(literal_column("*")) if returning else insert(target)
        try:
            with _guard(connection):
                result = connection.execute(statement, batch)
                stored = [dict(row) for row in result.mappings()] if returning else []
            return stored
        except DBAPIError:
            return None

    @staticmethod
    def _point_to_self(table: Table, row: Row) -> None:
        for fk in table.foreign_keys.values():
            if fk.referred_table == table.name:  # a self-reference points at the row itself
                for col, ref in zip(fk.columns, fk.referred_columns, strict=False):
                    row[col] = row.get(ref)

    def _guarded(self, connection: Any, statement: Any, table: str, values: Row) -> bool:
        from sqlalchemy.exc import DBAPIError

        try:
            with _guard(connection):
                connection.execute(statement)
            return True
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
            self.notes.append(f"could not seed a row into '{table}' ({reason}); add custom_seeds for it")
            return False


def _guard(connection: Any) -> contextlib.AbstractContextManager[Any]:
    """A savepoint, so that a refused statement leaves the transaction usable; nothing where the
    statement commits or fails whole by itself."""
    return contextlib.nullcontext() if stands_alone(connection) else connection.begin_nested()


def _parents_first(catalog: Catalog, tables: Iterable[str]) -> list[str]:
    """`tables` ordered so that every table comes after the tables its foreign keys point at."""
    wanted = [t for t in sorted(set(tables)) if t in catalog.tables]
    order: list[str] = []
    state: dict[str, int] = {}
    for start in wanted:
        stack = [(start, iter(_parents(catalog, start)))]
        state[start] = state.get(start, 0) or 1
        if state[start] == 2:
            continue
        while stack:
            node, parents = stack[-1]
            parent = next(parents, None)
            if parent is None:
                stack.pop()
                if state.get(node) != 2:
                    state[node] = 2
                    order.append(node)
            elif state.get(parent, 0) == 0:
                state[parent] = 1
                stack.append((parent, iter(_parents(catalog, parent))))
    wanted_set = set(wanted)
    return [t for t in order if t in wanted_set]


def _parents(catalog: Catalog, name: str) -> list[str]:
    table = catalog.tables.get(name)
    if table is None:
        return []
    return sorted({fk.referred_table for fk in table.foreign_keys.values() if fk.referred_table != name})
