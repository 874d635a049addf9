"""MRT4xx — locks: index builds and drops, constraints and NOT NULL validated under a lock, CONCURRENTLY in a
transaction, long transactions, missing lock_timeout.

PostgreSQL first (MySQL and SQLite where they differ). Every message names the lock an operation takes and
the safe recipe; the context that decides it (new table, autocommit block, atomic migration, dialect) is in
`lock_context.py`. Table rewrites (defaults, type changes, generated columns) are in `rewrites.py`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator

from mrt.config import MRTConfig
from mrt.dialect import SQLITE, target_dialect
from mrt.findings import ERROR, WARNING
from mrt.model.migration import DJANGO, MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation, Span
from mrt.model.pyexpr import span_of
from mrt.rules.django_code import runpython_code
from mrt.rules.django_fields import FieldChange, field_changes, field_events
from mrt.rules.lock_context import (
    ACCESS_EXCLUSIVE,
    AUTO_FIELDS,
    SERIAL_TYPES,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    builds_index,
    builds_unique,
    emptied_before,
    existing,
    fresh_database,
    heavy,
    in_transaction,
    index_recipe,
    is_detach,
    is_m2m,
    is_reindex,
    lock_taken,
    on_postgresql,
    per_call,
    qualified_column,
    quoted_table,
    recipe,
    says,
    sets_not_null,
    type_name,
    validates_constraint,
)
from mrt.rules.matching import op_positions, same, table_dropped_later
from mrt.rules.registry import LOCKS, Hit, RuleDocs, history_check, hit, rule

# -- MRT401 / MRT406 / MRT407 / MRT415: NOT NULL columns, unique constraints, indexes -------------------------------


def _required_without_default(op: Operation) -> bool:
    """A new NOT NULL column that existing rows cannot fill: no server default, no generated value."""
    args = op.args
    if op.kind != Kind.ADD_COLUMN or args.get("nullable", True) or is_m2m(op):
        return False
    if args.get("server_default") or args.get("generated") or args.get("primary_key"):
        return False
    name = type_name(op)
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


@rule(
    code="MRT401",
    kinds=(Kind.ADD_COLUMN,),
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
                f"NOT NULL column {qualified_column(op)} is added without a default: the ALTER fails as soon as "
                f"{quoted_table(op)} has rows. Add a server default, or add it nullable, backfill, then set NOT NULL",
            )


@rule(
    code="MRT406",
    kinds=(Kind.CREATE_CONSTRAINT, Kind.ADD_COLUMN),
    name="UNIQUE or PRIMARY KEY constraint built under lock",
    category=LOCKS,
    severity=WARNING,
    summary="A UNIQUE/PRIMARY KEY/EXCLUDE constraint builds its index while holding ACCESS EXCLUSIVE.",
    docs=RuleDocs(
        what="`op.create_unique_constraint` / `create_primary_key` / `create_exclude_constraint`, a column added "
        "with `unique=True`, `ALTER TABLE ... ADD UNIQUE / PRIMARY KEY` without `USING INDEX`, Django "
        "`AddConstraint(UniqueConstraint(...))`, `AlterUniqueTogether`, or `AddField(unique=True)`, on a table "
        "that existed before the migration. Constraints attached with `USING INDEX` are not reported. "
        "PostgreSQL (or an unknown engine) only. A Django `AlterField` that adds `unique=True` or `primary_key=True` "
        "is judged against the field's previous definition in the app's earlier migrations, when `mrt check` reads "
        "the whole migrations directory; silent when that definition is unknown (a migration not scanned, a custom "
        "field class, a relation).",
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
            what = f"unique column {qualified_column(op)}"
        elif op.args.get("together"):
            what = f"unique_together on {quoted_table(op)}"
        else:
            what = f"{kind} {op.describe()}"
        yield hit(
            op,
            f"{what[0].upper()}{what[1:]} builds its index while holding an ACCESS EXCLUSIVE lock on {quoted_table(op)}. "
            "Create a unique index CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX",
        )


def _lock_changes(migrations: list[MigrationAST], config: MRTConfig) -> Iterator[FieldChange]:
    """Django `AlterField`s of existing tables, on PostgreSQL, with their previous definitions: the lock rules'
    gates for an operation that the history pass judges."""
    for change in field_changes(migrations):
        m, op = change.migration, change.op
        if not fresh_database(m) and existing(op) and on_postgresql(m, config, op):
            yield change


@history_check("MRT406", facts=field_events)
def unique_django_alter_field(migrations: list[MigrationAST], config: MRTConfig) -> Iterator[tuple[MigrationAST, Hit]]:
    """A Django `AlterField` that makes a field unique or the primary key (the file alone does not say that
    it was neither before)."""
    for change in _lock_changes(migrations, config):
        old, new, op = change.old, change.new, change.op
        if new.primary_key and old.primary_key is False:
            what = f"PRIMARY KEY on {qualified_column(op)}"
        elif new.unique and old.unique is False and old.primary_key is False:
            what = f"the UNIQUE constraint AlterField adds to {qualified_column(op)}"
        else:
            continue
        yield (
            change.migration,
            hit(
                op,
                f"{what[0].upper()}{what[1:]} builds its index while holding an ACCESS EXCLUSIVE lock on "
                f"{quoted_table(op)}. Create a unique index CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX",
            ),
        )


@rule(
    code="MRT407",
    kinds=(Kind.CREATE_INDEX, Kind.ADD_COLUMN),
    name="INDEX without CONCURRENTLY",
    category=LOCKS,
    severity=WARNING,
    summary="An index is built on an existing table without CONCURRENTLY, blocking writes for the whole build.",
    aliases=("MRT413",),
    docs=RuleDocs(
        what="`op.create_index` without `postgresql_concurrently=True`, `CREATE INDEX` without `CONCURRENTLY`, "
        "Django `AddIndex` / `AlterIndexTogether`, and the implicit indexes of a new column (`index=True`, "
        "`db_index=True`, a Django `ForeignKey`), on a table that existed before the migration. Tables created in "
        "the same migration and trees that target SQLite or MySQL are not reported. A Django `AlterField` that gives "
        "a field an index of its own (`db_index=True`, a `SlugField` or a `ForeignKey`, indexed by default: a plain "
        "field turned into a ForeignKey, or a ForeignKey that loses `db_index=False`) is judged against the field's "
        "previous definition in the app's earlier migrations, when `mrt check` reads the whole migrations directory; "
        "silent when that definition is unknown. Covers pytest-mrt's MRT413; unlike it, the advice is `AddIndexConcurrently`, since "
        "`atomic = False` alone does not make `AddIndex` concurrent.",
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
        advice = index_recipe(m, op)
        if why == "foreign key":
            yield hit(
                op,
                f"ForeignKey {qualified_column(op)} builds its index without CONCURRENTLY (SHARE lock: writes to "
                f"{quoted_table(op)} wait for the build). Add the field with db_index=False, then {advice}",
            )
        elif why == "db_index":
            yield hit(
                op,
                f"The index of new column {qualified_column(op)} is built without CONCURRENTLY (SHARE lock: writes to "
                f"{quoted_table(op)} wait for the build). Add the column without index=True, then {advice}",
            )
        else:
            name = f" {op.name!r}" if op.name and why == "index" else ""
            yield hit(
                op,
                f"Index{name} on {quoted_table(op)} is built without CONCURRENTLY: its SHARE lock blocks every write "
                f"until the build ends. {advice[0].upper()}{advice[1:]}",
            )


@history_check("MRT407", facts=field_events)
def index_django_alter_field(migrations: list[MigrationAST], config: MRTConfig) -> Iterator[tuple[MigrationAST, Hit]]:
    """A Django `AlterField` that gives a field an index of its own (`db_index=True`, a SlugField, or a ForeignKey,
    which have one by default): Django builds it with a plain CREATE INDEX. The file alone does not say the field
    had none."""
    for change in _lock_changes(migrations, config):
        if change.new.db_index and change.old.db_index is False:
            m, op = change.migration, change.op
            index = "The ForeignKey's index" if op.args.get("relation") else "The index"
            yield (
                m,
                hit(
                    op,
                    f"{index} AlterField adds to {qualified_column(op)} is built without CONCURRENTLY (SHARE lock: "
                    f"writes to {quoted_table(op)} wait for the build). Keep the field's index out of the database "
                    f"step (SeparateDatabaseAndState) and {index_recipe(m, op)}",
                ),
            )


@rule(
    code="MRT415",
    kinds=(Kind.DROP_INDEX, Kind.MAINTENANCE, Kind.OTHER_SQL),
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
        if op.kind == Kind.DROP_INDEX and not op.args.get("concurrently") and not table_dropped_later(m, op):
            advice = recipe(
                m,
                "write DROP INDEX CONCURRENTLY inside autocommit_block()"
                if op.origin == "sql"
                else "use postgresql_concurrently=True inside autocommit_block()",
                "write DROP INDEX CONCURRENTLY with atomic = False"
                if op.origin == "sql"
                else "use RemoveIndexConcurrently with atomic = False",
            )
            yield hit(
                op,
                f"Index {op.name or ''} is dropped without CONCURRENTLY: ACCESS EXCLUSIVE lock on "
                f"{quoted_table(op)} queues every query behind it; {advice}".replace("Index  ", "Index "),
            )
        elif is_reindex(op) and not says(op, "CONCURRENTLY"):
            yield hit(
                op,
                "REINDEX without CONCURRENTLY takes a SHARE lock on the table (ACCESS EXCLUSIVE on the index): writes "
                "wait for the whole rebuild. Use REINDEX ... CONCURRENTLY outside a transaction",
            )
        elif is_detach(op) and not says(op, "CONCURRENTLY"):
            yield hit(
                op,
                f"DETACH PARTITION takes an ACCESS EXCLUSIVE lock on {quoted_table(op)}; use DETACH PARTITION ... "
                "CONCURRENTLY (PostgreSQL 14+) outside a transaction",
            )


# -- MRT414: CONCURRENTLY inside a transaction ---------------------------------------------------------------------


def _concurrent(op: Operation) -> bool:
    if op.kind in (Kind.CREATE_INDEX, Kind.DROP_INDEX):
        return bool(op.args.get("concurrently"))
    if is_reindex(op) or is_detach(op):
        return says(op, "CONCURRENTLY")
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
    kinds=(Kind.CREATE_INDEX, Kind.DROP_INDEX, Kind.MAINTENANCE, Kind.OTHER_SQL),
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
        fix = recipe(
            m,
            "wrap it in `with op.get_context().autocommit_block():`",
            "set `atomic = False` on the migration",
        )
        yield hit(
            op, f"{_concurrent_name(op)} on {quoted_table(op)} runs inside the migration's transaction and fails; {fix}"
        )


def _concurrent_name(op: Operation) -> str:
    if op.kind == Kind.CREATE_INDEX:
        return "CREATE INDEX CONCURRENTLY"
    if op.kind == Kind.DROP_INDEX:
        return "DROP INDEX CONCURRENTLY"
    return "REINDEX CONCURRENTLY" if is_reindex(op) else "DETACH PARTITION CONCURRENTLY"


# -- MRT412: SET NOT NULL -------------------------------------------------------------------------------------------


def _validated_before(m: MigrationAST, op: Operation) -> bool:
    """A VALIDATE CONSTRAINT on `op`'s table earlier on the same side (where each table is first validated,
    read once per migration rather than once per SET NOT NULL)."""
    first = m.derived.get("first_validations")
    if not isinstance(first, dict):
        first = {}
        for i, other in enumerate(m.ops):
            if other.kind == Kind.VALIDATE_CONSTRAINT and other.table:
                first.setdefault((other.side, other.table.lower()), i)
        m.derived["first_validations"] = first
    if not op.table:
        return False
    return first.get((op.side, op.table.lower()), len(m.ops)) < op_positions(m).get(id(op), -1)


@rule(
    code="MRT412",
    kinds=(Kind.ALTER_COLUMN,),
    name="SET NOT NULL on an existing column",
    category=LOCKS,
    severity=WARNING,
    summary="SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock.",
    aliases=("MRT213",),
    docs=RuleDocs(
        what="`op.alter_column(t, c, nullable=False)` (not when `existing_nullable=False`), `ALTER COLUMN ... SET "
        "NOT NULL`, or a Django `AlterField` that makes a field non-null, on an existing table. The Django form is "
        "seen in the file alone when makemigrations asked for a one-off default (`preserve_default=False`); "
        "otherwise by comparing with the field's previous definition (`null=True`) in the app's earlier "
        "migrations, when `mrt check` reads the whole migrations directory (relations included). Not reported "
        "when the same migration validates a CHECK constraint on the table first (the recipe below). Covers "
        "pytest-mrt's MRT213 and MRT412.",
        why="PostgreSQL verifies every row while holding ACCESS EXCLUSIVE: reads and writes stop for the whole "
        "scan, and the ALTER fails if a NULL slipped in. Django's version also runs an UPDATE of every NULL "
        "first, in the same transaction.",
        instead="Add `CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it in a separate transaction "
        "(SHARE UPDATE EXCLUSIVE, writes continue), then `SET NOT NULL` (PostgreSQL 12+ uses the valid check "
        "and skips the scan) and drop the check.",
        example="# Alembic\n"
        'op.alter_column("users", "email", nullable=False)\n\n'
        "# Django (the field was EmailField(null=True) in an earlier migration)\n"
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
            f"SET NOT NULL on {qualified_column(op)} scans every row under an ACCESS EXCLUSIVE lock on {quoted_table(op)}. "
            "Add CHECK (... IS NOT NULL) NOT VALID, VALIDATE it separately, then SET NOT NULL",
        )


@history_check("MRT412", facts=field_events)
def not_null_django_alter_field(
    migrations: list[MigrationAST], config: MRTConfig
) -> Iterator[tuple[MigrationAST, Hit]]:
    """A Django `AlterField` from `null=True` to NOT NULL, known from the field's previous definition. One with
    `preserve_default=False` is left to the per-file check, which reports it from the file alone."""
    for change in _lock_changes(migrations, config):
        op = change.op
        if change.old.null and change.new.null is False and not change.validated:
            if op.args.get("preserve_default") is False:
                continue
            yield (
                change.migration,
                hit(
                    op,
                    f"SET NOT NULL on {qualified_column(op)} (null=True dropped) scans every row under an ACCESS "
                    f"EXCLUSIVE lock on {quoted_table(op)}. Add CHECK (... IS NOT NULL) NOT VALID, VALIDATE it "
                    "separately, then SET NOT NULL",
                ),
            )


# -- MRT416 / MRT417: constraints validated under lock ----------------------------------------------------------------


@rule(
    code="MRT416",
    kinds=(Kind.CREATE_CONSTRAINT, Kind.ADD_COLUMN, Kind.OTHER_SQL),
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
                f"Foreign key{target} on {quoted_table(op)} is validated immediately: SHARE ROW EXCLUSIVE on both tables "
                "for a full scan. Add it NOT VALID, then VALIDATE CONSTRAINT in a separate transaction",
            )
        elif kind == "check":
            yield hit(
                op,
                f"CHECK constraint {op.name or ''} on {quoted_table(op)} is validated under an ACCESS EXCLUSIVE lock. "
                "Add it NOT VALID, then VALIDATE CONSTRAINT in a separate transaction".replace("  ", " "),
            )
        elif kind == "domain":
            yield hit(
                op,
                "ALTER DOMAIN ... ADD CONSTRAINT checks every column of that domain in every table, each table locked "
                "(SHARE: writes wait) until commit. NOT VALID skips the scan, but before PostgreSQL 19 the later ALTER "
                "DOMAIN ... VALIDATE CONSTRAINT takes the same locks (MRT428): prefer per-table CHECK constraints",
            )


@rule(
    code="MRT417",
    kinds=(Kind.VALIDATE_CONSTRAINT,),
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
                f"{added[op.name.lower()].line}): the ADD's lock on {quoted_table(op)} is held for the whole scan. "
                "Validate it in a separate transaction",
            )


# -- MRT420: lock_timeout ------------------------------------------------------------------------------------------

_SET_TIMEOUT = re.compile(r"\bSET\s+(SESSION\s+|LOCAL\s+)?(lock_timeout|lock_wait_timeout)\b", re.IGNORECASE)


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
    found = _first_lock_before_setting(m, _SET_TIMEOUT, lambda op: True)
    if found:
        op, lock = found
        yield hit(
            op,
            f"{lock} lock on {quoted_table(op)} is requested without a lock_timeout: if it has to wait, every query "
            "on the table queues behind it. SET lock_timeout first (and retry on timeout)",
        )


def _first_lock_before_setting(
    m: MigrationAST, setting: re.Pattern[str], applies: Callable[[Operation], bool]
) -> tuple[Operation, str] | None:
    """The first upgrade operation that takes a lock (and that `applies` to) before any SQL matching
    `setting` sets the timeout: MRT420 (lock_timeout) and MRT806 (statement_timeout) read the same way."""
    for op in m.ops:
        if op.side != UPGRADE:
            continue
        if op.sql and setting.search(op.sql):
            return None
        lock = lock_taken(m, op)
        if lock and applies(op):
            return op, lock
    return None


_SET_STATEMENT_TIMEOUT = re.compile(
    r"\bSET\s+(SESSION\s+|LOCAL\s+)?statement_timeout\b|set_config\s*\(\s*'statement_timeout'", re.IGNORECASE
)


@rule(
    code="MRT806",
    name="Lock-taking DDL without statement_timeout",
    category=LOCKS,
    severity=WARNING,
    default_enabled=False,
    summary="DDL on an existing table runs without a statement_timeout: a step that takes longer than planned "
    "holds its lock for as long as it runs (opt-in, PostgreSQL).",
    docs=RuleDocs(
        what="The first operation of a migration that locks an existing table (ALTER TABLE, CREATE/DROP INDEX, "
        "constraints) when the migration has not run `SET statement_timeout` (or `set_config('statement_timeout', "
        "...)`) before it: squawk's require-statement-timeout, beside MRT420's lock_timeout. Reported once per "
        "migration, on PostgreSQL only (MySQL's `max_execution_time` bounds SELECTs, not DDL). Off by default, "
        "because many projects set the timeout once in env.py or the database settings: enable with "
        '`extend_select = ["MRT806"]` if yours does not.',
        why="`lock_timeout` bounds the wait for the lock, not the time the lock is then held. An ALTER that turns "
        "out to rewrite the table, a constraint check or an index build on a table larger than planned holds its "
        "lock until it finishes, and every query on the table waits that long.",
        instead="Set a statement timeout for the DDL (`SET statement_timeout = '5s'` at the start of the "
        "migration, or `SET LOCAL` inside its transaction), and raise it explicitly for a step that is meant to "
        "run long, such as a batched backfill.",
        example="# Alembic\n"
        "def upgrade():\n    op.execute(\"SET lock_timeout = '5s'\")\n"
        '    op.create_check_constraint("ck_users_age", "users", "age >= 0")\n\n\n'
        "# Django\n"
        'operations = [migrations.AddConstraint("user", models.CheckConstraint(check=Q(age__gte=0), name="ck"))]\n',
        fixed="# Alembic\n"
        "def upgrade():\n    op.execute(\"SET lock_timeout = '5s'\")\n    op.execute(\"SET statement_timeout = '15s'\")\n"
        '    op.create_check_constraint("ck_users_age", "users", "age >= 0")\n\n\n'
        "# Django\n"
        "operations = [\n    migrations.RunSQL(\"SET statement_timeout = '15s'\", migrations.RunSQL.noop),\n"
        '    migrations.AddConstraint("user", models.CheckConstraint(check=Q(age__gte=0), name="ck")),\n]\n',
    ),
)
@per_call
def missing_statement_timeout(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    found = _first_lock_before_setting(m, _SET_STATEMENT_TIMEOUT, lambda op: on_postgresql(m, config, op))
    if found:
        op, lock = found
        yield hit(
            op,
            f"{lock} lock on {quoted_table(op)} is taken without a statement_timeout: if the step runs longer "
            "than planned, every query on the table waits until it ends. SET statement_timeout first",
        )


# -- MRT421: long transactions --------------------------------------------------------------------------------------


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
        if op.side != UPGRADE or op.new_table:
            continue  # a new table: it takes no lock worth naming, and nobody waits for its backfill
        if not in_transaction(m, op) or not on_postgresql(m, config, op):
            continue
        if locked is not None and op.kind in _BACKFILLS:
            first, mode = locked
            what = "RunPython" if op.kind == Kind.RUN_PYTHON else op.kind.upper()
            yield hit(
                op,
                f"{what} runs while the {mode} lock taken on {quoted_table(first)} at line {first.line} is held: the "
                "table stays blocked for the whole backfill. Commit the schema change first and backfill separately",
            )
            return
        step = heavy(m, config, op) if exclusive is not None else None
        if step and exclusive is not None and not same(op.table, exclusive.table):
            yield hit(
                op,
                f"{step[0].upper()}{step[1:]} on {quoted_table(op)} runs while the ACCESS EXCLUSIVE lock on "
                f"{quoted_table(exclusive)} (line {exclusive.line}) blocks its reads and writes. Split the steps into "
                "separate migrations",
            )
            return
        mode = lock_taken(m, op)
        if mode in (ACCESS_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE) and locked is None:
            locked = (op, mode)
        if mode == ACCESS_EXCLUSIVE and exclusive is None:
            exclusive = op


# -- MRT436 (opt-in): a second table's lock awaited under an ACCESS EXCLUSIVE lock -------------------------------------

# The operations `lock_taken` can name a lock for.
_LOCKING = frozenset(
    {
        Kind.CREATE_INDEX,
        Kind.CREATE_CONSTRAINT,
        Kind.VALIDATE_CONSTRAINT,
        Kind.DROP_INDEX,
        Kind.ADD_COLUMN,
        Kind.DROP_COLUMN,
        Kind.ALTER_COLUMN,
        Kind.RENAME_COLUMN,
        Kind.DROP_CONSTRAINT,
        Kind.RENAME_TABLE,
        Kind.DROP_TABLE,
        Kind.CREATE_TRIGGER,
        Kind.DROP_TRIGGER,
    }
)


@rule(
    code="MRT436",
    kinds=_LOCKING,
    name="Second table locked while an ACCESS EXCLUSIVE lock is held",
    category=LOCKS,
    severity=WARNING,
    summary="After an ACCESS EXCLUSIVE lock on one table, the same transaction waits for a lock on another table.",
    docs=RuleDocs(
        what="In one transaction (an Alembic revision outside `autocommit_block()`, an atomic Django migration), a "
        "schema change of an existing table after a step that took ACCESS EXCLUSIVE on another existing table, "
        "even a cheap one (an `add_column`, a constraint dropped): Eugene's E4, \"more statements after taking "
        "ACCESS EXCLUSIVE\". A scan, rewrite or backfill at that point is MRT421's. Reported once per migration. "
        "Opt-in: on the public histories checked, about one migration in ten changes two tables in one "
        "transaction, most of them on small tables.",
        why="Locks are held until commit. The second ALTER has to wait for its own lock behind every query running "
        "on its table (a long report, an open transaction); all that time the first table stays locked for reads "
        "and writes, and every query on it queues behind the lock. Two tables blocked for the price of one slow "
        "query, and the order of locks across tables is also how migrations deadlock with the application.",
        instead="Change one table per transaction: a migration per table, or (Alembic) the second change in its own "
        "`autocommit_block()`. Set `lock_timeout` so a lock that cannot be had quickly fails instead of queuing "
        "(MRT420).",
        example="# Alembic\n"
        "def upgrade():\n"
        '    op.alter_column("orders", "note", type_=sa.Text(), existing_type=sa.String(200))\n'
        '    op.add_column("invoices", sa.Column("note", sa.Text()))\n\n'
        "# Django\n"
        "operations = [\n"
        '    migrations.RemoveField("order", "legacy_code"),\n'
        '    migrations.AddField("invoice", "note", models.TextField(null=True)),\n'
        "]\n",
        fixed="# Alembic: one revision per table\n"
        "def upgrade():\n"
        '    op.alter_column("orders", "note", type_=sa.Text(), existing_type=sa.String(200))\n\n\n'
        "def upgrade():  # the next revision\n"
        '    op.add_column("invoices", sa.Column("note", sa.Text()))\n\n'
        "# Django: one migration per model\n"
        'operations = [migrations.RemoveField("order", "legacy_code")]\n'
        "# next migration\n"
        'operations = [migrations.AddField("invoice", "note", models.TextField(null=True))]\n',
    ),
    default_enabled=False,
)
@per_call
def second_table_locked(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    exclusive: Operation | None = None  # the first step that took ACCESS EXCLUSIVE on an existing table
    for op in m.ops:
        if op.kind not in _LOCKING or op.side != UPGRADE or not in_transaction(m, op):
            continue
        if not on_postgresql(m, config, op):
            continue
        mode = lock_taken(m, op)
        if mode is None or not op.table:  # a table mrt cannot name may be the locked one
            continue
        if exclusive is not None and not same(op.table, exclusive.table) and not heavy(m, config, op):
            step = op.kind.replace("_", " ").upper() if op.origin == "sql" or not op.call else op.call
            yield hit(
                op,
                f"{step} on {quoted_table(op)} waits for its {mode} lock while the ACCESS EXCLUSIVE lock "
                f"on {quoted_table(exclusive)} (line {exclusive.line}) is held: a slow query on {quoted_table(op)} "
                f"keeps {quoted_table(exclusive)} blocked for reads and writes. Change one table per migration",
            )
            return
        if mode == ACCESS_EXCLUSIVE and exclusive is None:
            exclusive = op


# -- MRT437 (opt-in): a backfill in one statement ------------------------------------------------------------------------

_WHOLE_TABLE_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})


def _unbounded_step(call: ast.Call) -> bool:
    """`.all()`, or `.filter(...)` with `__isnull` lookups only (the backfill idiom: every row still matches)."""
    method = call.func.attr  # type: ignore[attr-defined]
    if method == "all":
        return True
    lookups = [kw.arg for kw in call.keywords]
    return method == "filter" and not call.args and bool(lookups) and all(k and k.endswith("__isnull") for k in lookups)


def _whole_table_queryset_call(call: ast.Call) -> str | None:
    """`update` / `delete` when `call` is `Model.objects.update(...)`, `Model.objects.all().delete()` or
    `Model.objects.filter(plan__isnull=True).update(...)`: every row at once (any other `filter`, an `exclude` or
    a slice may bound it, and is not reported)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in ("update", "delete"):
        return None
    receiver = func.value
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) and _unbounded_step(receiver):
        receiver = receiver.func.value
    if isinstance(receiver, ast.Attribute) and receiver.attr in _WHOLE_TABLE_MANAGERS:
        return func.attr
    return None


def _runpython_backfills(m: MigrationAST) -> Iterator[Hit]:
    """Whole-table `update()` / `delete()` calls in the functions a Django RunPython step runs, one per function."""
    for name, function in runpython_code(m)[1].items():
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and (verb := _whole_table_queryset_call(node)) is not None:
                yield Hit(
                    message=f"RunPython function {name}() runs {ast.unparse(node.func)}() over every row at once: "
                    "each row stays locked until the migration commits, and the table gets one burst of "
                    f"dead rows and WAL. {verb.capitalize()} in batches of primary keys (filter(pk__in=...)), each in "
                    "its own transaction, in a migration with atomic = False",
                    span=Span(*span_of(node)),
                )
                break


@rule(
    code="MRT437",
    kinds=(Kind.UPDATE, Kind.DELETE, Kind.RUN_PYTHON),
    name="Backfill in one unbatched statement",
    category=LOCKS,
    severity=WARNING,
    summary="An UPDATE or DELETE that matches every row of an existing table runs as one statement, not in batches.",
    docs=RuleDocs(
        what="An `UPDATE` or `DELETE` without a `WHERE` clause, or with one that only tests columns for NULL (`WHERE "
        "plan IS NULL`, the backfill idiom: every row still matches; or `WHERE order_id IS NOT NULL` on a column "
        "that is never NULL), in raw SQL (`op.execute`, `RunSQL`, a "
        "connection's `execute`) on a table that existed before the migration; and in a Django `RunPython` function "
        "`Model.objects.update(...)`, `.all().update(...)`, `.filter(plan__isnull=True).update(...)` or "
        "`.all().delete()`. Reported wherever the migration runs it, also outside the DDL transaction (where MRT421 "
        "is silent). Other conditions and filters are not judged: whether they bound a batch needs the data. Initial "
        "and squashed Django migrations are not reported, nor trees that target SQLite (any write locks the whole "
        "database there). Opt-in, like strong_migrations' documented \"backfilling data\" advice: only the table's "
        "size decides whether it matters.",
        why="One statement changes every row: each changed row stays locked against other writers until the "
        "statement's transaction commits, the table gets a dead copy of every row (bloat until vacuum), and the "
        "write-ahead log gets all of it at once (replicas lag). On a large table that is minutes of blocked writes, "
        "and a failure rolls back all of it.",
        instead="Backfill in batches, each committed on its own: a loop over primary-key ranges (`UPDATE ... WHERE "
        "id BETWEEN :lo AND :hi`) in `autocommit_block()` (Alembic), or a RunPython in an `atomic = False` "
        "migration that updates `filter(pk__in=...)` chunks, each in `transaction.atomic()` (Django). For a very "
        "large table, run the backfill as a background job outside the deploy.",
        example="# Alembic\n"
        "def upgrade():\n"
        "    op.execute(\"UPDATE users SET plan = 'free'\")\n\n"
        "# Django\n"
        "def fill_plan(apps, schema_editor):\n"
        '    apps.get_model("shop", "User").objects.update(plan="free")\n',
        fixed="# Alembic\n"
        "def upgrade():\n"
        "    conn = op.get_bind()\n"
        '    last = conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM users")).scalar()\n'
        "    with op.get_context().autocommit_block():\n"
        "        for low in range(0, last + 1, 10_000):\n"
        "            conn.execute(\n"
        "                sa.text(\"UPDATE users SET plan = 'free' WHERE id >= :lo AND id < :hi AND plan IS NULL\"),\n"
        '                {"lo": low, "hi": low + 10_000},\n'
        "            )\n\n"
        "# Django (atomic = False)\n"
        "def fill_plan(apps, schema_editor):\n"
        '    User = apps.get_model("shop", "User")\n'
        '    ids = list(User.objects.filter(plan__isnull=True).values_list("pk", flat=True))\n'
        "    for start in range(0, len(ids), 10_000):\n"
        "        with transaction.atomic():\n"
        '            User.objects.filter(pk__in=ids[start : start + 10_000]).update(plan="free")\n',
    ),
    default_enabled=False,
)
def unbatched_backfill(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if fresh_database(m) or target_dialect(m, config) == SQLITE:  # SQLite locks the whole database for any write
        return
    for op in m.ops:
        unbounded = op.args.get("where") is False or op.args.get("where_null_tests") is True
        if op.kind in (Kind.UPDATE, Kind.DELETE) and existing(op) and unbounded:
            changes, fix = ("changes", "Backfill") if op.kind == Kind.UPDATE else ("deletes", "Delete")
            if op.args.get("where") is False:
                what = f"{op.kind.upper()} without WHERE {changes} every row of {quoted_table(op)}"
            else:
                what = (  # `IS NOT NULL` too: saleor-style copies `WHERE order_id IS NOT NULL` match every row
                    f"{op.kind.upper()} whose WHERE only tests for NULL {changes} every matching row of "
                    f"{quoted_table(op)} (all of them when the column tested is new, or never NULL)"
                )
            yield hit(
                op,
                f"{what} in one statement: each row stays locked until it commits, with one burst of dead rows and "
                f"WAL. {fix} in committed batches of primary-key ranges",
            )
    yield from _runpython_backfills(m)


# -- MRT425: re-runnable non-transactional steps ------------------------------------------------------------------


def _guarded(op: Operation) -> bool:
    if op.kind == Kind.CREATE_INDEX:
        return bool(op.args.get("if_not_exists"))
    return bool(op.args.get("if_exists"))


@rule(
    code="MRT425",
    kinds=(Kind.CREATE_INDEX, Kind.DROP_INDEX),
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
        '    op.create_index("ix_orders_user_id", "orders", ["user_id"], postgresql_concurrently=True, if_not_exists=True)\n\n'
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
            f"Concurrent index {verb} of {op.name or 'an index'} on {quoted_table(op)} runs outside a transaction without "
            f"{guard}: after a failure the retry fails on the INVALID leftover. Add {guard}",
        )
