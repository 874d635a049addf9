"""MRT427: a foreign key without an index on the referencing side. It reads the whole history, so these tests
write small migration directories and check them the way `mrt check migrations/` does."""

import textwrap

from inline import DJANGO_HEADER_TEMPLATE, HEADER_TEMPLATE

from mrt import MRTConfig, analyze_paths


def alembic(revision, upgrade, parent=None):
    header = HEADER_TEMPLATE.format(revision=revision, parent=repr(parent))
    return textwrap.dedent(header) + "\n\ndef upgrade():\n" + upgrade + "\n\n\ndef downgrade():\n    pass\n"


def django(body, dependencies="[]"):
    return textwrap.dedent(DJANGO_HEADER_TEMPLATE.format(dependencies=dependencies)) + body


def check(directory, files, **settings):
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return [f for f in analyze_paths([str(directory)], MRTConfig(**settings)) if f.code == "MRT427"]


def test_MRT427_alembic_column_with_a_foreign_key_and_no_index(tmp_path):
    upgrade = '    op.add_column("orders", sa.Column("coupon_id", sa.Integer(), sa.ForeignKey("coupons.id")))'
    found = check(tmp_path / "versions", {"a1_coupon.py": alembic("a1", upgrade)})
    assert len(found) == 1
    assert (found[0].table, found[0].column_name) == ("orders", "coupon_id")
    assert "no index on the referencing side" in found[0].message


def test_MRT427_create_foreign_key_and_raw_sql_references(tmp_path):
    upgrade = (
        '    op.add_column("orders", sa.Column("coupon_id", sa.Integer()))\n'
        '    op.create_foreign_key("fk_orders_coupon", "orders", "coupons", ["coupon_id"], ["id"])\n'
        '    op.execute("CREATE TABLE notes (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id))")'
    )
    found = check(tmp_path / "versions", {"a1_coupon.py": alembic("a1", upgrade)})
    assert sorted((f.table, f.column_name) for f in found) == [("notes", "order_id"), ("orders", "coupon_id")]


def test_MRT427_composite_index_that_does_not_lead_with_the_key(tmp_path):
    upgrade = (
        '    op.create_table("items", sa.Column("id", sa.BigInteger(), primary_key=True),\n'
        '                    sa.Column("order_id", sa.BigInteger()), sa.Column("sku", sa.Text()),\n'
        '                    sa.ForeignKeyConstraint(["order_id"], ["orders.id"]))\n'
        '    op.create_index("ix_items_sku_order", "items", ["sku", "order_id"])'
    )
    assert len(check(tmp_path / "versions", {"a1_items.py": alembic("a1", upgrade)})) == 1


def test_MRT427_django_foreign_key_with_db_index_false(tmp_path):
    body = (
        "    operations = [\n"
        '        migrations.AddField("order", "coupon", models.ForeignKey("shop.Coupon", models.CASCADE, db_index=False)),\n'
        "    ]\n"
    )
    found = check(tmp_path / "shop" / "migrations", {"0002_order_coupon.py": django(body)})
    assert [(f.table, f.column_name) for f in found] == [("shop_order", "coupon_id")]


def test_MRT427_negative_index_in_the_same_migration_or_a_composite_that_leads_with_the_key(tmp_path):
    upgrade = (
        '    op.add_column("orders", sa.Column("coupon_id", sa.Integer(), sa.ForeignKey("coupons.id")))\n'
        '    op.create_index("ix_orders_coupon_created", "orders", ["coupon_id", "created_at"])\n'
        '    op.add_column("orders", sa.Column("shop_id", sa.Integer(), sa.ForeignKey("shops.id"), index=True))\n'
        '    op.create_table("links", sa.Column("a_id", sa.Integer(), sa.ForeignKey("a.id")),\n'
        '                    sa.Column("b_id", sa.Integer(), sa.ForeignKey("b.id")), sa.PrimaryKeyConstraint("a_id", "b_id"))\n'
        '    op.create_index("ix_links_b", "links", ["b_id"])'
    )
    assert check(tmp_path / "versions", {"a1_coupon.py": alembic("a1", upgrade)}) == []


def test_MRT427_negative_index_built_concurrently_by_the_next_migration(tmp_path):
    """The safe way on a big table: the key in one migration, its index CONCURRENTLY in the next one."""
    add_key = (
        "    operations = [\n"
        '        migrations.AddField("order", "coupon", models.ForeignKey("shop.Coupon", models.CASCADE, db_index=False)),\n'
        "    ]\n"
    )
    add_index = (
        "    atomic = False\n"
        "    operations = [\n"
        '        AddIndexConcurrently("order", models.Index(fields=["coupon"], name="order_coupon_idx")),\n'
        "    ]\n"
    )
    found = check(
        tmp_path / "shop" / "migrations",
        {
            "0002_order_coupon.py": django(add_key),
            "0003_order_coupon_index.py": django(add_index, '[("shop", "0002_order_coupon")]'),
        },
    )
    assert found == []
    later = alembic(
        "a2", '    op.create_index("ix_orders_coupon", "orders", ["coupon_id"], postgresql_concurrently=True)', "a1"
    )
    first = alembic(
        "a1", '    op.add_column("orders", sa.Column("coupon_id", sa.Integer(), sa.ForeignKey("coupons.id")))'
    )
    assert check(tmp_path / "versions", {"a1_coupon.py": first, "a2_index.py": later}) == []


def test_MRT427_negative_django_default_index_mysql_and_existing_columns(tmp_path):
    body = (
        "    operations = [\n"
        '        migrations.AddField("order", "coupon", models.ForeignKey("shop.Coupon", models.CASCADE)),\n'
        '        migrations.AddField("order", "gift", models.OneToOneField("shop.Gift", models.CASCADE, db_index=False)),\n'
        "    ]\n"
    )
    assert check(tmp_path / "shop" / "migrations", {"0002_order_coupon.py": django(body)}) == []
    fk = '    op.add_column("orders", sa.Column("coupon_id", sa.Integer(), sa.ForeignKey("coupons.id")))'
    assert check(tmp_path / "mysql", {"a1_coupon.py": alembic("a1", fk)}, dialect="mysql") == []
    existing = '    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])'
    assert check(tmp_path / "old", {"a1_fk.py": alembic("a1", existing)}) == []


def test_MRT427_negative_index_declared_in_a_way_the_model_cannot_read(tmp_path):
    body = (
        "    operations = [\n"
        '        migrations.CreateModel("Line", [\n'
        '            ("id", models.BigAutoField(primary_key=True)),\n'
        '            ("order", models.ForeignKey("shop.Order", models.CASCADE, db_index=False)),\n'
        '        ], options={"indexes": [models.Index(fields=["order"], name="line_order_idx")]}),\n'
        "    ]\n"
    )
    assert check(tmp_path / "shop" / "migrations", {"0002_line.py": django(body)}) == []


def test_MRT427_raw_sql_table_level_keys(tmp_path):
    upgrade = (
        '    op.execute("CREATE TABLE lines (order_id bigint, n int, shop_id bigint, PRIMARY KEY (order_id, n), "\n'
        '               "FOREIGN KEY (order_id) REFERENCES orders (id), FOREIGN KEY (shop_id) REFERENCES shops (id))")\n'
        '    op.execute("ALTER TABLE lines ADD COLUMN user_id bigint, ADD CONSTRAINT fk_u FOREIGN KEY (user_id) "\n'
        '               "REFERENCES users (id)")'
    )
    found = check(tmp_path / "versions", {"a1_lines.py": alembic("a1", upgrade)})
    assert sorted(f.column_name for f in found) == ["shop_id", "user_id"]  # order_id leads the primary key


FOREIGN_KEY = '    op.add_column("orders", sa.Column("coupon_id", sa.Integer(), sa.ForeignKey("coupons.id")))'
INDEX = '    op.create_index("ix_orders_coupon_id", "orders", ["coupon_id"])'


def test_MRT427_an_index_in_an_unlinked_tree_builds_another_database(tmp_path):
    # Prefect keeps one revision tree per engine: the SQLite tree's index does not cover the PostgreSQL key
    (tmp_path / "versions" / "postgresql").mkdir(parents=True)
    check(tmp_path / "versions" / "sqlite", {"s1_index.py": alembic("s1", INDEX)})
    found = check(tmp_path / "versions", {"postgresql/p1_coupon.py": alembic("p1", FOREIGN_KEY)})
    assert [(f.file.rsplit("/", 1)[-1], f.column_name) for f in found] == [("p1_coupon.py", "coupon_id")]


def test_MRT427_negative_an_index_in_an_unlinked_tree_of_the_same_directory(tmp_path):
    # two bases in one versions directory: `alembic upgrade heads` builds both on one database
    files = {"a1_coupon.py": alembic("a1", FOREIGN_KEY), "b1_index.py": alembic("b1", INDEX)}
    assert check(tmp_path / "versions", files) == []


def test_MRT427_negative_an_index_later_in_the_same_history(tmp_path):
    files = {"a1_coupon.py": alembic("a1", FOREIGN_KEY), "a2_index.py": alembic("a2", INDEX, parent="a1")}
    assert check(tmp_path / "versions", files) == []
