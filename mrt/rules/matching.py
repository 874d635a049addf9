"""Does the downgrade undo this upgrade operation? Shared by the reversibility, asymmetry and leftover rules.

Precision lives here: a dropped constraint that the downgrade re-creates under the same name, an index
on a table the downgrade drops anyway, a renamed table whose columns are renamed back under the new
name. Every function is a linear scan of one migration's operations.
"""

from __future__ import annotations

from collections.abc import Iterable

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


def downgrade(m: MigrationAST) -> list[Operation]:
    return [op for op in m.ops if op.side == DOWNGRADE]


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


def drops_table(ops: Iterable[Operation], table: str | None) -> bool:
    return any(op.kind == Kind.DROP_TABLE and same(op.table, table) for op in ops)


def drops_column(ops: Iterable[Operation], table: str | None, column: str | None) -> bool:
    return any(
        (op.kind == Kind.DROP_COLUMN and same(op.table, table) and same(op.column, column))
        or (op.kind == Kind.DROP_TABLE and same(op.table, table))
        for op in ops
    )


def recreates(ops: Iterable[Operation], dropped: Operation) -> bool:
    """True when a downgrade operation re-creates what `dropped` removed."""
    create = {
        Kind.DROP_CONSTRAINT: Kind.CREATE_CONSTRAINT,
        Kind.DROP_INDEX: Kind.CREATE_INDEX,
        Kind.DROP_VIEW: Kind.CREATE_VIEW,
        Kind.DROP_TABLE: Kind.CREATE_TABLE,
        Kind.DROP_COLUMN: Kind.ADD_COLUMN,
        Kind.DROP_TRIGGER: Kind.CREATE_TRIGGER,
        Kind.DROP_FUNCTION: Kind.CREATE_FUNCTION,
        Kind.DROP_TYPE: Kind.CREATE_TYPE,
        Kind.DROP_SEQUENCE: Kind.CREATE_SEQUENCE,
    }[dropped.kind]
    for op in ops:
        if op.kind != create:
            continue
        if dropped.kind in (Kind.DROP_TABLE,):
            if same(op.table, dropped.table):
                return True
        elif dropped.kind == Kind.DROP_COLUMN:
            if same(op.table, dropped.table) and same(op.column, dropped.column):
                return True
        elif dropped.name is not None:
            if same_object(op.name, dropped.name, dropped.table):
                return True
            if op.name is None and dropped.table is not None and same(op.table, dropped.table):
                return True  # re-created unnamed: the naming convention gives it its name back
        elif (
            dropped.table is not None
            and same(op.table, dropped.table)
            and (dropped.kind != Kind.DROP_CONSTRAINT or _compatible_constraint(op, dropped))
        ):
            return True  # an unnamed drop: any re-creation of the same kind on the same table counts
    return False


def _compatible_constraint(created: Operation, dropped: Operation) -> bool:
    want = dropped.args.get("constraint_type")
    return want is None or created.args.get("constraint_type") in (None, want)


def undoes_object(ops: Iterable[Operation], created: Operation, drop_kind: str) -> bool:
    """True when the downgrade drops (or drops the table of) an object `created` made."""
    for op in ops:
        if op.kind == Kind.DROP_TABLE and created.table is not None and same(op.table, created.table):
            return True
        if op.kind == drop_kind:
            if created.name is not None and same_object(op.name, created.name, created.table):
                return True
            if created.name is None and created.table is not None and same(op.table, created.table):
                return True
    return False


def has_data_change(ops: Iterable[Operation], table: str | None = None) -> bool:
    """Any data change (or unreadable SQL, which may be one) on `table`, or anywhere when unknown."""
    for op in ops:
        if (op.kind in DATA_KINDS or op.kind == Kind.RAW_SQL) and (
            table is None or op.table is None or same(op.table, table)
        ):
            return True
    return False


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
    """
    up = [op for op in m.ops if op.side == UPGRADE]
    out: dict[int, bool] = {}
    for drop in up:
        if drop.kind != Kind.DROP_COLUMN or not drop.table:
            continue
        table = drop.table
        added = {
            op.column.lower()
            for op in up
            if op.kind == Kind.ADD_COLUMN and same(op.table, table) and op.column and not same(op.column, drop.column)
        }
        if added and any(_copies_into(op, table, added) for op in up):
            out[id(drop)] = any(op.kind == Kind.UPDATE and same(op.table, table) for op in downgrade(m))
    return out


def _copies_into(op: Operation, table: str, added: set[str]) -> bool:
    """An UPDATE on `table` that sets one of the `added` columns (or whose targets are unknown)."""
    if op.kind != Kind.UPDATE or not same(op.table, table):
        return False
    targets = op.args.get("set_columns")
    return not targets or any(t.lower() in added for t in targets)
