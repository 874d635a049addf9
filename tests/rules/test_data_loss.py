"""MRT2xx (+ MRT408/409): what the upgrade destroys, which no rollback brings back."""

from inline import DJANGO, HEADER, codes

LINT_FAMILIES = ("reversibility", "data_loss", "asymmetry", "leftovers", "squash", "parsing")


def test_MRT201_drop_column_in_batch_is_reported_once_with_table_and_column(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("phone")

def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(20), nullable=True))
"""
    )
    assert codes(found) == ["MRT201"]
    assert (found[0].table, found[0].column_name, found[0].line) == ("users", "phone", 10)
    assert "users.phone" in found[0].message


def test_MRT201_raw_sql_and_django_remove_field_are_the_same_rule(lint):
    sql = lint(
        HEADER
        + """
def upgrade():
    op.execute("ALTER TABLE users DROP COLUMN phone")

def downgrade():
    op.execute("ALTER TABLE users ADD COLUMN phone varchar(20)")
"""
    )
    django = lint(
        """
from django.db import migrations

class Migration(migrations.Migration):
    operations = [migrations.RemoveField(model_name="product", name="legacy_code")]
""",
        path=DJANGO,
    )
    assert codes(sql) == ["MRT201"] and sql[0].table == "users"
    assert codes(django) == ["MRT201"] and django[0].table == "shop_product" and django[0].column_name == "legacy_code"


def test_MRT201_negative_column_added_in_the_same_migration(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.create_table("tmp_import", sa.Column("id", sa.Integer, primary_key=True), sa.Column("raw", sa.Text))
    op.drop_column("tmp_import", "raw")

def downgrade():
    op.drop_table("tmp_import")
"""
    )
    assert codes(found) == []


def test_MRT201_pytest_mrt_codes_still_suppress(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("fax")  # noqa: MRT206
    op.drop_column("users", "pager")  # noqa: MRT201

def downgrade():
    op.add_column("users", sa.Column("fax", sa.String))
    op.add_column("users", sa.Column("pager", sa.String))
"""
    )
    assert codes(found) == []


def test_MRT202_drop_table(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.drop_table("audit_log")

def downgrade():
    op.create_table("audit_log", sa.Column("id", sa.Integer, primary_key=True))
"""
    )
    assert codes(found) == ["MRT202"]


def test_MRT202_negative_table_created_earlier_in_upgrade(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.create_table("scratch", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO scratch SELECT id FROM users")
    op.drop_table("scratch")

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == []


def test_MRT203_truncate_in_f_string(lint):
    found = lint(
        HEADER
        + """
TABLE = "sessions"

def upgrade():
    op.execute(f"TRUNCATE {TABLE}")

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT203"]


def test_MRT203_negative_delete_is_a_different_rule(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("DELETE FROM sessions WHERE expired")

def downgrade():
    op.execute("INSERT INTO sessions SELECT * FROM sessions_backup")
"""
    )
    assert codes(found) == []


def test_MRT204_cascade_fk_on_existing_table(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="CASCADE")

def downgrade():
    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
"""
    )
    assert codes(found) == ["MRT204"]


def test_MRT204_MRT406_MRT706_tables_named_at_run_time(lint):
    # A foreign key and a unique constraint added to each table of a list: the table is a loop variable,
    # and the messages say so instead of naming the table None.
    found = lint(
        HEADER
        + """
TABLES = ("ports", "networks")

def upgrade():
    for table in TABLES:
        op.create_foreign_key(None, table, "standardattributes", ["attr_id"], ["id"], ondelete="CASCADE")
        op.create_unique_constraint("uniq_%s0attr_id" % table, table, ["attr_id"])

def downgrade():
    pass
""",
        select=["MRT204", "MRT406", "MRT706"],
    )
    assert codes(found) == ["MRT204", "MRT406", "MRT706"]
    assert all("table named at run time" in f.message and "None" not in f.message for f in found)


def test_MRT204_negative_cascade_on_new_table(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
    )

def downgrade():
    op.drop_table("orders")
"""
    )
    assert codes(found) == []


def test_MRT205_fk_dropped_and_not_recreated(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")

def downgrade():
    op.create_index("ix_orders_user", "orders", ["user_id"])
"""
    )
    assert "MRT205" in codes(found)


def test_MRT205_negative_downgrade_recreates_it(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")

def downgrade():
    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])
"""
    )
    # Restored, so not MRT205; re-created validated, so MRT313 warns that orphans can make the rollback fail.
    assert codes(found) == ["MRT313"]


def test_MRT207_drop_view(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("DROP VIEW active_users")

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT207"]


def test_MRT207_negative_view_recreated(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("DROP VIEW active_users")

def downgrade():
    op.execute("CREATE VIEW active_users AS SELECT * FROM users WHERE active")
"""
    )
    assert codes(found) == []


def test_MRT208_add_copy_drop(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.add_column("users", sa.Column("full_name", sa.String))
    op.execute("UPDATE users SET full_name = first_name || ' ' || last_name")
    op.drop_column("users", "first_name")

def downgrade():
    op.add_column("users", sa.Column("first_name", sa.String))
    op.drop_column("users", "full_name")
"""
    )
    assert codes(found) == ["MRT208"]  # once, at the drop, not also MRT201
    assert found[0].line == 11


def test_MRT208_negative_downgrade_copies_back(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.add_column("users", sa.Column("full_name", sa.String))
    op.execute("UPDATE users SET full_name = first_name")
    op.drop_column("users", "first_name")

def downgrade():
    op.add_column("users", sa.Column("first_name", sa.String))
    op.execute("UPDATE users SET first_name = full_name")
    op.drop_column("users", "full_name")
"""
    )
    assert codes(found) == []


def test_MRT208_negative_unrelated_update_is_not_a_copy(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.add_column("users", sa.Column("phone", sa.String))
    op.execute("UPDATE users SET name = trim(name)")
    op.drop_column("users", "fax")

def downgrade():
    op.add_column("users", sa.Column("fax", sa.String))
    op.execute("UPDATE users SET name = name")
    op.drop_column("users", "phone")
"""
    )
    assert codes(found) == ["MRT201"]


def test_MRT214_delete_without_reverse(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM sessions"))

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT214"]
    assert "all rows" in found[0].message


def test_MRT214_negative_rows_restored(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("DELETE FROM sessions WHERE expired")

def downgrade():
    op.execute("INSERT INTO sessions SELECT * FROM sessions_backup")
"""
    )
    assert codes(found) == []


def test_MRT408_index_dropped_and_not_recreated(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.drop_index("ix_users_email", table_name="users")

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT408"]


def test_MRT408_negative_index_recreated(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.drop_index("ix_users_email", table_name="users")

def downgrade():
    op.create_index("ix_users_email", "users", ["email"], unique=True)
"""
    )
    assert codes(found) == []


def test_MRT409_constraint_dropped_and_not_recreated(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint("uq_users_email", type_="unique")

def downgrade():
    op.execute("SELECT 1")
"""
    )
    assert codes(found) == ["MRT409"]
    assert found[0].table == "users"


def test_MRT409_negative_constraint_recreated(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.drop_constraint("uq_users_email", "users", type_="unique")

def downgrade():
    op.create_unique_constraint("uq_users_email", "users", ["email"])
"""
    )
    assert codes(found) == []
