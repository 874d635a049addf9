"""MRT3xx: a downgrade that does not undo what the upgrade did."""

import pytest
from inline import HEADER, codes

from mrt.rules.asymmetry import narrowing

LINT_FAMILIES = ("reversibility", "data_loss", "asymmetry", "leftovers", "squash", "parsing")


def test_MRT301_rename_table_not_reversed(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.rename_table("customer", "client")

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT301"]


def test_MRT301_negative_keyword_arguments_reversed(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.rename_table(old_table_name="customer", new_table_name="client")

def downgrade():
    op.rename_table(old_table_name="client", new_table_name="customer")
"""
    )
    assert codes(found) == []


def test_MRT302_rename_column_not_reversed(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("name", new_column_name="full_name")

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT302"]
    assert (found[0].table, found[0].column_name) == ("users", "name")


def test_MRT302_negative_reversed_in_batch(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("name", new_column_name="full_name")

def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("full_name", new_column_name="name")
"""
    )
    assert codes(found) == []


def test_MRT303_narrowing_varchar(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.alter_column("users", "bio", type_=sa.String(50), existing_type=sa.String(255))

def downgrade():
    op.alter_column("users", "bio", type_=sa.String(255), existing_type=sa.String(50))
"""
    )
    assert codes(found) == ["MRT303"]
    assert "255 to 50" in found[0].message


def test_MRT303_negative_widening(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.alter_column("users", "bio", type_=sa.String(500), existing_type=sa.String(255))
    op.alter_column("users", "visits", type_=sa.BigInteger(), existing_type=sa.Integer())
    op.alter_column("users", "notes", type_=sa.Text(), existing_type=sa.String(255))

def downgrade():
    op.alter_column("users", "bio", type_=sa.String(255))
    op.alter_column("users", "visits", type_=sa.Integer())
    op.alter_column("users", "notes", type_=sa.String(255))
"""
    )
    assert codes(found) == []


def test_MRT303_old_type_read_from_the_downgrade(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.alter_column("orders", "total", type_=sa.Integer())

def downgrade():
    op.alter_column("orders", "total", type_=sa.Numeric(10, 2))
"""
    )
    assert codes(found) == ["MRT303"]


def test_MRT303_time_zone_dropped_on_postgresql(lint):
    """timestamptz to timestamp keeps a wall-clock time in the session's zone and forgets which instant it was."""
    found = lint(
        HEADER
        + """
def upgrade():
    op.alter_column("orders", "paid_at", type_=sa.DateTime(), existing_type=sa.DateTime(timezone=True))
    op.execute("ALTER TABLE orders ALTER COLUMN shipped_at TYPE timestamp")

def downgrade():
    op.execute("ALTER TABLE orders ALTER COLUMN shipped_at TYPE timestamptz")
    op.alter_column("orders", "paid_at", type_=sa.DateTime(timezone=True), existing_type=sa.DateTime())
""",
        dialect="postgresql",
    )
    assert codes(found) == ["MRT303", "MRT303"]
    assert "drops the time zone" in found[0].message


def test_MRT303_negative_time_zone_added_or_on_mysql(lint):
    """timestamp to timestamptz keeps every value; on MySQL `timezone=True` changes nothing (both are DATETIME)."""
    added = """
def upgrade():
    op.alter_column("orders", "paid_at", type_=sa.DateTime(timezone=True), existing_type=sa.DateTime())

def downgrade():
    op.alter_column("orders", "paid_at", type_=sa.DateTime(), existing_type=sa.DateTime(timezone=True))
"""
    dropped = """
def upgrade():
    op.alter_column("orders", "paid_at", type_=sa.DateTime(), existing_type=sa.DateTime(timezone=True))

def downgrade():
    op.alter_column("orders", "paid_at", type_=sa.DateTime(timezone=True), existing_type=sa.DateTime())
"""
    assert codes(lint(HEADER + added, dialect="postgresql")) == []
    assert codes(lint(HEADER + dropped, dialect="mysql")) == []


@pytest.mark.parametrize(
    ("old", "new", "lossy"),
    [
        ({"name": "Text", "args": ()}, {"name": "String", "args": (40,)}, True),
        ({"name": "BigInteger", "args": ()}, {"name": "Integer", "args": ()}, True),
        ({"name": "Numeric", "args": (10, 4)}, {"name": "Numeric", "args": (10, 2)}, True),
        ({"name": "Float", "args": ()}, {"name": "Integer", "args": ()}, True),
        ({"name": "DateTime", "args": ()}, {"name": "Date", "args": ()}, True),
        ({"name": "DateTime", "args": (), "timezone": True}, {"name": "DateTime", "args": ()}, True),
        ({"name": "TIMESTAMP", "args": (True,)}, {"name": "timestamp", "args": ()}, True),
        ({"name": "DateTime", "args": ()}, {"name": "DateTime", "args": (), "timezone": True}, False),
        ({"name": "Numeric", "args": (10, 2)}, {"name": "Numeric", "args": (12, 2)}, False),
        ({"name": "String", "args": (20,)}, {"name": "Text", "args": ()}, False),
        ({"name": "SmallInteger", "args": ()}, {"name": "Integer", "args": ()}, False),
        ({"name": "MyCustomType", "args": ()}, {"name": "OtherType", "args": ()}, False),
    ],
)
def test_narrowing_knows_which_type_changes_lose_data(old, new, lossy):
    assert (narrowing(old, new) is not None) is lossy


def test_MRT304_enum_value_added(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("ALTER TYPE status ADD VALUE 'archived'")

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT304"]


def test_MRT304_negative_type_recreated_in_downgrade(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("ALTER TYPE status ADD VALUE 'archived'")

def downgrade():
    op.execute("ALTER TYPE status RENAME TO status_old")
    op.execute("CREATE TYPE status AS ENUM ('draft', 'published')")
    op.execute("ALTER TABLE posts ALTER COLUMN status TYPE status USING status::text::status")
    op.execute("DROP TYPE status_old")
"""
    )
    assert codes(found) == []


def test_MRT306_table_left_behind(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.create_table("audit_log", sa.Column("id", sa.Integer, primary_key=True))
    op.create_index("ix_audit_log_id", "audit_log", ["id"])

def downgrade():
    op.drop_index("ix_audit_log_id", table_name="audit_log")
"""
    )
    assert codes(found) == ["MRT306"]
    assert found[0].related and "downgrade() does not drop" in found[0].related[0].message


def test_MRT306_negative_table_dropped(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.create_table("audit_log", sa.Column("id", sa.Integer, primary_key=True))
    op.create_index("ix_audit_log_id", "audit_log", ["id"])

def downgrade():
    op.drop_table("audit_log")
"""
    )
    assert codes(found) == []


def test_MRT306_django_run_sql_with_incomplete_reverse(lint):
    found = lint(
        """
from django.db import migrations

class Migration(migrations.Migration):
    operations = [
        migrations.RunSQL(
            "CREATE TABLE shop_log (id int); CREATE INDEX ix_shop_log ON shop_log (id)",
            reverse_sql="DROP INDEX ix_shop_log",
        ),
    ]
""",
        path="shop/migrations/0004_log.py",
    )
    assert codes(found) == ["MRT306"]


def test_MRT307_column_left_behind(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.add_column("users", sa.Column("nickname", sa.String(40)))

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT307"]


def test_MRT307_negative_django_add_field_is_reversed_by_django(lint):
    found = lint(
        """
from django.db import migrations, models

class Migration(migrations.Migration):
    operations = [migrations.AddField("product", "nickname", models.CharField(max_length=40, null=True))]
""",
        path="shop/migrations/0004_nick.py",
    )
    assert codes(found) == []


def test_MRT308_index_left_behind(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.create_index("ix_users_email", "users", ["email"])

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT308"]


def test_MRT308_negative_index_on_new_table(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.create_table("sessions", sa.Column("id", sa.Integer, primary_key=True))
    op.create_index("ix_sessions_id", "sessions", ["id"])

def downgrade():
    op.drop_table("sessions")
"""
    )
    assert codes(found) == []


def test_MRT309_constraint_left_behind(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.create_unique_constraint("uq_users_nickname", ["nickname"])

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT309"]


def test_MRT309_negative_constraint_dropped(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.create_check_constraint("ck_users_age", "users", "age >= 0")

def downgrade():
    op.drop_constraint("ck_users_age", "users", type_="check")
"""
    )
    assert codes(found) == []


def test_MRT310_nullable_change_not_reverted(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.alter_column("users", "email", nullable=False, existing_type=sa.String(255))

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT310"]


def test_MRT310_negative_reverted(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.alter_column("users", "email", nullable=False, existing_type=sa.String(255))

def downgrade():
    op.alter_column("users", "email", nullable=True, existing_type=sa.String(255))
"""
    )
    assert codes(found) == []


def test_MRT307_negative_column_added_then_renamed_into_place(lint):
    # The new column takes the old one's place: the downgrade drops it under its final name.
    found = lint(
        HEADER
        + """
def upgrade():
    op.add_column("variable", sa.Column("json_value", sa.JSON(), nullable=True))
    op.execute("UPDATE variable SET json_value = to_json(value)")
    op.drop_column("variable", "value")
    op.alter_column("variable", "json_value", new_column_name="value")

def downgrade():
    op.add_column("variable", sa.Column("string_value", sa.String(), nullable=True))
    op.execute("UPDATE variable SET string_value = value::text")
    op.drop_column("variable", "value")
    op.alter_column("variable", "string_value", new_column_name="value")
""",
        select=["MRT307"],
    )
    assert codes(found) == []


def test_MRT307_column_added_to_tables_named_at_run_time(lint):
    # One column added to two tables in a loop, and dropped again by the downgrade's own loop.
    loop = """
    for table in ("project", "project_template"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.{step}
"""
    add = loop.format(step='add_column(sa.Column("padding", sa.Integer(), nullable=True))')
    dropped = lint(
        HEADER + "\ndef upgrade():" + add + "\ndef downgrade():" + loop.format(step='drop_column("padding")')
    )
    assert codes(dropped) == []
    kept = lint(HEADER + "\ndef upgrade():" + add + '\ndef downgrade():\n    op.execute("SELECT 1")\n')
    assert codes(kept) == ["MRT307"]
    assert kept[0].message.startswith("Column padding (of a table named at run time) is added")


def test_MRT310_columns_named_at_run_time(lint):
    # Every DATETIME column found in information_schema gets fractional seconds, and the downgrade runs the
    # same loop back: its columns are named at run time too, so it is taken as the reverse.
    loop = """
    conn = op.get_bind()
    for table_name, column_name in conn.execute("SELECT table_name, column_name FROM columns").fetchall():
        op.alter_column(table_name=table_name, column_name=column_name, type_=sa.DateTime(fsp={fsp}))
"""
    reverted = lint(HEADER + "\ndef upgrade():" + loop.format(fsp=6) + "\ndef downgrade():" + loop.format(fsp=0))
    assert codes(reverted) == []
    kept = lint(HEADER + "\ndef upgrade():" + loop.format(fsp=6) + '\ndef downgrade():\n    op.execute("SELECT 1")\n')
    assert codes(kept) == ["MRT310"]
    assert kept[0].message.startswith("A column named at run time: the type change")


# -- MRT311: schemas, extensions and policies ---------------------------------------------------------------


def _revision(upgrade: str, downgrade: str = 'op.execute("SELECT 1")') -> str:
    return HEADER + f"\ndef upgrade():\n    {upgrade}\n\ndef downgrade():\n    {downgrade}\n"


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("CREATE SCHEMA reporting", "Schema 'reporting'"),
        ("CREATE EXTENSION hstore", "Extension 'hstore'"),
        ("CREATE POLICY own_rows ON orders USING (owner = current_user)", "Policy 'own_rows' on 'orders'"),
    ],
)
def test_MRT311_object_created_by_the_upgrade_survives_the_downgrade(lint, statement, named):
    found = [f for f in lint(_revision(f'op.execute("{statement}")')) if f.code == "MRT311"]
    assert len(found) == 1 and found[0].message.startswith(named) and "drop it in the downgrade" in found[0].message


@pytest.mark.parametrize(
    ("statement", "drop"),
    [
        ("CREATE SCHEMA reporting", "DROP SCHEMA reporting"),
        ("CREATE EXTENSION hstore", "DROP EXTENSION IF EXISTS hstore"),
        ("CREATE POLICY own_rows ON orders USING (true)", "DROP POLICY own_rows ON orders"),
        ("CREATE POLICY own_rows ON orders USING (true)", "DROP TABLE orders"),
    ],
)
def test_MRT311_negative_dropped_by_the_downgrade(lint, statement, drop):
    assert "MRT311" not in codes(lint(_revision(f'op.execute("{statement}")', f'op.execute("{drop}")')))


def test_MRT311_negative_if_not_exists_only_makes_sure_the_object_is_there(lint):
    """An earlier migration may own the extension; dropping it on the way down would break that revision."""
    found = lint(_revision('op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")'))
    assert "MRT311" not in codes(found)


# -- MRT312: comments ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "upgrade",
    [
        'op.create_table_comment("orders", "One row per checkout")',
        'op.alter_column("orders", "total", comment="In cents", existing_type=sa.Integer())',
        "op.execute(\"COMMENT ON COLUMN orders.total IS 'In cents'\")",
    ],
)
def test_MRT312_comment_not_restored_by_the_downgrade(lint, upgrade):
    assert codes(lint(_revision(upgrade))) == ["MRT312"]


@pytest.mark.parametrize(
    ("upgrade", "downgrade"),
    [
        (
            'op.create_table_comment("orders", "One row per checkout")',
            'op.drop_table_comment("orders", existing_comment="One row per checkout")',
        ),
        (
            'op.alter_column("orders", "total", comment="In cents", existing_type=sa.Integer())',
            'op.alter_column("orders", "total", comment=None, existing_comment="In cents")',
        ),
        ("op.execute(\"COMMENT ON COLUMN orders.total IS 'In cents'\")", 'op.drop_column("orders", "total")'),
    ],
)
def test_MRT312_negative_comment_restored_or_its_column_dropped(lint, upgrade, downgrade):
    assert "MRT312" not in codes(lint(_revision(upgrade, downgrade)))


def test_MRT312_negative_comment_on_a_column_the_migration_adds(lint):
    found = lint(
        _revision(
            'op.add_column("orders", sa.Column("total", sa.Integer))\n'
            '    op.alter_column("orders", "total", comment="In cents")',
            'op.drop_column("orders", "total")',
        )
    )
    assert codes(found) == []


# -- MRT313: a foreign key the downgrade re-creates validated -------------------------------------------------------


def test_MRT313_dropped_foreign_key_re_created_validated_by_the_downgrade(lint):
    """Orphans written while the key was gone make the re-creation, and so the rollback, fail."""
    found = lint(
        _revision(
            'op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")',
            'op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])',
        )
    )
    hits = [f for f in found if f.code == "MRT313"]
    assert len(hits) == 1 and "postgresql_not_valid=True" in hits[0].message
    assert hits[0].related[0].message == "re-created here"


def test_MRT313_on_mysql_the_recipe_is_to_clean_the_orphans_first(lint):
    found = lint(
        _revision(
            'op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")',
            'op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])',
        ),
        dialect="mysql",
    )
    hits = [f for f in found if f.code == "MRT313"]
    assert len(hits) == 1 and "MySQL has no NOT VALID" in hits[0].message


@pytest.mark.parametrize(
    ("upgrade", "downgrade"),
    [
        (  # re-created NOT VALID
            'op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")',
            'op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)',
        ),
        (  # autogenerate changing ON DELETE: the key is back before any row is written
            'op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")\n'
            '    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="CASCADE")',
            'op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")\n'
            '    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])',
        ),
        (  # the orphans are cleaned first
            'op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")',
            'op.execute("DELETE FROM orders WHERE user_id NOT IN (SELECT id FROM users)")\n'
            '    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])',
        ),
        (  # the key's column goes too: the downgrade re-adds it empty
            'op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")\n    op.drop_column("orders", "user_id")',
            'op.add_column("orders", sa.Column("user_id", sa.Integer))\n'
            '    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])',
        ),
    ],
)
def test_MRT313_negative_no_window_for_orphans_or_not_validated(lint, upgrade, downgrade):
    assert "MRT313" not in codes(lint(_revision(upgrade, downgrade)))


def test_MRT313_negative_foreign_key_not_re_created_is_MRT205(lint):
    found = codes(lint(_revision('op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")')))
    assert "MRT205" in found and "MRT313" not in found


# -- MRT314 (opt-in): a rollback drops what the upgrade added -------------------------------------------------------


def test_MRT314_downgrade_drops_a_column_the_upgrade_added(lint):
    found = lint(
        _revision(
            'op.add_column("orders", sa.Column("gift_note", sa.Text()))', 'op.drop_column("orders", "gift_note")'
        ),
        extend_select=["MRT314"],
    )
    hits = [f for f in found if f.code == "MRT314"]
    assert len(hits) == 1 and hits[0].line == 12
    assert hits[0].message.startswith("A rollback drops column orders.gift_note, added by this upgrade")
    assert "rename instead of drop" in hits[0].message


def test_MRT314_django_reverses_add_field_and_create_model_itself_one_finding_per_migration(lint):
    source = (
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0002_previous")]\n'
        "    operations = [\n"
        '        migrations.AddField("order", "gift_note", models.TextField(null=True)),\n'
        '        migrations.CreateModel("Gift", [("id", models.AutoField(primary_key=True))]),\n'
        '        migrations.AddField("order", "tags", models.ManyToManyField("shop.Tag")),\n'
        "    ]\n"
    )
    hits = [
        f for f in lint(source, path="shop/migrations/0003_gift.py", extend_select=["MRT314"]) if f.code == "MRT314"
    ]
    assert len(hits) == 1 and "column shop_order.gift_note, table shop_gift, added" in hits[0].message


def test_MRT314_negative_downgrade_drops_what_the_upgrade_did_not_add_and_default_selection(lint):
    """Dropping an older column in the downgrade destroys older data: not this rule's (nearest look-alike)."""
    older = lint(
        _revision('op.drop_column("orders", "legacy")', 'op.drop_column("orders", "other")'), extend_select=["MRT314"]
    )
    default = lint(
        _revision('op.add_column("orders", sa.Column("gift_note", sa.Text()))', 'op.drop_column("orders", "gift_note")')
    )
    assert "MRT314" not in codes(older) + codes(default)
