"""MRT804: a step outside any transaction that cannot run twice after a later step failed."""

import inline
from inline import of


def alembic(upgrade, **settings):
    return of(inline.alembic(upgrade, **settings), "MRT804")


def django(body):
    return of(inline.django(body), "MRT804")


def test_MRT804_unguarded_add_column_before_a_step_that_can_fail():
    found = alembic(
        "    with op.get_context().autocommit_block():\n"
        '        op.add_column("schedules", sa.Column("slug", sa.String()))\n'
        '        op.execute("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_slug ON schedules (slug)")'
    )
    assert len(found) == 1
    assert (found[0].table, found[0].column_name) == ("schedules", "slug")
    assert "Add IF NOT EXISTS" in found[0].message and "line" in found[0].message


def test_MRT804_raw_sql_create_and_drop_without_guards():
    found = alembic(
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("CREATE TABLE audit (id bigint PRIMARY KEY)")\n'
        '        op.execute("DROP TABLE old_audit")\n'
        '        op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON orders (a)")'
    )
    assert ["IF NOT EXISTS" in f.message for f in found] == [True, False]
    assert "Add IF EXISTS" in found[1].message


def test_MRT804_django_non_atomic_migration_with_two_concurrent_indexes():
    body = (
        "    atomic = False\n"
        "    operations = [\n"
        '        AddIndexConcurrently("order", models.Index(fields=["user"], name="ix_order_user")),\n'
        '        AddIndexConcurrently("order", models.Index(fields=["paid"], name="ix_order_paid")),\n'
        "    ]\n"
    )
    found = django(body)
    assert len(found) == 1 and "own migration" in found[0].message and "ix_order_user" in found[0].message


def test_MRT804_negative_guarded_steps_last_step_and_transactions():
    guarded = alembic(
        "    with op.get_context().autocommit_block():\n"
        '        op.add_column("schedules", sa.Column("slug", sa.String()), if_not_exists=True)\n'
        '        op.execute("CREATE TABLE IF NOT EXISTS audit (id bigint PRIMARY KEY)")\n'
        '        op.execute("ALTER TABLE orders DROP COLUMN IF EXISTS legacy")\n'
        '        op.add_column("schedules", sa.Column("note", sa.Text()))'  # the last step: nothing fails after it
    )
    in_transaction = alembic(
        '    op.add_column("schedules", sa.Column("slug", sa.String()))\n'
        '    op.execute("CREATE TABLE audit (id bigint PRIMARY KEY)")'
    )
    atomic = '    operations = [migrations.AddField("order", "a", models.IntegerField(null=True)),\n' + (
        '                  migrations.AddField("order", "b", models.IntegerField(null=True))]\n'
    )
    single = "    atomic = False\n" + (
        '    operations = [AddIndexConcurrently("order", models.Index(fields=["user"], name="ix_order_user"))]\n'
    )
    assert guarded == in_transaction == django(atomic) == django(single) == []


def test_MRT804_negative_statements_of_one_execute_call_and_concurrent_steps_left_to_MRT425():
    # Several statements in one string run as one implicit transaction; a bare CONCURRENTLY step is MRT425's.
    found = alembic(
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("CREATE TABLE a (id int); CREATE TABLE b (id int)")\n'
        '        op.create_index("ix_o", "orders", ["user_id"], postgresql_concurrently=True)\n'
        '        op.create_index("ix_p", "orders", ["paid"], postgresql_concurrently=True, if_not_exists=True)'
    )
    assert [f.message.split(" on ")[0] for f in found] == ["CREATE TABLE a"]
