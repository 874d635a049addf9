"""Reading Django migrations into the model."""

import textwrap

from mrt.model import Kind, parse_migration


def model(source: str, path: str = "shop/migrations/0002_change.py"):
    return parse_migration(textwrap.dedent(source), path)


def test_header_dependencies_replaces_atomic_initial_and_app_label():
    m = model("""
        from django.conf import settings
        from django.db import migrations

        class Migration(migrations.Migration):
            initial = True
            atomic = False
            dependencies = [("shop", "0001_initial"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
            replaces = [("shop", "0001_a"), ("shop", "0001_b")]
            operations = []
    """)
    assert (m.framework, m.app, m.label) == ("django", "shop", "shop.0002_change")
    assert m.dependencies == (("shop", "0001_initial"),)
    assert m.replaces == (("shop", "0001_a"), ("shop", "0001_b"))
    assert (m.atomic, m.initial) == (False, True)


def test_subclassed_migration_and_concatenated_operations():
    m = model("""
        from django.db import migrations, models
        from myproject.migrations import SafeMigration

        BASE = [migrations.AddField("product", "sku", models.CharField(max_length=20, null=True))]

        class Migration(SafeMigration):
            operations = BASE + [
                migrations.RemoveField(model_name="product", name="legacy"),
            ]
    """)
    assert [(op.kind, op.table, op.column) for op in m.ops] == [
        (Kind.ADD_COLUMN, "shop_product", "sku"),
        (Kind.DROP_COLUMN, "shop_product", "legacy"),
    ]


def test_fields_many_to_many_foreign_keys_and_db_table():
    m = model("""
        from django.db import migrations, models
        import django.db.models.deletion

        class Migration(migrations.Migration):
            operations = [
                migrations.CreateModel(
                    name="Tag",
                    fields=[("id", models.AutoField(primary_key=True)), ("label", models.CharField(max_length=30))],
                    options={"db_table": "tags"},
                ),
                migrations.AddField("tag", "products", models.ManyToManyField(to="shop.Product")),
                migrations.AddField(
                    "tag", "owner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="auth.user")
                ),
                migrations.AlterField("tag", "label", models.CharField(max_length=60, db_default="x")),
            ]
    """)
    create, m2m, fk, alter = m.ops
    assert create.table == "tags" and [c["name"] for c in create.args["columns"]] == ["id", "label"]
    assert m2m.args["m2m"] is True
    assert (fk.column, fk.args["foreign_key"], fk.args["nullable"]) == ("owner_id", True, False)
    assert alter.args["max_length"] == 60 and alter.args["server_default"] is True


def test_run_python_and_run_sql_reverse_forms():
    m = model("""
        from django.db import migrations

        class Migration(migrations.Migration):
            operations = [
                migrations.RunPython(forwards),
                migrations.RunPython(forwards, migrations.RunPython.noop),
                migrations.RunPython(forwards, reverse_code=backwards),
                migrations.RunSQL(["UPDATE shop_product SET a = 1", ("DELETE FROM shop_product WHERE id = %s", [1])]),
                migrations.RunSQL("CREATE INDEX ix ON shop_product (a)", reverse_sql="DROP INDEX ix"),
            ]
    """)
    python = [op.args["reverse"] for op in m.ops if op.kind == Kind.RUN_PYTHON]
    assert python == [None, "noop", "code"]
    sql = [(op.side, op.kind, op.args.get("reverse")) for op in m.ops if op.origin == "sql"]
    assert sql == [
        ("upgrade", Kind.UPDATE, None),
        ("upgrade", Kind.DELETE, None),
        ("upgrade", Kind.CREATE_INDEX, "code"),
        ("downgrade", Kind.DROP_INDEX, None),
    ]


def test_only_database_operations_of_separate_database_and_state_touch_the_schema():
    m = model("""
        from django.db import migrations

        class Migration(migrations.Migration):
            operations = [
                migrations.SeparateDatabaseAndState(
                    state_operations=[migrations.DeleteModel("Old")],
                    database_operations=[migrations.RunSQL("ALTER TABLE shop_old RENAME TO shop_new", "ALTER TABLE shop_new RENAME TO shop_old")],
                )
            ]
    """)
    assert [(op.side, op.kind, op.in_separate_db_state) for op in m.ops] == [
        ("upgrade", Kind.RENAME_TABLE, True),
        ("downgrade", Kind.RENAME_TABLE, True),
    ]


def test_index_operations_and_concurrency():
    m = model("""
        from django.contrib.postgres.operations import AddIndexConcurrently
        from django.db import migrations, models

        class Migration(migrations.Migration):
            atomic = False
            operations = [
                AddIndexConcurrently("product", models.Index(fields=["name"], name="ix_name")),
                migrations.AddIndex(model_name="product", index=models.Index(fields=["sku"], name="ix_sku")),
                migrations.RemoveIndex(model_name="product", name="ix_old"),
            ]
    """)
    assert [(op.kind, op.name, op.args["concurrently"]) for op in m.ops] == [
        (Kind.CREATE_INDEX, "ix_name", True),
        (Kind.CREATE_INDEX, "ix_sku", False),
        (Kind.DROP_INDEX, "ix_old", False),
    ]
