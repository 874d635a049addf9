"""MRT427: a foreign key whose referencing column has no index (PostgreSQL).

PostgreSQL indexes the referenced side of a foreign key (it must be a primary key or unique) but never the
referencing side; MySQL/InnoDB creates that index itself, so the rule is quiet on MySQL trees. Only columns
created in the migration that adds the key are judged: for a column that existed before, an index may be
older. An index counts when the foreign key's columns lead it (a composite index starting with the column
covers it): `index=True`, a primary key or unique constraint, `op.create_index`, `CREATE INDEX`, `AddIndex`.
A Django `ForeignKey` is indexed by default, so only `db_index=False` can leave it bare. Where an index is
declared in a way the model cannot read (`Meta.indexes`, `unique_together`, an expression), the table is not
judged at all.

It reads the whole history (`@project_rule`), because the safe way to index a big table is to add the key in
one migration and build its index CONCURRENTLY in the next (the only way in Django: `AddIndexConcurrently`
needs a non-atomic migration of its own). An index built by any migration of the history counts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, NamedTuple

from mrt.config import MRTConfig
from mrt.findings import WARNING
from mrt.graph import graphs_of
from mrt.model.migration import ALEMBIC, MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation, Span
from mrt.rules.lock_context import condition_on_postgresql
from mrt.rules.registry import LOCKS, Hit, RuleDocs, file_facts, project_rule

_IMPLICITLY_UNIQUE = frozenset({"OneToOneField"})


class _Indexes:
    """The leading columns of every index the upgrade builds, per table; `unknown` tables built one we cannot read."""

    def __init__(self) -> None:
        self.by_table: dict[str, list[tuple[str, ...]]] = {}
        self.unknown: set[str] = set()

    def add(self, table: str, columns: tuple[str, ...]) -> None:
        if not columns:
            self.unknown.add(table)
        else:
            self.by_table.setdefault(table, []).append(columns)

    def covers(self, table: str, columns: tuple[str, ...], django: bool) -> bool:
        if table in self.unknown:
            return True
        wanted = {_field_names(c, django) for c in columns}
        for index in self.by_table.get(table, ()):
            lead = index[: len(columns)]
            if len(lead) == len(columns) and {_field_names(c, django) for c in lead} == wanted:
                return True
        return False


def _field_names(column: str, django: bool) -> str:
    """Django indexes name the field (`user`); its column is `user_id`."""
    return column.removesuffix("_id") if django else column


def _column_indexed(column: dict[str, Any]) -> bool:
    if column.get("index") or column.get("unique") or column.get("primary_key") or column.get("db_index") is True:
        return True
    t = column.get("type")
    return isinstance(t, dict) and t.get("name") in _IMPLICITLY_UNIQUE


def _fk_column(column: dict[str, Any], django: bool) -> bool:
    """A column with a foreign key and no index of its own; a Django relation is indexed unless db_index=False."""
    if not column.get("foreign_key") or column.get("m2m") or _column_indexed(column):
        return False
    if django:
        return column.get("db_index") is False and column.get("db_constraint") is not False
    return True


def _django_column(column: dict[str, Any]) -> str | None:
    name = column.get("db_column") or column.get("name")
    if name and column.get("relation") and not column.get("db_column"):
        return f"{name}_id"
    return name


class _ForeignKey(NamedTuple):
    """A foreign key one file declares: what the history check needs of its operation, not the operation
    (a batch keeps these facts for every file after releasing the models)."""

    table: str
    columns: tuple[str, ...]
    span: Span
    condition: str | None
    django: bool
    new_column: bool = False  # its first column is created by the same migration

    @classmethod
    def of(cls, op: Operation, table: str, columns: tuple[str, ...]) -> _ForeignKey:
        return cls(table, columns, op.span, op.condition, op.origin == "django")


def _scan(m: MigrationAST) -> tuple[tuple[_Built, ...], tuple[_ForeignKey, ...]]:
    """Indexes built and foreign keys declared (on a column the migration creates or not), in upgrade
    order. Tuples, not the `_Indexes` the history check joins them into: a batch keeps these facts for
    every file."""
    built: list[_Built] = []
    foreign: list[_ForeignKey] = []
    created: set[tuple[str, str]] = set()

    def index(table: str, columns: Any) -> None:
        built.append((table, tuple(str(c).lstrip("-") for c in columns or ())))  # no columns: unreadable

    for op in m.ops:
        if op.side != UPGRADE or not op.table:
            continue
        django = op.origin == "django"
        table = op.table
        if op.kind == Kind.CREATE_TABLE:
            if op.args.get("index_options"):
                index(table, ())
            for column in op.args.get("columns") or ():
                name = _django_column(column) if django else column.get("name")
                if not name:
                    continue
                created.add((table, name))
                if _column_indexed(column):
                    index(table, (name,))
                elif _fk_column(column, django):
                    foreign.append(_ForeignKey.of(op, table, (name,)))
            for columns in op.args.get("indexed_columns") or ():
                index(table, columns)
            for columns in op.args.get("fk_columns") or ():
                foreign.append(_ForeignKey.of(op, table, tuple(columns)))
        elif op.kind == Kind.ADD_COLUMN and op.column and not op.args.get("m2m"):
            created.add((table, op.column))
            if _column_indexed(op.args):
                index(table, (op.column,))
            elif _fk_column(op.args, django):
                foreign.append(_ForeignKey.of(op, table, (op.column,)))
        elif op.kind == Kind.CREATE_INDEX:
            index(table, () if op.args.get("together") else op.args.get("columns"))
        elif op.kind == Kind.CREATE_CONSTRAINT:
            ctype = op.args.get("constraint_type")
            if ctype == "foreignkey" and op.args.get("columns"):
                foreign.append(_ForeignKey.of(op, table, tuple(op.args["columns"])))
            elif ctype in ("unique", "primary", "exclude", "UniqueConstraint"):
                index(table, () if op.args.get("together") else op.args.get("columns"))
    keys = tuple(fk._replace(new_column=(fk.table, fk.columns[0]) in created) for fk in foreign if fk.columns)
    return tuple(built), keys


_Built = tuple[str, tuple[str, ...]]  # (table, leading columns of an index it gets); no columns: unreadable


def _databases(migrations: list[MigrationAST]) -> dict[int, object]:
    """id(migration) -> the database its history builds, so that indexes are joined per database.

    Alembic: one per connected part of the revision graph (parents and `depends_on`), except that the parts
    whose revisions share a directory are one: unlinked trees in separate directories are separate databases
    (Prefect keeps one tree per engine) or separate projects checked in one run, but a directory holding two
    bases is one script directory, upgraded to all its heads on one database. Django: one, its apps share
    the database.
    """
    out: dict[int, object] = {}
    for graph in graphs_of(migrations):
        if graph.framework != ALEMBIC:
            out.update((id(m), (graph.framework, 0)) for m in graph.migrations)
            continue
        first_in: dict[str, int] = {}  # directory -> its first revision
        same_directory = [
            (node, first_in.setdefault(os.path.dirname(m.path), node)) for node, m in enumerate(graph.migrations)
        ]
        parts = graph.components(also_joined=same_directory)
        out.update((id(m), (graph.framework, part)) for m, part in zip(graph.migrations, parts, strict=True))
    return out


@project_rule(
    code="MRT427",
    name="Foreign key without an index",
    category=LOCKS,
    severity=WARNING,
    facts=_scan,  # what each file declares; the check joins them over the history
    summary="A foreign key on a column with no index: every delete or key update on the parent scans this table.",
    docs=RuleDocs(
        what="A foreign key on a column the same migration creates, when no migration of the history builds an index "
        "that starts with that column: `sa.Column(..., sa.ForeignKey(...))` or `op.create_foreign_key` without `index=True` / "
        "`op.create_index`, `REFERENCES` in raw SQL without a `CREATE INDEX`, a Django `ForeignKey(..., "
        "db_index=False)`. A composite index whose leading columns are the key's columns covers it; so does a "
        "primary key or unique constraint that starts with them. Quiet on MySQL/MariaDB (InnoDB indexes foreign "
        "keys itself) and for columns that existed before the migration (their index may be older). It reads the "
        "whole history, so that an index built by a later migration counts: `mrt check` on a directory reports "
        "it, a single file checked alone is not judged.",
        why="PostgreSQL does not index the referencing column. Every `DELETE` of a parent row, and every update of "
        "its key, must find the child rows that point at it: without an index that is a sequential scan of the "
        "child table, holding the row locks of the parent meanwhile. With `ON DELETE CASCADE` or `SET NULL` the "
        "scan runs for every deleted parent. On a large child table one admin delete becomes minutes of "
        "blocking, and joins from parent to children cannot use an index either.",
        instead="Create an index whose first column is the foreign key column, in the same migration or, when the "
        "table already holds data, CONCURRENTLY in the next one (MRT407), or declare the column with `index=True`. In Django keep "
        "the default `db_index=True`, or cover the field with a `Meta.indexes` entry that starts with it.",
        example="# Alembic\n"
        "def upgrade():\n"
        '    op.add_column("orders", sa.Column("coupon_id", sa.Integer(), sa.ForeignKey("coupons.id")))\n\n'
        "# Django\n"
        'migrations.AddField("order", "coupon", models.ForeignKey("shop.Coupon", models.CASCADE, db_index=False))\n',
        fixed="# Alembic\n"
        "def upgrade():\n"
        '    op.add_column("orders", sa.Column("coupon_id", sa.Integer(), sa.ForeignKey("coupons.id"), index=True))\n\n'
        "# Django (the default db_index=True builds the index)\n"
        'migrations.AddField("order", "coupon", models.ForeignKey("shop.Coupon", models.CASCADE))\n',
    ),
)
def foreign_key_without_index(migrations: list[MigrationAST], config: MRTConfig) -> Iterator[tuple[MigrationAST, Hit]]:
    databases = _databases(migrations)
    indexes: dict[object, _Indexes] = {}
    scanned = []
    for m in migrations:
        if m.replaces or not m.is_migration:
            continue  # a squashed migration repeats the migrations it replaces
        built, foreign = file_facts(m, _scan)
        database = databases.get(id(m))
        history = indexes.get(database) or indexes.setdefault(database, _Indexes())
        for table, columns in built:
            history.add(table, columns)
        if foreign:
            scanned.append((m, foreign, history))
    for m, foreign, history in scanned:
        reported: set[tuple[str, tuple[str, ...]]] = set()
        for fk in foreign:
            table, columns = fk.table, fk.columns
            key = (table, columns)
            if key in reported or not fk.new_column or not condition_on_postgresql(m, config, fk.condition):
                continue
            if history.covers(table, columns, fk.django):
                continue
            reported.add(key)
            shown = ", ".join(columns)
            yield (
                m,
                Hit(
                    message=f"Foreign key {table}({shown}) has no index on the referencing side: deleting or re-keying a "
                    f"parent row scans {table!r}. Add an index that starts with {shown}",
                    span=fk.span,
                    table=table,
                    column=columns[0],
                ),
            )
