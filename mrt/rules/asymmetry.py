"""MRT3xx — a downgrade that does not undo what the upgrade did.

pytest-mrt only compares table and column names after a live round trip and so misses most of these;
here they are read straight from the two functions. Django schema operations are reversed by Django
itself and are not checked; Django RunSQL is, through its `reverse_sql`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mrt.config import MRTConfig
from mrt.dialect import MYSQL, SQLITE, target_dialect
from mrt.findings import ERROR, WARNING, Related
from mrt.model.migration import DJANGO, MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation
from mrt.rules.django_fields import field_events, live_type_changes
from mrt.rules.lock_context import on_postgresql, with_time_zone
from mrt.rules.matching import (
    Downgrade,
    added_columns,
    downgrade,
    explicit_upgrade_ops,
    op_positions,
    same,
    table_dropped_later,
)
from mrt.rules.registry import (
    ASYMMETRY,
    DATA_LOSS,
    REVERSIBILITY,
    Hit,
    RuleDocs,
    history_check,
    hit,
    rule,
)


def _downgrade_note(m: MigrationAST, what: str) -> tuple[Related, ...]:
    """Related information pointing at `def downgrade`, for editors to show beside the finding."""
    if m.downgrade_span is None:
        return ()
    return (Related(line=m.downgrade_span.line, column=m.downgrade_span.column, message=what),)


@rule(
    code="MRT301",
    kinds=(Kind.RENAME_TABLE,),
    name="rename_table without reverse",
    category=ASYMMETRY,
    severity=ERROR,
    summary="A table is renamed and the downgrade does not rename it back.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`op.rename_table(old, new)` or `ALTER TABLE old RENAME TO new` without the reverse rename in the "
        "downgrade. Keyword arguments and batch mode are read correctly.",
        why="After a rollback the old application looks for a table that no longer exists under its name.",
        instead="Rename it back in the downgrade.",
        example='def upgrade():\n    op.rename_table("customer", "client")\n\n\ndef downgrade():\n    pass\n',
        fixed='def downgrade():\n    op.rename_table("client", "customer")\n',
    ),
)
def rename_table_not_reversed(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    down = downgrade(m)
    for op in explicit_upgrade_ops(m, Kind.RENAME_TABLE):
        if op.new_table:
            continue
        back = any(same(d.new_name, op.table) for d in down.on_table(Kind.RENAME_TABLE, op.new_name))
        if not back:
            yield hit(
                op,
                f"Table {op.table!r} is renamed to {op.new_name!r} and the downgrade does not rename it back",
                related=_downgrade_note(m, "downgrade() has no matching rename_table"),
            )


@rule(
    code="MRT302",
    kinds=(Kind.RENAME_COLUMN,),
    name="rename_column without reverse",
    category=ASYMMETRY,
    severity=ERROR,
    summary="A column is renamed and the downgrade does not rename it back.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`op.alter_column(t, old, new_column_name=new)` (batch mode too) or `ALTER TABLE t RENAME COLUMN` "
        "without the reverse rename of that column in the downgrade.",
        why="After a rollback the old application queries a column name that no longer exists.",
        instead="Rename it back in the downgrade.",
        example='def upgrade():\n    op.alter_column("users", "name", new_column_name="full_name")\n',
        fixed='def downgrade():\n    op.alter_column("users", "full_name", new_column_name="name")\n',
    ),
)
def rename_column_not_reversed(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    down = downgrade(m)
    for op in explicit_upgrade_ops(m, Kind.RENAME_COLUMN):
        if op.new_table:
            continue
        back = any(same(d.column, op.new_name) and same(d.new_name, op.column) for d in down.of(Kind.RENAME_COLUMN))
        if not back and not down.drops_table(op.table):
            yield hit(
                op,
                f"Column {op.table}.{op.column} is renamed to {op.new_name!r} and the downgrade does not rename it back",
            )


# -- lossy type changes ----------------------------------------------------------------------------------

_INT_SIZES = {
    "smallinteger": 2, "smallint": 2, "int2": 2, "tinyint": 1,
    "integer": 4, "int": 4, "int4": 4, "mediumint": 3,
    "biginteger": 8, "bigint": 8, "int8": 8,
}  # fmt: skip
_FLOATS = {"float", "real", "double", "double_precision", "float8", "float4", "doubleprecision"}
_DECIMALS = {"numeric", "decimal"}
_UNBOUNDED_TEXT = {"text", "unicodetext", "clob", "longtext", "mediumtext", "citext"}
_BOUNDED_TEXT = {"string", "varchar", "unicode", "char", "nvarchar", "nchar", "character", "bpchar"}
_TIMESTAMPS = {"datetime", "timestamp", "timestamptz"}


# Only PostgreSQL has the two types: `DateTime(timezone=True)` is the same DATETIME on MySQL and SQLite.
ZONE_DROPPED = (
    "TIMESTAMPTZ to TIMESTAMP drops the time zone: each instant becomes a wall-clock time in the session's TimeZone, "
    "a rollback reads it back in whatever zone it runs with, and outside UTC the repeated hour of a daylight-saving "
    "change cannot be told apart"
)


def _norm(t: dict[str, Any] | None) -> tuple[str, tuple[Any, ...]] | None:
    if not t or not t.get("name"):
        return None
    name = t["name"].lower()
    if name in ("datetime", "timestamp") and with_time_zone(t):
        name = "timestamptz"
    return name, tuple(a for a in t.get("args") or () if not isinstance(a, bool))


def narrowing(old: dict[str, Any] | None, new: dict[str, Any] | None) -> str | None:
    """Why changing `old` to `new` can lose data, or None when it cannot (or when we cannot tell)."""
    a, b = _norm(old), _norm(new)
    if a is None or b is None or a == b:
        return None
    (old_name, old_args), (new_name, new_args) = a, b
    old_len = old_args[0] if old_args and isinstance(old_args[0], int) else None
    new_len = new_args[0] if new_args and isinstance(new_args[0], int) else None
    if new_name in _UNBOUNDED_TEXT:
        return None
    if new_name in _BOUNDED_TEXT:
        if old_name in _UNBOUNDED_TEXT:
            return f"{old_name.upper()} to {new_name.upper()}({new_len}) truncates longer values" if new_len else None
        if old_name in _BOUNDED_TEXT:
            if old_len is not None and new_len is not None and new_len < old_len:
                return f"length shrinks from {old_len} to {new_len}"
            if old_len is None and new_len is not None:
                return f"unbounded text becomes limited to {new_len} characters"
            return None
        if old_name in _INT_SIZES or old_name in _DECIMALS or old_name in _FLOATS or old_name in _TIMESTAMPS:
            return None  # numbers and dates fit in text (unless very short; not worth guessing)
        return None
    if new_name in _INT_SIZES:
        if old_name in _INT_SIZES and _INT_SIZES[new_name] < _INT_SIZES[old_name]:
            return f"{old_name.upper()} to {new_name.upper()} overflows large values"
        if old_name in _FLOATS or old_name in _DECIMALS:
            return f"{old_name.upper()} to {new_name.upper()} drops the fractional part"
        if old_name in _BOUNDED_TEXT or old_name in _UNBOUNDED_TEXT:
            return f"{old_name.upper()} to {new_name.upper()} fails or loses non-numeric values"
        return None
    if new_name in _DECIMALS:
        if old_name in _DECIMALS and len(old_args) >= 1 and len(new_args) >= 1:
            p_old, p_new = old_args[0], new_args[0]
            s_old = old_args[1] if len(old_args) > 1 else 0
            s_new = new_args[1] if len(new_args) > 1 else 0
            if all(isinstance(v, int) for v in (p_old, p_new, s_old, s_new)):
                if s_new < s_old:
                    return f"scale shrinks from {s_old} to {s_new} (digits after the point are rounded away)"
                if p_new - s_new < p_old - s_old:
                    if p_new < p_old:
                        return f"precision shrinks from {p_old} to {p_new}"
                    return f"digits before the point shrink from {p_old - s_old} to {p_new - s_new} (larger values overflow)"
        if old_name in _FLOATS and new_args:
            return f"{old_name.upper()} to NUMERIC{new_args} rounds values"
        return None
    if new_name == "date" and old_name in _TIMESTAMPS:
        return "DATETIME to DATE drops the time of day"
    if old_name == "timestamptz" and new_name in ("datetime", "timestamp"):
        return ZONE_DROPPED
    if new_name == "boolean" and old_name not in ("boolean", "bool"):
        return f"{old_name.upper()} to BOOLEAN collapses values to true/false"
    return None


@rule(
    code="MRT303",
    kinds=(Kind.ALTER_COLUMN,),
    name="Lossy column type change",
    category=DATA_LOSS,
    severity=WARNING,
    summary="A column type change that can truncate, round or overflow existing values.",
    docs=RuleDocs(
        what="`alter_column(type_=...)` (or `ALTER COLUMN ... TYPE`) that narrows the type: a shorter VARCHAR, "
        "TEXT to VARCHAR(n), BIGINT to INTEGER, NUMERIC to INTEGER or lower precision/scale, FLOAT to "
        "INTEGER, DATETIME to DATE, and on PostgreSQL TIMESTAMPTZ to TIMESTAMP (`sa.DateTime(timezone=True)` to "
        "`sa.DateTime()`). The old type comes from `existing_type=` or from the downgrade's "
        "`alter_column`. Widening (VARCHAR growth, INTEGER to BIGINT, VARCHAR to TEXT) is not reported. A "
        "Django `AlterField` does not state the old type: on PostgreSQL it is judged against the field's "
        "previous definition in the app's earlier migrations (e.g. CharField(max_length=100) to "
        "CharField(max_length=50)), when `mrt check` reads the whole migrations directory; silent when that "
        "definition is unknown, on a table the migration creates, and in initial or squashed migrations.",
        why="Values are cut, rounded or rejected; a rollback restores the wider type but not the lost digits or "
        "characters.",
        instead="Check the data first (e.g. `SELECT max(length(col))`), clean it explicitly, or add a new column "
        "and migrate the data in a reviewed step.",
        example='op.alter_column("users", "bio", type_=sa.String(50), existing_type=sa.Text())\n',
        fixed='op.execute("UPDATE users SET bio = left(bio, 50) WHERE length(bio) > 50")  # reviewed truncation\n'
        'op.alter_column("users", "bio", type_=sa.String(50), existing_type=sa.Text())\n',
    ),
)
def lossy_type_change(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if m.framework == DJANGO:
        return  # an AlterField names no old type: the history pass below judges it
    down = downgrade(m)
    for op in m.ops:
        if op.side != UPGRADE or op.kind != Kind.ALTER_COLUMN or op.new_table or "type" not in op.args:
            continue
        old = op.args.get("existing_type")
        if old is None:
            for d in down.on_column(Kind.ALTER_COLUMN, op.table, op.column):
                if d.args.get("type"):
                    old = d.args["type"]
                    break
        reason = narrowing(old, op.args["type"])
        if reason == ZONE_DROPPED and not on_postgresql(m, config, op):
            continue
        if reason:
            yield hit(op, f"Type change of {op.table}.{op.column} can lose data: {reason}")


@history_check("MRT303", facts=field_events)
def lossy_django_alter_field(migrations: list[MigrationAST], config: MRTConfig) -> Iterator[tuple[MigrationAST, Hit]]:
    """Django `AlterField`s judged against the field's previous definition (the file alone does not say it).
    Initial and squashed migrations only run on an empty database: nothing there to lose."""
    for change in live_type_changes(migrations, config):
        m, op = change.migration, change.op
        reason = narrowing(change.old.as_model_type(), change.new.as_model_type())
        if reason:
            message = f"Type change of {op.table}.{op.column} from {change.old} to {change.new} can lose data: {reason}"
            yield m, hit(op, message)


@rule(
    code="MRT304",
    kinds=(Kind.ADD_ENUM_VALUE,),
    name="ENUM value added",
    category=REVERSIBILITY,
    severity=ERROR,
    summary="ALTER TYPE ... ADD VALUE cannot be undone in PostgreSQL.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`ALTER TYPE ... ADD VALUE` in the upgrade (op.execute, conn.execute, RunSQL).",
        why="PostgreSQL cannot remove a value from an enum type. A rollback leaves the value in place, and rows "
        "that use it block any attempt to recreate the type without it. Before PostgreSQL 12 the statement "
        "also cannot run inside a transaction block.",
        instead="In the downgrade, recreate the type without the value (rename the old type, create the new one, "
        "`ALTER COLUMN ... TYPE new USING col::text::new`, drop the old), after remapping rows that use it; or "
        "use a lookup table / CHECK constraint instead of an enum.",
        example="def upgrade():\n    op.execute(\"ALTER TYPE status ADD VALUE 'archived'\")\n",
        fixed="def downgrade():\n    op.execute(\"UPDATE posts SET status = 'hidden' WHERE status = 'archived'\")\n"
        '    op.execute("ALTER TYPE status RENAME TO status_old")\n'
        "    op.execute(\"CREATE TYPE status AS ENUM ('draft', 'published', 'hidden')\")\n"
        '    op.execute("ALTER TABLE posts ALTER COLUMN status TYPE status USING status::text::status")\n'
        '    op.execute("DROP TYPE status_old")\n',
    ),
)
def enum_value_added(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    down = downgrade(m)
    recreated = {(d.name or "").lower() for d in down.of(Kind.CREATE_TYPE)}
    for op in m.ops:
        if op.side == UPGRADE and op.kind == Kind.ADD_ENUM_VALUE and (op.name or "").lower() not in recreated:
            yield hit(op, f"Value {op.args.get('value')!r} added to enum {op.name!r} cannot be removed on rollback")


def _on_new_columns(op: Operation, new_columns: set[tuple[str, str]]) -> bool:
    """True when an index/constraint only involves columns this migration adds.

    Dropping those columns (which MRT307 checks) drops the index or constraint with them; and in a
    Django migration, Django's own reverse of the AddField does.
    """
    if not op.table:
        return False
    table = op.table.lower()
    columns = op.args.get("columns")
    if columns:
        return all((table, str(c).lower()) in new_columns for c in columns)
    condition = op.args.get("condition")
    if condition:
        words = {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", condition)}
        return any((table, w) in new_columns for w in words)
    return False


def _left_behind(m: MigrationAST, kind: str, drop_kind: str, noun: str, describe: Any) -> Iterator[Hit]:
    down = downgrade(m)
    new_columns = added_columns(m)
    for op in explicit_upgrade_ops(m, kind):
        if kind != Kind.CREATE_TABLE and (op.new_table or _on_new_columns(op, new_columns)):
            continue  # dropping the new table (or the new columns) in the downgrade removes it too
        if kind == Kind.CREATE_TABLE and table_dropped_later(m, op):
            continue  # dropped again later in the same upgrade
        if down.undoes(op, drop_kind):
            continue
        yield hit(
            op,
            f"{noun} {describe(op)} is created by the upgrade and still exists after the downgrade",
            related=_downgrade_note(m, f"downgrade() does not drop {describe(op)}"),
        )


@rule(
    code="MRT306",
    kinds=(Kind.CREATE_TABLE,),
    name="Table left behind by downgrade",
    category=ASYMMETRY,
    severity=ERROR,
    summary="The upgrade creates a table and the downgrade does not drop it.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`op.create_table` / `CREATE TABLE` in the upgrade, with no `drop_table` of it in the downgrade "
        "(Django: a RunSQL whose reverse_sql does not drop it).",
        why="After a rollback the table is still there: the schema does not match the old revision, and the "
        "next upgrade fails with 'table already exists'.",
        instead="Drop the table in the downgrade.",
        example='def upgrade():\n    op.create_table("audit_log", sa.Column("id", sa.Integer, primary_key=True))\n\n\n'
        'def downgrade():\n    op.drop_index("ix_other", table_name="other")\n',
        fixed='def downgrade():\n    op.drop_table("audit_log")\n',
    ),
)
def table_left_behind(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    yield from _left_behind(m, Kind.CREATE_TABLE, Kind.DROP_TABLE, "Table", lambda op: repr(op.table))


@rule(
    code="MRT307",
    kinds=(Kind.ADD_COLUMN,),
    name="Column left behind by downgrade",
    category=ASYMMETRY,
    severity=ERROR,
    summary="The upgrade adds a column and the downgrade does not drop it.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`op.add_column` / `ALTER TABLE ... ADD COLUMN` on an existing table, with no `drop_column` of it "
        "(or drop of its table) in the downgrade.",
        why="After a rollback the column is still there: a NOT NULL column without a default breaks every "
        "INSERT of the old application, and the next upgrade fails with 'column already exists'.",
        instead="Drop the column in the downgrade.",
        example='def upgrade():\n    op.add_column("users", sa.Column("phone", sa.String(20)))\n\n\ndef downgrade():\n'
        '    op.drop_index("ix_users_phone", table_name="users")\n',
        fixed='def downgrade():\n    op.drop_column("users", "phone")\n',
    ),
)
def column_left_behind(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    found: tuple[Downgrade, dict[int, int], _Renames] | None = None  # indexed at the first column that needs it
    for op in explicit_upgrade_ops(m, Kind.ADD_COLUMN):
        if op.new_table:
            continue
        if found is None:  # a Django AddField is not the author's to reverse: most files never get here
            found = (downgrade(m), *_upgrade_renames(m))
        down, positions, renames = found
        if down.drops_column(op.table, _final_name(op, positions, renames)):
            continue
        if op.column is None:
            continue
        if op.table is None:  # a loop over table names: the downgrade's loop drops the column by name
            if any(d.table is None and same(d.column, op.column) for d in down.of(Kind.DROP_COLUMN)):
                continue
            name = f"{op.column} (of a table named at run time)"
        else:
            name = f"{op.table}.{op.column}"
        yield hit(
            op,
            f"Column {name} is added by the upgrade and still exists after the downgrade",
            related=_downgrade_note(m, f"downgrade() does not drop {name}"),
        )


_Renames = dict[str, list[tuple[int, Operation]]]


def _upgrade_renames(m: MigrationAST) -> tuple[dict[int, int], _Renames]:
    """Each operation's position in `m.ops`, and the upgrade's column renames per table (lower-cased name)
    with their positions: one pass, so that following every added column stays linear on a migration of
    thousands of operations."""
    renames: _Renames = {}
    for i, op in enumerate(m.ops):
        if op.side == UPGRADE and op.kind == Kind.RENAME_COLUMN and op.new_name and op.table:
            renames.setdefault(op.table.lower(), []).append((i, op))
    return op_positions(m), renames


def _final_name(added: Operation, positions: dict[int, int], renames: _Renames) -> str | None:
    """The name an added column has when the upgrade ends: Prefect adds `json_value`, copies the data over
    and renames it to `value`, and its downgrade drops `value`."""
    name = added.column
    if not added.table:
        return name
    start = positions[id(added)]
    for i, op in renames.get(added.table.lower(), ()):
        if i > start and same(op.column, name):
            name = op.new_name
    return name


@rule(
    code="MRT308",
    kinds=(Kind.CREATE_INDEX,),
    name="Index left behind by downgrade",
    category=ASYMMETRY,
    severity=ERROR,
    summary="The upgrade creates an index and the downgrade does not drop it.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`op.create_index` / `CREATE INDEX` on an existing table, with no `drop_index` of that name (or drop "
        "of its table) in the downgrade.",
        why="After a rollback the index is still there (a unique one still rejects rows the old application may "
        "write), and the next upgrade fails with 'index already exists'.",
        instead="Drop the index in the downgrade.",
        example='def upgrade():\n    op.create_index("ix_users_email", "users", ["email"])\n\n\ndef downgrade():\n    pass\n',
        fixed='def downgrade():\n    op.drop_index("ix_users_email", table_name="users")\n',
    ),
)
def index_left_behind(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    yield from _left_behind(m, Kind.CREATE_INDEX, Kind.DROP_INDEX, "Index", lambda op: repr(op.name or op.table))


@rule(
    code="MRT309",
    kinds=(Kind.CREATE_CONSTRAINT,),
    name="Constraint left behind by downgrade",
    category=ASYMMETRY,
    severity=ERROR,
    summary="The upgrade creates a constraint and the downgrade does not drop it.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`op.create_foreign_key` / `create_unique_constraint` / `create_check_constraint` / "
        "`ALTER TABLE ... ADD CONSTRAINT` on an existing table, with no `drop_constraint` of that name (or drop "
        "of its table) in the downgrade.",
        why="After a rollback the old application hits a constraint it does not know about, and the next upgrade "
        "fails because the constraint already exists.",
        instead="Drop the constraint in the downgrade.",
        example='def upgrade():\n    op.create_unique_constraint("uq_users_email", "users", ["email"])\n\n\n'
        "def downgrade():\n    pass\n",
        fixed='def downgrade():\n    op.drop_constraint("uq_users_email", "users", type_="unique")\n',
    ),
)
def constraint_left_behind(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    yield from _left_behind(
        m, Kind.CREATE_CONSTRAINT, Kind.DROP_CONSTRAINT, "Constraint", lambda op: repr(op.name or op.table)
    )


@rule(
    code="MRT310",
    kinds=(Kind.ALTER_COLUMN,),
    name="Column change not reverted",
    category=ASYMMETRY,
    severity=WARNING,
    summary="alter_column changes type, nullability or default and the downgrade leaves the column as is.",
    compares_downgrade=True,
    aliases=("MRT402", "MRT403"),
    docs=RuleDocs(
        what="`op.alter_column` (or `ALTER COLUMN ... TYPE / SET NOT NULL / SET DEFAULT`) on an existing column, "
        "with no `alter_column` of the same column (nor a drop of it or its table) in the downgrade. Covers "
        "pytest-mrt's MRT402 (NOT NULL without reverting nullable) and MRT403 (the same through raw SQL).",
        why="After a rollback the column keeps its new type, nullability or default: a NOT NULL the old "
        "application does not fill breaks its INSERTs.",
        instead="Restore the previous definition in the downgrade (`existing_type`/`nullable`/`server_default`).",
        example='def upgrade():\n    op.alter_column("users", "email", nullable=False)\n\n\ndef downgrade():\n    pass\n',
        fixed='def downgrade():\n    op.alter_column("users", "email", nullable=True)\n',
    ),
)
def column_change_not_reverted(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    down = downgrade(m)
    new_columns = added_columns(m)
    for op in explicit_upgrade_ops(m, Kind.ALTER_COLUMN):
        if op.new_table or not any(k in op.args for k in ("type", "nullable", "server_default")):
            continue
        if op.table and op.column and (op.table.lower(), op.column.lower()) in new_columns:
            continue  # a column this migration adds: dropping it (MRT307) reverts every change to it
        if op.table and op.column:
            reverted = bool(
                down.on_column(Kind.ALTER_COLUMN, op.table, op.column)
                or down.on_column(Kind.RENAME_COLUMN, op.table, op.column)
                or down.drops_column(op.table, op.column)
            )
            name = f"{op.table}.{op.column}"
        else:  # named at run time (a loop over information_schema): the downgrade's own loop is its reverse
            reverted = any(not (d.table and d.column) for d in down.of(Kind.ALTER_COLUMN))
            name = "A column named at run time"
        if not reverted:
            changes = [k.replace("_", " ") for k in ("type", "nullable", "server_default") if k in op.args]
            yield hit(op, f"{name}: the {' and '.join(changes)} change is not reverted by the downgrade")


_CREATED_OBJECTS = {"CreateSchemaStmt": "Schema", "CreatePolicyStmt": "Policy"}


def _owned_object(op: Operation) -> str | None:
    """The noun for a schema, extension or policy this upgrade creates and therefore owns. `IF NOT EXISTS`
    only makes sure the object is there (often one an earlier migration created): dropping it on the way
    down could remove what the previous revision needs, so such a statement owns nothing."""
    if op.args.get("if_not_exists") or op.name is None:
        return None
    if op.kind == Kind.CREATE_EXTENSION:
        return "Extension"
    return _CREATED_OBJECTS.get(str(op.args.get("statement"))) if op.kind == Kind.OTHER_SQL else None


def _object_dropped(m: MigrationAST, op: Operation, noun: str) -> bool:
    down = downgrade(m)
    if noun == "Extension":
        return bool(down.named(Kind.DROP_EXTENSION, op.name))
    if noun == "Schema":
        return bool(op.name) and op.name.lower() in _schemas_dropped(m)
    return down.drops_table(op.table) or any(
        d.args.get("drop") == "POLICY" and (d.table is None or op.table is None or same(d.table, op.table))
        for d in down.named(Kind.OTHER_SQL, op.name)
    )


def _schemas_dropped(m: MigrationAST) -> frozenset[str]:
    """The schemas the downgrade drops (lower-cased), read once per migration, not once per created schema."""
    cached = m.derived.get("schemas_dropped")
    if not isinstance(cached, frozenset):
        cached = m.derived["schemas_dropped"] = frozenset(
            s.lower()
            for d in downgrade(m).of(Kind.OTHER_SQL)
            if d.args.get("drop") == "SCHEMA"
            for s in d.args.get("schemas") or (d.name,)
            if s
        )
    return cached


@rule(
    code="MRT311",
    kinds=(Kind.OTHER_SQL, Kind.CREATE_EXTENSION),
    name="Schema, extension or policy left behind by downgrade",
    category=ASYMMETRY,
    severity=WARNING,
    summary="The upgrade creates a schema, extension or row-level security policy and the downgrade does not drop it.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`CREATE SCHEMA`, `CREATE EXTENSION` or `CREATE POLICY` in the upgrade's raw SQL (Django: a RunSQL "
        "with a reverse_sql) with no `DROP SCHEMA` / `DROP EXTENSION` / `DROP POLICY` of it in the downgrade (a "
        "policy also goes with its table). `CREATE ... IF NOT EXISTS` is not reported: it makes sure an object "
        "exists that an earlier migration may own. Django's `CreateExtension` operations reverse themselves.",
        why="After a rollback the object is still there. A policy keeps filtering the rows the old application "
        "reads and writes, and the next upgrade fails on 'already exists' for all three, so a rolled-back release "
        "cannot be deployed again.",
        instead="Drop the object in the downgrade (a schema after the tables in it), or create it with "
        "`IF NOT EXISTS` when the migration only needs it to be there.",
        example="# Alembic\n"
        "def upgrade():\n"
        '    op.execute("CREATE POLICY own_rows ON orders USING (owner = current_user)")\n\n\n'
        "def downgrade():\n"
        "    pass\n\n\n"
        "# Django\n"
        "migrations.RunSQL(\n"
        '    "CREATE POLICY own_rows ON shop_order USING (owner = current_user)",\n'
        "    reverse_sql=migrations.RunSQL.noop,\n"
        ")\n",
        fixed="# Alembic\n"
        "def downgrade():\n"
        '    op.execute("DROP POLICY own_rows ON orders")\n\n\n'
        "# Django\n"
        "migrations.RunSQL(\n"
        '    "CREATE POLICY own_rows ON shop_order USING (owner = current_user)",\n'
        '    reverse_sql="DROP POLICY own_rows ON shop_order",\n'
        ")\n",
    ),
)
def object_left_behind(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    opaque = bool(downgrade(m).of(Kind.RAW_SQL))  # SQL mrt cannot read may well drop it
    for op in explicit_upgrade_ops(m, Kind.OTHER_SQL, Kind.CREATE_EXTENSION):
        noun = _owned_object(op)
        if noun is None or opaque or _object_dropped(m, op, noun):
            continue
        on = f" on {op.table!r}" if noun == "Policy" and op.table else ""
        yield hit(
            op,
            f"{noun} {op.name!r}{on} is created by the upgrade and still exists after the downgrade: "
            f"the next upgrade fails on 'already exists'; drop it in the downgrade",
            related=_downgrade_note(m, f"downgrade() does not drop {op.name!r}"),
        )


def _comment_target(op: Operation) -> str:
    if op.table and op.column:
        return f"column {op.table}.{op.column}"
    return f"table {op.table!r}" if op.table else repr(op.name)


def _comment_restored(m: MigrationAST, op: Operation) -> bool:
    down = downgrade(m)
    if op.column:
        return bool(
            down.drops_column(op.table, op.column)
            or down.on_column(Kind.COMMENT, op.table, op.column)
            or any("comment" in d.args for d in down.on_column(Kind.ALTER_COLUMN, op.table, op.column))
        )
    if op.table:
        return down.drops_table(op.table) or any(d.column is None for d in down.on_table(Kind.COMMENT, op.table))
    return bool(down.named(Kind.COMMENT, op.name))


@rule(
    code="MRT312",
    kinds=(Kind.COMMENT, Kind.ALTER_COLUMN),
    name="Comment not restored by downgrade",
    category=ASYMMETRY,
    severity=WARNING,
    summary="The upgrade sets or removes a table or column comment and the downgrade does not put the old one back.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`op.create_table_comment`, `op.drop_table_comment`, `op.alter_column(..., comment=...)` or "
        "`COMMENT ON` in the upgrade, on a table or column that existed before, when the downgrade neither sets "
        "that comment again nor drops the table or column. Django's `AlterModelTableComment` and a field's "
        "`db_comment` are reversed by Django itself; a RunSQL `COMMENT ON` is judged by its reverse_sql.",
        why="After a rollback the catalog documents the new schema, not the one in use: the comment describes "
        "columns and meanings the old application does not have, and the catalog no longer matches what the old "
        "revision's autogenerate or `inspectdb` expects.",
        instead="Restore the previous comment in the downgrade (`existing_comment` is what Alembic's autogenerate "
        "writes for it), or drop it when there was none.",
        example="# Alembic\n"
        "def upgrade():\n"
        '    op.create_table_comment("orders", "One row per checkout")\n\n\n'
        "def downgrade():\n"
        "    pass\n\n\n"
        "# Django\n"
        "migrations.RunSQL(\"COMMENT ON TABLE shop_order IS 'One row per checkout'\", migrations.RunSQL.noop)\n",
        fixed="# Alembic\n"
        "def downgrade():\n"
        '    op.drop_table_comment("orders", existing_comment="One row per checkout")\n\n\n'
        "# Django\n"
        "migrations.RunSQL(\n"
        "    \"COMMENT ON TABLE shop_order IS 'One row per checkout'\",\n"
        '    reverse_sql="COMMENT ON TABLE shop_order IS NULL",\n'
        ")\n",
    ),
)
def comment_not_restored(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if downgrade(m).of(Kind.RAW_SQL):
        return  # SQL mrt cannot read may well restore it
    new_columns = added_columns(m)
    for op in explicit_upgrade_ops(m, Kind.COMMENT, Kind.ALTER_COLUMN):
        if op.kind == Kind.ALTER_COLUMN and "comment" not in op.args:
            continue
        if op.new_table or (op.table and op.column and (op.table.lower(), op.column.lower()) in new_columns):
            continue  # the downgrade drops the new table or column with its comment (MRT306/MRT307 otherwise)
        if not _comment_restored(m, op):
            yield hit(
                op,
                f"The comment on {_comment_target(op)} is changed by the upgrade and not restored by "
                "the downgrade; set the previous comment (or none) again in the downgrade",
            )


def _foreign_key_recreations(m: MigrationAST, dropped: Operation) -> list[Operation]:
    """The downgrade's `create_foreign_key` / `ADD CONSTRAINT ... FOREIGN KEY` that puts `dropped` back: by
    name, or (a key dropped without a name) on its table."""
    down = downgrade(m)
    if dropped.name is None:
        candidates = down.on_table(Kind.CREATE_CONSTRAINT, dropped.table)
    elif dropped.name:
        candidates = down.named(Kind.CREATE_CONSTRAINT, dropped.name)
    else:
        return []
    return [op for op in candidates if op.args.get("constraint_type") == "foreignkey"]


def _kept_in_the_upgrade(m: MigrationAST, dropped: Operation, recreated: Operation) -> bool:
    """No window in which orphans can be written: the upgrade puts a foreign key back itself (autogenerate's
    drop-and-re-create to change ON DELETE; the same key on a renamed table), drops the table, or drops the
    key's columns (the downgrade re-adds them empty)."""
    positions, last = _upgrade_landmarks(m)
    start = positions[id(dropped)]
    columns = frozenset(c.lower() for c in recreated.args.get("columns") or ())
    referent = recreated.args.get("referent")
    landmarks = [("fk_key", referent.lower(), columns)] if referent else []
    if dropped.table:
        table = dropped.table.lower()
        landmarks += [("fk_table", table), ("drop_table", table), *(("drop_column", table, c) for c in columns)]
    return any(last.get(landmark, -1) > start for landmark in landmarks)


def _upgrade_landmarks(m: MigrationAST) -> tuple[dict[int, int], dict[tuple[object, ...], int]]:
    """Each operation's position, and where the upgrade last creates a foreign key (per table, per referent
    and columns), drops a table or drops a column: one pass per migration, so MRT313 stays linear."""
    cached = m.derived.get("upgrade_landmarks")
    if isinstance(cached, tuple):
        return cached  # type: ignore[return-value]
    positions = op_positions(m)
    last: dict[tuple[object, ...], int] = {}
    for i, op in enumerate(m.ops):
        if op.side != UPGRADE:
            continue
        if op.kind == Kind.CREATE_CONSTRAINT and op.args.get("constraint_type") in (None, "foreignkey"):
            if op.table:
                last[("fk_table", op.table.lower())] = i
            referent = op.args.get("referent")
            if referent:
                last[("fk_key", referent.lower(), frozenset(c.lower() for c in op.args.get("columns") or ()))] = i
        elif op.table and op.kind == Kind.DROP_TABLE:
            last[("drop_table", op.table.lower())] = i
        elif op.table and op.column and op.kind == Kind.DROP_COLUMN:
            last[("drop_column", op.table.lower(), op.column.lower())] = i
    m.derived["upgrade_landmarks"] = (positions, last)
    return positions, last


@rule(
    code="MRT313",
    kinds=(Kind.DROP_CONSTRAINT,),
    name="Foreign key re-created by the downgrade without NOT VALID",
    category=ASYMMETRY,
    severity=WARNING,
    summary="The upgrade drops a foreign key and the downgrade re-creates it validated: rows written in between "
    "can make the rollback fail.",
    compares_downgrade=True,
    docs=RuleDocs(
        what='A foreign key dropped by the upgrade (`op.drop_constraint(..., type_="foreignkey")`, `ALTER TABLE '
        "... DROP CONSTRAINT`) that the downgrade re-creates as a validated constraint, when the upgrade does not "
        "put a foreign key back on the table itself and the downgrade does not clean the table (an UPDATE or "
        "DELETE on it) first. Not on SQLite, which does not check existing rows. A foreign key the downgrade does "
        "not re-create at all is MRT205.",
        why="While the new release runs, nothing stops it from writing rows whose reference does not exist (that "
        "is often why the key was dropped). Re-creating the key checks every existing row: the first orphan makes "
        "the downgrade fail, in the middle of an incident, and the rollback is stuck until someone cleans the data "
        "by hand. On PostgreSQL the check also holds a SHARE ROW EXCLUSIVE lock on both tables for the whole scan.",
        instead="Re-create the key `NOT VALID` in the downgrade (`postgresql_not_valid=True`): it protects new rows "
        "at once and skips the existing ones; validate it later with `ALTER TABLE ... VALIDATE CONSTRAINT` after "
        "the orphans are dealt with. Or delete / NULL the orphans in the downgrade before re-creating the key.",
        example="# Alembic\n"
        "def upgrade():\n"
        '    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")\n\n\n'
        "def downgrade():\n"
        '    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])\n\n\n'
        "# Django\n"
        "migrations.RunSQL(\n"
        '    "ALTER TABLE shop_order DROP CONSTRAINT fk_order_user",\n'
        '    reverse_sql="ALTER TABLE shop_order ADD CONSTRAINT fk_order_user FOREIGN KEY (user_id) REFERENCES '
        'auth_user (id)",\n'
        ")\n",
        fixed="# Alembic\n"
        "def downgrade():\n"
        '    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)\n'
        "\n\n"
        "# Django\n"
        "migrations.RunSQL(\n"
        '    "ALTER TABLE shop_order DROP CONSTRAINT fk_order_user",\n'
        '    reverse_sql="ALTER TABLE shop_order ADD CONSTRAINT fk_order_user FOREIGN KEY (user_id) REFERENCES '
        'auth_user (id) NOT VALID",\n'
        ")\n",
    ),
)
def foreign_key_recreated_validated(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    dialect = target_dialect(m, config)
    if dialect == SQLITE:
        return
    fix = (
        "delete or NULL the orphans in the downgrade before re-creating it (MySQL has no NOT VALID)"
        if dialect == MYSQL
        else "re-create it NOT VALID (postgresql_not_valid=True) and validate it once the orphans are cleaned"
    )
    down = downgrade(m)
    for op in explicit_upgrade_ops(m, Kind.DROP_CONSTRAINT):
        if op.new_table or op.in_batch or op.args.get("constraint_type") not in (None, "foreignkey"):
            continue
        recreated = _foreign_key_recreations(m, op)
        validated = [d for d in recreated if not d.args.get("not_valid")]
        if not validated or _kept_in_the_upgrade(m, op, validated[0]) or down.has_data_change(op.table):
            continue
        yield hit(
            op,
            f"Foreign key {op.describe()} is dropped, and the downgrade re-creates it validated: a row written in "
            f"between that references nothing makes the rollback fail; {fix}",
            related=(Related(line=validated[0].line, column=validated[0].span.column, message="re-created here"),),
        )


def _rolled_back_objects(m: MigrationAST) -> list[tuple[Operation, str]]:
    """What a rollback drops that this upgrade added, with the operation to report it at: the downgrade's
    drop (Alembic, RunSQL's reverse_sql), or the Django AddField / CreateModel that Django reverses itself.
    Columns of a table the same migration creates go with the table."""
    new_columns = added_columns(m)
    created = {op.table.lower() for op in m.ops if op.side == UPGRADE and op.kind == Kind.CREATE_TABLE and op.table}
    found: list[tuple[Operation, str]] = []
    for op in m.ops:
        if op.origin == "django":
            if op.side != UPGRADE or op.new_table:
                continue
            if op.kind == Kind.CREATE_TABLE and op.table:
                found.append((op, f"table {op.table}"))
            elif op.kind == Kind.ADD_COLUMN and op.table and op.column and not op.args.get("m2m"):
                found.append((op, f"column {op.table}.{op.column}"))
        elif op.side != UPGRADE and op.table:
            table = op.table.lower()
            if op.kind == Kind.DROP_TABLE and table in created:
                found.append((op, f"table {op.table}"))
            elif op.kind == Kind.DROP_COLUMN and op.column and (table, op.column.lower()) in new_columns:
                found.append((op, f"column {op.table}.{op.column}"))
    return found


@rule(
    code="MRT314",
    kinds=(Kind.DROP_COLUMN, Kind.DROP_TABLE, Kind.ADD_COLUMN, Kind.CREATE_TABLE),
    name="Rollback drops what the upgrade added, with the data written since",
    category=DATA_LOSS,
    severity=WARNING,
    default_enabled=False,
    compares_downgrade=True,
    summary="The downgrade drops a table or column this upgrade adds: every value written to it after the "
    "upgrade is lost on rollback (opt-in, informational).",
    docs=RuleDocs(
        what="A downgrade that drops a table or column the upgrade of the same migration creates: Alembic's "
        "`op.drop_column` / `op.drop_table` (or RunSQL's reverse_sql) undoing an `add_column` / `create_table`, "
        "and Django's AddField / CreateModel, whose reverse Django runs itself. Reported once per migration, at "
        "the first such drop. This is the correct reverse, so the rule is opt-in and says what the rollback "
        "costs (strong_migrations' `check_down`, django-safe-migrations' RV rules). A downgrade that drops "
        "something the upgrade did *not* add is not this rule's: that is a downgrade destroying older data.",
        why="The verifier seeds rows before the upgrade, so what it proves is that old data survives. Rows and "
        "values written while the new release ran exist only in what the upgrade added: a rollback hours later "
        "deletes them with the column or table, and nothing in the migration asks whether anyone needs them.",
        instead="Decide before you need the rollback: copy the new data out first (`CREATE TABLE ... AS SELECT`, "
        "`pg_dump -t`), let the downgrade rename the column or table aside instead of dropping it (and drop it in a "
        "later release), or plan to roll forward with a fix instead of back.",
        example="# Alembic\n"
        "def upgrade():\n"
        '    op.add_column("orders", sa.Column("gift_note", sa.Text()))\n\n\n'
        "def downgrade():\n"
        '    op.drop_column("orders", "gift_note")\n\n\n'
        "# Django (its reverse is RemoveField)\n"
        'migrations.AddField("order", "gift_note", models.TextField(null=True))\n',
        fixed="# Alembic: keep the values until someone decides they can go\n"
        "def downgrade():\n"
        '    op.alter_column("orders", "gift_note", new_column_name="gift_note_rolled_back")\n\n\n'
        "# Django: copy them out before `migrate shop 0004`, e.g. with\n"
        "#   CREATE TABLE shop_order_gift_note AS SELECT id, gift_note FROM shop_order;\n",
    ),
)
def rollback_drops_new_data(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    found = _rolled_back_objects(m)
    if not found:
        return
    first, _ = found[0]
    them = "it" if len(found) == 1 else "them"
    named = ", ".join(what for _, what in found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
    yield hit(
        first,
        f"A rollback drops {named}, added by this upgrade: every value written to {them} after the upgrade is "
        f"lost. Copy {them} out before downgrading, or rename instead of drop in the downgrade",
    )
