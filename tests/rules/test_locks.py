"""MRT4xx: locks and table rewrites. Each rule fires on the risky form and stays quiet on its safe twin."""

from inline import DJANGO, HEADER, alembic, django, lint, of

from mrt import analyze_source

# -- MRT401 ---------------------------------------------------------------------------------------------------


def test_MRT401_not_null_column_without_default_on_existing_table():
    found = of(alembic('    op.add_column("users", sa.Column("plan", sa.String(20), nullable=False))'), "MRT401")
    assert len(found) == 1
    assert (found[0].table, found[0].column_name) == ("users", "plan")
    assert "fails" in found[0].message


def test_MRT401_django_add_field_without_default():
    body = '    operations = [migrations.AddField("user", "age", models.IntegerField())]\n'
    assert [f.table for f in of(django(body), "MRT401")] == ["shop_user"]


def test_MRT401_negative_server_default_or_django_default_fills_existing_rows():
    safe = alembic(
        '    op.add_column("users", sa.Column("plan", sa.String(20), nullable=False, server_default="free"))'
    )
    body = """    operations = [
        migrations.AddField("user", "age", models.IntegerField(default=0)),
        migrations.AddField("user", "note", models.CharField(max_length=20, blank=True)),
        migrations.AddField("user", "tags", models.ManyToManyField("shop.Tag")),
    ]
"""
    assert of(safe, "MRT401") == []
    assert of(django(body), "MRT401") == []


def test_MRT401_negative_table_emptied_first():
    found = alembic(
        '    op.execute("DELETE FROM plans")\n'
        '    op.add_column("plans", sa.Column("name", sa.String(20), nullable=False))'
    )
    assert of(found, "MRT401") == []


def test_MRT401_negative_table_created_in_the_same_migration():
    found = alembic(
        '    op.create_table("plans", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.add_column("plans", sa.Column("name", sa.String(20), nullable=False))'
    )
    assert of(found, "MRT401") == []


# -- MRT404 / MRT405 -------------------------------------------------------------------------------------------------


def test_MRT404_volatile_server_default_rewrites_the_table():
    found = alembic(
        '    op.add_column("orders", sa.Column("token", sa.String, server_default=sa.text("gen_random_uuid()")))'
    )
    hits = of(found, "MRT404")
    assert len(hits) == 1 and "ACCESS EXCLUSIVE" in hits[0].message and hits[0].table == "orders"


def test_MRT404_raw_sql_volatile_default():
    found = alembic('    op.execute("ALTER TABLE orders ADD COLUMN token uuid DEFAULT uuid_generate_v4()")')
    assert len(of(found, "MRT404")) == 1


def test_MRT404_negative_constant_stable_or_python_side_default():
    found = alembic(
        '    op.add_column("orders", sa.Column("state", sa.String, server_default="new"))\n'
        '    op.add_column("orders", sa.Column("seen", sa.DateTime, server_default=sa.func.now()))\n'
        '    op.add_column("orders", sa.Column("token", sa.String, default=uuid.uuid4))'
    )
    assert of(found, "MRT404") == []


def test_MRT405_any_default_before_postgresql_11():
    found = alembic(
        '    op.add_column("users", sa.Column("plan", sa.String, server_default="free"))',
        dialect="postgresql",
        dialect_version="10",
    )
    body = '    operations = [migrations.AddField("user", "plan", models.CharField(max_length=9, default="x"))]\n'
    assert len(of(found, "MRT405")) == 1
    assert len(of(django(body, dialect="postgresql", dialect_version="9.6"), "MRT405")) == 1


def test_MRT405_negative_postgresql_11_or_unknown_version():
    source = '    op.add_column("users", sa.Column("plan", sa.String, server_default="free"))'
    assert of(alembic(source, dialect="postgresql", dialect_version="11"), "MRT405") == []
    assert of(alembic(source), "MRT405") == []


# -- MRT406 -------------------------------------------------------------------------------------------------------


def test_MRT406_unique_constraint_built_directly():
    found = of(alembic('    op.create_unique_constraint("uq_users_email", "users", ["email"])'), "MRT406")
    assert len(found) == 1 and "ACCESS EXCLUSIVE" in found[0].message and "USING INDEX" in found[0].message


def test_MRT406_django_unique_constraint_and_unique_field():
    body = """    operations = [
        migrations.AddConstraint("user", models.UniqueConstraint(fields=["email"], name="uq_user_email")),
        migrations.AddField("user", "code", models.CharField(max_length=9, unique=True, null=True)),
    ]
"""
    assert len(of(django(body), "MRT406")) == 2


def test_MRT406_negative_using_index_or_new_table():
    found = alembic(
        '    op.execute("ALTER TABLE users ADD CONSTRAINT uq_email UNIQUE USING INDEX ix_email")\n'
        '    op.create_table("teams", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.create_unique_constraint("uq_teams_id", "teams", ["id"])'
    )
    assert of(found, "MRT406") == []


def test_MRT406_negative_django_unique_together_removed():
    body = '    operations = [migrations.AlterUniqueTogether(name="user", unique_together=set())]\n'
    assert of(django(body), "MRT406") == []


# -- MRT407 -------------------------------------------------------------------------------------------------------


def test_MRT407_create_index_without_concurrently_names_lock_and_recipe():
    found = of(alembic('    op.create_index("ix_orders_user", "orders", ["user_id"])'), "MRT407")
    assert len(found) == 1
    assert "SHARE lock" in found[0].message and "autocommit_block" in found[0].message
    assert found[0].table == "orders"


def test_MRT407_raw_sql_gets_raw_sql_advice():
    found = of(alembic('    op.execute("CREATE INDEX ix_o ON orders (user_id)")'), "MRT407")
    assert len(found) == 1 and "CREATE INDEX CONCURRENTLY inside" in found[0].message


def test_MRT407_django_add_index_and_implicit_foreign_key_index():
    body = """    operations = [
        migrations.AddIndex("order", models.Index(fields=["created"], name="ix_order_created")),
        migrations.AddField("order", "owner", models.ForeignKey("shop.User", models.CASCADE, null=True)),
    ]
"""
    found = of(django(body), "MRT407")
    assert len(found) == 2
    assert all("AddIndexConcurrently" in f.message for f in found)
    assert found[1].column_name == "owner_id"


def test_MRT407_negative_concurrent_new_table_or_sqlite():
    concurrent = alembic(
        "    with op.get_context().autocommit_block():\n"
        '        op.create_index("ix_o", "orders", ["user_id"], postgresql_concurrently=True)'
    )
    new_table = alembic(
        '    op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.create_index("ix_o", "orders", ["id"])'
    )
    sqlite = alembic('    op.create_index("ix_o", "orders", ["user_id"])', dialect="sqlite")
    assert of(concurrent, "MRT407") == of(new_table, "MRT407") == of(sqlite, "MRT407") == []


def test_MRT407_negative_sqlite_branch_of_a_dialect_switch():
    found = alembic(
        '    if op.get_bind().dialect.name == "sqlite":\n'
        '        op.create_index("ix_o", "orders", ["user_id"])\n'
        "    else:\n"
        "        with op.get_context().autocommit_block():\n"
        '            op.create_index("ix_o", "orders", ["user_id"], postgresql_concurrently=True)'
    )
    assert of(found, "MRT407") == []


def test_MRT416_negative_mysql_branch_of_a_url_test():
    # Branching on the database URL: the first branch only runs on MySQL, where NOT VALID does not exist.
    # The PostgreSQL branch still gets the advice; `startswith("sqlite") is False` restricts nothing.
    fk = 'op.create_foreign_key("fk_files_solution", "files", "solutions", ["solution_id"], ["id"])'
    found = alembic(
        "    url = str(op.get_bind().engine.url)\n"
        '    if url.startswith("mysql"):\n'
        f"        {fk}\n"
        '    elif url.startswith("postgres"):\n'
        f"        {fk}\n"
        '    if url.startswith("sqlite") is False:\n'
        f"        {fk}\n"
    )
    assert [f.line for f in of(found, "MRT416")] == [13, 15]  # not line 11, the MySQL branch


def test_MRT407_negative_django_squashed_migration_runs_only_on_fresh_databases():
    source = """
from django.db import migrations, models

class Migration(migrations.Migration):
    replaces = [("shop", "0001_initial"), ("shop", "0002_index")]
    operations = [migrations.AddIndex("order", models.Index(fields=["created"], name="ix_order_created"))]
"""
    assert of(lint(source, path=DJANGO), "MRT407") == []


def test_MRT407_dialect_read_from_alembic_ini(tmp_path):
    (tmp_path / "alembic.ini").write_text(
        "[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///app.db\n"
    )
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    path = versions / "abc123_index.py"
    path.write_text(HEADER + '\ndef upgrade():\n    op.create_index("ix_o", "orders", ["user_id"])\n')
    assert of(analyze_source(path.read_text(), str(path)), "MRT407") == []
    (tmp_path / "alembic.ini").write_text("[alembic]\nsqlalchemy.url = postgresql+psycopg://u@db/app\n")
    from mrt.dialect import _detected

    _detected.cache_clear()
    assert len(of(analyze_source(path.read_text(), str(path)), "MRT407")) == 1


# -- MRT414 -------------------------------------------------------------------------------------------------------


def test_MRT414_concurrently_outside_autocommit_block_fails():
    found = of(alembic('    op.create_index("ix_o", "orders", ["user_id"], postgresql_concurrently=True)'), "MRT414")
    assert len(found) == 1 and found[0].severity == "error" and "autocommit_block" in found[0].message


def test_MRT414_django_add_index_concurrently_in_atomic_migration():
    body = '    operations = [AddIndexConcurrently("order", models.Index(fields=["user"], name="ix_order_user"))]\n'
    found = of(django(body), "MRT414")
    assert len(found) == 1 and "atomic = False" in found[0].message


def test_MRT414_negative_autocommit_block_and_non_atomic_migration():
    body = (
        "    atomic = False\n"
        '    operations = [AddIndexConcurrently("order", models.Index(fields=["user"], name="ix_order_user"))]\n'
    )
    ok = alembic(
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("CREATE INDEX CONCURRENTLY ix_o ON orders (user_id)")'
    )
    assert of(django(body), "MRT414") == of(ok, "MRT414") == []


# -- MRT412 -------------------------------------------------------------------------------------------------------


def test_MRT412_set_not_null_on_existing_column():
    found = of(alembic('    op.alter_column("users", "email", nullable=False)'), "MRT412")
    assert len(found) == 1
    assert (found[0].table, found[0].column_name) == ("users", "email")
    assert "NOT VALID" in found[0].message and "ACCESS EXCLUSIVE" in found[0].message


def test_MRT412_django_alter_field_with_one_off_default():
    body = """    operations = [
        migrations.AlterField("user", "email", models.EmailField(default=""), preserve_default=False),
    ]
"""
    assert len(of(django(body), "MRT412")) == 1


def test_MRT412_negative_already_not_null_or_recipe_followed():
    unchanged = alembic(
        '    op.alter_column("users", "email", type_=sa.String(300), existing_type=sa.String(200), '
        "nullable=False, existing_nullable=False)"
    )
    recipe = alembic(
        '    op.execute("ALTER TABLE users ADD CONSTRAINT nn CHECK (email IS NOT NULL) NOT VALID")\n'
        '    op.execute("ALTER TABLE users VALIDATE CONSTRAINT nn")\n'
        '    op.alter_column("users", "email", nullable=False)'
    )
    assert of(unchanged, "MRT412") == of(recipe, "MRT412") == []


def test_MRT412_negative_django_alter_field_that_does_not_touch_null():
    body = '    operations = [migrations.AlterField("user", "email", models.EmailField(max_length=300))]\n'
    assert of(django(body), "MRT412") == []


# -- MRT415 -------------------------------------------------------------------------------------------------------


def test_MRT415_drop_index_without_concurrently():
    found = of(alembic('    op.drop_index("ix_orders_user", table_name="orders")'), "MRT415")
    assert len(found) == 1 and "ACCESS EXCLUSIVE" in found[0].message


def test_MRT415_raw_reindex_and_detach_partition():
    assert len(of(alembic('    op.execute("REINDEX INDEX ix_orders_user")'), "MRT415")) == 1
    assert len(of(alembic('    op.execute("ALTER TABLE events DETACH PARTITION events_2020")'), "MRT415")) == 1


def test_MRT415_negative_detach_partition_concurrently_in_autocommit_block():
    found = alembic(
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY")'
    )
    assert of(found, "MRT415") == of(found, "MRT414") == []


def test_MRT407_dialect_read_from_env_py_url_and_engine_named_tree(tmp_path):
    source = HEADER + '\ndef upgrade():\n    op.create_index("ix_o", "orders", ["user_id"])\n'
    env_dir = tmp_path / "envproject"
    (env_dir / "versions").mkdir(parents=True)
    (env_dir / "env.py").write_text('URL = "mysql+pymysql://app@db/app"\n')
    named = tmp_path / "versions" / "sqlite"
    named.mkdir(parents=True)
    for path in (env_dir / "versions" / "abc123_x.py", named / "abc123_x.py"):
        path.write_text(source)
        assert of(analyze_source(source, str(path)), "MRT407") == []


def test_MRT415_negative_concurrent_or_table_dropped_too():
    concurrent = alembic(
        "    with op.get_context().autocommit_block():\n"
        '        op.drop_index("ix_o", table_name="orders", postgresql_concurrently=True)'
    )
    with_table = alembic('    op.drop_index("ix_o", table_name="orders")\n    op.drop_table("orders")')
    assert of(concurrent, "MRT415") == of(with_table, "MRT415") == []


# -- MRT416 / MRT417 --------------------------------------------------------------------------------------------------


def test_MRT416_foreign_key_validated_immediately():
    found = of(alembic('    op.create_foreign_key("fk_o_u", "orders", "users", ["user_id"], ["id"])'), "MRT416")
    assert len(found) == 1 and "SHARE ROW EXCLUSIVE" in found[0].message and "'users'" in found[0].message


def test_MRT416_check_constraint_in_raw_sql_and_django():
    sql = alembic('    op.execute("ALTER TABLE orders ADD CONSTRAINT pos CHECK (total >= 0)")')
    body = '    operations = [migrations.AddConstraint("order", models.CheckConstraint(check=models.Q(total__gte=0), name="pos"))]\n'
    assert len(of(sql, "MRT416")) == 1
    assert len(of(django(body), "MRT416")) == 1


def test_MRT416_negative_not_valid():
    found = alembic(
        '    op.create_foreign_key("fk_o_u", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)\n'
        '    op.execute("ALTER TABLE orders ADD CONSTRAINT pos CHECK (total >= 0) NOT VALID")'
    )
    assert of(found, "MRT416") == []


def test_MRT417_not_valid_and_validate_in_one_transaction():
    found = alembic(
        '    op.execute("ALTER TABLE orders ADD CONSTRAINT pos CHECK (total >= 0) NOT VALID")\n'
        '    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT pos")'
    )
    hits = of(found, "MRT417")
    assert len(hits) == 1 and hits[0].line == 10


def test_MRT417_negative_validate_in_autocommit_block():
    found = alembic(
        '    op.execute("ALTER TABLE orders ADD CONSTRAINT pos CHECK (total >= 0) NOT VALID")\n'
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("ALTER TABLE orders VALIDATE CONSTRAINT pos")'
    )
    assert of(found, "MRT417") == []


# -- MRT418 -------------------------------------------------------------------------------------------------------


def test_MRT418_integer_to_bigint_rewrites():
    found = of(
        alembic('    op.alter_column("events", "id", type_=sa.BigInteger(), existing_type=sa.Integer())'), "MRT418"
    )
    assert len(found) == 1 and "INT4 to INT8" in found[0].message and found[0].column_name == "id"


def test_MRT418_old_type_read_from_the_downgrade():
    found = alembic(
        '    op.execute("ALTER TABLE events ALTER COLUMN payload TYPE jsonb")',
        '    op.execute("ALTER TABLE events ALTER COLUMN payload TYPE json")',
    )
    assert len(of(found, "MRT418")) == 1


def test_MRT418_negative_binary_compatible_changes():
    found = alembic(
        '    op.alter_column("u", "name", type_=sa.String(200), existing_type=sa.String(100))\n'
        '    op.alter_column("u", "bio", type_=sa.Text(), existing_type=sa.String(100))\n'
        '    op.alter_column("u", "amount", type_=sa.Numeric(12, 2), existing_type=sa.Numeric(10, 2))\n'
        '    op.alter_column("u", "kind", type_=MyType(), existing_type=sa.String(10))'
    )
    assert of(found, "MRT418") == []


def test_MRT418_timestamptz_is_in_place_from_postgresql_12():
    source = '    op.execute("ALTER TABLE u ALTER COLUMN seen TYPE timestamptz")'
    down = '    op.execute("ALTER TABLE u ALTER COLUMN seen TYPE timestamp")'
    assert len(of(alembic(source, down, dialect="postgresql", dialect_version="11"), "MRT418")) == 1
    assert of(alembic(source, down, dialect="postgresql", dialect_version="12"), "MRT418") == []


def test_MRT418_sqlalchemy_time_zone_flip_rewrites_before_postgresql_12_like_the_sql_form():
    """`sa.DateTime(timezone=True)` is timestamptz: the same change as `ALTER COLUMN ... TYPE timestamptz`,
    in both directions."""
    to_tz = '    op.alter_column("u", "seen", type_=sa.DateTime(timezone=True), existing_type=sa.DateTime())'
    to_plain = '    op.alter_column("u", "seen", type_=sa.TIMESTAMP(), existing_type=sa.TIMESTAMP(timezone=True))'
    sql_to_plain = '    op.execute("ALTER TABLE u ALTER COLUMN seen TYPE timestamp")'
    sql_down = '    op.execute("ALTER TABLE u ALTER COLUMN seen TYPE timestamptz")'
    for found in (
        alembic(to_tz, dialect="postgresql", dialect_version="11"),
        alembic(to_plain, dialect="postgresql", dialect_version="11"),
        alembic(sql_to_plain, sql_down, dialect="postgresql", dialect_version="11"),
    ):
        assert len(of(found, "MRT418")) == 1
    assert "TIMESTAMP to TIMESTAMPTZ" in of(alembic(to_tz, dialect_version="11"), "MRT418")[0].message


def test_MRT418_negative_time_zone_flip_in_place_from_postgresql_12_in_every_form():
    sql_down = '    op.execute("ALTER TABLE u ALTER COLUMN seen TYPE timestamptz")'
    for upgrade, downgrade in (
        (
            '    op.alter_column("u", "seen", type_=sa.TIMESTAMP(timezone=True), existing_type=sa.DateTime())',
            "    pass\n",
        ),
        (
            '    op.alter_column("u", "seen", type_=sa.DateTime(), existing_type=sa.DateTime(timezone=True))',
            "    pass\n",
        ),
        ('    op.execute("ALTER TABLE u ALTER COLUMN seen TYPE timestamp")', sql_down),
    ):
        assert of(alembic(upgrade, downgrade, dialect="postgresql", dialect_version="12"), "MRT418") == []


# -- MRT419 -------------------------------------------------------------------------------------------------------


def test_MRT419_identity_and_stored_generated_columns():
    found = alembic(
        '    op.add_column("orders", sa.Column("seq", sa.Integer, sa.Identity()))\n'
        '    op.execute("ALTER TABLE orders ADD COLUMN cents int GENERATED ALWAYS AS (total * 100) STORED")\n'
        '    op.execute("ALTER TABLE orders ADD COLUMN n bigserial")'
    )
    assert len(of(found, "MRT419")) == 3


def test_MRT419_negative_virtual_generated_column_or_new_table():
    found = alembic(
        '    op.add_column("orders", sa.Column("cents", sa.Integer, sa.Computed("total * 100", persisted=False)))\n'
        '    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.add_column("t", sa.Column("seq", sa.Integer, sa.Identity()))'
    )
    assert of(found, "MRT419") == []


# -- MRT420 (opt-in) --------------------------------------------------------------------------------------------------


def test_MRT420_ddl_without_lock_timeout_when_selected():
    found = alembic(
        '    op.add_column("users", sa.Column("phone", sa.String(20)))\n'
        '    op.add_column("users", sa.Column("fax", sa.String(20)))',
        extend_select=["MRT420"],
    )
    hits = of(found, "MRT420")
    assert len(hits) == 1 and "ACCESS EXCLUSIVE" in hits[0].message and hits[0].line == 9


def test_MRT420_negative_lock_timeout_set_first_or_not_selected():
    with_timeout = alembic(
        '    op.execute("SET lock_timeout = \'5s\'")\n    op.add_column("users", sa.Column("phone", sa.String(20)))',
        extend_select=["MRT420"],
    )
    default = alembic('    op.add_column("users", sa.Column("phone", sa.String(20)))')
    assert of(with_timeout, "MRT420") == of(default, "MRT420") == []


# -- MRT806 (opt-in) --------------------------------------------------------------------------------------------------


def test_MRT806_lock_timeout_alone_does_not_bound_how_long_the_lock_is_held():
    found = alembic(
        '    op.execute("SET lock_timeout = \'5s\'")\n    op.create_check_constraint("ck_age", "users", "age >= 0")',
        extend_select=["MRT806"],
    )
    hits = of(found, "MRT806")
    assert len(hits) == 1 and "statement_timeout" in hits[0].message and hits[0].line == 10


def test_MRT806_negative_statement_timeout_set_first_on_mysql_or_not_selected():
    with_timeout = alembic(
        '    op.execute("SET LOCAL statement_timeout = \'15s\'")\n    op.add_column("users", sa.Column("x", sa.Integer))',
        extend_select=["MRT806"],
    )
    mysql = alembic('    op.add_column("users", sa.Column("x", sa.Integer))', extend_select=["MRT806"], dialect="mysql")
    default = alembic('    op.add_column("users", sa.Column("x", sa.Integer))')
    assert of(with_timeout, "MRT806") == of(mysql, "MRT806") == of(default, "MRT806") == []


# -- MRT421 -------------------------------------------------------------------------------------------------------


def test_MRT421_backfill_while_the_alter_lock_is_held():
    found = alembic(
        '    op.add_column("users", sa.Column("plan", sa.String(20), nullable=True))\n'
        "    op.execute(\"UPDATE users SET plan = 'free'\")"
    )
    hits = of(found, "MRT421")
    assert len(hits) == 1 and hits[0].line == 10 and "line 9" in hits[0].message


def test_MRT421_django_run_python_after_add_field_in_atomic_migration():
    body = """    operations = [
        migrations.AddField("user", "plan", models.CharField(max_length=20, null=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
"""
    assert len(of(django(body), "MRT421")) == 1


def test_MRT421_negative_backfill_in_autocommit_block_or_non_atomic():
    alembic_ok = alembic(
        '    op.add_column("users", sa.Column("plan", sa.String(20), nullable=True))\n'
        "    with op.get_context().autocommit_block():\n"
        "        op.execute(\"UPDATE users SET plan = 'free'\")"
    )
    body = """    atomic = False
    operations = [
        migrations.AddField("user", "plan", models.CharField(max_length=20, null=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
"""
    assert of(alembic_ok, "MRT421") == of(django(body), "MRT421") == []


def test_MRT421_index_build_while_another_table_is_exclusively_locked():
    found = alembic(
        '    op.add_column("users", sa.Column("plan", sa.String(20), nullable=True))\n'
        '    op.create_index("ix_orders_user", "orders", ["user_id"])'
    )
    hits = of(found, "MRT421")
    assert len(hits) == 1 and hits[0].table == "orders" and "ACCESS EXCLUSIVE lock on 'users'" in hits[0].message


def test_MRT421_negative_two_index_builds_hold_only_share_locks():
    found = alembic(
        '    op.create_index("ix_users_plan", "users", ["plan"])\n    op.create_index("ix_orders_user", "orders", ["user_id"])'
    )
    assert of(found, "MRT421") == []


def test_MRT421_negative_django_alter_field_takes_no_known_lock():
    body = """    operations = [
        migrations.AlterField("user", "plan", models.CharField(max_length=20, help_text="Plan")),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
"""
    assert of(django(body), "MRT421") == []


# -- MRT436 (opt-in) ---------------------------------------------------------------------------------------------------

SECOND_TABLE = {"extend_select": ["MRT436"]}


def test_MRT436_cheap_alter_of_another_table_after_an_access_exclusive_lock():
    found = of(
        alembic(
            '    op.alter_column("orders", "note", type_=sa.Text(), existing_type=sa.String(200))\n'
            '    op.add_column("invoices", sa.Column("note", sa.Text()))',
            **SECOND_TABLE,
        ),
        "MRT436",
    )
    body = """    operations = [
        migrations.RemoveField("order", "legacy_code"),
        migrations.AddField("invoice", "note", models.TextField(null=True)),
    ]
"""
    in_django = of(django(body, **SECOND_TABLE), "MRT436")
    assert len(found) == 1 and "'invoices'" in found[0].message and "'orders' (line" in found[0].message
    assert [f.table for f in in_django] == ["shop_invoice"]


def test_MRT436_negative_same_table_new_table_autocommit_index_build_or_not_opted_in():
    same_table = alembic(
        '    op.add_column("orders", sa.Column("a", sa.Integer))\n    op.add_column("orders", sa.Column("b", sa.Integer))',
        **SECOND_TABLE,
    )
    new_table = alembic(
        '    op.add_column("orders", sa.Column("a", sa.Integer))\n'
        '    op.create_table("notes", sa.Column("id", sa.Integer))\n'
        '    op.add_column("notes", sa.Column("b", sa.Integer))',
        **SECOND_TABLE,
    )
    separate = alembic(
        '    op.add_column("orders", sa.Column("a", sa.Integer))\n'
        "    with op.get_context().autocommit_block():\n"
        '        op.add_column("invoices", sa.Column("b", sa.Integer))',
        **SECOND_TABLE,
    )
    index_build = alembic(  # a scan under the first lock: MRT421's
        '    op.add_column("orders", sa.Column("a", sa.Integer))\n    op.create_index("ix_invoices_b", "invoices", ["b"])',
        **SECOND_TABLE,
    )
    default = alembic(
        '    op.add_column("orders", sa.Column("a", sa.Integer))\n    op.add_column("invoices", sa.Column("b", sa.Integer))'
    )
    assert of(index_build, "MRT421") != []
    for findings in (same_table, new_table, separate, index_build, default):
        assert of(findings, "MRT436") == []


# -- MRT437 (opt-in) ---------------------------------------------------------------------------------------------------

BATCHES = {"extend_select": ["MRT437"]}
RUNPYTHON = """from django.db import migrations


def fill_plan(apps, schema_editor):
    User = apps.get_model("shop", "User")
{body}


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_previous")]
    atomic = False
    operations = [migrations.RunPython(fill_plan, migrations.RunPython.noop)]
"""


def test_MRT437_whole_table_update_or_delete_in_its_own_migration():
    sql = of(alembic("    op.execute(\"UPDATE users SET plan = 'free'\")", **BATCHES), "MRT437")
    run_sql = of(
        django('    operations = [migrations.RunSQL("DELETE FROM shop_log", migrations.RunSQL.noop)]\n', **BATCHES),
        "MRT437",
    )
    queryset = of(
        lint(RUNPYTHON.format(body='    User.objects.all().update(plan="free")'), DJANGO, **BATCHES), "MRT437"
    )
    assert len(sql) == 1 and "'users'" in sql[0].message and "batches of primary-key ranges" in sql[0].message
    assert "DELETE without WHERE deletes every row of 'shop_log'" in run_sql[0].message
    assert len(queryset) == 1 and "fill_plan()" in queryset[0].message and "pk__in" in queryset[0].message
    assert queryset[0].line == 6
    null_idiom = alembic("    op.execute(\"UPDATE users SET plan = 'free' WHERE plan IS NULL\")", **BATCHES)
    isnull = lint(
        RUNPYTHON.format(body='    User.objects.filter(plan__isnull=True).update(plan="free")'), DJANGO, **BATCHES
    )
    assert "whose WHERE only tests for NULL changes every matching row" in of(null_idiom, "MRT437")[0].message
    assert len(of(isnull, "MRT437")) == 1


def test_MRT437_message_does_not_misquote_an_is_not_null_condition():
    # Copying a value over from the row a foreign key points at: `order_id` is never NULL, so the statement
    # still changes every row. The message describes the condition without quoting it as `IS NULL`.
    copy = alembic(
        '    op.execute("UPDATE shop_line SET order_token = (SELECT token FROM shop_order WHERE shop_order.id = '
        'shop_line.order_id) WHERE order_id IS NOT NULL")',
        **BATCHES,
    )
    [finding] = of(copy, "MRT437")
    assert "IS NULL" not in finding.message and "only tests for NULL" in finding.message


def test_MRT437_negative_where_clause_filtered_queryset_new_table_sqlite_or_not_opted_in():
    where = alembic("    op.execute(\"UPDATE users SET plan = 'free' WHERE id < 1000\")", **BATCHES)
    new_table = alembic(
        '    op.create_table("plans", sa.Column("id", sa.Integer))\n    op.execute("UPDATE plans SET id = 1")',
        **BATCHES,
    )
    sqlite = alembic("    op.execute(\"UPDATE users SET plan = 'free'\")", dialect="sqlite", **BATCHES)
    default = alembic("    op.execute(\"UPDATE users SET plan = 'free'\")")
    filtered = lint(
        RUNPYTHON.format(body='    User.objects.filter(pk__in=[1, 2]).update(plan="free")'), DJANGO, **BATCHES
    )
    for findings in (where, new_table, sqlite, default, filtered):
        assert of(findings, "MRT437") == []


# -- MRT422 / MRT423 / MRT424 ---------------------------------------------------------------------------------------


def test_MRT422_vacuum_full_and_cluster():
    found = alembic('    op.execute("VACUUM FULL events")\n    op.execute("CLUSTER events USING ix_events_created")')
    assert len(of(found, "MRT422")) == 2


def test_MRT422_negative_plain_vacuum():
    assert of(alembic('    op.execute("VACUUM ANALYZE events")'), "MRT422") == []


def test_MRT423_mysql_algorithm_copy_parsed_with_sqlglot():
    found = alembic('    op.execute("ALTER TABLE orders MODIFY status VARCHAR(40), ALGORITHM=COPY, LOCK=SHARED")')
    hits = of(found, "MRT423")
    assert len(hits) == 1 and hits[0].table == "orders" and "ALGORITHM=COPY" in hits[0].message


def test_MRT423_mysql_enum_reorder():
    found = alembic(
        '    op.alter_column("orders", "state", type_=sa.Enum("new", "paid", "sent"), '
        'existing_type=sa.Enum("new", "sent"))',
        dialect="mysql",
    )
    assert len(of(found, "MRT423")) == 1


def test_MRT423_negative_inplace_and_appended_enum_value():
    found = alembic(
        '    op.execute("ALTER TABLE orders ADD COLUMN note TEXT, ALGORITHM=INPLACE, LOCK=NONE")\n'
        '    op.alter_column("orders", "state", type_=sa.Enum("new", "sent", "paid"), '
        'existing_type=sa.Enum("new", "sent"))',
        dialect="mysql",
    )
    assert of(found, "MRT423") == []


def test_MRT424_json_column_on_postgresql():
    found = alembic('    op.add_column("events", sa.Column("payload", sa.JSON()))', dialect="postgresql")
    hits = of(found, "MRT424")
    assert len(hits) == 1 and hits[0].message.startswith("events.payload uses json")


def test_MRT424_negative_jsonb_unknown_engine_or_project_json_type():
    jsonb = alembic('    op.add_column("events", sa.Column("payload", postgresql.JSONB()))', dialect="postgresql")
    unknown = alembic('    op.add_column("events", sa.Column("payload", sa.JSON()))')
    custom = alembic('    op.add_column("events", sa.Column("payload", app.types.JSON()))', dialect="postgresql")
    assert of(jsonb, "MRT424") == of(unknown, "MRT424") == of(custom, "MRT424") == []


# -- one finding per statement ------------------------------------------------------------------------------------


def test_several_statements_in_one_execute_are_one_finding_per_rule():
    found = alembic(
        "    op.execute('''\n"
        "        ALTER TABLE a ALTER COLUMN x TYPE jsonb;\n"
        "        ALTER TABLE b ALTER COLUMN y TYPE jsonb;\n"
        "    ''')",
        "    op.execute('''\n"
        "        ALTER TABLE a ALTER COLUMN x TYPE json;\n"
        "        ALTER TABLE b ALTER COLUMN y TYPE json;\n"
        "    ''')",
    )
    hits = of(found, "MRT418")
    assert len(hits) == 1 and hits[0].message.endswith("(+1 more in the same statement)")


# -- MRT425 / domains -----------------------------------------------------------------------------------------------


def test_MRT425_concurrent_index_in_autocommit_block_without_if_not_exists():
    found = alembic(
        "    with op.get_context().autocommit_block():\n"
        '        op.create_index("ix_o", "orders", ["user_id"], postgresql_concurrently=True)\n'
        '        op.execute("DROP INDEX CONCURRENTLY ix_old")'
    )
    hits = of(found, "MRT425")
    assert len(hits) == 2 and "IF NOT EXISTS" in hits[0].message and "IF EXISTS" in hits[1].message


def test_MRT425_negative_guarded_steps_and_django_add_index_concurrently():
    guarded = alembic(
        "    with op.get_context().autocommit_block():\n"
        '        op.create_index("ix_o", "orders", ["user_id"], postgresql_concurrently=True, if_not_exists=True)\n'
        '        op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_p ON orders (paid)")\n'
        '        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_old")'
    )
    body = (
        "    atomic = False\n"
        '    operations = [AddIndexConcurrently("order", models.Index(fields=["user"], name="ix_order_user"))]\n'
    )
    assert of(guarded, "MRT425") == of(django(body), "MRT425") == []


def test_MRT416_domain_constraint_without_not_valid():
    found = alembic('    op.execute("ALTER DOMAIN positive_int ADD CONSTRAINT pos CHECK (VALUE > 0)")')
    hits = of(found, "MRT416")
    assert len(hits) == 1 and "ALTER DOMAIN" in hits[0].message


def test_MRT416_negative_domain_constraint_not_valid_or_dropped():
    found = alembic(
        '    op.execute("ALTER DOMAIN positive_int ADD CONSTRAINT pos CHECK (VALUE > 0) NOT VALID")\n'
        '    op.execute("ALTER DOMAIN positive_int DROP CONSTRAINT old")'
    )
    assert of(found, "MRT416") == []


def test_MRT426_plain_alembic_name_over_63_bytes_fails_in_sqlalchemy():
    name = "ix_organization_membership_invitations_accepted_by_user_id_created_at"
    found = of(alembic(f'    op.create_index("{name}", "invites", ["accepted_by_user_id", "created_at"])'), "MRT426")
    assert len(found) == 1 and f"{len(name)} bytes" in found[0].message and "IdentifierError" in found[0].message


def test_MRT426_raw_sql_name_is_truncated():
    name = "uq_" + "x" * 70
    found = of(alembic(f'    op.execute("ALTER TABLE t ADD CONSTRAINT {name} UNIQUE (a)")'), "MRT426")
    assert len(found) == 1 and "silently truncates" in found[0].message


def test_MRT426_negative_op_f_63_bytes_or_sqlite():
    long_name = "ix_" + "y" * 70
    wrapped = alembic(f'    op.create_index(op.f("{long_name}"), "invites", ["a"])')
    short = alembic(f'    op.create_index("{"x" * 63}", "invites", ["a"])')
    sqlite = alembic(f'    op.create_index("{long_name}", "invites", ["a"])', dialect="sqlite")
    assert of(wrapped, "MRT426") == of(short, "MRT426") == of(sqlite, "MRT426") == []
