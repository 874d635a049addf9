"""MRT8xx: raw SQL — destructive statements without reverse, string-formatted SQL, transaction control."""

import inline
from inline import DJANGO, lint, of


def alembic(upgrade, downgrade="    op.execute('SELECT 1')\n", prelude=""):
    return inline.alembic(upgrade, downgrade, prelude)


def django(operations, atomic=True):
    text = "from django.db import migrations\n\nclass Migration(migrations.Migration):\n"
    if not atomic:
        text += "    atomic = False\n"
    return lint(text + f"    operations = [{operations}]\n", path=DJANGO)


# -- MRT801 ---------------------------------------------------------------------------------------------------------


def test_MRT801_dropped_function_not_restored_by_downgrade():
    found = of(alembic('    op.execute("DROP FUNCTION touch_updated_at()")'), "MRT801")
    assert len(found) == 1 and "'touch_updated_at'" in found[0].message


def test_MRT801_extension_schema_and_disabled_triggers():
    found = alembic(
        '    op.execute("DROP EXTENSION hstore")\n'
        '    op.execute("DROP SCHEMA legacy CASCADE")\n'
        '    op.execute("ALTER TABLE orders DISABLE TRIGGER ALL")'
    )
    assert len(of(found, "MRT801")) == 3


def test_MRT801_negative_restored_in_downgrade_or_toggled_back():
    restored = alembic(
        '    op.execute("DROP FUNCTION touch_updated_at()")',
        '    op.execute("CREATE FUNCTION touch_updated_at() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql")\n',
    )
    toggled = alembic(
        '    op.execute("ALTER TABLE orders DISABLE TRIGGER ALL")\n'
        "    op.execute(\"UPDATE orders SET state = 'x'\")\n"
        '    op.execute("ALTER TABLE orders ENABLE TRIGGER ALL")'
    )
    assert of(restored, "MRT801") == of(toggled, "MRT801") == []


def test_MRT801_negative_django_noop_reverse_is_deliberate():
    found = django('migrations.RunSQL("DROP TRIGGER IF EXISTS t ON shop_order", migrations.RunSQL.noop)')
    assert of(found, "MRT801") == []


def test_MRT801_schema_dropped_with_cascade_is_lost_whatever_the_downgrade_re_creates():
    """CASCADE drops every table in the schema; CREATE SCHEMA in the downgrade brings back an empty one."""
    found = of(
        alembic('    op.execute("DROP SCHEMA billing CASCADE")', '    op.execute("CREATE SCHEMA billing")'), "MRT801"
    )
    assert len(found) == 1
    assert "'billing'" in found[0].message and "every table in it and their rows are lost" in found[0].message


def test_MRT801_dropped_database_is_lost_whatever_the_downgrade_re_creates():
    found = of(
        alembic('    op.execute("DROP DATABASE billing")', '    op.execute("CREATE DATABASE billing")'), "MRT801"
    )
    assert len(found) == 1 and found[0].message.startswith("Database 'billing' is dropped with every table in it")


def test_MRT801_django_noop_reverse_does_not_excuse_a_schema_dropped_with_its_tables():
    found = django('migrations.RunSQL("DROP SCHEMA IF EXISTS billing CASCADE", migrations.RunSQL.noop)')
    assert len(of(found, "MRT801")) == 1


def test_MRT801_on_mysql_a_plain_drop_schema_drops_the_database_and_its_tables():
    found = inline.alembic(
        '    op.execute("DROP SCHEMA billing")', '    op.execute("CREATE SCHEMA billing")', dialect="mysql"
    )
    assert len(of(found, "MRT801")) == 1 and "on MySQL a schema is a database" in of(found, "MRT801")[0].message


def test_MRT801_negative_plain_drop_schema_restored_by_create_schema():
    """Without CASCADE PostgreSQL refuses to drop a schema that still holds anything: what went was empty."""
    found = alembic('    op.execute("DROP SCHEMA billing")', '    op.execute("CREATE SCHEMA billing")')
    assert of(found, "MRT801") == []


def test_MRT801_plain_drop_schema_without_create_schema_in_the_downgrade():
    found = of(alembic('    op.execute("DROP SCHEMA billing")'), "MRT801")
    assert len(found) == 1 and "CASCADE" not in found[0].message and "rows" not in found[0].message


# -- MRT802 ---------------------------------------------------------------------------------------------------------


def test_MRT802_value_spliced_into_sql_with_an_fstring():
    found = alembic(
        "    for user_id, name in rows:\n"
        "        op.execute(f\"UPDATE users SET display = '{name}' WHERE id = {user_id}\")"
    )
    hits = of(found, "MRT802")
    assert len(hits) == 1 and "bind parameters" in hits[0].message


def test_MRT802_percent_formatting_with_a_call():
    found = alembic("    op.execute(\"UPDATE users SET tag = '%s'\" % json.dumps(tag))")
    assert len(of(found, "MRT802")) == 1


def test_MRT802_negative_identifiers_constants_and_bind_parameters():
    found = alembic(
        '    op.execute(f"ALTER TABLE {TABLE} ADD COLUMN x int")\n'
        '    op.execute(f"UPDATE revisions SET type = {RevisionType.ready} WHERE type = {RevisionType.old}")\n'
        "    op.execute(f\"UPDATE apps SET uri = '{redirect_uri}'\")\n"
        '    op.get_bind().execute(sa.text("UPDATE users SET display = :name"), {"name": name})',
        prelude='TABLE = "users"\nredirect_uri = "https://example.com"\n',
    )
    assert of(found, "MRT802") == []


# -- MRT803 ---------------------------------------------------------------------------------------------------------


def test_MRT803_commit_inside_the_revision_transaction():
    found = alembic('    op.execute("COMMIT")\n    op.execute("ALTER TYPE status ADD VALUE \'archived\'")')
    hits = of(found, "MRT803")
    assert len(hits) == 1 and hits[0].severity == "error" and "autocommit_block" in hits[0].message


def test_MRT803_django_begin_in_atomic_migration():
    found = django('migrations.RunSQL("BEGIN; UPDATE shop_order SET x = 1; COMMIT;", migrations.RunSQL.noop)')
    assert len(of(found, "MRT803")) == 2


def test_MRT803_negative_savepoint_autocommit_block_and_non_atomic():
    savepoint = alembic('    op.execute("SAVEPOINT before_fix")\n    op.execute("RELEASE SAVEPOINT before_fix")')
    block = alembic('    with op.get_context().autocommit_block():\n        op.execute("COMMIT")')
    non_atomic = django('migrations.RunSQL("COMMIT", migrations.RunSQL.noop)', atomic=False)
    assert of(savepoint, "MRT803") == of(block, "MRT803") == of(non_atomic, "MRT803") == []


def test_MRT803_begin_never_committed_in_an_autocommit_block():
    """squawk's ban-uncommitted-transaction: the UPDATE runs in a transaction nothing in the block ends."""
    found = alembic(
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("BEGIN")\n'
        '        op.execute("UPDATE orders SET state = 1")'
    )
    hits = of(found, "MRT803")
    assert len(hits) == 1 and "never committed" in hits[0].message and "add COMMIT" in hits[0].message


def test_MRT803_begin_never_committed_in_a_non_atomic_django_migration():
    found = django('migrations.RunSQL("BEGIN; UPDATE shop_order SET x = 1;", migrations.RunSQL.noop)', atomic=False)
    assert len(of(found, "MRT803")) == 1


def test_MRT803_negative_begin_committed_in_the_autocommit_block():
    found = alembic(
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("BEGIN")\n'
        '        op.execute("UPDATE orders SET state = 1")\n'
        '        op.execute("COMMIT")'
    )
    non_atomic = django('migrations.RunSQL("BEGIN; UPDATE shop_order SET x = 1; COMMIT;")', atomic=False)
    assert of(found, "MRT803") == of(non_atomic, "MRT803") == []


# -- MRT805 ---------------------------------------------------------------------------------------------------------


def test_MRT805_sql_with_a_typo_is_reported_so_the_user_knows_mrt_is_blind_there():
    found = of(alembic('    op.execute("ALTER TABLE orders ADD COLUM note text")'), "MRT805")
    assert len(found) == 1
    assert (
        "mrt cannot parse this SQL" in found[0].message
        and "'ALTER TABLE orders ADD COLUM note text'" in found[0].message
    )


def test_MRT805_on_postgresql_a_statement_its_grammar_rejects_fails_the_migration():
    found = inline.alembic(
        '    op.execute("UPDATE orders SET note = 1 WHER id = 2")', "    op.execute('SELECT 1')\n", dialect="postgresql"
    )
    assert of(found, "MRT805")[0].message.startswith("PostgreSQL's grammar rejects this SQL")


def test_MRT805_django_runsql():
    found = django("migrations.RunSQL(\"UPDATE shop_order SET note = '' WHER note IS NULL\", migrations.RunSQL.noop)")
    assert len(of(found, "MRT805")) == 1


def test_MRT805_negative_other_dialects_sqlglot_reads_and_templates():
    """MySQL backticks, SQLite PRAGMAs and MySQL-only ALTERs parse as their dialect; SQL with bind parameters or
    interpolated parts is a template, not a statement to judge."""
    found = alembic(
        '    op.execute("SELECT `TABLE_NAME` FROM `information_schema`.`COLUMNS`")\n'
        '    op.execute("PRAGMA foreign_keys=OFF")\n'
        '    op.execute("ALTER TABLE bindings DROP PRIMARY KEY, ADD PRIMARY KEY(port_id, host)")\n'
        '    op.execute(sa.text("UPDATE t SET a = 1 WHERE id IN :ids"))\n'
        '    op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {columns}")'
    )
    assert of(found, "MRT805") == []


def test_MRT805_negative_a_branch_for_another_engine_is_read_in_its_dialect():
    found = alembic(
        "    if op.get_bind().dialect.name == 'mysql':\n"
        '        op.execute("ALTER TABLE tags CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")'
    )
    assert of(found, "MRT805") == []
