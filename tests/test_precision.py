"""False-positive classes found on real public histories; each stays fixed.

The sources are written here from scratch in the shape we met (no corpus code is copied).
"""

LINT_FAMILIES = ("reversibility", "data_loss", "asymmetry", "leftovers", "squash", "parsing")

HEADER = """
from alembic import op
import sqlalchemy as sa

revision = "abc123"
down_revision = "000000"
"""
DJANGO = "shop/migrations/0009_change.py"


def codes(findings):
    return [f.code for f in findings]


def test_a_constraint_named_through_a_naming_convention_is_matched(lint):
    # With ck_%(table_name)s_%(constraint_name)s, "valid_title" exists as "ck_contributions_valid_title".
    found = lint(
        HEADER
        + """
def upgrade():
    op.create_check_constraint("valid_title", "contributions", "title != ''")

def downgrade():
    op.drop_constraint("ck_contributions_valid_title", "contributions")
"""
    )
    assert codes(found) == []


def test_an_index_recreated_unnamed_under_a_naming_convention_counts(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.drop_index("ix_rooms_is_active", table_name="rooms")

def downgrade():
    op.create_index(None, "rooms", ["is_active"])
"""
    )
    assert codes(found) == []


def test_op_f_names_are_read_as_names(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    with op.batch_alter_table("block") as batch_op:
        batch_op.drop_index(batch_op.f("ix_block__name"))

def downgrade():
    with op.batch_alter_table("block") as batch_op:
        batch_op.create_index(batch_op.f("ix_block__name"), ["name"], unique=False)
"""
    )
    assert codes(found) == []


def test_indexes_and_fks_on_a_new_column_go_away_with_the_column(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.add_column("tracks", sa.Column("default_session_id", sa.Integer(), nullable=True))
    op.create_index(None, "tracks", ["default_session_id"])
    op.create_foreign_key(None, "tracks", "sessions", ["default_session_id"], ["id"])
    op.create_check_constraint("positive_session", "tracks", "default_session_id > 0")

def downgrade():
    op.drop_column("tracks", "default_session_id")
"""
    )
    assert codes(found) == []


def test_a_downgrade_that_recreates_the_dropped_fk_is_not_flagged(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="RESTRICT")

def downgrade():
    op.drop_constraint("fk_orders_user", "orders", type_="foreignkey")
    op.create_foreign_key("fk_orders_user", "orders", "users", ["user_id"], ["id"])
"""
    )
    assert codes(found) == []


def test_django_run_sql_noop_reverse_on_a_data_backfill_is_a_deliberate_choice(lint):
    found = lint(
        """
from django.db import migrations

class Migration(migrations.Migration):
    operations = [
        migrations.RunSQL(
            "UPDATE warehouse_allocation SET token = (SELECT token FROM order_line WHERE id = line_id)",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
""",
        path=DJANGO,
    )
    assert codes(found) == []


def test_django_run_sql_on_a_column_added_by_the_same_migration(lint):
    found = lint(
        """
from django.db import migrations, models

class Migration(migrations.Migration):
    operations = [
        migrations.AddField(model_name="user", name="uuid", field=models.UUIDField(default=None, null=True)),
        migrations.RunSQL(
            "ALTER TABLE shop_user ALTER COLUMN uuid SET DEFAULT gen_random_uuid()",
            migrations.RunSQL.noop,
        ),
    ]
""",
        path=DJANGO,
    )
    assert codes(found) == []


def test_the_same_drop_is_reported_once_with_the_right_table_and_column(lint):
    found = lint(
        HEADER
        + """
def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("phone")
    op.execute("ALTER TABLE accounts DROP COLUMN fax")

def downgrade():
    op.add_column("users", sa.Column("phone", sa.String))
    op.add_column("accounts", sa.Column("fax", sa.String))
"""
    )
    assert [(f.code, f.table, f.column_name) for f in found] == [
        ("MRT201", "users", "phone"),
        ("MRT201", "accounts", "fax"),
    ]


def test_versions_init_module_is_not_a_migration(tmp_path):
    from mrt import analyze_paths

    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "__init__.py").write_text("")
    (versions / "_helpers.py").write_text("def upgrade():\n    pass\n")
    assert analyze_paths([versions]) == []


def test_many_to_many_add_field_adds_no_column_to_leave_behind(lint):
    found = lint(
        """
from django.db import migrations, models

class Migration(migrations.Migration):
    operations = [
        migrations.AddField(model_name="product", name="tags", field=models.ManyToManyField(to="shop.Tag")),
        migrations.RunSQL("CREATE INDEX ix_tags ON shop_product_tags (tag_id)", "DROP INDEX ix_tags"),
    ]
""",
        path=DJANGO,
    )
    assert codes(found) == []


def test_findings_carry_the_fix_edits_their_rule_offers(tmp_path):
    from mrt import analyze_paths, analyze_source
    from mrt.fixes import apply_edits

    source = (
        'from alembic import op\nimport sqlalchemy as sa\nrevision = "r1"\ndown_revision = None\n\n'
        'def upgrade():\n    op.add_column("users", sa.Column("phone", sa.String(20)))\n\n'
        "def downgrade():\n    pass\n"
    )
    (finding,) = analyze_source(source, "versions/r1.py")
    assert finding.code == "MRT102" and finding.fixes
    fixed = apply_edits(source, finding.fixes[0].edits)
    assert 'op.drop_column("users", "phone")' in fixed
    assert analyze_source(fixed, "versions/r1.py") == []
    (tmp_path / "r1.py").write_text(source)
    assert analyze_paths([tmp_path])[0].fixes == ()  # batch runs build fixes only when asked
    assert analyze_paths([tmp_path], with_fixes=True)[0].fixes
