"""Names a database mangles or refuses: identifiers over PostgreSQL's 63 bytes (MRT426, for tables and columns;
index and constraint names are in test_locks.py) and a column given twice in one table (MRT434)."""

from inline import alembic, django, lint, of

LONG = "invoice_" + "x" * 60  # 68 bytes
OK_63 = "c" * 63


# -- MRT426: tables and columns ---------------------------------------------------------------------------------------


def test_MRT426_long_table_and_column_names_in_alembic_and_raw_sql():
    table = of(alembic(f'    op.create_table("{LONG}", sa.Column("id", sa.Integer, primary_key=True))'), "MRT426")
    column = of(alembic(f'    op.add_column("orders", sa.Column("{LONG}", sa.Integer))'), "MRT426")
    sql = of(alembic(f'    op.execute("CREATE TABLE orders (id int, {LONG} int)")'), "MRT426")
    renamed = of(alembic(f'    op.alter_column("orders", "note", new_column_name="{LONG}")'), "MRT426")
    assert "Table name" in table[0].message and "68 bytes" in table[0].message
    assert all("truncates it to 63" in found[0].message for found in (column, sql, renamed))
    assert LONG in sql[0].message  # as written, not as the parser cut it


def test_MRT426_django_long_field_name_and_declared_db_table_even_in_an_initial_migration():
    body = (
        "    initial = True\n"
        "    operations = [\n"
        f'        migrations.CreateModel("Order", [("{LONG}", models.IntegerField())], options={{"db_table": "{LONG}"}}),\n'
        "    ]\n"
    )
    found = of(django(body), "MRT426")
    assert len(found) == 1 and "(+1 more in the same statement)" in found[0].message


def test_MRT426_negative_63_bytes_django_derived_table_name_short_db_column_or_sqlite():
    at_limit = alembic(f'    op.add_column("orders", sa.Column("{OK_63}", sa.Integer))')
    model = "O" + "x" * 70  # Django derives shop_oxxx... and shortens it itself
    derived = django(
        f'    operations = [migrations.CreateModel("{model}", [("id", models.AutoField(primary_key=True))])]\n'
    )
    sqlite = alembic(f'    op.add_column("orders", sa.Column("{LONG}", sa.Integer))', dialect="sqlite")
    short_column = django(
        f'    operations = [migrations.CreateModel("Order", [("{LONG}", models.IntegerField(db_column="n"))])]\n'
    )
    assert of(at_limit, "MRT426") == of(derived, "MRT426") == of(sqlite, "MRT426") == of(short_column, "MRT426") == []


# -- MRT434 -----------------------------------------------------------------------------------------------------------


def test_MRT434_column_given_twice_in_create_table_raw_sql_and_create_model():
    alembic_twice = alembic(
        '    op.create_table("invoices", sa.Column("id", sa.Integer), sa.Column("total", sa.Integer), '
        'sa.Column("total", sa.Numeric(12, 2)))'
    )
    sql_twice = alembic('    op.execute("CREATE TABLE invoices (id int, Total int, total numeric)")')
    model_twice = django(
        '    operations = [migrations.CreateModel("Invoice", [("total", models.IntegerField()), '
        '("total", models.IntegerField())])]\n'
    )
    for findings in (alembic_twice, sql_twice, model_twice):
        found = of(findings, "MRT434")
        assert len(found) == 1 and "'total' twice" in found[0].message


def test_MRT434_negative_same_name_in_two_tables_or_case_that_alembic_quotes():
    two_tables = alembic(
        '    op.create_table("a", sa.Column("total", sa.Integer))\n    op.create_table("b", sa.Column("total", sa.Integer))'
    )
    quoted_case = lint(
        'from alembic import op\nimport sqlalchemy as sa\nrevision = "r1"\ndown_revision = None\n\n'
        'def upgrade():\n    op.create_table("a", sa.Column("Total", sa.Integer), sa.Column("total", sa.Integer))\n\n'
        'def downgrade():\n    op.drop_table("a")\n'
    )
    assert of(two_tables, "MRT434") == of(quoted_case, "MRT434") == []


# -- MRT435 (opt-in): a table named without its schema -----------------------------------------------------------------

SCHEMA = {"extend_select": ["MRT435"]}


def test_MRT435_alembic_raw_sql_and_django_tables_named_by_their_bare_name():
    created = of(alembic('    op.create_table("invoices", sa.Column("id", sa.Integer))', **SCHEMA), "MRT435")
    batch = alembic(
        '    with op.batch_alter_table("invoices") as batch_op:\n'
        '        batch_op.add_column(sa.Column("total", sa.Integer))',
        **SCHEMA,
    )
    sql = of(alembic('    op.execute("ALTER TABLE invoices ADD COLUMN a int, ADD COLUMN b int")', **SCHEMA), "MRT435")
    model = of(
        django('    operations = [migrations.CreateModel("Invoice", [("id", models.BigAutoField())])]\n', **SCHEMA),
        "MRT435",
    )
    assert 'schema="public"' in created[0].message and len(of(batch, "MRT435")) == 1
    assert len(sql) == 1 and "public.invoices" in sql[0].message  # one ALTER TABLE, one finding
    assert "shop_invoice" in model[0].message and '"public"."shop_invoice"' in model[0].message


def test_MRT435_negative_schema_given_temporary_table_unmanaged_model_index_or_not_opted_in():
    qualified = [
        alembic('    op.create_table("invoices", sa.Column("id", sa.Integer), schema="billing")', **SCHEMA),
        alembic(
            '    with op.batch_alter_table("invoices", schema=settings.SCHEMA) as batch_op:\n'
            '        batch_op.drop_column("total")',
            **SCHEMA,
        ),
        alembic('    op.create_foreign_key("fk", "o", "u", ["uid"], ["id"], source_schema="billing")', **SCHEMA),
        alembic('    op.execute("ALTER TABLE billing.invoices ADD COLUMN a int")', **SCHEMA),
        alembic('    op.execute("CREATE TEMP TABLE ids (id int)")\n    op.execute("DROP TABLE ids")', **SCHEMA),
        alembic('    op.create_index("ix_invoices_total", "invoices", ["total"])', **SCHEMA),
        django(
            '    operations = [migrations.CreateModel("Invoice", [("id", models.BigAutoField())], '
            'options={"db_table": \'"billing"."invoice"\'})]\n',
            **SCHEMA,
        ),
        django(
            '    operations = [migrations.CreateModel("Invoice", [("id", models.BigAutoField())], '
            'options={"managed": False})]\n',
            **SCHEMA,
        ),
        alembic('    op.create_table("invoices", sa.Column("id", sa.Integer))'),
    ]
    assert [of(findings, "MRT435") for findings in qualified] == [[]] * len(qualified)
