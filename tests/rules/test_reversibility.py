"""MRT1xx: can the migration be rolled back, and does the rollback restore the data?"""

from inline import HEADER, codes

LINT_FAMILIES = ("reversibility", "data_loss", "asymmetry", "leftovers", "squash", "parsing")


def test_MRT101_missing_downgrade(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.add_column("users", sa.Column("phone", sa.String(20)))
"""
    )
    assert codes(found) == ["MRT101"]
    assert found[0].line == 8


def test_MRT101_negative_project_without_downgrades(lint):
    # The nearest look-alike: a project that declares downgrades unsupported writes none on purpose.
    source = (
        HEADER
        + """
def upgrade():
    op.add_column("users", sa.Column("phone", sa.String(20)))
"""
    )
    assert lint(source, downgrades=False) == []


def test_MRT102_noop_downgrade(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.create_table("audit_log", sa.Column("id", sa.Integer, primary_key=True))

def downgrade():
    pass
"""
    )
    assert "MRT102" in codes(found)
    assert next(f for f in found if f.code == "MRT102").line == 11


def test_MRT102_negative_merge_revision(lint):
    # A merge revision does nothing in either direction: that is not a no-op downgrade.
    source = """
from alembic import op

revision = "merge1"
down_revision = ("aaa", "bbb")

def upgrade():
    pass

def downgrade():
    pass
"""
    assert lint(source) == []


def test_MRT109_raising_downgrade(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute("UPDATE users SET email = lower(email)")

def downgrade():
    raise NotImplementedError("one-way")
"""
    )
    assert codes(found) == ["MRT109"]
    assert found[0].severity == "warning"


def test_an_empty_downgrade_is_reported_once_not_once_per_operation(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.create_table("audit_log", sa.Column("id", sa.Integer, primary_key=True))
    op.add_column("users", sa.Column("phone", sa.String(20)))
    op.execute("UPDATE users SET email = lower(email)")

def downgrade():
    pass
"""
    )
    assert codes(found) == ["MRT102"]


def test_MRT109_negative_downgrade_that_raises_conditionally(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.add_column("users", sa.Column("phone", sa.String(20)))

def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        raise NotImplementedError("sqlite")
    op.drop_column("users", "phone")
"""
    )
    assert codes(found) == []


def test_MRT103_update_without_reverse(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.add_column("users", sa.Column("email_checked", sa.Boolean))
    op.execute("UPDATE users SET email = lower(email)")

def downgrade():
    op.drop_column("users", "email_checked")
"""
    )
    assert codes(found) == ["MRT103"]
    assert next(f for f in found if f.code == "MRT103").table == "users"


def test_MRT103_negative_backfill_of_new_column(lint):
    # Backfilling a column added by the same migration is undone by dropping that column.
    found = lint(
        HEADER
        + """
def upgrade():
    op.add_column("users", sa.Column("slug", sa.String(50)))
    op.execute("UPDATE users SET slug = lower(name)")

def downgrade():
    op.drop_column("users", "slug")
"""
    )
    assert codes(found) == []


def test_MRT104_unreadable_sql_without_reverse(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute(build_sql())

def downgrade():
    op.drop_index("ix_x", table_name="t")
"""
    )
    assert "MRT104" in codes(found)


def test_MRT104_negative_downgrade_runs_sql_too(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.execute(build_sql())

def downgrade():
    op.execute(build_reverse_sql())
"""
    )
    assert "MRT104" not in codes(found)


def test_MRT106_bulk_insert_without_reverse(lint):
    found = lint(
        HEADER
        + """
roles = sa.table("roles", sa.column("id", sa.Integer), sa.column("name", sa.String))

def upgrade():
    op.create_index("ix_roles_name", "roles", ["name"])
    op.bulk_insert(roles, [{"id": 1, "name": "admin"}])

def downgrade():
    op.drop_index("ix_roles_name", table_name="roles")
"""
    )
    assert codes(found) == ["MRT106"]
    assert next(f for f in found if f.code == "MRT106").table == "roles"


def test_MRT106_negative_insert_into_new_table(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    roles = op.create_table("roles", sa.Column("id", sa.Integer, primary_key=True))
    op.bulk_insert(roles, [{"id": 1}])
    op.execute("INSERT INTO roles (id) VALUES (2)")

def downgrade():
    op.drop_table("roles")
"""
    )
    assert codes(found) == []


DJANGO = "shop/migrations/0002_change.py"


def test_MRT107_run_python_without_reverse(lint):
    found = lint(
        """
from django.db import migrations

def fill(apps, schema_editor):
    pass

class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunPython(fill)]
""",
        path=DJANGO,
    )
    assert codes(found) == ["MRT107"]
    assert found[0].revision == "shop.0002_change"
    assert found[0].app == "shop"


def test_MRT107_negative_noop_reverse(lint):
    found = lint(
        """
from django.db import migrations

class Migration(migrations.Migration):
    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(fill, reverse_code=unfill),
        migrations.RunPython(migrations.RunPython.noop),
    ]
""",
        path=DJANGO,
    )
    assert codes(found) == []


def test_MRT107_seen_inside_separate_database_and_state(lint):
    found = lint(
        """
from django.db import migrations

class Migration(migrations.Migration):
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(fill)],
            state_operations=[migrations.RunPython(ignored_state_only)],
        )
    ]
""",
        path=DJANGO,
    )
    assert codes(found) == ["MRT107"]


def test_MRT108_run_sql_without_reverse(lint):
    found = lint(
        """
from django.db import migrations

class Migration(migrations.Migration):
    operations = [migrations.RunSQL(["CREATE INDEX ix_a ON shop_product (name)", "CREATE INDEX ix_b ON shop_product (sku)"])]
""",
        path=DJANGO,
    )
    assert codes(found) == ["MRT108"]  # once per RunSQL, not once per statement


def test_MRT108_negative_reverse_given(lint):
    found = lint(
        """
from django.db import migrations

class Migration(migrations.Migration):
    operations = [
        migrations.RunSQL("CREATE INDEX ix_a ON shop_product (name)", reverse_sql="DROP INDEX ix_a"),
        migrations.RunSQL("ANALYZE shop_product", migrations.RunSQL.noop),
    ]
""",
        path=DJANGO,
    )
    assert codes(found) == []
