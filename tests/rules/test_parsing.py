"""MRT902 (syntax error, unreadable file) and MRT903 (unused suppression, opt-in)."""

from inline import codes

LINT_FAMILIES = ("reversibility", "data_loss", "asymmetry", "leftovers", "squash", "parsing")


def test_MRT902_syntax_error_is_one_finding_at_its_line(lint):
    found = lint("""
from alembic import op
revision = "abc"

def upgrade():
    op.add_column("users", sa.Column("x", sa.Integer)

def downgrade():
    pass
""")
    assert codes(found) == ["MRT902"]
    assert found[0].line in (6, 8)
    assert "Syntax error" in found[0].message


def test_MRT902_negative_valid_file_that_is_not_a_migration(lint):
    assert lint("import os\nprint(os.getcwd())\n", path="migrations/versions/helpers.py") == []


def test_MRT903_unused_suppression_when_opted_in(lint):
    source = """
from alembic import op
import sqlalchemy as sa
revision = "abc"

def upgrade():
    op.add_column("users", sa.Column("phone", sa.String))  # noqa: MRT201

def downgrade():
    op.drop_column("users", "phone")
"""
    assert lint(source) == []
    found = lint(source, extend_select=["MRT903"])
    assert codes(found) == ["MRT903"]
    assert found[0].line == 7 and "MRT201" in found[0].message


def test_MRT903_negative_used_suppression_and_bare_noqa(lint):
    found = lint(
        """
from alembic import op
import sqlalchemy as sa
revision = "abc"

def upgrade():
    op.drop_column("users", "phone")  # noqa: MRT201
    op.add_column("users", sa.Column("x", sa.String))  # noqa

def downgrade():
    op.drop_column("users", "x")
    op.add_column("users", sa.Column("phone", sa.String))
""",
        extend_select=["MRT903"],
    )
    assert codes(found) == []


def test_MRT903_negative_a_suppression_by_pytest_mrt_alias_is_used(lint):
    # pytest-mrt reported a dropped column as MRT209; its users' comments still silence MRT201, and count as used
    found = lint(
        """
from alembic import op
import sqlalchemy as sa
revision = "abc"

def upgrade():
    op.drop_column("users", "phone")  # noqa: MRT209

def downgrade():
    op.add_column("users", sa.Column("phone", sa.String))
""",
        extend_select=["MRT903"],
    )
    assert codes(found) == []


def test_MRT903_a_suppression_used_by_a_revision_graph_rule_is_not_unused(tmp_path):
    from mrt import MRTConfig, analyze_paths

    versions = tmp_path / "versions"
    versions.mkdir()
    body = "\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n"
    (versions / "a.py").write_text('revision = "a"\ndown_revision = None' + body)
    (versions / "b.py").write_text('revision = "b"  # noqa: MRT201\ndown_revision = "a"' + body)
    (versions / "c.py").write_text(
        'revision = "c"  # noqa: MRT901 -- second head merged next sprint\ndown_revision = "a"' + body
    )
    found = analyze_paths([versions], MRTConfig(extend_select=["MRT903"]))
    assert [(f.code, f.file.rsplit("/", 1)[-1]) for f in found] == [("MRT903", "b.py")]
