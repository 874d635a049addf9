"""MRT1xx — can this migration be rolled back at all, and does the rollback restore the data?"""

from __future__ import annotations

from collections.abc import Iterator

from mrt.config import MRTConfig
from mrt.findings import ERROR, WARNING
from mrt.model.migration import (
    DOWNGRADE_EMPTY,
    DOWNGRADE_MISSING,
    DOWNGRADE_RAISES,
    MigrationAST,
)
from mrt.model.ops import UPGRADE, Kind, Span
from mrt.rules.matching import (
    added_columns,
    data_ops_to_reverse,
    downgrade,
    explicit_upgrade_ops,
)
from mrt.rules.registry import ALEMBIC_ONLY, DJANGO_ONLY, REVERSIBILITY, Hit, RuleDocs, hit, rule


def _does_something(m: MigrationAST) -> bool:
    return any(op.side == UPGRADE for op in m.ops) or m.upgrade_shape not in (DOWNGRADE_EMPTY, DOWNGRADE_MISSING)


@rule(
    code="MRT101",
    name="Missing downgrade",
    category=REVERSIBILITY,
    severity=ERROR,
    summary="The revision has no downgrade() function, so it cannot be rolled back.",
    frameworks=ALEMBIC_ONLY,
    needs_downgrade=True,
    docs=RuleDocs(
        what="An Alembic revision without a module-level `downgrade()` function.",
        why="`alembic downgrade` fails on this revision, so a bad deploy cannot be rolled back past it. "
        "If your project does not support downgrades at all, say so once with `downgrades = false` "
        "in `[tool.mrt]` instead of silencing every file.",
        instead="Write a `downgrade()` that undoes `upgrade()`, or raise `NotImplementedError` with the reason "
        "so the irreversibility is explicit (reported as MRT109, a warning).",
        example='def upgrade():\n    op.add_column("users", sa.Column("phone", sa.String(20)))\n',
        fixed='def upgrade():\n    op.add_column("users", sa.Column("phone", sa.String(20)))\n\n\n'
        'def downgrade():\n    op.drop_column("users", "phone")\n',
    ),
)
def missing_downgrade(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if m.downgrade_shape == DOWNGRADE_MISSING and m.upgrade_span is not None:
        yield Hit(
            message="No downgrade() function: this revision cannot be rolled back",
            span=_def_line(m.upgrade_span, "upgrade"),
        )


@rule(
    code="MRT102",
    name="No-op downgrade",
    category=REVERSIBILITY,
    severity=ERROR,
    summary="downgrade() does nothing although upgrade() changes the database.",
    frameworks=ALEMBIC_ONLY,
    needs_downgrade=True,
    docs=RuleDocs(
        what="A `downgrade()` whose body is only `pass`, `...` or a docstring, in a revision whose `upgrade()` "
        "does something. Merge revisions (nothing in either function) are not reported.",
        why="The rollback reports success and changes nothing: the schema stays at the new version while "
        "Alembic records the old one, and the next upgrade fails or silently skips work.",
        instead="Undo every upgrade operation in reverse order, or raise `NotImplementedError(reason)`.",
        example='def upgrade():\n    op.create_table("audit_log", sa.Column("id", sa.Integer, primary_key=True))\n\n\n'
        "def downgrade():\n    pass\n",
        fixed='def downgrade():\n    op.drop_table("audit_log")\n',
    ),
)
def noop_downgrade(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if m.downgrade_shape == DOWNGRADE_EMPTY and m.downgrade_span is not None and _does_something(m):
        yield Hit(
            message="downgrade() does nothing, but upgrade() changes the database",
            span=_def_line(m.downgrade_span, "downgrade"),
        )


@rule(
    code="MRT109",
    name="Irreversible downgrade",
    category=REVERSIBILITY,
    severity=WARNING,
    summary="downgrade() only raises: the revision is declared irreversible.",
    frameworks=ALEMBIC_ONLY,
    needs_downgrade=True,
    docs=RuleDocs(
        what="A `downgrade()` that does nothing but raise (typically `NotImplementedError`).",
        why="This is honest, and better than a silent no-op, but a rollback past this revision is impossible: "
        "plan the deploy so that it never has to be rolled back, and make sure reviewers know.",
        instead="Keep it if the migration is truly one-way (and document why, e.g. in `[tool.mrt] skip`), "
        "or write a real downgrade.",
        example='def downgrade():\n    raise NotImplementedError("one-way data migration")\n',
        fixed='def downgrade():\n    op.drop_column("users", "phone")\n',
    ),
)
def raising_downgrade(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if m.downgrade_shape == DOWNGRADE_RAISES and m.downgrade_span is not None and _does_something(m):
        yield Hit(
            message="downgrade() always raises: this revision cannot be rolled back",
            span=_def_line(m.downgrade_span, "downgrade"),
        )


@rule(
    code="MRT103",
    kinds=(Kind.UPDATE,),
    name="Data transform without reverse",
    category=REVERSIBILITY,
    severity=WARNING,
    summary="An UPDATE in the upgrade has no counterpart in the downgrade.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="An `UPDATE` (raw SQL, `sa.text`, `table.update()`, or RunSQL with a no-op reverse) on existing "
        "columns, where the downgrade changes no data in that table. Backfills of a column added by the same "
        "migration are not reported: dropping the column undoes them.",
        why="Rolling back restores the schema but not the values: every row keeps the transformed data.",
        instead="Write the inverse UPDATE in the downgrade, or keep the old values (a backup column or table) "
        "until the change is proven.",
        example='def upgrade():\n    op.execute("UPDATE users SET email = lower(email)")\n\n\n'
        "def downgrade():\n    pass  # original casing is gone\n",
        fixed='def upgrade():\n    op.add_column("users", sa.Column("email_orig", sa.String))\n'
        '    op.execute("UPDATE users SET email_orig = email, email = lower(email)")\n\n\n'
        'def downgrade():\n    op.execute("UPDATE users SET email = email_orig")\n    op.drop_column("users", "email_orig")\n',
    ),
)
def update_without_reverse(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    down = downgrade(m)
    new_columns = added_columns(m)
    for op in data_ops_to_reverse(m, Kind.UPDATE):
        if op.new_table or (op.table and down.drops_table(op.table)):
            continue
        targets = op.args.get("set_columns") or ()
        if op.table and targets and all((op.table.lower(), c.lower()) in new_columns for c in targets):
            continue
        if down.has_data_change(op.table):
            continue
        target = f"table {op.table!r}" if op.table else "the table"
        yield hit(op, f"UPDATE on {target} is not reversed: rolling back keeps the changed values")


@rule(
    code="MRT104",
    kinds=(Kind.RAW_SQL,),
    name="Raw SQL without reverse",
    category=REVERSIBILITY,
    severity=WARNING,
    summary="SQL mrt cannot read runs in the upgrade, and the downgrade runs no SQL.",
    compares_downgrade=True,
    aliases=("MRT105",),
    docs=RuleDocs(
        what="`op.execute` / `conn.execute` with SQL that could not be parsed or read statically (a variable, "
        "a function call, another dialect), when the downgrade executes no SQL at all. SQL that parses is "
        "checked by the specific rules instead. Covers pytest-mrt's MRT105 (context.execute).",
        why="mrt cannot tell what the statement changes, and nothing in the downgrade undoes it.",
        instead="Add the reverse statement to the downgrade, or write the change with Alembic operations.",
        example="def upgrade():\n    op.execute(build_sql())\n\n\ndef downgrade():\n    pass\n",
        fixed="def downgrade():\n    op.execute(build_reverse_sql())\n",
    ),
)
def opaque_sql_without_reverse(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    down = downgrade(m)
    if any(op.origin in ("sql", "python") for op in down):
        return
    for op in explicit_upgrade_ops(m, Kind.RAW_SQL):
        what = "SQL that could not be parsed" if op.sql else f"{op.call}() with SQL that cannot be read statically"
        yield hit(op, f"{what} runs in the upgrade and the downgrade runs no SQL")


@rule(
    code="MRT106",
    kinds=(Kind.INSERT,),
    name="Insert without reverse",
    category=REVERSIBILITY,
    severity=WARNING,
    summary="Rows inserted by the upgrade stay behind after a rollback.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`op.bulk_insert` or an `INSERT` into an existing table, where the downgrade neither deletes from "
        "that table nor drops it. Inserts into a table created by the same migration are not reported.",
        why="After a rollback the old application version sees rows it never wrote; a re-upgrade inserts them "
        "twice or fails on a unique key.",
        instead="Delete the inserted rows (by key) in the downgrade.",
        example='def upgrade():\n    op.bulk_insert(roles, [{"id": 1, "name": "admin"}])\n\n\ndef downgrade():\n    pass\n',
        fixed='def downgrade():\n    op.execute("DELETE FROM roles WHERE id = 1")\n',
    ),
)
def insert_without_reverse(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    down = downgrade(m)
    for op in data_ops_to_reverse(m, Kind.INSERT):
        if op.new_table or down.drops_table(op.table) or down.has_data_change(op.table):
            continue
        target = f"into {op.table!r}" if op.table else ""
        yield hit(op, f"Rows inserted {target} are not removed by the downgrade".replace("  ", " "))


@rule(
    code="MRT107",
    kinds=(Kind.RUN_PYTHON,),
    name="RunPython without reverse_code",
    category=REVERSIBILITY,
    severity=ERROR,
    summary="migrations.RunPython without reverse_code makes the migration irreversible.",
    frameworks=DJANGO_ONLY,
    needs_downgrade=True,
    docs=RuleDocs(
        what="`migrations.RunPython(forwards)` with no `reverse_code` (also inside "
        "`SeparateDatabaseAndState.database_operations`). Squashed migrations report MRT601 instead.",
        why="`migrate app <previous>` raises IrreversibleError: the whole app cannot be rolled back past here.",
        instead="Pass `reverse_code=` a function that undoes the change, or `migrations.RunPython.noop` when "
        "leaving the data as it is on rollback is correct.",
        example="operations = [migrations.RunPython(fill_slugs)]\n",
        fixed="operations = [migrations.RunPython(fill_slugs, reverse_code=migrations.RunPython.noop)]\n",
    ),
)
def run_python_without_reverse(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if m.replaces:
        return
    for op in m.ops:
        if op.kind == Kind.RUN_PYTHON and op.args.get("reverse") is None:
            yield hit(op, "RunPython without reverse_code: this migration cannot be unapplied")


@rule(
    code="MRT108",
    name="RunSQL without reverse_sql",
    category=REVERSIBILITY,
    severity=ERROR,
    summary="migrations.RunSQL without reverse_sql makes the migration irreversible.",
    frameworks=DJANGO_ONLY,
    needs_downgrade=True,
    docs=RuleDocs(
        what="`migrations.RunSQL(sql)` with no `reverse_sql` (string, list or tuple forms; also inside "
        "`SeparateDatabaseAndState.database_operations`).",
        why="`migrate app <previous>` raises IrreversibleError.",
        instead="Pass `reverse_sql=` the statements that undo it, or `migrations.RunSQL.noop` when nothing needs "
        "undoing.",
        example='migrations.RunSQL("CREATE INDEX ix_title ON blog_post (title)")\n',
        fixed='migrations.RunSQL(\n    "CREATE INDEX ix_title ON blog_post (title)",\n'
        '    reverse_sql="DROP INDEX ix_title",\n)\n',
    ),
)
def run_sql_without_reverse(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    seen: set[Span] = set()
    for op in m.ops:
        if op.side == UPGRADE and op.args.get("run_sql") and op.args.get("reverse") is None and op.span not in seen:
            seen.add(op.span)
            yield hit(op, "RunSQL without reverse_sql: this migration cannot be unapplied")


def _def_line(span: Span, name: str) -> Span:
    """Point at `def name`, not at the whole function body."""
    return Span(span.line, span.column, span.line, span.column + 4 + len(name))
