"""MRT804: a step outside any transaction that cannot run twice (missing IF [NOT] EXISTS).

Inside a transaction a failed migration rolls back completely and can simply be run again. Outside one
(`autocommit_block()` in Alembic, `atomic = False` in Django) every statement commits on its own, and the
migration is only recorded as applied at the end: when a later step fails, the retry runs the earlier,
already-committed steps again, and the first `CREATE` of something that now exists stops it. Only steps that
some later step of the same upgrade can fail after are reported; a concurrent index's own failure is MRT425.
"""

from __future__ import annotations

from collections.abc import Iterator

from mrt.config import MRTConfig
from mrt.findings import WARNING
from mrt.model.migration import DJANGO, MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation
from mrt.rules.lock_context import in_transaction, on_postgresql, one_per_call
from mrt.rules.registry import RAW_SQL, Hit, RuleDocs, rule

_CREATES = frozenset(
    {Kind.CREATE_TABLE, Kind.ADD_COLUMN, Kind.CREATE_INDEX, Kind.CREATE_SEQUENCE, Kind.CREATE_EXTENSION}
)
_DROPS = frozenset(
    {
        Kind.DROP_TABLE,
        Kind.DROP_COLUMN,
        Kind.DROP_INDEX,
        Kind.DROP_SEQUENCE,
        Kind.DROP_VIEW,
        Kind.DROP_TYPE,
        Kind.DROP_FUNCTION,
        Kind.DROP_EXTENSION,
        Kind.DROP_TRIGGER,
    }
)
# Django operations that run one DDL statement with no IF [NOT] EXISTS form.
_DJANGO_STEPS = frozenset({Kind.CREATE_TABLE, Kind.ADD_COLUMN, Kind.CREATE_INDEX, Kind.DROP_TABLE, Kind.DROP_COLUMN})


def _concurrent_index_step(op: Operation) -> bool:
    """MRT425 already reports an unguarded concurrent index step written in Alembic or SQL."""
    return op.kind in (Kind.CREATE_INDEX, Kind.DROP_INDEX) and bool(op.args.get("concurrently"))


def _unguarded(op: Operation) -> str | None:
    """The guard `op` lacks (IF NOT EXISTS / IF EXISTS), or None when it has it or cannot fail on a re-run."""
    if op.kind in _CREATES:
        return None if op.args.get("if_not_exists") else "IF NOT EXISTS"
    if op.kind in _DROPS:
        return None if op.args.get("if_exists") else "IF EXISTS"
    return None


@rule(
    code="MRT804",
    name="Non-transactional step not re-runnable",
    category=RAW_SQL,
    severity=WARNING,
    summary="A CREATE/DROP outside a transaction without IF [NOT] EXISTS makes a half-applied migration fail on retry.",
    docs=RuleDocs(
        what="In `autocommit_block()` (Alembic) or an `atomic = False` migration (Django): a `CREATE TABLE`, "
        "`ADD COLUMN`, `CREATE INDEX`, `CREATE SEQUENCE` / `EXTENSION` without `IF NOT EXISTS`, or a `DROP` "
        "without `IF EXISTS` (raw SQL, or Alembic's `if_not_exists=` / `if_exists=` arguments), followed by "
        "another step of the same upgrade. Django schema operations (`AddField`, `CreateModel`, "
        "`AddIndexConcurrently`, ...) have no such option: in a non-atomic migration they are reported when "
        "another step follows them. A concurrent index step's own failure is MRT425.",
        why="Outside a transaction each statement commits by itself, and the migration is recorded as applied only "
        "after its last step. When a later step fails (a lock timeout, a duplicate value, a deploy cancelled "
        "half-way), the database keeps everything before it, and the retry starts from the top: the first "
        "`CREATE` of an object that now exists fails with 'already exists', the first `DROP` of one that is gone "
        "with 'does not exist'. Getting past it means editing the database or the migration table by hand in "
        "the middle of a deploy.",
        instead="Make each non-transactional step idempotent: `IF NOT EXISTS` / `IF EXISTS` in SQL, "
        "`if_not_exists=True` / `if_exists=True` on Alembic's `create_table`, `add_column`, `create_index`, "
        "`drop_*`. In Django, give every non-atomic operation its own migration (or write it as `RunSQL` with "
        "`IF NOT EXISTS`), so a failure never leaves a half-applied migration behind.",
        example="# Alembic\n"
        "def upgrade():\n"
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("CREATE TABLE audit_log (id bigint PRIMARY KEY, body text)")\n'
        '        op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_orders_paid ON orders (paid)")\n\n'
        "# Django\n"
        "class Migration(migrations.Migration):\n"
        "    atomic = False\n"
        "    operations = [\n"
        '        AddIndexConcurrently("order", models.Index(fields=["user"], name="ix_order_user")),\n'
        '        AddIndexConcurrently("order", models.Index(fields=["paid"], name="ix_order_paid")),\n'
        "    ]\n",
        fixed="# Alembic\n"
        "def upgrade():\n"
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("CREATE TABLE IF NOT EXISTS audit_log (id bigint PRIMARY KEY, body text)")\n'
        '        op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_orders_paid ON orders (paid)")\n\n'
        "# Django: one non-atomic operation per migration (0007_order_user_index, 0008_order_paid_index)\n"
        "class Migration(migrations.Migration):\n"
        "    atomic = False\n"
        '    operations = [AddIndexConcurrently("order", models.Index(fields=["user"], name="ix_order_user"))]\n',
    ),
)
def not_rerunnable(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if m.framework == DJANGO and m.atomic:
        return
    yield from one_per_call(_unguarded_steps(m, config))


def _unguarded_steps(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    upgrade = [op for op in m.ops if op.side == UPGRADE]
    for position, op in enumerate(upgrade):
        if in_transaction(m, op) or not on_postgresql(m, config, op):
            continue
        django = op.origin == "django"
        if django:
            if op.kind not in _DJANGO_STEPS or op.args.get("m2m") or op.args.get("together"):
                continue
            guard = None
        else:
            if _concurrent_index_step(op):
                continue
            guard = _unguarded(op)
            if guard is None:
                continue
        # Statements of one execute() string run together; only a later call can fail after this one committed.
        later = next((o for o in upgrade[position + 1 :] if o.span != op.span), None)
        if later is None:
            continue
        what = op.call.removeprefix("migrations.") if django else (op.sql or op.call).split("(")[0].strip()[:60]
        if django:
            advice = "Django has no IF NOT EXISTS for it: give each non-atomic operation its own migration"
        else:
            advice = f"Add {guard}"
        yield Hit(
            message=f"{what} on {op.describe()} runs outside a transaction and cannot run twice: if a later step "
            f"(line {later.line}) fails, the retry stops here. {advice}",
            span=op.span,
            table=op.table,
            column=op.column,
        )
