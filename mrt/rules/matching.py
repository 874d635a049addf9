"""Does the downgrade undo this upgrade operation? Shared by the reversibility, asymmetry and leftover rules.

Precision lives here: a dropped constraint that the downgrade re-creates under the same name, an index
on a table the downgrade drops anyway, a renamed table whose columns are renamed back under the new
name. The downgrade is indexed once per migration, so every question is a lookup.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from mrt.model.migration import MigrationAST
from mrt.model.ops import DATA_KINDS, DOWNGRADE, UPGRADE, Kind, Operation


def explicit_upgrade_ops(m: MigrationAST, *kinds: str) -> Iterable[Operation]:
    """Upgrade operations whose reverse the author must write: not Django schema operations
    (Django reverses those itself), and not a RunSQL without reverse_sql (MRT108 reports that)."""
    for op in m.ops:
        if op.side != UPGRADE or (kinds and op.kind not in kinds) or op.origin == "django":
            continue
        if op.args.get("run_sql") and op.args.get("reverse") is None:
            continue
        yield op


def data_ops_to_reverse(m: MigrationAST, kind: str) -> Iterable[Operation]:
    """Data changes whose reverse the author must write. A Django `reverse_sql=RunSQL.noop` is a
    deliberate "nothing to undo", like `RunPython.noop`, and is respected."""
    for op in explicit_upgrade_ops(m, kind):
        if not (op.args.get("run_sql") and op.args.get("reverse") == "noop"):
            yield op


def downgrade(m: MigrationAST) -> Downgrade:
    """The migration's downgrade operations, indexed once per migration (shared by every rule)."""
    cached = m.derived.get("downgrade")
    if cached is None:
        cached = m.derived["downgrade"] = Downgrade([op for op in m.ops if op.side == DOWNGRADE])
    return cached


def op_positions(m: MigrationAST) -> dict[int, int]:
    """Each operation's position in `m.ops` (by identity), computed once per migration: a rule that asks
    whether something happens later compares positions instead of scanning the operations again, which
    kept it linear on a migration of thousands of operations."""
    cached = m.derived.get("op_positions")
    if not isinstance(cached, dict):
        cached = m.derived["op_positions"] = {id(op): i for i, op in enumerate(m.ops)}
    return cached


def table_dropped_later(m: MigrationAST, op: Operation) -> bool:
    """The same side of the migration drops `op`'s table (by name, case-insensitively) after `op`."""
    last = m.derived.get("last_table_drops")
    if not isinstance(last, dict):
        last = m.derived["last_table_drops"] = {
            (o.side, o.table.lower()): i for i, o in enumerate(m.ops) if o.kind == Kind.DROP_TABLE and o.table
        }
    if not op.table:
        return False
    return last.get((op.side, op.table.lower()), -1) > op_positions(m).get(id(op), len(m.ops))


def same(a: str | None, b: str | None) -> bool:
    """Names compare case-insensitively (SQL folds unquoted names; Alembic users mix both)."""
    return a is not None and b is not None and a.lower() == b.lower()


def same_object(a: str | None, b: str | None, table: str | None) -> bool:
    """Index/constraint names match, also through a naming convention.

    With `ck_%(table_name)s_%(constraint_name)s` (SQLAlchemy's documented convention) a constraint
    created as "valid_title" on "contributions" exists as "ck_contributions_valid_title", and real
    downgrades drop it by that name.
    """
    if same(a, b):
        return True
    if a is None or b is None or table is None:
        return False
    short, full = sorted((a.lower(), b.lower()), key=len)
    suffix = f"_{table.lower()}_{short}"
    return full.endswith(suffix) and len(full) - len(suffix) <= 4


_RECREATE = {
    Kind.DROP_CONSTRAINT: Kind.CREATE_CONSTRAINT,
    Kind.DROP_INDEX: Kind.CREATE_INDEX,
    Kind.DROP_VIEW: Kind.CREATE_VIEW,
    Kind.DROP_TABLE: Kind.CREATE_TABLE,
    Kind.DROP_COLUMN: Kind.ADD_COLUMN,
    Kind.DROP_TRIGGER: Kind.CREATE_TRIGGER,
    Kind.DROP_FUNCTION: Kind.CREATE_FUNCTION,
    Kind.DROP_TYPE: Kind.CREATE_TYPE,
    Kind.DROP_SEQUENCE: Kind.CREATE_SEQUENCE,
}


def _key(name: str | None) -> str:
    return name.lower() if name else ""


class Downgrade:
    """A downgrade's operations, indexed by kind, name and table.

    Every question a rule asks ("does the downgrade drop this column?") is then a dictionary lookup,
    so a rule stays linear in the size of the migration, even for generated 10,000-line files.
    """

    def __init__(self, ops: list[Operation]) -> None:
        self.ops = ops
        self._by_kind: dict[str, list[Operation]] = defaultdict(list)
        self._by_name: dict[tuple[str, str], list[Operation]] = defaultdict(list)
        self._by_table: dict[tuple[str, str], list[Operation]] = defaultdict(list)
        self._columns: dict[tuple[str, str, str], list[Operation]] = defaultdict(list)
        self._untabled: dict[str, bool] = defaultdict(bool)
        self._data_tables: set[str] = set()
        self._data_anywhere = False
        for op in ops:
            self._by_kind[op.kind].append(op)
            if op.name:
                self._by_name[(op.kind, op.name.lower())].append(op)
            if not op.table:
                self._untabled[op.kind] = True
            else:
                self._by_table[(op.kind, op.table.lower())].append(op)
                if op.column:
                    self._columns[(op.kind, op.table.lower(), op.column.lower())].append(op)
            if op.kind in DATA_KINDS or op.kind == Kind.RAW_SQL:
                if op.table:
                    self._data_tables.add(op.table.lower())
                else:
                    self._data_anywhere = True

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.ops)

    def of(self, *kinds: str) -> list[Operation]:
        return [op for kind in kinds for op in self._by_kind.get(kind, ())]

    def named(self, kind: str, name: str | None) -> list[Operation]:
        return self._by_name.get((kind, _key(name)), [])

    def on_table(self, kind: str, table: str | None) -> list[Operation]:
        return self._by_table.get((kind, _key(table)), [])

    def touches_table(self, kinds: tuple[str, ...], table: str | None) -> bool:
        """An operation of one of `kinds` on `table`, or on a table that could not be read."""
        return any(self.on_table(kind, table) or self._untabled[kind] for kind in kinds)

    def on_column(self, kind: str, table: str | None, column: str | None) -> list[Operation]:
        return self._columns.get((kind, _key(table), _key(column)), [])

    def drops_table(self, table: str | None) -> bool:
        return bool(table) and (Kind.DROP_TABLE, _key(table)) in self._by_table

    def drops_column(self, table: str | None, column: str | None) -> bool:
        return bool(self.on_column(Kind.DROP_COLUMN, table, column)) or self.drops_table(table)

    def has_data_change(self, table: str | None = None) -> bool:
        """Any data change (or unreadable SQL, which may be one) on `table`, or anywhere when unknown."""
        if table is None:
            return self._data_anywhere or bool(self._data_tables)
        return self._data_anywhere or table.lower() in self._data_tables

    def recreates(self, dropped: Operation) -> bool:
        """True when the downgrade re-creates what `dropped` removed."""
        create = _RECREATE[dropped.kind]
        if dropped.kind == Kind.DROP_TABLE:
            return (create, _key(dropped.table)) in self._by_table
        if dropped.kind == Kind.DROP_COLUMN:
            return bool(self.on_column(create, dropped.table, dropped.column))
        if dropped.name is not None and (create, dropped.name.lower()) in self._by_name:
            return True
        for op in self._by_table.get((create, _key(dropped.table)), ()):
            if dropped.name is None:
                # An unnamed drop: any re-creation of the same kind on the same table counts.
                if dropped.kind != Kind.DROP_CONSTRAINT or _compatible_constraint(op, dropped):
                    return True
            elif op.name is None or same_object(op.name, dropped.name, dropped.table):
                return True  # re-created unnamed (a naming convention names it) or by convention
        return False

    def undoes(self, created: Operation, drop_kind: str) -> bool:
        """True when the downgrade drops (or drops the table of) an object `created` made."""
        if self.drops_table(created.table):
            return True
        if created.name is not None and (drop_kind, created.name.lower()) in self._by_name:
            return True
        for op in self._by_table.get((drop_kind, _key(created.table)), ()):
            if created.name is None or same_object(op.name, created.name, created.table):
                return True
        # Drops that name the object by convention but not its table (op.drop_index("ix_t_c")).
        if created.name is not None and created.table is not None:
            suffix = f"_{created.table.lower()}_{created.name.lower()}"
            return any(op.name and op.name.lower().endswith(suffix) for op in self._by_kind.get(drop_kind, ()))
        return False


def _compatible_constraint(created: Operation, dropped: Operation) -> bool:
    want = dropped.args.get("constraint_type")
    return want is None or created.args.get("constraint_type") in (None, want)


def added_columns(m: MigrationAST, side: str = UPGRADE) -> set[tuple[str, str]]:
    return {
        (op.table.lower(), op.column.lower())
        for op in m.ops
        if op.side == side and op.kind == Kind.ADD_COLUMN and op.table and op.column
    }


def add_copy_drops(m: MigrationAST) -> dict[int, bool]:
    """Drops that finish an add-copy-drop in the upgrade: {id(drop op): reversed by the downgrade}.

    The upgrade adds a column to T, copies data with an UPDATE on T, and drops another column of T.
    The downgrade restores the data only if it also copies back (an UPDATE on T) before dropping.
    Computed once per migration (two rules ask) in one pass over the operations.
    """
    cached = m.derived.get("add_copy_drops")
    if cached is not None:
        return cached  # type: ignore[return-value]
    added: dict[str, set[str]] = defaultdict(set)
    set_by_updates: dict[str, set[str]] = defaultdict(set)
    blind_update: set[str] = set()  # tables with an UPDATE whose targets could not be read
    drops: list[Operation] = []
    for op in m.ops:
        if op.side != UPGRADE or not op.table:
            continue
        table = op.table.lower()
        if op.kind == Kind.ADD_COLUMN and op.column:
            added[table].add(op.column.lower())
        elif op.kind == Kind.UPDATE:
            targets = op.args.get("set_columns")
            if targets:
                set_by_updates[table].update(t.lower() for t in targets)
            else:
                blind_update.add(table)
        elif op.kind == Kind.DROP_COLUMN:
            drops.append(op)
    out: dict[int, bool] = {}
    for drop in drops:
        table = drop.table.lower()  # type: ignore[union-attr]
        new_columns = added[table] - {(drop.column or "").lower()}
        if new_columns and (table in blind_update or new_columns & set_by_updates[table]):
            # the downgrade indexed only now: most migrations drop no column they copied from
            out[id(drop)] = bool(downgrade(m).on_table(Kind.UPDATE, drop.table))
    m.derived["add_copy_drops"] = out
    return out
