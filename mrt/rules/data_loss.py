"""MRT2xx (and MRT408/409) — what the upgrade destroys, which no rollback can bring back."""

from __future__ import annotations

from collections.abc import Iterator

from mrt.config import MRTConfig
from mrt.findings import ERROR, WARNING
from mrt.model.migration import MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation
from mrt.rules.matching import add_copy_drops, data_ops_to_reverse, downgrade, explicit_upgrade_ops
from mrt.rules.registry import ASYMMETRY, DATA_LOSS, Hit, RuleDocs, hit, rule


def _dropped_here(m: MigrationAST, kind: str) -> Iterator[Operation]:
    """Upgrade drops of objects that existed before this migration."""
    for op in m.ops:
        if op.side == UPGRADE and op.kind == kind and not op.new_table:
            yield op


@rule(
    code="MRT201",
    kinds=(Kind.DROP_COLUMN,),
    name="DROP COLUMN in upgrade",
    category=DATA_LOSS,
    severity=ERROR,
    summary="Dropping a column destroys its data; a rollback re-creates it empty.",
    aliases=("MRT206", "MRT209"),
    docs=RuleDocs(
        what="`op.drop_column`, `batch_op.drop_column`, `ALTER TABLE ... DROP COLUMN` in raw SQL, or Django "
        "`RemoveField`, on a column that existed before this migration. Reported once per drop, naming the "
        "table from the `with op.batch_alter_table(...)` in batch mode. Covers pytest-mrt's MRT206 (batch) and "
        "MRT209 (RemoveField); suppressions naming those codes still work.",
        why="The downgrade can add the column back, but every value in it is gone: after a rollback the old "
        "application version reads NULLs (or defaults) where its data was.",
        instead="Expand and contract: stop using the column in one release, and drop it in a later migration "
        "once no rollback to a version that reads it can happen. Back the data up first if it may be needed.",
        example='def upgrade():\n    op.drop_column("users", "phone")\n',
        fixed="# release N: the code stops reading users.phone\n# release N+1 (no rollback past N expected):\n"
        'def upgrade():\n    op.drop_column("users", "phone")\n',
    ),
)
def drop_column(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    copy_drops = add_copy_drops(m)
    seen: set[tuple[str, str, int]] = set()
    for op in _dropped_here(m, Kind.DROP_COLUMN):
        if id(op) in copy_drops:
            continue  # MRT208 reports the add-copy-drop as a whole
        key = ((op.table or "").lower(), (op.column or "").lower(), op.span.line)
        if key in seen:
            continue
        seen.add(key)
        name = f"{op.table}.{op.column}" if op.table else repr(op.column)
        yield hit(op, f"Column {name} is dropped: its data is lost, and a rollback re-creates it empty")


@rule(
    code="MRT202",
    kinds=(Kind.DROP_TABLE,),
    name="DROP TABLE in upgrade",
    category=DATA_LOSS,
    severity=ERROR,
    summary="Dropping a table destroys its rows; a rollback re-creates it empty.",
    aliases=("MRT210", "MRT211"),
    docs=RuleDocs(
        what="`op.drop_table`, `DROP TABLE` in raw SQL (also Django RunSQL), or Django `DeleteModel`, on a table "
        "that existed before this migration. Covers pytest-mrt's MRT210 (DeleteModel) and MRT211 (RunSQL DROP "
        "TABLE). A `DeleteModel` of a proxy or unmanaged model drops nothing: checking the app's history, mrt "
        "leaves it out (a file checked alone cannot see where the model was declared).",
        why="Every row is gone. The downgrade may re-create the table, but empty.",
        instead="Rename the table out of the way (and drop it in a later release), or copy it to a backup first.",
        example='def upgrade():\n    op.drop_table("audit_log")\n',
        fixed='def upgrade():\n    op.rename_table("audit_log", "audit_log_retired")\n\n\n'
        'def downgrade():\n    op.rename_table("audit_log_retired", "audit_log")\n',
    ),
)
def drop_table(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in _dropped_here(m, Kind.DROP_TABLE):
        yield hit(op, f"Table {op.table!r} is dropped: all its rows are lost, and a rollback re-creates it empty")


@rule(
    code="MRT203",
    kinds=(Kind.TRUNCATE,),
    name="TRUNCATE",
    category=DATA_LOSS,
    severity=ERROR,
    summary="TRUNCATE removes every row of a table.",
    aliases=("MRT212",),
    docs=RuleDocs(
        what="`TRUNCATE` in raw SQL (op.execute, conn.execute, Django RunSQL) on a table that existed before the "
        "migration.",
        why="All rows are gone and no downgrade can bring them back.",
        instead="Delete only what must go, with a WHERE clause and a backup, or leave the cleanup to a job "
        "outside the migration.",
        example='op.execute("TRUNCATE sessions")\n',
        fixed="op.execute(\"DELETE FROM sessions WHERE expires_at < now() - interval '30 days'\")\n",
    ),
)
def truncate(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in _dropped_here(m, Kind.TRUNCATE):
        yield hit(op, f"TRUNCATE {op.table or ''} removes every row; no rollback restores them".replace("  ", " "))


@rule(
    code="MRT204",
    kinds=(Kind.CREATE_CONSTRAINT, Kind.ADD_COLUMN),
    name="CASCADE DELETE",
    category=DATA_LOSS,
    severity=WARNING,
    summary="A new ON DELETE CASCADE foreign key on an existing table.",
    frameworks=frozenset({"alembic"}),
    docs=RuleDocs(
        what='A foreign key with `ondelete="CASCADE"` added to a table that existed before the migration '
        '(`op.create_foreign_key`, `op.add_column` with `sa.ForeignKey(..., ondelete="CASCADE")`, or raw '
        "SQL). Tables created in the same migration are not reported. Django's `on_delete=CASCADE` is emulated "
        "by the ORM, not the database, and is not reported.",
        why="From now on, deleting a parent row silently deletes child rows, including rows written by the old "
        "application version, and rolling back the schema does not bring them back.",
        instead="Prefer `RESTRICT`/`SET NULL` and delete children explicitly, or review that the cascade is "
        "intended for existing data.",
        example='op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="CASCADE")\n',
        fixed='op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="RESTRICT")\n',
    ),
)
def cascade_delete(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if op.side != UPGRADE or op.new_table:
            continue
        fk_cascade = (
            op.kind == Kind.CREATE_CONSTRAINT
            and op.args.get("constraint_type") == "foreignkey"
            and op.args.get("ondelete") == "CASCADE"
        ) or (op.kind == Kind.ADD_COLUMN and op.args.get("ondelete") == "CASCADE" and op.origin != "django")
        if fk_cascade:
            table = repr(op.table) if op.table else "named at run time"
            yield hit(op, f"ON DELETE CASCADE added to existing table {table}: deleting a parent now deletes its rows")


@rule(
    code="MRT205",
    kinds=(Kind.DROP_CONSTRAINT,),
    name="DROP FOREIGN KEY without restore",
    category=DATA_LOSS,
    severity=ERROR,
    summary="A foreign key is dropped and the downgrade does not re-create it.",
    compares_downgrade=True,
    docs=RuleDocs(
        what='`op.drop_constraint(..., type_="foreignkey")` in the upgrade without a `create_foreign_key` of '
        "the same name in the downgrade.",
        why="After a rollback the old application runs without the integrity guarantee it was written for: "
        "orphan rows can appear and are not detected.",
        instead="Re-create the constraint in the downgrade (with the same name, columns and ON DELETE action).",
        example='def upgrade():\n    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")\n\n\n'
        "def downgrade():\n    pass\n",
        fixed='def downgrade():\n    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])\n',
    ),
)
def drop_foreign_key(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    down = downgrade(m)
    for op in _dropped_here(m, Kind.DROP_CONSTRAINT):
        if op.args.get("constraint_type") == "foreignkey" and not down.recreates(op):
            yield hit(op, f"Foreign key {op.describe()} is dropped and the downgrade does not re-create it")


@rule(
    code="MRT207",
    kinds=(Kind.DROP_VIEW,),
    name="DROP VIEW without reverse",
    category=DATA_LOSS,
    severity=ERROR,
    summary="A view is dropped and the downgrade does not re-create it.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`DROP VIEW` / `DROP MATERIALIZED VIEW` in the upgrade without a `CREATE VIEW` of the same name in "
        "the downgrade.",
        why="After a rollback, the old application queries a view that no longer exists.",
        instead="Re-create the view (with its old definition) in the downgrade.",
        example='def upgrade():\n    op.execute("DROP VIEW active_users")\n',
        fixed='def downgrade():\n    op.execute("CREATE VIEW active_users AS SELECT * FROM users WHERE active")\n',
    ),
)
def drop_view(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    down = downgrade(m)
    for op in explicit_upgrade_ops(m, Kind.DROP_VIEW):
        if not down.recreates(op):
            yield hit(op, f"View {op.name!r} is dropped and the downgrade does not re-create it")


@rule(
    code="MRT208",
    kinds=(Kind.DROP_COLUMN,),
    name="Add-copy-drop without reverse copy",
    category=DATA_LOSS,
    severity=ERROR,
    summary="The upgrade copies a column into a new one and drops the old; the downgrade cannot copy back.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="An upgrade that adds a column to a table, copies data with an UPDATE, and drops another column of "
        "the same table, while the downgrade runs no UPDATE on that table. Reported once, at the drop (instead "
        "of MRT201).",
        why="The downgrade re-creates the old column empty: the data now lives only in the new column, which "
        "the downgrade then drops.",
        instead="In the downgrade: re-add the old column, copy the data back with an UPDATE, then drop the new "
        "column. Better still, split expand (add + copy) and contract (drop) into separate releases.",
        example='def upgrade():\n    op.add_column("users", sa.Column("full_name", sa.String))\n'
        "    op.execute(\"UPDATE users SET full_name = first || ' ' || last\")\n"
        '    op.drop_column("users", "first")\n',
        fixed='def downgrade():\n    op.add_column("users", sa.Column("first", sa.String))\n'
        "    op.execute(\"UPDATE users SET first = split_part(full_name, ' ', 1)\")\n"
        '    op.drop_column("users", "full_name")\n',
    ),
)
def add_copy_drop(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    copy_drops = add_copy_drops(m)
    for op in m.ops:
        if copy_drops.get(id(op)) is False:
            yield hit(
                op,
                f"Column {op.table}.{op.column} is dropped after its data was copied; the downgrade does not copy it back",
            )


@rule(
    code="MRT408",
    kinds=(Kind.DROP_INDEX,),
    name="DROP INDEX without reverse",
    category=ASYMMETRY,
    severity=WARNING,
    summary="An index is dropped and the downgrade does not re-create it.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`op.drop_index`, `DROP INDEX`, or Django `RemoveIndex` handled by raw SQL, where the downgrade "
        "creates no index of that name. A downgrade that re-creates it (under the same name) is not reported.",
        why="After a rollback the old application runs without the index it relied on: queries slow down, and "
        "if it was unique, duplicates can slip in.",
        instead="Re-create the index in the downgrade.",
        example='def upgrade():\n    op.drop_index("ix_users_email", table_name="users")\n',
        fixed='def downgrade():\n    op.create_index("ix_users_email", "users", ["email"], unique=True)\n',
    ),
)
def drop_index(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    down = downgrade(m)
    for op in explicit_upgrade_ops(m, Kind.DROP_INDEX):
        if op.new_table or down.recreates(op):
            continue
        yield hit(op, f"Index {op.describe()} is dropped and the downgrade does not re-create it")


@rule(
    code="MRT409",
    kinds=(Kind.DROP_CONSTRAINT,),
    name="DROP CONSTRAINT without reverse",
    category=ASYMMETRY,
    severity=WARNING,
    summary="A constraint is dropped and the downgrade does not re-create it.",
    compares_downgrade=True,
    aliases=("MRT410",),
    docs=RuleDocs(
        what="`op.drop_constraint` (unique, check, primary key or unknown type; foreign keys are MRT205) or "
        "`ALTER TABLE ... DROP CONSTRAINT`, where the downgrade creates no constraint of that name. Covers "
        "pytest-mrt's MRT410 (batch mode).",
        why="After a rollback the data rules the old application relied on are no longer enforced.",
        instead="Re-create the constraint in the downgrade.",
        example='def upgrade():\n    op.drop_constraint("uq_users_email", "users", type_="unique")\n',
        fixed='def downgrade():\n    op.create_unique_constraint("uq_users_email", "users", ["email"])\n',
    ),
)
def drop_constraint(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    down = downgrade(m)
    for op in explicit_upgrade_ops(m, Kind.DROP_CONSTRAINT):
        if op.new_table or op.args.get("constraint_type") == "foreignkey" or down.recreates(op):
            continue
        yield hit(op, f"Constraint {op.describe()} is dropped and the downgrade does not re-create it")


@rule(
    code="MRT214",
    kinds=(Kind.DELETE,),
    name="DELETE without reverse",
    category=DATA_LOSS,
    severity=ERROR,
    summary="Rows deleted by the upgrade cannot come back on rollback.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="A `DELETE` (raw SQL, `sa.text`, `table.delete()`) on an existing table, where the downgrade puts "
        "no rows back into it.",
        why="Rolling back restores the schema, not the rows: the deleted data is gone.",
        instead="Copy the rows to a backup table first and re-insert them in the downgrade, or keep them and "
        "filter in the application until the change is proven.",
        example='def upgrade():\n    op.execute("DELETE FROM sessions WHERE expired")\n\n\ndef downgrade():\n    pass\n',
        fixed='def upgrade():\n    op.execute("CREATE TABLE sessions_backup AS SELECT * FROM sessions WHERE expired")\n'
        '    op.execute("DELETE FROM sessions WHERE expired")\n\n\n'
        'def downgrade():\n    op.execute("INSERT INTO sessions SELECT * FROM sessions_backup")\n'
        '    op.drop_table("sessions_backup")\n',
    ),
)
def delete_without_reverse(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    down = downgrade(m)
    for op in data_ops_to_reverse(m, Kind.DELETE):
        if op.new_table:
            continue
        if down.touches_table((Kind.INSERT, Kind.RAW_SQL), op.table):
            continue
        scope = "all rows" if op.args.get("where") is False else "rows"
        target = f"from {op.table!r}" if op.table else ""
        yield hit(op, f"DELETE removes {scope} {target} and the downgrade does not restore them".replace("  ", " "))
