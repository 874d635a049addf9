"""MRT4xx — locks and table rewrites: what a migration does to uptime while it runs.

PostgreSQL first (MySQL and SQLite where they differ). Every message names the lock an operation takes
and the safe recipe. Precision comes from context the model already carries: a table created earlier in
the same migration is exempt (nobody can be waiting on it), `autocommit_block` and `atomic = False` decide
whether CONCURRENTLY can run, and the target dialect (configured, or read from alembic.ini / env.py /
an engine-named version directory) keeps PostgreSQL advice away from SQLite and MySQL trees.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from mrt.config import MRTConfig
from mrt.dialect import MYSQL, POSTGRESQL, may_be_postgresql, pg_version, target_dialect
from mrt.findings import ERROR, WARNING
from mrt.model.migration import DJANGO, MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation
from mrt.rules.matching import same
from mrt.rules.registry import ALEMBIC_ONLY, LOCKS, Hit, RuleDocs, hit, rule

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE = "SHARE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"

AUTO_FIELDS = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})
SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"})
VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "randomuuid",  # Django's RandomUUID() db_default
    }
)
_CALLED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


# -- shared context ----------------------------------------------------------------------------------------


def fresh_database(m: MigrationAST) -> bool:
    """A squashed (`replaces`) or `initial` Django migration only runs on a database where none of what it
    stands for exists yet: every table it touches is new, so lock and rolling-deploy rules do not apply."""
    return m.framework == DJANGO and (bool(m.replaces) or m.initial)


def per_call(check: Any) -> Any:
    """Decorate a lock rule: silent on fresh databases (above), and one finding per call (below)."""

    @functools.wraps(check)
    def grouped(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
        if not fresh_database(m):
            yield from one_per_call(check(m, config))

    return grouped


def one_per_call(hits: Iterable[Hit]) -> Iterator[Hit]:
    """Several statements in one `op.execute("...")` string share its span: the first finding stands for
    all of them and says how many more there are."""
    pending: Hit | None = None
    more = 0
    for found in hits:
        if pending is not None and found.span == pending.span:
            more += 1
            continue
        if pending is not None:
            yield _with_more(pending, more)
        pending, more = found, 0
    if pending is not None:
        yield _with_more(pending, more)


def _with_more(found: Hit, more: int) -> Hit:
    if not more:
        return found
    return dataclasses.replace(found, message=f"{found.message} (+{more} more in the same statement)")


def existing(op: Operation) -> bool:
    """An upgrade operation on a table that existed before this migration (locks only matter there)."""
    return op.side == UPGRADE and not op.new_table


def in_transaction(m: MigrationAST, op: Operation) -> bool:
    """Alembic wraps each revision in a transaction unless the op sits in `autocommit_block()`;
    Django wraps a migration unless it declares `atomic = False`."""
    if m.framework == DJANGO:
        return m.atomic
    return not op.autocommit


def on_postgresql(m: MigrationAST, config: MRTConfig, op: Operation) -> bool:
    return may_be_postgresql(m, config, op.condition)


def _recipe(m: MigrationAST, alembic: str, django: str) -> str:
    return django if m.framework == DJANGO else alembic


def _table(op: Operation) -> str:
    return repr(op.table) if op.table else "the table"


def _column(op: Operation) -> str:
    return f"{op.table}.{op.column}" if op.table and op.column else repr(op.column or op.table or "?")


def _is_m2m(op: Operation) -> bool:
    return bool(op.args.get("m2m"))


def _type_name(op: Operation) -> str:
    t = op.args.get("type")
    return (t.get("name") or "").lower() if isinstance(t, dict) else ""


def _index_recipe(m: MigrationAST) -> str:
    return _recipe(
        m,
        "create it with `postgresql_concurrently=True` inside `with op.get_context().autocommit_block():`",
        "use `AddIndexConcurrently` (django.contrib.postgres.operations) in a migration with `atomic = False`",
    )


# -- MRT401 ---------------------------------------------------------------------------------------------------


def _required_without_default(op: Operation) -> bool:
    """A new NOT NULL column that existing rows cannot fill: no server default, no generated value."""
    args = op.args
    if op.kind != Kind.ADD_COLUMN or args.get("nullable", True) or _is_m2m(op):
        return False
    if args.get("server_default") or args.get("generated") or args.get("primary_key"):
        return False
    name = _type_name(op)
    if name in SERIAL_TYPES or (args.get("type") or {}).get("name") in AUTO_FIELDS:
        return False
    if op.origin == "django":
        return not _django_fills(op)
    return True


# Field types whose empty value is not "" (Django's `empty_strings_allowed = False`).
_NON_STRING_FIELDS = frozenset(
    {
        "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
        "PositiveSmallIntegerField", "BooleanField", "NullBooleanField", "DateField", "DateTimeField",
        "TimeField", "DurationField", "DecimalField", "FloatField", "UUIDField", "JSONField",
        "GenericIPAddressField", "IPAddressField", "ForeignKey", "OneToOneField",
    }
)  # fmt: skip


def _django_fills(op: Operation) -> bool:
    """Django's schema editor fills existing rows itself: from `default=`, with "" for a blank string field,
    or with the current time for auto_now fields."""
    args = op.args
    if args.get("default") or args.get("auto_now") or args.get("auto_now_add"):
        return True
    return bool(args.get("blank")) and (args.get("type") or {}).get("name") not in _NON_STRING_FIELDS


def emptied_before(m: MigrationAST, op: Operation) -> bool:
    """The upgrade empties `op`'s table first (TRUNCATE, DELETE without WHERE): no row needs a value."""
    for other in m.ops:
        if other is op:
            return False
        empties = other.kind == Kind.TRUNCATE or (other.kind == Kind.DELETE and other.args.get("where") is False)
        if empties and other.side == op.side and same(other.table, op.table):
            return True
    return False


@rule(
    code="MRT401",
    name="NOT NULL column without default",
    category=LOCKS,
    severity=ERROR,
    summary="A NOT NULL column added to an existing table without a default fails on any non-empty table.",
    aliases=("MRT411",),
    docs=RuleDocs(
        what="`op.add_column(t, sa.Column(..., nullable=False))` without `server_default`, `ADD COLUMN ... NOT NULL` "
        "without `DEFAULT`, or Django `AddField` of a non-null field with neither `default=` nor `db_default=`, "
        "on a table that existed before the migration. Many-to-many fields (no column), auto/identity and "
        "generated columns are not reported. Covers pytest-mrt's MRT411 (Django AddField).",
        why="Existing rows have no value for the column: PostgreSQL and MySQL (strict) reject the ALTER with "
        "'column contains null values', SQLite refuses to add it. The deploy fails half-way on production "
        "data although it passed on an empty test database.",
        instead="Give the column a server default (PostgreSQL 11+ adds a constant default without rewriting), "
        "or add it nullable, backfill in batches, and set NOT NULL in a later migration.",
        example="# Alembic\n"
        'op.add_column("users", sa.Column("plan", sa.String(20), nullable=False))\n\n'
        "# Django\n"
        'migrations.AddField("user", "plan", models.CharField(max_length=20))\n',
        fixed="# Alembic\n"
        'op.add_column("users", sa.Column("plan", sa.String(20), nullable=False, server_default="free"))\n\n'
        "# Django (4.2+: Django fills existing rows from default=; 5.0+: db_default also covers old code)\n"
        'migrations.AddField("user", "plan", models.CharField(max_length=20, db_default="free"))\n',
    ),
)
@per_call
def not_null_without_default(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if existing(op) and _required_without_default(op) and not emptied_before(m, op):
            yield hit(
                op,
                f"NOT NULL column {_column(op)} is added without a default: the ALTER fails as soon as "
                f"{_table(op)} has rows. Add a server default, or add it nullable, backfill, then set NOT NULL",
            )


# -- MRT404 / MRT405: defaults -----------------------------------------------------------------------------------


def default_functions(op: Operation) -> set[str]:
    """Functions called by a column's database default (raw SQL, `server_default=sa.text(...)`, `db_default=`)."""
    names = {n.lower() for n in op.args.get("default_functions") or ()}
    for key in ("server_default_expr", "db_default_expr"):
        text = op.args.get(key)
        if isinstance(text, str):
            names |= {n.lower() for n in _CALLED.findall(text)}  # also finds SQL inside sa.text("...")
    return names


def _pre_11(config: MRTConfig) -> bool:
    version = pg_version(config)
    return version is not None and version < (11, 0)


@rule(
    code="MRT404",
    name="ADD COLUMN with volatile DEFAULT",
    category=LOCKS,
    severity=WARNING,
    summary="A column whose default is volatile (random(), gen_random_uuid(), clock_timestamp(), nextval) "
    "rewrites the whole table.",
    docs=RuleDocs(
        what="`ADD COLUMN` on an existing table whose database default calls a volatile function: raw SQL "
        '`DEFAULT gen_random_uuid()`, Alembic `server_default=sa.text("uuid_generate_v4()")`, Django '
        "`db_default=RandomUUID()`. A Python-side `default=` (Alembic or Django) is not a database default and "
        "is not reported; neither are constant or stable defaults such as `now()`.",
        why="PostgreSQL 11+ stores a constant default in the catalog and adds the column instantly, but a volatile "
        "default must be computed per row: the table is rewritten under an ACCESS EXCLUSIVE lock, blocking reads "
        "and writes for the duration.",
        instead="Add the column without a default (or with a constant one), set the volatile default with "
        "`ALTER COLUMN ... SET DEFAULT` (affects new rows only), and backfill existing rows in batches.",
        example="# Alembic\n"
        'op.add_column("orders", sa.Column("token", UUID, server_default=sa.text("gen_random_uuid()")))\n\n'
        "# Django\n"
        'migrations.AddField("order", "token", models.UUIDField(db_default=RandomUUID()))\n',
        fixed="# Alembic\n"
        'op.add_column("orders", sa.Column("token", UUID, nullable=True))\n'
        'op.alter_column("orders", "token", server_default=sa.text("gen_random_uuid()"))\n'
        "# ...then backfill existing rows in batches, outside this migration\n\n"
        "# Django\n"
        'migrations.AddField("order", "token", models.UUIDField(null=True))\n'
        "migrations.RunSQL(\n"
        '    "ALTER TABLE shop_order ALTER COLUMN token SET DEFAULT gen_random_uuid()",\n'
        '    "ALTER TABLE shop_order ALTER COLUMN token DROP DEFAULT",\n'
        ")\n",
    ),
)
@per_call
def volatile_default(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if _pre_11(config):
        return  # MRT405 reports every default before PostgreSQL 11
    for op in m.ops:
        if op.kind != Kind.ADD_COLUMN or not existing(op) or not on_postgresql(m, config, op):
            continue
        volatile = sorted(default_functions(op) & VOLATILE_FUNCTIONS)
        if volatile:
            yield hit(
                op,
                f"Column {_column(op)} gets a volatile default ({volatile[0]}()): {_table(op)} is rewritten under "
                "an ACCESS EXCLUSIVE lock. Add it without the default, SET DEFAULT afterwards, backfill in batches",
            )


@rule(
    code="MRT405",
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
        if op.kind != Kind.ADD_COLUMN or not existing(op) or _is_m2m(op):
            continue
        if op.args.get("server_default") or (op.origin == "django" and op.args.get("default")):
            yield hit(
                op,
                f"Column {_column(op)} is added with a default: before PostgreSQL 11 this rewrites {_table(op)} "
                "under an ACCESS EXCLUSIVE lock. Add it nullable, SET DEFAULT separately, backfill in batches",
            )


# -- MRT406 / MRT407 / MRT415: unique constraints and indexes -----------------------------------------------------


def builds_unique(op: Operation) -> bool:
    """A UNIQUE / PRIMARY KEY / EXCLUDE constraint built in place (not from an existing index)."""
    if op.kind == Kind.CREATE_CONSTRAINT:
        if op.args.get("constraint_type") not in ("unique", "primary", "exclude", "UniqueConstraint"):
            return False
        return not op.args.get("using_index") and not op.args.get("empty")
    return op.kind == Kind.ADD_COLUMN and bool(op.args.get("unique")) and not _is_m2m(op)


@rule(
    code="MRT406",
    name="UNIQUE or PRIMARY KEY constraint built under lock",
    category=LOCKS,
    severity=WARNING,
    summary="A UNIQUE/PRIMARY KEY/EXCLUDE constraint builds its index while holding ACCESS EXCLUSIVE.",
    docs=RuleDocs(
        what="`op.create_unique_constraint` / `create_primary_key` / `create_exclude_constraint`, a column added "
        "with `unique=True`, `ALTER TABLE ... ADD UNIQUE / PRIMARY KEY` without `USING INDEX`, Django "
        "`AddConstraint(UniqueConstraint(...))`, `AlterUniqueTogether`, or `AddField(unique=True)`, on a table "
        "that existed before the migration. Constraints attached with `USING INDEX` are not reported. "
        "PostgreSQL (or an unknown engine) only.",
        why="The unique index is built inside the ALTER TABLE, holding ACCESS EXCLUSIVE: nothing can read or "
        "write the table until every row is indexed. Existing duplicates also make the migration fail.",
        instead="Build a unique index CONCURRENTLY first, then attach it: `ALTER TABLE t ADD CONSTRAINT c UNIQUE "
        "USING INDEX ix` (a catalog-only change).",
        example="# Alembic\n"
        'op.create_unique_constraint("uq_users_email", "users", ["email"])\n\n'
        "# Django\n"
        'migrations.AddConstraint("user", models.UniqueConstraint(fields=["email"], name="uq_user_email"))\n',
        fixed="# Alembic\n"
        "with op.get_context().autocommit_block():\n"
        '    op.create_index("uq_users_email", "users", ["email"], unique=True, postgresql_concurrently=True)\n'
        'op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX uq_users_email")\n\n'
        "# Django (atomic = False)\n"
        "migrations.RunSQL(\n"
        '    "CREATE UNIQUE INDEX CONCURRENTLY uq_user_email ON shop_user (email)",\n'
        '    "DROP INDEX CONCURRENTLY uq_user_email",\n'
        ")\n"
        'migrations.RunSQL("ALTER TABLE shop_user ADD CONSTRAINT uq_user_email UNIQUE USING INDEX uq_user_email")\n',
    ),
)
@per_call
def unique_built_directly(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if not existing(op) or not builds_unique(op) or not on_postgresql(m, config, op):
            continue
        kind = "PRIMARY KEY" if op.args.get("constraint_type") == "primary" else "UNIQUE constraint"
        if op.kind == Kind.ADD_COLUMN:
            what = f"unique column {_column(op)}"
        elif op.args.get("together"):
            what = f"unique_together on {_table(op)}"
        else:
            what = f"{kind} {op.describe()}"
        yield hit(
            op,
            f"{what[0].upper()}{what[1:]} builds its index while holding an ACCESS EXCLUSIVE lock on {_table(op)}. "
            "Create a unique index CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX",
        )


def builds_index(op: Operation) -> str | None:
    """Why `op` builds a (non-concurrent) index: an explicit index, or the implicit one of a column."""
    args = op.args
    if op.kind == Kind.CREATE_INDEX:
        if args.get("concurrently") or args.get("empty"):
            return None
        return "index_together" if args.get("together") else "index"
    if op.kind != Kind.ADD_COLUMN or _is_m2m(op) or builds_unique(op):
        return None
    if args.get("index") or args.get("db_index") is True:
        return "db_index"
    if op.origin == "django" and args.get("relation") and args.get("db_index") is not False:
        return "foreign key"
    return None


@rule(
    code="MRT407",
    name="INDEX without CONCURRENTLY",
    category=LOCKS,
    severity=WARNING,
    summary="An index is built on an existing table without CONCURRENTLY, blocking writes for the whole build.",
    aliases=("MRT413",),
    docs=RuleDocs(
        what="`op.create_index` without `postgresql_concurrently=True`, `CREATE INDEX` without `CONCURRENTLY`, "
        "Django `AddIndex` / `AlterIndexTogether`, and the implicit indexes of a new column (`index=True`, "
        "`db_index=True`, a Django `ForeignKey`), on a table that existed before the migration. Tables created in "
        "the same migration and trees that target SQLite or MySQL are not reported. Covers pytest-mrt's MRT413; "
        "unlike it, the advice is `AddIndexConcurrently`, since `atomic = False` alone does not make `AddIndex` "
        "concurrent.",
        why="A plain CREATE INDEX holds a SHARE lock: every INSERT, UPDATE and DELETE on the table waits until the "
        "index is built, minutes on a large table.",
        instead="Build it CONCURRENTLY, outside a transaction. Alembic: `postgresql_concurrently=True` inside "
        "`op.get_context().autocommit_block()`. Django: `AddIndexConcurrently` in a migration with "
        "`atomic = False`; for a ForeignKey, add it with `db_index=False` and add the index concurrently.",
        example="# Alembic\n"
        'op.create_index("ix_orders_user_id", "orders", ["user_id"])\n\n'
        "# Django\n"
        'migrations.AddIndex("order", models.Index(fields=["user"], name="ix_order_user"))\n',
        fixed="# Alembic\n"
        "with op.get_context().autocommit_block():\n"
        '    op.create_index("ix_orders_user_id", "orders", ["user_id"], postgresql_concurrently=True)\n\n'
        "# Django\n"
        "from django.contrib.postgres.operations import AddIndexConcurrently\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    atomic = False\n"
        '    operations = [AddIndexConcurrently("order", models.Index(fields=["user"], name="ix_order_user"))]\n',
    ),
)
@per_call
def index_not_concurrent(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if not existing(op) or not on_postgresql(m, config, op):
            continue
        why = builds_index(op)
        if why is None:
            continue
        recipe = _index_recipe(m)
        if why == "foreign key":
            yield hit(
                op,
                f"ForeignKey {_column(op)} builds its index without CONCURRENTLY (SHARE lock: writes to "
                f"{_table(op)} wait for the build). Add the field with db_index=False, then {recipe}",
            )
        elif why == "db_index":
            yield hit(
                op,
                f"The index of new column {_column(op)} is built without CONCURRENTLY (SHARE lock: writes to "
                f"{_table(op)} wait for the build). Add the column without index=True, then {recipe}",
            )
        else:
            name = f" {op.name!r}" if op.name and why == "index" else ""
            yield hit(
                op,
                f"Index{name} on {_table(op)} is built without CONCURRENTLY: its SHARE lock blocks every write "
                f"until the build ends. {recipe[0].upper()}{recipe[1:]}",
            )


def _drops_table_later(m: MigrationAST, op: Operation) -> bool:
    after = False
    for other in m.ops:
        if other is op:
            after = True
        elif after and other.side == op.side and other.kind == Kind.DROP_TABLE and same(other.table, op.table):
            return True
    return False


@rule(
    code="MRT415",
    name="DROP INDEX, REINDEX or DETACH PARTITION without CONCURRENTLY",
    category=LOCKS,
    severity=WARNING,
    summary="Dropping or rebuilding an index without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table.",
    docs=RuleDocs(
        what="`op.drop_index` without `postgresql_concurrently=True`, `DROP INDEX` / `REINDEX` / `ALTER TABLE ... "
        "DETACH PARTITION` without `CONCURRENTLY`, Django `RemoveIndex`, on a table that existed before the migration. An index dropped "
        "just before its table is dropped is not reported.",
        why="DROP INDEX takes ACCESS EXCLUSIVE on the table: it waits behind every running query, and every "
        "query that arrives meanwhile queues behind it. REINDEX blocks writes for the whole rebuild.",
        instead="`DROP INDEX CONCURRENTLY` / `REINDEX ... CONCURRENTLY` outside a transaction. Alembic: "
        "`op.drop_index(..., postgresql_concurrently=True)` in `autocommit_block()`. Django: "
        "`RemoveIndexConcurrently` with `atomic = False`.",
        example="# Alembic\n"
        'op.drop_index("ix_orders_user_id", table_name="orders")\n\n'
        "# Django\n"
        'migrations.RemoveIndex("order", "ix_order_user")\n',
        fixed="# Alembic\n"
        "with op.get_context().autocommit_block():\n"
        '    op.drop_index("ix_orders_user_id", table_name="orders", postgresql_concurrently=True)\n\n'
        "# Django (atomic = False)\n"
        'RemoveIndexConcurrently("order", "ix_order_user")\n',
    ),
)
@per_call
def drop_index_not_concurrent(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if not existing(op) or not on_postgresql(m, config, op):
            continue
        if op.kind == Kind.DROP_INDEX and not op.args.get("concurrently") and not _drops_table_later(m, op):
            recipe = _recipe(
                m,
                "use postgresql_concurrently=True inside autocommit_block()",
                "use RemoveIndexConcurrently with atomic = False",
            )
            yield hit(
                op,
                f"Index {op.name or ''} is dropped without CONCURRENTLY: ACCESS EXCLUSIVE lock on "
                f"{_table(op)} queues every query behind it; {recipe}".replace("Index  ", "Index "),
            )
        elif _is_reindex(op) and not _says(op, "CONCURRENTLY"):
            yield hit(
                op,
                "REINDEX without CONCURRENTLY takes a SHARE lock on the table (ACCESS EXCLUSIVE on the index): writes "
                "wait for the whole rebuild. Use REINDEX ... CONCURRENTLY outside a transaction",
            )
        elif _is_detach(op) and not _says(op, "CONCURRENTLY"):
            yield hit(
                op,
                f"DETACH PARTITION takes an ACCESS EXCLUSIVE lock on {_table(op)}; use DETACH PARTITION ... "
                "CONCURRENTLY (PostgreSQL 14+) outside a transaction",
            )


def _is_reindex(op: Operation) -> bool:
    return op.kind == Kind.MAINTENANCE and op.args.get("statement") == "ReindexStmt"


def _is_detach(op: Operation) -> bool:
    return op.kind == Kind.OTHER_SQL and op.args.get("statement") == "AT_DetachPartition"


def _says(op: Operation, word: str) -> bool:
    return bool(op.sql) and re.search(rf"\b{word}\b", op.sql or "", re.IGNORECASE) is not None


# -- MRT414: CONCURRENTLY inside a transaction ---------------------------------------------------------------------


def _concurrent(op: Operation) -> bool:
    if op.kind in (Kind.CREATE_INDEX, Kind.DROP_INDEX):
        return bool(op.args.get("concurrently"))
    if _is_reindex(op) or _is_detach(op):
        return _says(op, "CONCURRENTLY")
    return False


def _committed_before(m: MigrationAST, op: Operation) -> bool:
    """An explicit COMMIT earlier on the same side ends the migration's transaction (MRT803 reports it)."""
    for other in m.ops:
        if other is op:
            return False
        if other.side == op.side and other.kind == Kind.TRANSACTION and "COMMIT" in str(op_tx(other)):
            return True
    return False


def op_tx(op: Operation) -> str:
    """The transaction statement kind pglast reports (TRANS_STMT_BEGIN, TRANS_STMT_COMMIT, ...)."""
    return str(op.args.get("transaction") or "")


@rule(
    code="MRT414",
    name="CONCURRENTLY inside a transaction",
    category=LOCKS,
    severity=ERROR,
    summary="CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction block: the migration fails.",
    docs=RuleDocs(
        what="`postgresql_concurrently=True` or `CREATE/DROP INDEX CONCURRENTLY`, `REINDEX CONCURRENTLY`, "
        "`DETACH PARTITION CONCURRENTLY` in raw SQL, outside `op.get_context().autocommit_block()` (Alembic); "
        "`AddIndexConcurrently` / `RemoveIndexConcurrently` or such RunSQL in a migration without "
        "`atomic = False` (Django). Covers pytest-mrt's 'missing atomic=False' (MRT414) with the right trigger: "
        "the concurrent operation, not a plain AddIndex.",
        why="PostgreSQL refuses: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block'. Alembic and "
        "Django run each migration in a transaction, so the deploy fails at this step.",
        instead="Alembic: put the operation in `with op.get_context().autocommit_block():`. Django: set "
        "`atomic = False` on the migration (and keep the concurrent operation alone in it).",
        example="# Alembic\n"
        'op.create_index("ix_orders_user_id", "orders", ["user_id"], postgresql_concurrently=True)\n\n\n'
        "# Django\n"
        "class Migration(migrations.Migration):\n"
        '    operations = [AddIndexConcurrently("order", models.Index(fields=["user"], name="ix_order_user"))]\n',
        fixed="# Alembic\n"
        "with op.get_context().autocommit_block():\n"
        '    op.create_index("ix_orders_user_id", "orders", ["user_id"], postgresql_concurrently=True)\n\n\n'
        "# Django\n"
        "class Migration(migrations.Migration):\n"
        "    atomic = False\n"
        '    operations = [AddIndexConcurrently("order", models.Index(fields=["user"], name="ix_order_user"))]\n',
    ),
)
@per_call
def concurrently_in_transaction(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if not _concurrent(op) or not in_transaction(m, op) or not on_postgresql(m, config, op):
            continue
        if m.framework != DJANGO and _committed_before(m, op):
            continue
        fix = _recipe(
            m,
            "wrap it in `with op.get_context().autocommit_block():`",
            "set `atomic = False` on the migration",
        )
        yield hit(
            op, f"{_concurrent_name(op)} on {_table(op)} runs inside the migration's transaction and fails; {fix}"
        )


def _concurrent_name(op: Operation) -> str:
    if op.kind == Kind.CREATE_INDEX:
        return "CREATE INDEX CONCURRENTLY"
    if op.kind == Kind.DROP_INDEX:
        return "DROP INDEX CONCURRENTLY"
    return "REINDEX CONCURRENTLY" if _is_reindex(op) else "DETACH PARTITION CONCURRENTLY"


# -- MRT412: SET NOT NULL -------------------------------------------------------------------------------------------


def sets_not_null(op: Operation) -> bool:
    """ALTER COLUMN ... SET NOT NULL on a column that may hold NULLs."""
    if op.kind != Kind.ALTER_COLUMN or op.args.get("nullable") is not False:
        return False
    if op.args.get("existing_nullable") is False:
        return False  # already NOT NULL: autogenerate repeats it beside a type change
    if op.origin == "django":
        # makemigrations asks for a one-off default (preserve_default=False) exactly when NULLs must be filled
        return op.args.get("preserve_default") is False
    return True


def _validated_before(m: MigrationAST, op: Operation) -> bool:
    for other in m.ops:
        if other is op:
            return False
        if other.side == op.side and other.kind == Kind.VALIDATE_CONSTRAINT and same(other.table, op.table):
            return True
    return False


@rule(
    code="MRT412",
    name="SET NOT NULL on an existing column",
    category=LOCKS,
    severity=WARNING,
    summary="SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock.",
    aliases=("MRT213",),
    docs=RuleDocs(
        what="`op.alter_column(t, c, nullable=False)` (not when `existing_nullable=False`), `ALTER COLUMN ... SET "
        "NOT NULL`, or a Django `AlterField` that makes a field non-null with a one-off default "
        "(`preserve_default=False`), on an existing table. Not reported when the same migration validates a "
        "CHECK constraint on the table first (the recipe below). Covers pytest-mrt's MRT213 and MRT412.",
        why="PostgreSQL verifies every row while holding ACCESS EXCLUSIVE: reads and writes stop for the whole "
        "scan, and the ALTER fails if a NULL slipped in. Django's version also runs an UPDATE of every NULL "
        "first, in the same transaction.",
        instead="Add `CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it in a separate transaction "
        "(SHARE UPDATE EXCLUSIVE, writes continue), then `SET NOT NULL` (PostgreSQL 12+ uses the valid check "
        "and skips the scan) and drop the check.",
        example="# Alembic\n"
        'op.alter_column("users", "email", nullable=False)\n\n'
        "# Django\n"
        'migrations.AlterField("user", "email", models.EmailField(default=""), preserve_default=False)\n',
        fixed="# Alembic\n"
        'op.execute("ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID")\n'
        "with op.get_context().autocommit_block():\n"
        '    op.execute("ALTER TABLE users VALIDATE CONSTRAINT users_email_nn")\n'
        'op.alter_column("users", "email", nullable=False)\n'
        'op.drop_constraint("users_email_nn", "users")\n\n'
        "# Django: the same statements as RunSQL (with reverse_sql), VALIDATE in a migration with atomic = False,\n"
        "# and the AlterField wrapped in SeparateDatabaseAndState so Django does not re-run the UPDATE\n",
    ),
)
@per_call
def set_not_null(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if not existing(op) or not sets_not_null(op) or not on_postgresql(m, config, op):
            continue
        if _validated_before(m, op):
            continue
        yield hit(
            op,
            f"SET NOT NULL on {_column(op)} scans every row under an ACCESS EXCLUSIVE lock on {_table(op)}. "
            "Add CHECK (... IS NOT NULL) NOT VALID, VALIDATE it separately, then SET NOT NULL",
        )


# -- MRT416 / MRT417: constraints validated under lock ----------------------------------------------------------------


_DOMAIN_CONSTRAINT = re.compile(r"\bADD\b(?:(?!\bNOT\s+VALID\b).)*$", re.IGNORECASE | re.DOTALL)


def validates_constraint(op: Operation) -> str | None:
    """'foreign key', 'check' or 'domain' when `op` adds a constraint PostgreSQL validates immediately."""
    if op.kind == Kind.OTHER_SQL and op.args.get("statement") == "AlterDomainStmt":
        return "domain" if op.sql and _DOMAIN_CONSTRAINT.search(op.sql) and "CONSTRAINT" in op.sql.upper() else None
    if op.kind == Kind.CREATE_CONSTRAINT and not op.args.get("not_valid"):
        ctype = op.args.get("constraint_type")
        if ctype == "foreignkey":
            return "foreign key"
        if ctype in ("check", "CheckConstraint"):
            return "check"
        return None
    if op.kind == Kind.ADD_COLUMN and op.args.get("foreign_key") and not _is_m2m(op):
        if op.origin == "django" and (op.args.get("db_constraint") is False or builds_index(op)):
            return None  # no constraint, or MRT407 reports the field once
        return "foreign key"
    return None


@rule(
    code="MRT416",
    name="Constraint added without NOT VALID",
    category=LOCKS,
    severity=WARNING,
    summary="A FOREIGN KEY or CHECK constraint is validated against every row while the ALTER holds its lock.",
    docs=RuleDocs(
        what="`op.create_foreign_key` / `create_check_constraint` without `postgresql_not_valid=True`, a column "
        "added with `sa.ForeignKey(...)`, `ADD CONSTRAINT ... FOREIGN KEY / CHECK` without `NOT VALID`, Django "
        "`AddConstraint(CheckConstraint(...))` or an un-indexed `ForeignKey` field, on an existing table; and "
        "`ALTER DOMAIN ... ADD CONSTRAINT` without `NOT VALID`.",
        why="Validation scans the whole table while the ALTER holds its lock: SHARE ROW EXCLUSIVE on both tables "
        "for a foreign key (writes blocked on parent and child), ACCESS EXCLUSIVE for a CHECK.",
        instead="Add the constraint `NOT VALID` (instant; new rows are checked), then `VALIDATE CONSTRAINT` in a "
        "separate transaction: it takes only SHARE UPDATE EXCLUSIVE, so reads and writes continue.",
        example="# Alembic\n"
        'op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])\n\n'
        "# Django\n"
        'migrations.AddConstraint("order", models.CheckConstraint(condition=Q(total__gte=0), name="total_gte_0"))\n',
        fixed="# Alembic\n"
        'op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)\n'
        "with op.get_context().autocommit_block():\n"
        '    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user")\n\n'
        "# Django (PostgreSQL, 5.x): django-pg-zero-downtime or RunSQL\n"
        "migrations.RunSQL(\n"
        '    "ALTER TABLE shop_order ADD CONSTRAINT total_gte_0 CHECK (total >= 0) NOT VALID",\n'
        '    "ALTER TABLE shop_order DROP CONSTRAINT total_gte_0",\n'
        ")\n"
        "# next migration, atomic = False:\n"
        'migrations.RunSQL("ALTER TABLE shop_order VALIDATE CONSTRAINT total_gte_0", migrations.RunSQL.noop)\n',
    ),
)
@per_call
def constraint_without_not_valid(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if not existing(op) or not on_postgresql(m, config, op):
            continue
        kind = validates_constraint(op)
        if kind == "foreign key":
            target = f" to {op.args['referent']!r}" if op.args.get("referent") else ""
            yield hit(
                op,
                f"Foreign key{target} on {_table(op)} is validated immediately: SHARE ROW EXCLUSIVE on both tables "
                "for a full scan. Add it NOT VALID, then VALIDATE CONSTRAINT in a separate transaction",
            )
        elif kind == "check":
            yield hit(
                op,
                f"CHECK constraint {op.name or ''} on {_table(op)} is validated under an ACCESS EXCLUSIVE lock. "
                "Add it NOT VALID, then VALIDATE CONSTRAINT in a separate transaction".replace("  ", " "),
            )
        elif kind == "domain":
            yield hit(
                op,
                "ALTER DOMAIN ... ADD CONSTRAINT checks every column of that domain in every table, each table locked "
                "(SHARE) during its scan. Add it NOT VALID, then ALTER DOMAIN ... VALIDATE CONSTRAINT separately",
            )


@rule(
    code="MRT417",
    name="NOT VALID and VALIDATE in one transaction",
    category=LOCKS,
    severity=WARNING,
    summary="A constraint added NOT VALID is validated in the same transaction, which keeps the heavy lock.",
    docs=RuleDocs(
        what="A `VALIDATE CONSTRAINT` (raw SQL, Django `ValidateConstraint`) in the same transaction as the "
        "`ADD CONSTRAINT ... NOT VALID` of that constraint: same Alembic revision outside `autocommit_block()`, "
        "or same atomic Django migration.",
        why="The ADD took SHARE ROW EXCLUSIVE (foreign key) or ACCESS EXCLUSIVE (check) and keeps it until "
        "commit, so the validation scan runs under that lock: NOT VALID bought nothing.",
        instead="Validate in a separate transaction: a later migration, `autocommit_block()` (Alembic), or a "
        "separate `atomic = False` migration (Django).",
        example="# Alembic\n"
        'op.execute("ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID")\n'
        'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_user")\n\n'
        "# Django\n"
        'operations = [AddConstraintNotValid("order", fk), ValidateConstraint("order", "fk_user")]\n',
        fixed="# Alembic\n"
        'op.execute("ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID")\n'
        "with op.get_context().autocommit_block():\n"
        '    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_user")\n\n'
        "# Django: ValidateConstraint in the next migration, with atomic = False\n",
    ),
)
@per_call
def not_valid_then_validate(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    added: dict[str, Operation] = {}
    for op in m.ops:
        if op.side != UPGRADE or not in_transaction(m, op):
            continue
        if op.kind == Kind.CREATE_CONSTRAINT and op.args.get("not_valid") and op.name:
            added[op.name.lower()] = op
        elif (
            op.kind == Kind.VALIDATE_CONSTRAINT
            and op.name
            and op.name.lower() in added
            and on_postgresql(m, config, op)
        ):
            yield hit(
                op,
                f"Constraint {op.name!r} is validated in the transaction that added it NOT VALID (line "
                f"{added[op.name.lower()].line}): the ADD's lock on {_table(op)} is held for the whole scan. "
                "Validate it in a separate transaction",
            )


# -- MRT418: type changes that rewrite ------------------------------------------------------------------------------

_CANON = {
    "string": "varchar", "varchar": "varchar", "unicode": "varchar", "nvarchar": "varchar",
    "character varying": "varchar", "text": "text", "unicodetext": "text", "clob": "text",
    "integer": "int4", "int": "int4", "int4": "int4", "biginteger": "int8", "bigint": "int8", "int8": "int8",
    "smallinteger": "int2", "smallint": "int2", "int2": "int2",
    "numeric": "numeric", "decimal": "numeric",
    "datetime": "timestamp", "timestamp": "timestamp", "timestamptz": "timestamptz",
    "boolean": "bool", "bool": "bool", "float": "float8", "float8": "float8", "double": "float8",
    "double_precision": "float8", "real": "float4", "float4": "float4",
    "date": "date", "time": "time", "json": "json", "jsonb": "jsonb", "uuid": "uuid",
    "char": "bpchar", "bpchar": "bpchar", "cidr": "cidr", "inet": "inet", "citext": "citext",
}  # fmt: skip


def _canon(t: Any) -> tuple[str, tuple[Any, ...]] | None:
    if not isinstance(t, dict) or not t.get("name"):
        return None
    name = _CANON.get(str(t["name"]).lower())
    if name is None:
        return None
    args = tuple(a for a in t.get("args") or () if a is not None)
    return name, args


def rewrite_reason(old: Any, new: Any, config: MRTConfig) -> str | None:
    """Why PostgreSQL rewrites the table for `old` -> `new`, or None (no rewrite, or unknown types)."""
    a, b = _canon(old), _canon(new)
    if a is None or b is None or a == b:
        return None
    (old_name, old_args), (new_name, new_args) = a, b
    if old_name in ("varchar", "text") and new_name == "text":
        return None
    if old_name == "varchar" and new_name == "varchar":
        if not new_args or (old_args and new_args[0] >= old_args[0]):
            return None
        return f"VARCHAR({old_args[0] if old_args else ''}) to VARCHAR({new_args[0]}) checks and rewrites every row"
    if old_name == "text" and new_name == "varchar" and not new_args:
        return None
    if old_name == "numeric" and new_name == "numeric":
        if not new_args:
            return None
        if old_args and len(new_args) >= 1:
            old_scale = old_args[1] if len(old_args) > 1 else 0
            new_scale = new_args[1] if len(new_args) > 1 else 0
            if new_scale == old_scale and new_args[0] >= old_args[0]:
                return None
        return "a NUMERIC precision/scale change other than growing the precision rewrites the table"
    if old_name == "cidr" and new_name == "inet":
        return None
    if old_name == "timestamp" and new_name == "timestamptz":
        version = pg_version(config)
        if version is not None and version >= (12, 0):
            return None  # no rewrite on 12+ when the session time zone is UTC
        return (
            "TIMESTAMP to TIMESTAMPTZ rewrites the table before PostgreSQL 12 (and on 12+ unless the time zone is UTC)"
        )
    return f"{old_name.upper()} to {new_name.upper()} is not binary-compatible"


def old_type(m: MigrationAST, op: Operation) -> Any:
    old = op.args.get("existing_type")
    if old is not None:
        return old
    reverse = (
        d
        for d in m.ops
        if d.side != UPGRADE and d.kind == Kind.ALTER_COLUMN and same(d.table, op.table) and same(d.column, op.column)
    )
    return next((d.args["type"] for d in reverse if d.args.get("type")), None)


@rule(
    code="MRT418",
    name="Column type change rewrites the table",
    category=LOCKS,
    severity=WARNING,
    summary="ALTER COLUMN ... TYPE to a type that is not binary-compatible rewrites the table and its indexes.",
    docs=RuleDocs(
        what="`op.alter_column(..., type_=new, existing_type=old)` or `ALTER COLUMN ... TYPE` (the old type read "
        "from `existing_type=` or from the downgrade) on an existing table, when the change is not one PostgreSQL "
        "does in place. In place (not reported): VARCHAR growth, VARCHAR to TEXT or unbounded VARCHAR, TEXT to "
        "VARCHAR, NUMERIC precision growth at the same scale, NUMERIC to unconstrained NUMERIC, CIDR to INET, "
        'TIMESTAMP to TIMESTAMPTZ on PostgreSQL 12+ (`version = "12"` or later; needs a UTC session). Types '
        "mrt does not know, and changes whose old type is not written down, are not reported. Django "
        "`AlterField` does not state the old type and is not checked.",
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
                f"Type change of {_column(op)} rewrites {_table(op)} and its indexes under an ACCESS EXCLUSIVE lock "
                f"({reason}). Add a new column, backfill, and swap instead",
            )


# -- MRT419: serial / identity / stored generated -----------------------------------------------------------------


def _generated_kind(op: Operation) -> str | None:
    args = op.args
    if args.get("generated") in ("identity", "stored", True):
        return "generated" if args["generated"] in ("stored", True) else "identity"
    name = _type_name(op)
    if name in SERIAL_TYPES:
        return "serial"
    field = (args.get("type") or {}).get("name")
    if op.origin == "django" and field in AUTO_FIELDS:
        return "auto-increment"
    return None


@rule(
    code="MRT419",
    name="Serial, identity or stored generated column added",
    category=LOCKS,
    severity=WARNING,
    summary="Adding a serial/identity/stored generated column fills every row: a table rewrite under lock.",
    docs=RuleDocs(
        what="`ADD COLUMN` of a `serial`/`bigserial` type, `GENERATED ... AS IDENTITY`, or `GENERATED ALWAYS AS "
        "(...) STORED` (Alembic `sa.Identity()` / `sa.Computed()`, Django `AutoField`/`BigAutoField`, "
        "`GeneratedField(db_persist=True)`) on a table that existed before the migration. Virtual generated "
        "columns are not reported.",
        why="Every existing row gets a value computed at ALTER time, so PostgreSQL rewrites the table (and MySQL "
        "copies it) while holding ACCESS EXCLUSIVE.",
        instead="Add a plain nullable column, fill it in batches (from a sequence, or the expression), then attach "
        "the default / identity / constraint. For generated values, consider a view or a trigger.",
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
        if kind and target_dialect(m, config) != "sqlite":
            yield hit(
                op,
                f"{kind.capitalize()} column {_column(op)} is filled for every existing row: {_table(op)} is "
                "rewritten under an ACCESS EXCLUSIVE lock. Add a plain nullable column and backfill in batches",
            )


# -- MRT420: lock_timeout ------------------------------------------------------------------------------------------

_SET_TIMEOUT = re.compile(r"\bSET\s+(SESSION\s+|LOCAL\s+)?(lock_timeout|lock_wait_timeout)\b", re.IGNORECASE)


def lock_taken(m: MigrationAST, op: Operation) -> str | None:
    """The table lock a schema operation on an existing table takes, or None when it takes none worth naming."""
    if not existing(op):
        return None
    kind = op.kind
    if kind == Kind.CREATE_INDEX:
        return "SHARE UPDATE EXCLUSIVE" if op.args.get("concurrently") else SHARE
    if kind == Kind.CREATE_CONSTRAINT and validates_constraint(op) == "foreign key":
        return SHARE_ROW_EXCLUSIVE
    if kind == Kind.VALIDATE_CONSTRAINT:
        return "SHARE UPDATE EXCLUSIVE"
    if kind == Kind.DROP_INDEX and op.args.get("concurrently"):
        return None
    if kind == Kind.ALTER_COLUMN and op.origin == "django" and not sets_not_null(op):
        return None  # an AlterField may change only Python-side options: no SQL at all
    if kind in (
        Kind.ADD_COLUMN,
        Kind.DROP_COLUMN,
        Kind.ALTER_COLUMN,
        Kind.RENAME_COLUMN,
        Kind.CREATE_CONSTRAINT,
        Kind.DROP_CONSTRAINT,
        Kind.DROP_INDEX,
        Kind.RENAME_TABLE,
        Kind.DROP_TABLE,
        Kind.CREATE_TRIGGER,
        Kind.DROP_TRIGGER,
    ):
        if _is_m2m(op):
            return None
        return ACCESS_EXCLUSIVE
    return None


@rule(
    code="MRT420",
    name="Lock-taking DDL without lock_timeout",
    category=LOCKS,
    severity=WARNING,
    default_enabled=False,
    summary="DDL on an existing table runs without a lock_timeout: one long query can stall all traffic (opt-in).",
    docs=RuleDocs(
        what="The first operation of a migration that locks an existing table (ALTER TABLE, CREATE/DROP INDEX, "
        "constraints) when the migration has not run `SET lock_timeout` (PostgreSQL) or `SET lock_wait_timeout` "
        "(MySQL) before it. Reported once per migration. Off by default, because many projects set the timeout "
        'once in env.py or the database settings: enable with `extend_select = ["MRT420"]` if yours does not.',
        why="The ALTER waits for every running transaction on the table; while it waits, every new query on the "
        "table queues behind it. A single slow report turns a millisecond ALTER into an outage.",
        instead="Set a short lock timeout (and retry the migration if it fires): `SET lock_timeout = '5s'` at the "
        "start of the migration, or once in env.py / `DATABASES[...]['OPTIONS']`.",
        example="# Alembic\n"
        'def upgrade():\n    op.add_column("users", sa.Column("phone", sa.String(20)))\n\n\n'
        "# Django\n"
        'operations = [migrations.AddField("user", "phone", models.CharField(max_length=20, null=True))]\n',
        fixed="# Alembic\n"
        "def upgrade():\n    op.execute(\"SET lock_timeout = '5s'\")\n"
        '    op.add_column("users", sa.Column("phone", sa.String(20)))\n\n\n'
        "# Django\n"
        "operations = [\n    migrations.RunSQL(\"SET lock_timeout = '5s'\", migrations.RunSQL.noop),\n"
        '    migrations.AddField("user", "phone", models.CharField(max_length=20, null=True)),\n]\n',
    ),
)
@per_call
def missing_lock_timeout(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if target_dialect(m, config) == "sqlite":
        return
    for op in m.ops:
        if op.side != UPGRADE:
            continue
        if op.sql and _SET_TIMEOUT.search(op.sql):
            return
        lock = lock_taken(m, op)
        if lock:
            yield hit(
                op,
                f"{lock} lock on {_table(op)} is requested without a lock_timeout: if it has to wait, every query "
                "on the table queues behind it. SET lock_timeout first (and retry on timeout)",
            )
            return


# -- MRT421: long transactions --------------------------------------------------------------------------------------


def heavy(m: MigrationAST, config: MRTConfig, op: Operation) -> str | None:
    """What makes `op` scan or rewrite an existing table, or None."""
    if not existing(op):
        return None
    if builds_index(op) or builds_unique(op):
        return "an index build"
    if sets_not_null(op):
        return "a NOT NULL scan"
    if validates_constraint(op) or op.kind == Kind.VALIDATE_CONSTRAINT:
        return "a constraint validation"
    rewrites = op.kind == Kind.ALTER_COLUMN and "type" in op.args and op.origin != "django"
    if rewrites and rewrite_reason(old_type(m, op), op.args["type"], config):
        return "a table rewrite"
    return None


_BACKFILLS = frozenset({Kind.UPDATE, Kind.DELETE, Kind.RUN_PYTHON})


@rule(
    code="MRT421",
    name="Backfill or second heavy step while a lock is held",
    category=LOCKS,
    severity=WARNING,
    summary="A backfill (or another scan/rewrite) runs in the transaction that already holds a table lock.",
    docs=RuleDocs(
        what="In one transaction (an Alembic revision outside `autocommit_block()`, an atomic Django migration): "
        "an UPDATE / DELETE / RunPython after a lock that blocks writes to an existing table, or a step that scans "
        "or rewrites a table (index build, NOT NULL check, validation, rewriting type change) while an ACCESS "
        "EXCLUSIVE lock on another existing table is held. Reported once per migration, at the step that prolongs the lock.",
        why="Locks are held until commit. The ALTER's ACCESS EXCLUSIVE lock stays on while the backfill walks the "
        "table, so a millisecond ALTER becomes an outage as long as the backfill.",
        instead="Commit the schema change first: backfill in a separate migration (Django: `atomic = False` and "
        "batched RunPython; Alembic: a later revision or `autocommit_block()` batches), and keep one heavy step "
        "per migration.",
        example="# Alembic\n"
        'op.add_column("users", sa.Column("plan", sa.String(20), nullable=True))\n'
        "op.execute(\"UPDATE users SET plan = 'free'\")\n\n"
        "# Django\n"
        "operations = [\n"
        '    migrations.AddField("user", "plan", models.CharField(max_length=20, null=True)),\n'
        "    migrations.RunPython(fill_plan, migrations.RunPython.noop),\n"
        "]\n",
        fixed="# Alembic: revision 1 adds the column; revision 2 backfills in batches\n"
        "with op.get_context().autocommit_block():\n"
        "    op.execute(\"UPDATE users SET plan = 'free' WHERE id BETWEEN 1 AND 10000 AND plan IS NULL\")\n\n\n"
        "# Django: the RunPython moves to its own migration\n"
        "class Migration(migrations.Migration):\n    atomic = False\n"
        "    operations = [migrations.RunPython(fill_plan_in_batches, migrations.RunPython.noop)]\n",
    ),
)
@per_call
def lock_held_during_backfill(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    locked: tuple[Operation, str] | None = None  # the first lock that blocks writes
    exclusive: Operation | None = None  # the first lock that also blocks reads
    for op in m.ops:
        if op.side != UPGRADE or not in_transaction(m, op) or not on_postgresql(m, config, op):
            continue
        if locked is not None and op.kind in _BACKFILLS and not op.new_table:
            first, mode = locked
            what = "RunPython" if op.kind == Kind.RUN_PYTHON else op.kind.upper()
            yield hit(
                op,
                f"{what} runs while the {mode} lock taken on {_table(first)} at line {first.line} is held: the "
                "table stays blocked for the whole backfill. Commit the schema change first and backfill separately",
            )
            return
        step = heavy(m, config, op) if exclusive is not None else None
        if step and exclusive is not None and not same(op.table, exclusive.table):
            yield hit(
                op,
                f"{step[0].upper()}{step[1:]} on {_table(op)} runs while the ACCESS EXCLUSIVE lock on "
                f"{_table(exclusive)} (line {exclusive.line}) blocks its reads and writes. Split the steps into "
                "separate migrations",
            )
            return
        mode = lock_taken(m, op)
        if mode in (ACCESS_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE) and locked is None:
            locked = (op, mode)
        if mode == ACCESS_EXCLUSIVE and exclusive is None:
            exclusive = op


# -- MRT422: VACUUM FULL / CLUSTER -----------------------------------------------------------------------------------


@rule(
    code="MRT422",
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
        if statement == "ClusterStmt" or (statement == "VacuumStmt" and _says(op, "FULL")):
            what = "CLUSTER" if statement == "ClusterStmt" else "VACUUM FULL"
            yield hit(op, f"{what} rewrites the table under an ACCESS EXCLUSIVE lock; use pg_repack outside migrations")


# -- MRT423: MySQL copies -------------------------------------------------------------------------------------------


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
        'dialect), and, when the target is MySQL (`dialect = "mysql"` or a mysql URL in alembic.ini), an '
        "`alter_column` from one ENUM/SET to another that does not just append values at the end.",
        why="A COPY ALTER rebuilds the table and blocks writes (LOCK=SHARED) or everything (LOCK=EXCLUSIVE) for "
        "the whole copy. Appending ENUM values is instant; reordering, removing or inserting values forces a copy.",
        instead="Use `ALGORITHM=INPLACE, LOCK=NONE` (or INSTANT) where MySQL supports it, append new ENUM values at "
        "the end, or run the change with an online schema tool (gh-ost, pt-online-schema-change).",
        example="# Alembic\n"
        'op.execute("ALTER TABLE orders MODIFY status VARCHAR(40), ALGORITHM=COPY, LOCK=SHARED")\n\n'
        "# Django\n"
        'migrations.RunSQL("ALTER TABLE shop_order ADD COLUMN note TEXT, ALGORITHM=COPY", migrations.RunSQL.noop)\n',
        fixed="# Alembic\n"
        'op.execute("ALTER TABLE orders ADD COLUMN note TEXT, ALGORITHM=INSTANT")\n\n'
        "# Django\n"
        "migrations.RunSQL(\n"
        '    "ALTER TABLE shop_order ADD COLUMN note TEXT, ALGORITHM=INPLACE, LOCK=NONE",\n'
        '    "ALTER TABLE shop_order DROP COLUMN note",\n'
        ")\n",
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
                    f"{how} on {_table(op)}: MySQL copies or locks the table for the whole ALTER. Use "
                    "ALGORITHM=INPLACE/INSTANT with LOCK=NONE, or an online schema tool",
                )
            continue
        if op.kind == Kind.ALTER_COLUMN and target_dialect(m, config) == MYSQL:
            old, new = _enum_values(old_type(m, op)), _enum_values(op.args.get("type"))
            if old and new and new[: len(old)] != old:
                yield hit(
                    op,
                    f"ENUM change on {_column(op)} does not only append values: MySQL copies {_table(op)} with "
                    "writes blocked. Append new values at the end, or use an online schema tool",
                )


# -- MRT424: json vs jsonb ------------------------------------------------------------------------------------------


_SA_JSON = re.compile(r"(?<![\w.])(?:sa|sqlalchemy|postgresql|pg|types|sqltypes)\.JSON\b")
_BARE_JSON = re.compile(r"(?<![\w.])JSON\s*\(")
_IMPORTS_JSON = re.compile(r"^from sqlalchemy[\w.]*\s+import\s+[^\n]*\bJSON\b", re.MULTILINE)


def _json_columns(m: MigrationAST, op: Operation) -> list[str]:
    """Columns typed SQLAlchemy's (or PostgreSQL's) own JSON, not a project type that happens to be named JSON."""
    if op.kind == Kind.CREATE_TABLE:
        columns = [c for c in op.args.get("columns") or () if isinstance(c.get("type"), dict)]
        names = [str(c.get("name")) for c in columns if str(c["type"].get("name", "")).lower() == "json"]
    elif op.kind in (Kind.ADD_COLUMN, Kind.ALTER_COLUMN) and _type_name(op) == "json" and op.origin != "django":
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


# -- MRT425: re-runnable non-transactional steps ------------------------------------------------------------------


def _guarded(op: Operation) -> bool:
    if op.kind == Kind.CREATE_INDEX:
        return bool(op.args.get("if_not_exists"))
    return bool(op.args.get("if_exists"))


@rule(
    code="MRT425",
    name="Concurrent index step not re-runnable",
    category=LOCKS,
    severity=WARNING,
    summary="CREATE/DROP INDEX CONCURRENTLY outside a transaction without IF [NOT] EXISTS cannot be retried.",
    docs=RuleDocs(
        what="`op.create_index(..., postgresql_concurrently=True)` without `if_not_exists=True`, `op.drop_index(..., "
        "postgresql_concurrently=True)` without `if_exists=True`, or raw `CREATE INDEX CONCURRENTLY` / `DROP INDEX "
        "CONCURRENTLY` without `IF NOT EXISTS` / `IF EXISTS`, inside `autocommit_block()` or an `atomic = False` "
        "migration. Django's `AddIndexConcurrently` has no such option and is not reported.",
        why="Outside a transaction nothing is rolled back: a build that fails or is cancelled (deadlock, lock "
        "timeout, duplicate key) leaves an INVALID index behind, and the retried migration then fails with 'relation "
        "already exists'. Someone has to repair the database by hand in the middle of a deploy.",
        instead="Make the step idempotent (`IF NOT EXISTS` / `if_not_exists=True`), and drop an INVALID leftover "
        "before retrying (`DROP INDEX CONCURRENTLY IF EXISTS`).",
        example="# Alembic\n"
        "with op.get_context().autocommit_block():\n"
        '    op.create_index("ix_orders_user_id", "orders", ["user_id"], postgresql_concurrently=True)\n\n'
        "# Django (atomic = False)\n"
        'migrations.RunSQL("CREATE INDEX CONCURRENTLY ix_order_user ON shop_order (user_id)", migrations.RunSQL.noop)\n',
        fixed="# Alembic\n"
        "with op.get_context().autocommit_block():\n"
        "    op.create_index(\n"
        '        "ix_orders_user_id", "orders", ["user_id"], postgresql_concurrently=True, if_not_exists=True\n'
        "    )\n\n"
        "# Django (atomic = False)\n"
        "migrations.RunSQL(\n"
        '    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_order_user ON shop_order (user_id)",\n'
        '    "DROP INDEX CONCURRENTLY IF EXISTS ix_order_user",\n'
        ")\n",
    ),
)
@per_call
def concurrent_not_rerunnable(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if op.kind not in (Kind.CREATE_INDEX, Kind.DROP_INDEX) or not op.args.get("concurrently"):
            continue
        if op.origin == "django" or in_transaction(m, op) or _guarded(op) or not on_postgresql(m, config, op):
            continue
        guard = "IF NOT EXISTS" if op.kind == Kind.CREATE_INDEX else "IF EXISTS"
        verb = "build" if op.kind == Kind.CREATE_INDEX else "drop"
        yield hit(
            op,
            f"Concurrent index {verb} of {op.name or 'an index'} on {_table(op)} runs outside a transaction without "
            f"{guard}: after a failure the retry fails on the INVALID leftover. Add {guard}",
        )
