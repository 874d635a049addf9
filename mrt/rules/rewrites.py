"""MRT4xx — table rewrites and engine specifics: volatile defaults and any default before PostgreSQL 11,
type changes that are not binary-compatible, serial/identity/generated columns, VACUUM FULL / CLUSTER,
MySQL table copies, and `json` where `jsonb` was meant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mrt.config import MRTConfig
from mrt.dialect import MYSQL, POSTGRESQL, branch_dialects, pg_version, target_dialect
from mrt.findings import ERROR, WARNING
from mrt.model.migration import MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation
from mrt.rules.django_fields import field_events, live_type_changes, type_changes
from mrt.rules.lock_context import (
    AUTO_FIELDS,
    SERIAL_TYPES,
    VOLATILE_FUNCTIONS,
    existing,
    fresh_database,
    is_m2m,
    old_type,
    on_postgresql,
    one_per_call,
    per_call,
    qualified_column,
    quoted_table,
    rewrite_reason,
    says,
    type_name,
)
from mrt.rules.registry import ALEMBIC_ONLY, HYGIENE, LOCKS, Hit, RuleDocs, history_check, hit, rule

# -- MRT404 / MRT405: defaults -----------------------------------------------------------------------------------


_CALLED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def default_functions(op: Operation) -> set[str]:
    """Functions called by a column's database default (raw SQL, `server_default=sa.text(...)`, `db_default=`)."""
    names = {n.lower() for n in op.args.get("default_functions") or ()}
    for key in ("server_default_expr", "db_default_expr"):
        text = op.args.get(key)
        if isinstance(text, str):
            names |= {n.lower() for n in _CALLED.findall(text)}  # also finds SQL inside sa.text("...")
    return names


def _may_call_functions(op: Operation) -> bool:
    """Whether `default_functions(op)` can name any function: most added columns have no database default."""
    args = op.args
    return (
        bool(args.get("default_functions"))
        or isinstance(args.get("server_default_expr"), str)
        or isinstance(args.get("db_default_expr"), str)
    )


def _pre_11(config: MRTConfig) -> bool:
    if not config.dialect_version:
        return False  # the usual case, asked per added column: no version to parse
    version = pg_version(config)
    return version is not None and version < (11, 0)


# A DEFAULT calling one of these cannot be added INSTANT or INPLACE on MySQL and MariaDB: each existing row needs
# its own value, so the server copies the table (checked on MariaDB 10.11: ALGORITHM=INSTANT and INPLACE are
# refused with "Try ALGORITHM=COPY"). RAND() is left out: MariaDB evaluates it once and adds the column instantly.
MYSQL_COPYING_DEFAULTS = frozenset({"uuid", "uuid_short", "sysdate", "nextval"})


def on_mysql(m: MigrationAST, config: MRTConfig, op: Operation) -> bool:
    """The operation runs on MySQL/MariaDB: the target says so, its SQL only parses as MySQL, or (target
    unknown) it sits in a branch for MySQL (`if bind.dialect.name == "mysql":`), as `may_be_postgresql` reads."""
    target = target_dialect(m, config)
    if target == MYSQL or op.args.get("dialect") == MYSQL:
        return True
    return target is None and MYSQL in branch_dialects(op.condition)


@rule(
    code="MRT404",
    kinds=(Kind.ADD_COLUMN,),
    name="ADD COLUMN with volatile DEFAULT",
    category=LOCKS,
    severity=WARNING,
    summary="A column whose default is volatile (random(), gen_random_uuid(), clock_timestamp(), nextval) "
    "rewrites the whole table.",
    docs=RuleDocs(
        what="`ADD COLUMN` on an existing table whose database default calls a volatile function: raw SQL "
        '`DEFAULT gen_random_uuid()`, Alembic `server_default=sa.text("uuid_generate_v4()")`, Django '
        "`db_default=RandomUUID()`. On MySQL/MariaDB (the target is MySQL, or the SQL only parses as MySQL), an "
        "expression default that calls `UUID()`, `UUID_SHORT()`, `SYSDATE()` or `NEXTVAL()`, such as `DEFAULT "
        '(uuid())` or `server_default=sa.text("(uuid())")`. A Python-side `default=` (Alembic or Django) is not '
        "a database default and is not reported; neither are constant or stable defaults such as `now()` / "
        "`CURRENT_TIMESTAMP`.",
        why="PostgreSQL 11+ stores a constant default in the catalog and adds the column instantly, but a volatile "
        "default must be computed per row: the table is rewritten under an ACCESS EXCLUSIVE lock, blocking reads "
        "and writes for the duration. MySQL and MariaDB refuse ALGORITHM=INSTANT and INPLACE for such a column and "
        "copy the whole table (ALGORITHM=COPY), with writes blocked until the copy ends.",
        instead="Add the column without a default (or with a constant one), set the volatile default with "
        "`ALTER COLUMN ... SET DEFAULT` (affects new rows only), and backfill existing rows in batches. On "
        "MySQL/MariaDB the column add is then INSTANT and the `SET DEFAULT (uuid())` a metadata change.",
        example="# Alembic\n"
        'op.add_column("orders", sa.Column("token", UUID, server_default=sa.text("gen_random_uuid()")))\n'
        "# Alembic, MySQL\n"
        'op.add_column("orders", sa.Column("token", sa.String(36), server_default=sa.text("(uuid())")))\n\n'
        "# Django\n"
        'migrations.AddField("order", "token", models.UUIDField(db_default=RandomUUID()))\n',
        fixed="# Alembic\n"
        'op.add_column("orders", sa.Column("token", UUID, nullable=True))\n'
        'op.alter_column("orders", "token", server_default=sa.text("gen_random_uuid()"))\n'
        "# ...then backfill existing rows in batches, outside this migration\n"
        "# Alembic, MySQL\n"
        'op.add_column("orders", sa.Column("token", sa.String(36), nullable=True))\n'
        'op.alter_column("orders", "token", server_default=sa.text("(uuid())"), existing_type=sa.String(36))\n\n'
        "# Django\n"
        'migrations.AddField("order", "token", models.UUIDField(null=True))\n'
        "migrations.RunSQL(\n"
        '    "ALTER TABLE shop_order ALTER COLUMN token SET DEFAULT gen_random_uuid()",\n'
        '    "ALTER TABLE shop_order ALTER COLUMN token DROP DEFAULT",\n'
        ")\n"
        "# Django, MySQL: the same RunSQL with SET DEFAULT (uuid())\n",
    ),
)
@per_call
def volatile_default(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if op.kind != Kind.ADD_COLUMN or not existing(op) or not _may_call_functions(op):
            continue
        if on_mysql(m, config, op):
            copying = sorted(default_functions(op) & MYSQL_COPYING_DEFAULTS)
            if copying:
                yield hit(
                    op,
                    f"Column {qualified_column(op)} gets a per-row default ({copying[0]}()): MySQL/MariaDB cannot add it "
                    f"INSTANT or INPLACE and copy {quoted_table(op)} (ALGORITHM=COPY) with writes blocked. Add it "
                    "without the default, SET DEFAULT in a second ALTER, backfill in batches",
                )
            continue
        if _pre_11(config) or not on_postgresql(m, config, op):
            continue  # MRT405 reports every default before PostgreSQL 11
        volatile = sorted(default_functions(op) & VOLATILE_FUNCTIONS)
        if volatile:
            yield hit(
                op,
                f"Column {qualified_column(op)} gets a volatile default ({volatile[0]}()): {quoted_table(op)} is rewritten under "
                "an ACCESS EXCLUSIVE lock. Add it without the default, SET DEFAULT afterwards, backfill in batches",
            )


@rule(
    code="MRT405",
    kinds=(Kind.ADD_COLUMN,),
    name="ADD COLUMN with DEFAULT before PostgreSQL 11",
    category=LOCKS,
    severity=WARNING,
    summary="On PostgreSQL 10 and older, adding a column with any default rewrites the table.",
    docs=RuleDocs(
        what="`ADD COLUMN` with a database default (Alembic `server_default=`, raw SQL `DEFAULT`, Django "
        "`default=` or `db_default=`: Django sets the default during the ALTER) on an existing table, when "
        '`[tool.mrt] dialect = "postgresql"` and `version` is below 11. Silent when the version is 11+ or unknown.',
        why="Before PostgreSQL 11 every existing row is rewritten to store the default, under an ACCESS EXCLUSIVE "
        "lock that blocks reads and writes for the whole rewrite.",
        instead="Add the column nullable without a default, set the default separately (new rows only), backfill "
        "in batches, then add NOT NULL via a validated CHECK constraint. Or upgrade PostgreSQL.",
        example="# Alembic\n"
        'op.add_column("users", sa.Column("plan", sa.String, server_default="free"))\n\n'
        "# Django\n"
        'migrations.AddField("user", "plan", models.CharField(max_length=20, default="free"))\n',
        fixed="# Alembic\n"
        'op.add_column("users", sa.Column("plan", sa.String, nullable=True))\n'
        'op.alter_column("users", "plan", server_default="free")\n\n'
        "# Django\n"
        'migrations.AddField("user", "plan", models.CharField(max_length=20, null=True))\n'
        "# then a RunSQL SET DEFAULT, and a batched backfill\n",
    ),
)
@per_call
def default_before_11(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if not _pre_11(config) or target_dialect(m, config) != POSTGRESQL:
        return
    for op in m.ops:
        if op.kind != Kind.ADD_COLUMN or not existing(op) or is_m2m(op):
            continue
        if op.args.get("server_default") or (op.origin == "django" and op.args.get("default")):
            yield hit(
                op,
                f"Column {qualified_column(op)} is added with a default: before PostgreSQL 11 this rewrites {quoted_table(op)} "
                "under an ACCESS EXCLUSIVE lock. Add it nullable, SET DEFAULT separately, backfill in batches",
            )


# -- MRT418: type changes that rewrite ------------------------------------------------------------------------------


@rule(
    code="MRT418",
    kinds=(Kind.ALTER_COLUMN,),
    name="Column type change rewrites the table",
    category=LOCKS,
    severity=WARNING,
    summary="ALTER COLUMN ... TYPE to a type that is not binary-compatible rewrites the table and its indexes.",
    docs=RuleDocs(
        what="`op.alter_column(..., type_=new, existing_type=old)` or `ALTER COLUMN ... TYPE` (the old type read "
        "from `existing_type=` or from the downgrade) on an existing table, when the change is not one PostgreSQL "
        "does in place. In place (not reported): VARCHAR growth, VARCHAR to TEXT or unbounded VARCHAR, TEXT to "
        "VARCHAR, NUMERIC precision growth at the same scale, NUMERIC to unconstrained NUMERIC, CIDR to INET, "
        'TIMESTAMP to TIMESTAMPTZ and back on PostgreSQL 12+ (`version = "12"` or later; needs a UTC session), '
        "whether written in SQL or as `sa.DateTime()` / `sa.DateTime(timezone=True)`. Types "
        "mrt does not know, and changes whose old type is not written down, are not reported. A Django "
        "`AlterField` does not state the old type: it is judged against the field's previous definition in the "
        "app's earlier migrations (CharField(max_length=n) is varchar(n), IntegerField integer, DateTimeField "
        "timestamptz, ...), when `mrt check` reads the whole migrations directory; silent when that definition "
        "is unknown (a migration not scanned, a custom operation or field, a relation).",
        why="A rewrite copies every row and rebuilds every index of the table under ACCESS EXCLUSIVE: no reads, no "
        "writes, for minutes to hours. INTEGER to BIGINT is the classic outage.",
        instead="Add a new column of the new type, dual-write (trigger or application), backfill in batches, then "
        "swap the columns in a short migration. For VARCHAR limits, prefer TEXT with a CHECK constraint added "
        "NOT VALID.",
        example="# Alembic\n"
        'op.alter_column("events", "id", type_=sa.BigInteger(), existing_type=sa.Integer())\n\n'
        "# Django (RunSQL)\n"
        "migrations.RunSQL(\n"
        '    "ALTER TABLE app_event ALTER COLUMN id TYPE bigint",\n'
        '    "ALTER TABLE app_event ALTER COLUMN id TYPE integer",\n'
        ")\n",
        fixed="# Alembic: expand, backfill, then switch in a later release\n"
        'op.add_column("events", sa.Column("id_new", sa.BigInteger(), nullable=True))\n'
        "# ...trigger or application dual-writes id_new; batched backfill; then swap names\n\n"
        "# Django: the same steps as AddField + RunPython backfill (atomic = False) + RenameField\n",
    ),
)
@per_call
def rewriting_type_change(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if op.kind != Kind.ALTER_COLUMN or not existing(op) or "type" not in op.args or op.origin == "django":
            continue
        if not on_postgresql(m, config, op) or op.args.get("dialect") == MYSQL:
            continue
        reason = rewrite_reason(old_type(m, op), op.args["type"], config)
        if reason:
            yield hit(
                op,
                f"Type change of {qualified_column(op)} rewrites {quoted_table(op)} and its indexes under an ACCESS EXCLUSIVE lock "
                f"({reason}). Add a new column, backfill, and swap instead",
            )


@history_check("MRT418", facts=field_events)
def rewriting_django_alter_field(
    migrations: list[MigrationAST], config: MRTConfig
) -> Iterator[tuple[MigrationAST, Hit]]:
    """Django `AlterField`s judged against the field's previous definition (the file alone does not say it)."""
    for change in live_type_changes(migrations, config):
        m, op = change.migration, change.op
        reason = rewrite_reason(change.old.as_model_type(), change.new.as_model_type(), config)
        if reason:
            yield (
                m,
                hit(
                    op,
                    f"Type change of {qualified_column(op)} from {change.old} to {change.new} rewrites "
                    f"{quoted_table(op)} and its indexes under an ACCESS EXCLUSIVE lock ({reason}). Add a new "
                    "column, backfill, and swap instead",
                ),
            )


# -- MRT419: serial / identity / stored generated -----------------------------------------------------------------


def _generated_kind(op: Operation) -> str | None:
    args = op.args
    if args.get("generated") in ("identity", "stored", True):
        return "generated" if args["generated"] in ("stored", True) else "identity"
    name = type_name(op)
    if name in SERIAL_TYPES:
        return "serial"
    field = (args.get("type") or {}).get("name")
    if (op.origin == "django" and field in AUTO_FIELDS) or args.get("generated") == "auto_increment":
        return "auto-increment"
    return None


@rule(
    code="MRT419",
    kinds=(Kind.ADD_COLUMN,),
    name="Serial, identity or stored generated column added",
    category=LOCKS,
    severity=WARNING,
    summary="Adding a serial/identity/stored generated column fills every row: a table rewrite under lock.",
    docs=RuleDocs(
        what="`ADD COLUMN` of a `serial`/`bigserial` type, `GENERATED ... AS IDENTITY`, `GENERATED ALWAYS AS "
        "(...) STORED`, or MySQL `AUTO_INCREMENT` (Alembic `sa.Identity()` / `sa.Computed()`, Django "
        "`AutoField`/`BigAutoField`, `GeneratedField(db_persist=True)`) on a table that existed before the "
        "migration. Virtual generated columns are not reported.",
        why="Every existing row gets a value computed at ALTER time, so PostgreSQL rewrites the table while holding "
        "ACCESS EXCLUSIVE. MySQL copies the table to add an AUTO_INCREMENT column, and MariaDB rebuilds it with "
        "LOCK=SHARED at best (it refuses LOCK=NONE): writes wait for the whole rebuild.",
        instead="Add a plain nullable column, fill it in batches (from a sequence, or the expression), then attach "
        "the default / identity / constraint. For generated values, consider a view or a trigger. On MySQL, run "
        "the ALTER with an online schema tool (gh-ost, pt-online-schema-change).",
        example="# Alembic\n"
        'op.add_column("orders", sa.Column("total_cents", sa.Integer, sa.Computed("total * 100")))\n\n'
        "# Django\n"
        "migrations.AddField(\n"
        '    "order",\n'
        '    "total_cents",\n'
        '    models.GeneratedField(expression=F("total") * 100, output_field=models.IntegerField(), db_persist=True),\n'
        ")\n",
        fixed="# Alembic\n"
        'op.add_column("orders", sa.Column("total_cents", sa.Integer, nullable=True))\n'
        "# ...batched backfill, then a trigger or application code keeps it in sync\n\n"
        "# Django\n"
        'migrations.AddField("order", "total_cents", models.IntegerField(null=True))\n',
    ),
)
@per_call
def generated_column(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if op.kind != Kind.ADD_COLUMN or not existing(op):
            continue
        kind = _generated_kind(op)
        if kind == "auto-increment" and on_mysql(m, config, op):
            yield hit(
                op,
                f"AUTO_INCREMENT column {qualified_column(op)} is numbered for every existing row: MySQL copies "
                f"{quoted_table(op)} and MariaDB rebuilds it, with writes blocked (LOCK=NONE is refused). Use an online "
                "schema tool (gh-ost, pt-online-schema-change)",
            )
        elif kind and target_dialect(m, config) != "sqlite":
            yield hit(
                op,
                f"{kind.capitalize()} column {qualified_column(op)} is filled for every existing row: {quoted_table(op)} is "
                "rewritten under an ACCESS EXCLUSIVE lock. Add a plain nullable column and backfill in batches",
            )


# -- MRT422: VACUUM FULL / CLUSTER -----------------------------------------------------------------------------------


@rule(
    code="MRT422",
    kinds=(Kind.MAINTENANCE,),
    name="VACUUM FULL or CLUSTER",
    category=LOCKS,
    severity=WARNING,
    summary="VACUUM FULL and CLUSTER rewrite the table under an ACCESS EXCLUSIVE lock.",
    docs=RuleDocs(
        what="`VACUUM FULL` or `CLUSTER` in raw SQL (op.execute, RunSQL).",
        why="Both rewrite the whole table while holding ACCESS EXCLUSIVE: no reads, no writes until done. "
        "VACUUM also cannot run inside the migration's transaction.",
        instead="Run maintenance outside migrations, with `pg_repack` (or `REPACK CONCURRENTLY` on PostgreSQL 19+), "
        "or plain `VACUUM` (no FULL), which does not block.",
        example="# Alembic\n"
        'op.execute("VACUUM FULL events")\n\n'
        "# Django\n"
        'migrations.RunSQL("CLUSTER events USING ix_events_created", migrations.RunSQL.noop)\n',
        fixed="# outside the migration, during a maintenance window:\n# pg_repack --table=events\n",
    ),
)
@per_call
def vacuum_full(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if op.side != UPGRADE or op.kind != Kind.MAINTENANCE:
            continue
        statement = op.args.get("statement")
        if statement == "ClusterStmt" or (statement == "VacuumStmt" and says(op, "FULL")):
            what = "CLUSTER" if statement == "ClusterStmt" else "VACUUM FULL"
            yield hit(op, f"{what} rewrites the table under an ACCESS EXCLUSIVE lock; use pg_repack outside migrations")


# -- MRT423: MySQL copies -------------------------------------------------------------------------------------------

# Column types under one MySQL name: raw MySQL SQL (sqlglot), SQLAlchemy types, and the PostgreSQL names a Django
# field's type is kept under (`django_fields.ColumnType`). Integer display widths are not part of the type.
_MYSQL_TYPES = {
    "string": "varchar", "varchar": "varchar", "unicode": "varchar", "nvarchar": "varchar",
    "character varying": "varchar", "char": "char", "nchar": "char", "bpchar": "char",
    "text": "text", "unicodetext": "text", "clob": "text", "tinytext": "tinytext", "mediumtext": "mediumtext",
    "longtext": "longtext", "varbinary": "varbinary", "binary": "binary", "blob": "blob", "largebinary": "blob",
    "mediumblob": "mediumblob", "longblob": "longblob",
    "tinyint": "tinyint", "boolean": "tinyint", "bool": "tinyint", "smallint": "smallint", "smallinteger": "smallint",
    "int2": "smallint", "mediumint": "mediumint", "int": "int", "integer": "int", "int4": "int", "bigint": "bigint",
    "biginteger": "bigint", "int8": "bigint", "utinyint": "tinyint unsigned", "usmallint": "smallint unsigned",
    "umediumint": "mediumint unsigned", "uint": "int unsigned", "ubigint": "bigint unsigned",
    "numeric": "decimal", "decimal": "decimal", "float": "float", "float4": "float", "double": "double",
    "float8": "double", "double_precision": "double",
    "datetime": "datetime", "timestamptz": "datetime", "timestamp": "timestamp", "date": "date", "time": "time",
    "year": "year", "json": "json", "jsonb": "json",
}  # fmt: skip
# Django fields whose MySQL column is fixed: UUIDField is char(32), GenericIPAddressField char(39).
_MYSQL_FIXED = {"uuid": ("char", (32,)), "inet": ("char", (39,))}
_UTF8MB4 = 4  # bytes a character may take in MySQL 8's default character set
_LENGTH_PREFIX_LIMIT = 255  # up to 255 bytes a VARCHAR value has a 1-byte length prefix, beyond it 2 bytes


def _mysql_type(t: Any) -> tuple[str, tuple[int, ...]] | None:
    if not isinstance(t, dict) or not t.get("name"):
        return None
    raw = str(t["name"]).lower()
    if raw in _MYSQL_FIXED:
        return _MYSQL_FIXED[raw]
    name = _MYSQL_TYPES.get(raw)
    if name is None:
        return None
    args = tuple(a for a in t.get("args") or () if isinstance(a, int) and not isinstance(a, bool))
    if name in ("varchar", "char", "varbinary", "binary"):
        return (name, args[:1]) if args else None
    if name == "decimal":  # MySQL's DECIMAL is DECIMAL(10, 0)
        return name, ((args + (10, 0)[len(args) :])[:2])
    if name == "float" and args and args[0] > 24:  # FLOAT(p) with 25 to 53 bits is a DOUBLE
        return "double", ()
    return name, ()


def mysql_copy_reason(old: Any, new: Any) -> str | None:
    """Why MySQL/MariaDB copy the table to change a column from `old` to `new`, or None: no change, a change
    done in place, or a type mrt does not know. InnoDB changes a column type in place only to grow a VARCHAR
    (VARBINARY) within its length-prefix class; ENUM/SET changes are judged on their own (`_enum_values`)."""
    a, b = _mysql_type(old), _mysql_type(new)
    if a is None or b is None or a == b:
        return None
    (old_name, old_args), (new_name, new_args) = a, b
    if old_name == new_name and old_name in ("varchar", "varbinary"):
        width = _UTF8MB4 if old_name == "varchar" else 1
        old_bytes, new_bytes = old_args[0] * width, new_args[0] * width
        if new_bytes < old_bytes:
            return f"{old_name.upper()}({old_args[0]}) to {old_name.upper()}({new_args[0]}) shrinks the column"
        if old_bytes <= _LENGTH_PREFIX_LIMIT < new_bytes:
            return (
                f"{old_name.upper()}({old_args[0]}) to {old_name.upper()}({new_args[0]}) needs a 2-byte length prefix"
                + (" in utf8mb4" if width > 1 else "")
                + " (MariaDB grows it in place)"
            )
        return None
    shown = [f"{n.upper()}({', '.join(map(str, args))})" if args else n.upper() for n, args in (a, b)]
    return f"{shown[0]} to {shown[1]} is not done in place"


def _copy_message(op: Operation, reason: str) -> str:
    return (
        f"Type change of {qualified_column(op)} copies {quoted_table(op)} on MySQL/MariaDB ({reason}): ALGORITHM=COPY "
        "blocks writes for the whole copy. Add a new column and backfill it, or use an online schema tool (gh-ost, "
        "pt-online-schema-change)"
    )


def _enum_values(t: Any) -> tuple[str, ...] | None:
    if not isinstance(t, dict) or str(t.get("name", "")).lower() not in ("enum", "set"):
        return None
    values = tuple(a for a in t.get("args") or () if isinstance(a, str))
    return values or None


@rule(
    code="MRT423",
    name="MySQL table copy or blocking ALTER",
    category=LOCKS,
    severity=WARNING,
    summary="ALGORITHM=COPY, LOCK=SHARED/EXCLUSIVE, or an ENUM/SET change other than appending makes MySQL copy "
    "or lock the table.",
    docs=RuleDocs(
        what="Raw `ALTER TABLE ... ALGORITHM=COPY` or `LOCK=SHARED` / `LOCK=EXCLUSIVE` (parsed with sqlglot's MySQL "
        "dialect). On MySQL/MariaDB (the target is MySQL, or the SQL only parses as MySQL), a column type change "
        "that InnoDB can only make by copying the table: `MODIFY` / `CHANGE` in raw SQL, "
        "`alter_column(type_=..., existing_type=...)` (the old type read from `existing_type=` or from the "
        "downgrade), and a Django `AlterField` judged against the field's previous definition in the app's earlier "
        "migrations. In place, not reported: the same type, a VARCHAR / VARBINARY that grows within its "
        "length-prefix class (up to 255 bytes, or beyond; utf8mb4, 4 bytes a character, is assumed), NULL / NOT "
        "NULL and default changes, renames. Every other change of type, length, precision or sign copies: INT to "
        "BIGINT, a shrinking VARCHAR, CHAR to VARCHAR, TEXT to MEDIUMTEXT, DECIMAL(10,2) to DECIMAL(12,2). An "
        "ENUM/SET change that does not just append values at the end copies too. A statement that sets ALGORITHM=INPLACE "
        "or INSTANT is not judged: the server refuses it rather than copy.",
        why="A COPY ALTER rebuilds the table and blocks writes (LOCK=SHARED) or everything (LOCK=EXCLUSIVE) for "
        "the whole copy. Appending ENUM values is instant; reordering, removing or inserting values forces a copy. "
        "A type change is a COPY with writes blocked, minutes to hours on a large table.",
        instead="Use `ALGORITHM=INPLACE, LOCK=NONE` (or INSTANT) where MySQL supports it, append new ENUM values at "
        "the end, or run the change with an online schema tool (gh-ost, pt-online-schema-change). For a type "
        "change: add a column of the new type, backfill it in batches, and switch to it in a later release.",
        example="# Alembic\n"
        'op.execute("ALTER TABLE orders MODIFY status VARCHAR(40), ALGORITHM=COPY, LOCK=SHARED")\n'
        'op.alter_column("orders", "id", type_=sa.BigInteger(), existing_type=sa.Integer())\n\n'
        "# Django\n"
        'migrations.RunSQL("ALTER TABLE shop_order ADD COLUMN note TEXT, ALGORITHM=COPY", migrations.RunSQL.noop)\n'
        'migrations.AlterField("order", "total", models.DecimalField(max_digits=12, decimal_places=2))\n',
        fixed="# Alembic\n"
        'op.execute("ALTER TABLE orders ADD COLUMN note TEXT, ALGORITHM=INSTANT")\n'
        'op.add_column("orders", sa.Column("id_new", sa.BigInteger(), nullable=True))\n'
        "# ...backfill id_new in batches, switch in a later release (or run the ALTER with gh-ost)\n\n"
        "# Django\n"
        "migrations.RunSQL(\n"
        '    "ALTER TABLE shop_order ADD COLUMN note TEXT, ALGORITHM=INPLACE, LOCK=NONE",\n'
        '    "ALTER TABLE shop_order DROP COLUMN note",\n'
        ")\n"
        'migrations.AddField("order", "total_new", models.DecimalField(max_digits=12, decimal_places=2, null=True))\n',
    ),
)
@per_call
def mysql_copy(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    seen: set[tuple[int, int]] = set()
    for op in m.ops:
        if not existing(op):
            continue
        algorithm, lock = op.args.get("mysql_algorithm"), op.args.get("mysql_lock")
        if algorithm == "COPY" or lock in ("SHARED", "EXCLUSIVE"):
            key = (op.span.line, op.span.column)
            if key not in seen:
                seen.add(key)
                how = f"ALGORITHM={algorithm}" if algorithm == "COPY" else f"LOCK={lock}"
                yield hit(
                    op,
                    f"{how} on {quoted_table(op)}: MySQL copies or locks the table for the whole ALTER. Use "
                    "ALGORITHM=INPLACE/INSTANT with LOCK=NONE, or an online schema tool",
                )
            continue
        if op.kind == Kind.ALTER_COLUMN and target_dialect(m, config) == MYSQL:
            old, new = _enum_values(old_type(m, op)), _enum_values(op.args.get("type"))
            if old and new and new[: len(old)] != old:
                yield hit(
                    op,
                    f"ENUM change on {qualified_column(op)} does not only append values: MySQL copies {quoted_table(op)} with "
                    "writes blocked. Append new values at the end, or use an online schema tool",
                )
                continue
        in_place_asked = algorithm in ("INPLACE", "INSTANT")  # the server refuses such a statement rather than copy
        # A Django AlterField is judged against the field's history instead (`mysql_copy_django_alter_field`).
        judged = op.kind == Kind.ALTER_COLUMN and op.origin != "django" and "type" in op.args and not in_place_asked
        if judged and on_mysql(m, config, op):
            reason = mysql_copy_reason(old_type(m, op), op.args["type"])
            if reason:
                yield hit(op, _copy_message(op, reason))


@history_check("MRT423", facts=field_events)
def mysql_copy_django_alter_field(
    migrations: list[MigrationAST], config: MRTConfig
) -> Iterator[tuple[MigrationAST, Hit]]:
    """Django `AlterField`s on MySQL judged against the field's previous definition (the file alone does not say it)."""
    for change in type_changes(migrations):
        m, op = change.migration, change.op
        if fresh_database(m) or not existing(op) or target_dialect(m, config) != MYSQL:
            continue
        reason = mysql_copy_reason(change.old.as_model_type(), change.new.as_model_type())
        if reason:
            yield m, hit(op, _copy_message(op, reason))


# -- MRT424: json vs jsonb ------------------------------------------------------------------------------------------


_SA_JSON = re.compile(r"(?<![\w.])(?:sa|sqlalchemy|postgresql|pg|types|sqltypes)\.JSON\b")
_BARE_JSON = re.compile(r"(?<![\w.])JSON\s*\(")
_IMPORTS_JSON = re.compile(r"^from sqlalchemy[\w.]*\s+import\s+[^\n]*\bJSON\b", re.MULTILINE)


def _json_columns(m: MigrationAST, op: Operation) -> list[str]:
    """Columns typed SQLAlchemy's (or PostgreSQL's) own JSON, not a project type that happens to be named JSON."""
    if op.kind == Kind.CREATE_TABLE:
        columns = [c for c in op.args.get("columns") or () if isinstance(c.get("type"), dict)]
        names = [str(c.get("name")) for c in columns if str(c["type"].get("name", "")).lower() == "json"]
    elif op.kind in (Kind.ADD_COLUMN, Kind.ALTER_COLUMN) and type_name(op) == "json" and op.origin != "django":
        names = [str(op.column)]
    else:
        return []
    if not names or op.origin == "sql":
        return names
    segment = "\n".join(m.source.splitlines()[op.span.line - 1 : op.span.end_line])
    if _SA_JSON.search(segment) or (_BARE_JSON.search(segment) and _IMPORTS_JSON.search(m.source)):
        return names
    return []


def _targets_postgresql(m: MigrationAST, config: MRTConfig) -> bool:
    if target_dialect(m, config) == POSTGRESQL:
        return True
    imports_pg = "dialects.postgresql" in m.source or "dialects import postgresql" in m.source
    return target_dialect(m, config) is None and imports_pg


@rule(
    code="MRT424",
    name="json instead of jsonb",
    category=LOCKS,
    severity=WARNING,
    summary="A PostgreSQL `json` column: no equality operator (DISTINCT, GROUP BY, UNIQUE fail) and no GIN index.",
    frameworks=ALEMBIC_ONLY,
    docs=RuleDocs(
        what="A column of type `json` (`sa.JSON`, `postgresql.JSON`, raw SQL `json`) created or added in a "
        "revision that targets PostgreSQL (configured or detected, or a file that imports "
        "`sqlalchemy.dialects.postgresql`). Django's `JSONField` is already `jsonb` and is not reported.",
        why="`json` stores the text as written: it has no equality operator, so `SELECT DISTINCT`, `GROUP BY`, "
        "`UNION` and unique indexes over it fail, and it cannot use GIN indexes. Converting it later is a full "
        "table rewrite.",
        instead='Use `postgresql.JSONB` (or `sa.JSON().with_variant(postgresql.JSONB(), "postgresql")`).',
        example="# Alembic\n"
        'op.add_column("events", sa.Column("payload", sa.JSON()))\n\n'
        "# Django: JSONField is jsonb on PostgreSQL already; raw SQL is the only way to get json\n"
        'migrations.RunSQL("ALTER TABLE app_event ADD COLUMN payload json", "ALTER TABLE app_event DROP COLUMN payload")\n',
        fixed="# Alembic\n"
        'op.add_column("events", sa.Column("payload", postgresql.JSONB()))\n\n'
        "# Django\n"
        'migrations.AddField("event", "payload", models.JSONField(null=True))\n',
    ),
)
@per_call
def json_not_jsonb(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if op.side != UPGRADE:
            continue
        columns = _json_columns(m, op)
        if columns and _targets_postgresql(m, config):
            where = f"{op.table}.{columns[0]}" if len(columns) == 1 else f"{op.table} ({', '.join(columns)})"
            yield hit(op, f"{where} uses json: no equality operator and no GIN index on PostgreSQL; use jsonb")


# -- MRT426: identifiers PostgreSQL truncates ------------------------------------------------------------------------

_MAX_IDENTIFIER = 63  # NAMEDATALEN - 1, in bytes


# A name of at most this many characters fits whatever it encodes to (UTF-8 takes at most 4 bytes a character).
_SURELY_SHORT = _MAX_IDENTIFIER // 4

_LONG_WORD = re.compile(rf"[A-Za-z_][A-Za-z0-9_$]{{{_MAX_IDENTIFIER},}}")


def _as_written(op: Operation, name: str | None) -> str | None:
    """The name as the SQL wrote it: the parser has already truncated a long one, like the server will (so a
    name shorter than the limit is as written, and the statement need not be searched)."""
    if op.origin == "sql" and op.sql and name and len(name) >= _MAX_IDENTIFIER:
        long_words = [w for w in _LONG_WORD.findall(op.sql) if w.lower().startswith(name.lower())]
        return long_words[0] if long_words else name
    return name


def _too_long(name: str | None) -> bool:
    return isinstance(name, str) and len(name.encode()) > _MAX_IDENTIFIER


def _long_name(op: Operation) -> str | None:
    """An index or constraint name this operation creates that exceeds PostgreSQL's identifier limit."""
    if op.kind not in (Kind.CREATE_INDEX, Kind.CREATE_CONSTRAINT, Kind.RENAME_INDEX):
        return None
    name = _as_written(op, op.new_name if op.kind == Kind.RENAME_INDEX else op.name)
    return name if _too_long(name) else None


def _django_table_declared(op: Operation) -> bool:
    """A Django table name written in the migration (`db_table`, AlterModelTable). The name Django derives from
    app and model is shortened by Django itself, with a hash, to fit the backend's limit."""
    if op.kind == Kind.RENAME_TABLE:
        return op.call.endswith("AlterModelTable")
    return bool(op.table and op.name) and not str(op.table).lower().endswith("_" + str(op.name).lower())


def _long_tables_and_columns(op: Operation) -> list[tuple[str, str]]:
    """(noun, name) for each table or column name `op` gives that exceeds PostgreSQL's identifier limit."""
    named: list[tuple[str, str | None]] = []
    if op.kind == Kind.CREATE_TABLE:
        if op.origin != "django" or _django_table_declared(op):
            named.append(("table", op.table))
        named += [("column", column.get("db_column") or column.get("name")) for column in op.args.get("columns") or ()]
    elif op.kind == Kind.RENAME_TABLE and (op.origin != "django" or _django_table_declared(op)):
        named.append(("table", op.new_name))
    elif op.kind == Kind.ADD_COLUMN and not is_m2m(op):
        named.append(("column", op.column))
    elif op.kind == Kind.RENAME_COLUMN:
        named.append(("column", op.new_name))
    found: list[tuple[str, str]] = []
    for noun, name in named:
        if isinstance(name, str) and len(name) <= _SURELY_SHORT:
            continue  # most names: no statement to search, no bytes to count
        written = _as_written(op, name)
        if written is not None and _too_long(written):
            found.append((noun, written))
    return found


def _through_op_f(m: MigrationAST, op: Operation, name: str) -> bool:
    """`op.f("...")` marks a name as final: SQLAlchemy then shortens it with a hash suffix itself."""
    lines = m.source.splitlines()[op.span.line - 1 : op.span.end_line]
    return re.search(rf"""\bf\(\s*['"]{re.escape(name)}['"]""", "\n".join(lines)) is not None


@rule(
    code="MRT426",
    name="Identifier longer than 63 bytes",
    category=LOCKS,
    severity=WARNING,
    summary="A name PostgreSQL cannot store: SQLAlchemy refuses it for an index or constraint, everything else gets "
    "it silently truncated.",
    docs=RuleDocs(
        what="An index or constraint created (or an index renamed), or a table or column created, added or renamed, "
        "with a name longer than 63 bytes, when the target may be PostgreSQL. Alembic index and constraint names "
        "wrapped in `op.f()` are not reported: SQLAlchemy shortens those itself. Django's own table names "
        "(app_model) are not reported either: Django shortens them with a hash; a `db_table` it uses as written.",
        why="Alembic indexes and constraints: SQLAlchemy raises `IdentifierError: ... exceeds maximum length of 63 "
        "characters` when it renders the DDL, so the migration fails on PostgreSQL only (SQLite accepts it in "
        "tests). Everything else (raw SQL, Django, and table and column names, which SQLAlchemy does not check): "
        "PostgreSQL silently keeps the first 63 bytes, so the object has another name than the one in the code "
        "(reflection and autogenerate see the short one), and two long names sharing that prefix collide.",
        instead="Use a name of at most 63 bytes (for conventions that concatenate table and column names, shorten "
        "the convention or wrap the name in `op.f()` so SQLAlchemy appends a hash). A model field can keep its "
        "long name with a short `db_column`.",
        example="# Alembic\n"
        "op.create_index(\n"
        '    "ix_organization_membership_invitations_accepted_by_user_id_created_at",\n'
        '    "invites",\n'
        '    ["accepted_by_user_id", "created_at"],\n'
        ")\n\n"
        "# Django\n"
        "migrations.AddConstraint(\n"
        '    "invite",\n'
        '    models.UniqueConstraint(fields=["org", "email"], name="organization_membership_invitations_unique_org_email"),\n'
        ")\n",
        fixed="# Alembic\n"
        'op.create_index("ix_invites_accepted_by_created_at", "invites", ["accepted_by_user_id", "created_at"])\n\n'
        "# Django\n"
        'migrations.AddConstraint("invite", models.UniqueConstraint(fields=["org", "email"], name="invites_org_email_uniq"))\n',
    ),
)
def identifier_too_long(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    # Not `per_call`: a name is truncated on a fresh database too, so initial and squashed migrations count.
    return one_per_call(_identifier_hits(m, config))


# The kinds that give a table, column, index or constraint a name (`_long_tables_and_columns`, `_long_name`).
_NAMING_KINDS = frozenset(
    {
        Kind.CREATE_TABLE,
        Kind.RENAME_TABLE,
        Kind.ADD_COLUMN,
        Kind.RENAME_COLUMN,
        Kind.CREATE_INDEX,
        Kind.CREATE_CONSTRAINT,
        Kind.RENAME_INDEX,
    }
)


def _identifier_hits(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if op.side != UPGRADE or op.kind not in _NAMING_KINDS:
            continue
        long_names, name = _long_tables_and_columns(op), _long_name(op)
        if (not long_names and name is None) or not on_postgresql(m, config, op):
            continue  # the names first: almost every operation has only short ones
        for noun, long_name in long_names:
            yield hit(
                op,
                f"{noun.capitalize()} name {long_name!r} is {len(long_name.encode())} bytes: PostgreSQL silently "
                f"truncates it to {_MAX_IDENTIFIER}, so the {noun} gets another name than this one. Shorten it",
            )
        if name is None:
            continue
        size = len(name.encode())
        if op.origin == "op":
            if _through_op_f(m, op, name):
                continue
            message = (
                f"{name!r} is {size} bytes: SQLAlchemy raises IdentifierError for names over {_MAX_IDENTIFIER} bytes "
                "on PostgreSQL, so this migration fails there. Shorten it, or wrap it in op.f()"
            )
        else:
            message = (
                f"{name!r} is {size} bytes: PostgreSQL silently truncates it to {_MAX_IDENTIFIER}, so the object gets "
                "another name than this one. Shorten it"
            )
        yield hit(op, message)


# -- MRT434: a column given twice -------------------------------------------------------------------------------------


def _twice(op: Operation) -> list[str]:
    """Column names a CREATE TABLE / `create_table` / `CreateModel` lists more than once, in order."""
    seen: set[str] = set()
    repeated: list[str] = []
    for column in op.args.get("columns") or ():
        name = column.get("name")
        if not isinstance(name, str):
            continue
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    return repeated


@rule(
    code="MRT434",
    kinds=(Kind.CREATE_TABLE,),
    name="Column given twice in one table",
    category=LOCKS,
    severity=ERROR,
    summary="A CREATE TABLE (`create_table`, `CreateModel`) defines the same column twice: the migration fails, or "
    "one definition silently replaces the other.",
    docs=RuleDocs(
        what="The same column name twice in one raw `CREATE TABLE`, one `op.create_table(...)` or one Django "
        "`CreateModel(fields=[...])`. Raw SQL names are compared as PostgreSQL folds them (unquoted names in lower "
        "case, long names cut to 63 bytes), Alembic and Django names as written.",
        why="PostgreSQL, MySQL and SQLite refuse the table ('column specified more than once', 'Duplicate column "
        "name'). SQLAlchemy 2.0 raises `DuplicateColumnError` and Django raises `ValueError` when the migration is "
        "loaded; SQLAlchemy 1.4 only warns and keeps the second `Column`, so the table gets a column other than "
        "the first definition says. Typically a copy-paste slip in a hand-written migration.",
        instead="Give each column once; rename the second one if both are meant.",
        example="# Alembic\n"
        "op.create_table(\n"
        '    "invoices",\n'
        '    sa.Column("id", sa.Integer, primary_key=True),\n'
        '    sa.Column("total", sa.Numeric(10, 2)),\n'
        '    sa.Column("total", sa.Numeric(12, 2)),\n'
        ")\n\n"
        "# Django\n"
        'migrations.CreateModel("Invoice", [("id", models.BigAutoField(primary_key=True)), ("total", '
        'models.IntegerField()), ("total", models.IntegerField())])\n',
        fixed="# Alembic\n"
        "op.create_table(\n"
        '    "invoices",\n'
        '    sa.Column("id", sa.Integer, primary_key=True),\n'
        '    sa.Column("total", sa.Numeric(12, 2)),\n'
        ")\n\n"
        "# Django\n"
        'migrations.CreateModel("Invoice", [("id", models.BigAutoField(primary_key=True)), ("total", '
        "models.IntegerField())])\n",
    ),
)
def column_given_twice(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if op.kind != Kind.CREATE_TABLE:
            continue
        repeated = _twice(op)
        if repeated:
            names = ", ".join(repr(name) for name in repeated)
            yield hit(
                op,
                f"Table {op.table!r} lists column {names} twice: the database refuses the CREATE TABLE (SQLAlchemy 1.4 "
                "keeps only the last definition). Give each column once",
            )


# -- MRT435: a table named without its schema ---------------------------------------------------------------------------

# Operations that name a table in CREATE TABLE, ALTER TABLE or DROP TABLE (squawk's `require-table-schema`): Alembic
# calls and raw SQL. Index statements name their table too, but squawk leaves them alone and so does this rule.
_TABLE_STATEMENTS = frozenset(
    {
        Kind.CREATE_TABLE,
        Kind.DROP_TABLE,
        Kind.RENAME_TABLE,
        Kind.ADD_COLUMN,
        Kind.DROP_COLUMN,
        Kind.ALTER_COLUMN,
        Kind.RENAME_COLUMN,
        Kind.CREATE_CONSTRAINT,
        Kind.DROP_CONSTRAINT,
        Kind.VALIDATE_CONSTRAINT,
        Kind.OTHER_SQL,
    }
)
# A Django table name that names its schema: `db_table = '"billing"."invoices"'`, which Django quotes as written.
_DJANGO_QUALIFIED = re.compile(r'^"[^"]+"\."[^"]+"$')


def _unqualified_table(op: Operation, temporary: set[str]) -> str | None:
    """The table `op` names without a schema, or None (qualified, temporary, or not a table statement)."""
    if op.origin == "django":
        declared = op.new_name if op.kind == Kind.RENAME_TABLE and op.call.endswith("AlterModelTable") else None
        if op.kind == Kind.CREATE_TABLE and not op.args.get("no_table"):
            declared = op.table
        return declared if declared and not _DJANGO_QUALIFIED.match(declared) else None
    if not op.table or op.args.get("schema") or op.args.get("dialect") == MYSQL:
        return None
    if op.kind == Kind.OTHER_SQL and not str(op.args.get("statement") or "").startswith("AT_"):
        return None  # only the sub-commands of an ALTER TABLE; a CREATE POLICY ... ON t is not a table statement
    if op.kind == Kind.CREATE_TABLE and op.args.get("temporary"):
        temporary.add(op.table)
    return None if op.table in temporary else op.table


@rule(
    code="MRT435",
    kinds=_TABLE_STATEMENTS,
    name="Table named without its schema",
    category=HYGIENE,
    severity=WARNING,
    summary="A table created, altered or dropped by its bare name: which table that is depends on the connection's "
    "search_path.",
    docs=RuleDocs(
        what="A `CREATE TABLE` (or `CREATE TABLE ... AS`), `ALTER TABLE` or `DROP TABLE` that names its table without "
        "a schema, on a database that may be PostgreSQL (squawk's opt-in `require-table-schema`): raw SQL "
        "(`op.execute`, `RunSQL`), Alembic table operations (`create_table`, `drop_table`, `rename_table`, "
        "`add_column`, `drop_column`, `alter_column`, constraint operations, and `batch_alter_table`) without "
        "`schema=` (`source_schema=` for `create_foreign_key`), and a Django `CreateModel` or `AlterModelTable` whose "
        'table is not written `\'"schema"."table"\'`: a Django model declares its table once, so its other operations '
        "are not reported again. Temporary tables, unmanaged and proxy models are not reported; index operations "
        "are not either (like squawk). Opt-in: most projects rely on the search_path on purpose.",
        why="PostgreSQL resolves a bare table name through the session's `search_path`. A migration run with another "
        "search_path than the application's (a role with its own default, a `SET search_path` left by a pooler or an "
        "earlier statement, a tenant schema) creates the table in the wrong schema, or alters or drops a table of "
        "the same name in a schema that comes first. Naming the schema makes the migration mean one thing.",
        instead='Name the schema: `schema="public"` on Alembic operations (and on `batch_alter_table`), '
        '`public.my_table` in raw SQL, `db_table = \'"public"."my_table"\'` in a Django model\'s Meta.',
        example="# Alembic\n"
        "def upgrade():\n"
        '    op.create_table("invoices", sa.Column("id", sa.BigInteger, primary_key=True))\n'
        '    op.execute("ALTER TABLE invoices ADD COLUMN total numeric(12, 2)")\n\n'
        "# Django\n"
        'migrations.CreateModel("Invoice", [("id", models.BigAutoField(primary_key=True))])\n',
        fixed="# Alembic\n"
        "def upgrade():\n"
        '    op.create_table("invoices", sa.Column("id", sa.BigInteger, primary_key=True), schema="billing")\n'
        '    op.execute("ALTER TABLE billing.invoices ADD COLUMN total numeric(12, 2)")\n\n'
        "# Django\n"
        "migrations.CreateModel(\n"
        '    "Invoice",\n'
        '    [("id", models.BigAutoField(primary_key=True))],\n'
        '    options={"db_table": \'"billing"."invoice"\'},\n'
        ")\n",
    ),
    default_enabled=False,
)
def table_without_schema(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    temporary: set[str] = set()
    reported: set[tuple[Any, str | None]] = set()  # one finding per statement: ALTER TABLE t a, b is one name
    for op in m.ops:
        if op.kind not in _TABLE_STATEMENTS or not on_postgresql(m, config, op):
            continue
        table = _unqualified_table(op, temporary)
        statement = (op.span, op.sql)
        if table is None or statement in reported:
            continue
        reported.add(statement)
        if op.origin == "django":
            advice = 'declare the model\'s table as db_table = \'"public"."' + table + "\"'"
        elif op.origin == "sql":
            advice = f"write it as public.{table}"
        else:
            advice = 'pass schema="public" (or the table\'s schema)'
        yield hit(
            op,
            f"Table {table!r} is named without a schema: PostgreSQL looks it up through the session's search_path, so "
            f"another search_path makes this statement create, alter or drop a table in another schema; {advice}",
        )
