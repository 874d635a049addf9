"""MRT5xx — database objects created by raw SQL that the downgrade leaves behind."""

from __future__ import annotations

from collections.abc import Iterator

from mrt.config import MRTConfig
from mrt.findings import ERROR, WARNING
from mrt.model.migration import MigrationAST
from mrt.model.ops import Kind
from mrt.rules.matching import downgrade, explicit_upgrade_ops
from mrt.rules.registry import LEFTOVERS, Hit, RuleDocs, hit, rule


def _created_not_dropped(m: MigrationAST, create: str, drop: str, noun: str) -> Iterator[Hit]:
    down = downgrade(m)
    for op in explicit_upgrade_ops(m, create):
        undone = bool(down.of(drop) if op.name is None else down.named(drop, op.name))
        # A downgrade that re-creates the old definition (CREATE OR REPLACE) restores it too.
        restored = op.args.get("replace") and down.named(create, op.name)
        if not undone and not restored:
            yield hit(op, f"{noun} {op.name!r} is created by the upgrade and not dropped by the downgrade")


@rule(
    code="MRT501",
    kinds=(Kind.CREATE_SEQUENCE, Kind.ALTER_SEQUENCE),
    name="SEQUENCE change without reverse",
    category=LEFTOVERS,
    severity=WARNING,
    summary="A sequence is created or moved and the downgrade does not undo it.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`CREATE SEQUENCE` without `DROP SEQUENCE` in the downgrade, or `ALTER SEQUENCE` / `setval(...)` "
        "when the downgrade touches no sequence. `op.execute(sa.schema.CreateSequence(...))` counts too.",
        why="A leftover sequence makes the next upgrade fail; a moved sequence hands out different ids after a "
        "rollback than the old application expects.",
        instead="Drop the sequence in the downgrade, or reset it with `setval` to its old position.",
        example='op.execute("CREATE SEQUENCE invoice_no START 1000")\n',
        fixed='def downgrade():\n    op.execute("DROP SEQUENCE invoice_no")\n',
    ),
)
def sequence_left_behind(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    yield from _created_not_dropped(m, Kind.CREATE_SEQUENCE, Kind.DROP_SEQUENCE, "Sequence")
    down = downgrade(m)
    if down.of(Kind.ALTER_SEQUENCE, Kind.DROP_SEQUENCE, Kind.RAW_SQL):
        return
    for op in explicit_upgrade_ops(m, Kind.ALTER_SEQUENCE):
        if not op.new_table:
            yield hit(op, "Sequence position changed by the upgrade is not restored by the downgrade")


@rule(
    code="MRT502",
    kinds=(Kind.CREATE_TRIGGER,),
    name="CREATE TRIGGER without DROP TRIGGER",
    category=LEFTOVERS,
    severity=ERROR,
    summary="A trigger created by the upgrade survives the downgrade.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`CREATE TRIGGER` (plain string, `sa.text`, f-string, RunSQL) without a `DROP TRIGGER` of the same "
        "name in the downgrade.",
        why="After a rollback the trigger keeps firing on the old application's writes, often calling a function "
        "or touching a column that the rollback removed, so every write fails.",
        instead="Drop the trigger (and its function) in the downgrade.",
        example='op.execute("CREATE TRIGGER trg_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()")\n',
        fixed='def downgrade():\n    op.execute("DROP TRIGGER trg_touch ON users")\n',
    ),
)
def trigger_left_behind(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    yield from _created_not_dropped(m, Kind.CREATE_TRIGGER, Kind.DROP_TRIGGER, "Trigger")


@rule(
    code="MRT503",
    kinds=(Kind.CREATE_TYPE,),
    name="CREATE TYPE without DROP TYPE",
    category=LEFTOVERS,
    severity=ERROR,
    summary="A type created by the upgrade survives the downgrade.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`CREATE TYPE` / `CREATE DOMAIN` in raw SQL without `DROP TYPE` / `DROP DOMAIN` of the same name in "
        "the downgrade.",
        why="The next upgrade fails with 'type already exists', so a rolled-back deploy cannot be re-applied.",
        instead="Drop the type in the downgrade, after the tables that use it.",
        example="op.execute(\"CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')\")\n",
        fixed='def downgrade():\n    op.execute("DROP TYPE mood")\n',
    ),
)
def type_left_behind(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    yield from _created_not_dropped(m, Kind.CREATE_TYPE, Kind.DROP_TYPE, "Type")


@rule(
    code="MRT504",
    kinds=(Kind.CREATE_FUNCTION,),
    name="CREATE FUNCTION without reverse",
    category=LEFTOVERS,
    severity=WARNING,
    summary="A function created or replaced by the upgrade is neither dropped nor restored by the downgrade.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`CREATE FUNCTION` / `CREATE OR REPLACE FUNCTION` without a `DROP FUNCTION` of that name (or a "
        "`CREATE OR REPLACE` restoring the previous body) in the downgrade.",
        why="A rollback keeps the new function body, which may reference columns or tables the rollback removed.",
        instead="Drop the function in the downgrade, or re-create its previous version.",
        example='op.execute("CREATE FUNCTION touch() RETURNS trigger AS $$ ... $$ LANGUAGE plpgsql")\n',
        fixed='def downgrade():\n    op.execute("DROP FUNCTION touch()")\n',
    ),
)
def function_left_behind(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    yield from _created_not_dropped(m, Kind.CREATE_FUNCTION, Kind.DROP_FUNCTION, "Function")


@rule(
    code="MRT505",
    kinds=(Kind.CREATE_VIEW,),
    name="CREATE VIEW without reverse",
    category=LEFTOVERS,
    severity=WARNING,
    summary="A view created or replaced by the upgrade is neither dropped nor restored by the downgrade.",
    compares_downgrade=True,
    docs=RuleDocs(
        what="`CREATE VIEW` / `CREATE OR REPLACE VIEW` / `CREATE MATERIALIZED VIEW` without a `DROP VIEW` of that "
        "name (or a `CREATE OR REPLACE` restoring the previous definition) in the downgrade.",
        why="A leftover view can block dropping the columns it reads, and the next upgrade fails on 'already exists'.",
        instead="Drop the view in the downgrade, or re-create its previous definition.",
        example='op.execute("CREATE VIEW active_users AS SELECT * FROM users WHERE active")\n',
        fixed='def downgrade():\n    op.execute("DROP VIEW active_users")\n',
    ),
)
def view_left_behind(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    yield from _created_not_dropped(m, Kind.CREATE_VIEW, Kind.DROP_VIEW, "View")
