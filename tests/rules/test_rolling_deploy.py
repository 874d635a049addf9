"""MRT7xx: rolling-deploy compatibility, opt-in with `--check-compat` (extend_select MRT7)."""

import inline
from inline import DJANGO, lint, of

COMPAT = {"extend_select": ["MRT7"]}


def alembic(upgrade, downgrade="    pass\n", **settings):
    """The revision checked with `--check-compat`, unless the test gives settings of its own."""
    return inline.alembic(upgrade, downgrade, **(settings or COMPAT))


def django(body, **settings):
    return inline.django(body, **(settings or COMPAT))


def test_compat_rules_are_off_by_default():
    found = alembic('    op.drop_column("users", "phone")', extend_select=[])
    assert not [f for f in found if f.code.startswith("MRT7")]


def test_MRT701_drop_column_still_read_by_the_running_version():
    found = of(alembic('    op.drop_column("users", "phone")'), "MRT701")
    assert len(found) == 1 and (found[0].table, found[0].column_name) == ("users", "phone")


def test_MRT701_django_remove_field():
    body = '    operations = [migrations.RemoveField("user", "phone")]\n'
    assert [f.table for f in of(django(body), "MRT701")] == ["shop_user"]


def test_MRT701_negative_column_added_and_dropped_in_the_same_migration():
    found = alembic('    op.add_column("users", sa.Column("tmp", sa.Integer))\n    op.drop_column("users", "tmp")')
    assert of(found, "MRT701") == of(found, "MRT709") == []


def test_MRT701_negative_table_created_in_the_same_migration():
    found = alembic(
        '    op.create_table("tmp", sa.Column("id", sa.Integer, primary_key=True), sa.Column("x", sa.Integer))\n'
        '    op.drop_column("tmp", "x")'
    )
    assert of(found, "MRT701") == []


def test_MRT702_rename_column():
    found = of(alembic('    op.alter_column("users", "name", new_column_name="full_name")'), "MRT702")
    assert len(found) == 1 and "'full_name'" in found[0].message


def test_MRT702_negative_column_type_change_is_not_a_rename():
    found = alembic('    op.alter_column("users", "name", type_=sa.String(200), existing_type=sa.String(100))')
    assert of(found, "MRT702") == []


def test_MRT703_drop_and_rename_table_and_django_models():
    found = alembic('    op.drop_table("audit")\n    op.rename_table("customer", "client")')
    body = '    operations = [migrations.RenameModel("Customer", "Client"), migrations.DeleteModel("Audit")]\n'
    assert len(of(found, "MRT703")) == 2
    assert len(of(django(body), "MRT703")) == 2


def test_MRT703_alter_model_table_back_to_the_default_name():
    # `table=None` drops a db_table declared earlier (`userprofile_address`): Django renames the table to the
    # model's default name. The message names that default as the new name, not as the old one.
    body = '    operations = [migrations.AlterModelTable(name="address", table=None)]\n'
    [found] = of(django(body), "MRT703")
    assert "'address'" in found.message and "default name 'shop_address'" in found.message
    assert "None" not in found.message.replace("table=None", "")


def test_MRT703_negative_create_then_drop_scratch_table():
    found = alembic(
        '    op.create_table("scratch", sa.Column("id", sa.Integer, primary_key=True))\n    op.drop_table("scratch")'
    )
    assert of(found, "MRT703") == []


def test_MRT704_django_default_is_not_a_database_default():
    body = '    operations = [migrations.AddField("user", "plan", models.CharField(max_length=9, default="free"))]\n'
    found = of(django(body), "MRT704")
    assert len(found) == 1 and "not a database default" in found[0].message


def test_MRT704_alembic_default_dropped_again_in_the_same_migration():
    found = alembic(
        '    op.add_column("users", sa.Column("plan", sa.String(9), nullable=False, server_default="free"))\n'
        '    op.alter_column("users", "plan", server_default=None)'
    )
    hits = of(found, "MRT704")
    assert len(hits) == 1 and "loses its server default" in hits[0].message


def test_MRT704_negative_db_default_server_default_or_nullable():
    body = """    operations = [
        migrations.AddField("user", "plan", models.CharField(max_length=9, db_default="free")),
        migrations.AddField("user", "note", models.TextField(null=True)),
        migrations.AddField("user", "tags", models.ManyToManyField("shop.Tag")),
    ]
"""
    alembic_ok = alembic(
        '    op.add_column("users", sa.Column("plan", sa.String(9), nullable=False, server_default="free"))'
    )
    assert of(django(body), "MRT704") == of(alembic_ok, "MRT704") == []


def test_MRT705_narrowing_type_change():
    found = of(alembic('    op.alter_column("users", "bio", type_=sa.String(50), existing_type=sa.Text())'), "MRT705")
    assert len(found) == 1 and "truncates" in found[0].message


def test_MRT705_negative_widening_is_compatible():
    found = alembic('    op.alter_column("users", "bio", type_=sa.Text(), existing_type=sa.String(50))')
    assert of(found, "MRT705") == []


def test_MRT706_new_unique_constraint_and_unique_index():
    found = alembic(
        '    op.create_unique_constraint("uq_email", "users", ["email"])\n'
        '    op.create_index("ix_code", "users", ["code"], unique=True)'
    )
    assert len(of(found, "MRT706")) == 2


def test_MRT706_negative_plain_index_or_new_unique_column():
    found = alembic(
        '    op.create_index("ix_code", "users", ["code"])\n'
        '    op.add_column("users", sa.Column("token", sa.String(20), unique=True, nullable=True))'
    )
    assert of(found, "MRT706") == []


def test_MRT707_drop_not_null_and_drop_default():
    found = alembic(
        '    op.alter_column("users", "email", nullable=True)\n    op.alter_column("users", "plan", server_default=None)'
    )
    assert len(of(found, "MRT707")) == 2


def test_MRT707_negative_nullable_restated_beside_a_type_change_or_renamed_column():
    found = alembic(
        '    op.alter_column("orgs", "settings", type_=sa.Text(), existing_type=sa.String(99), nullable=True)\n'
        '    op.execute("ALTER TABLE orgs RENAME prompts TO prompts_old")\n'
        '    op.execute("ALTER TABLE orgs ALTER COLUMN prompts_old DROP NOT NULL")'
    )
    assert of(found, "MRT707") == []


def test_MRT707_negative_already_nullable_or_column_added_here():
    found = alembic(
        '    op.alter_column("users", "email", type_=sa.Text(), existing_type=sa.String(9), nullable=True, '
        "existing_nullable=True)\n"
        '    op.add_column("users", sa.Column("plan", sa.String(9), nullable=True, server_default="x"))\n'
        '    op.alter_column("users", "plan", server_default=None)'
    )
    assert of(found, "MRT707") == []


def test_MRT708_enum_value_renamed_or_removed():
    renamed = alembic("    op.execute(\"ALTER TYPE order_state RENAME VALUE 'sent' TO 'shipped'\")")
    removed = alembic(
        '    op.alter_column("orders", "state", type_=sa.Enum("new", "paid", name="st"), '
        'existing_type=sa.Enum("new", "paid", "sent", name="st"))'
    )
    assert len(of(renamed, "MRT708")) == 1
    hits = of(removed, "MRT708")
    assert len(hits) == 1 and "'sent'" in hits[0].message


def test_MRT708_negative_enum_value_added():
    found = alembic(
        '    op.alter_column("orders", "state", type_=sa.Enum("new", "paid", "sent", name="st"), '
        'existing_type=sa.Enum("new", "paid", name="st"))'
    )
    assert of(found, "MRT708") == []


def test_MRT709_expand_and_contract_in_one_migration_reported_once():
    found = alembic(
        '    op.add_column("users", sa.Column("full_name", sa.String(200)))\n    op.drop_column("users", "name")'
    )
    assert len(of(found, "MRT709")) == 1
    assert of(found, "MRT701") == []  # the pair is reported once, as MRT709


def test_MRT709_negative_drop_on_another_table():
    found = alembic(
        '    op.add_column("users", sa.Column("full_name", sa.String(200)))\n    op.drop_column("orders", "note")'
    )
    assert of(found, "MRT709") == []
    assert len(of(found, "MRT701")) == 1


def test_MRT709_separate_database_and_state_removes_the_field_and_drops_its_column_at_once():
    both = django(
        """    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField("user", "legacy_code"), migrations.DeleteModel("Visit")],
            database_operations=[
                migrations.RunSQL("ALTER TABLE shop_user DROP COLUMN legacy_code", migrations.RunSQL.noop),
            ],
        ),
        migrations.DeleteModel("Visit"),
    ]
"""
    )
    found = of(both, "MRT709")
    assert [f.table for f in found] == ["shop_user", "shop_visit"]
    assert "removes field user.legacy_code from the model state" in found[0].message
    assert "model 'visit'" in found[1].message
    assert of(both, "MRT701") == of(both, "MRT703") == []  # each pair is reported once, as MRT709


def test_MRT709_drop_in_a_migration_safemigrate_runs_before_the_deploy():
    body = """    safe = Safe.before_deploy()
    operations = [migrations.RemoveField("user", "legacy_code")]
"""
    found = of(django(body), "MRT709")
    assert len(found) == 1 and "marked Safe.before_deploy" in found[0].message
    after = django(body.replace("before_deploy", "after_deploy"))
    assert of(after, "MRT709") == [] and len(of(after, "MRT701")) == 1


def test_MRT709_negative_state_only_step_or_another_field_dropped():
    state_only = django(
        """    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField("user", "legacy_code")]),
    ]
"""
    )
    other_field = django(
        """    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField("user", "legacy_code")]),
        migrations.RemoveField("user", "phone"),
    ]
"""
    )
    assert of(state_only, "MRT709") == of(other_field, "MRT709") == []
    assert len(of(other_field, "MRT701")) == 1


def test_squashed_django_migrations_are_not_checked_for_rolling_deploys():
    source = """
from django.db import migrations

class Migration(migrations.Migration):
    replaces = [("shop", "0001_initial"), ("shop", "0002_drop")]
    operations = [migrations.RemoveField("user", "phone")]
"""
    assert not [f for f in lint(source, path=DJANGO, **COMPAT) if f.code.startswith("MRT7")]


def test_MRT703_schema_renamed_under_the_running_version():
    found = of(alembic('    op.execute("ALTER SCHEMA billing RENAME TO invoicing")'), "MRT703")
    assert len(found) == 1 and "billing" in found[0].message and "invoicing" in found[0].message


def test_MRT703_negative_schema_created_or_given_a_new_owner():
    changed = alembic('    op.execute("CREATE SCHEMA invoicing")\n    op.execute("ALTER SCHEMA billing OWNER TO app")')
    assert of(changed, "MRT703") == []
