"""Suppression comments: pytest-mrt's forms, mrt's own, on any line of a statement, and per file."""

LINT_FAMILIES = ("reversibility", "data_loss", "asymmetry", "leftovers", "squash", "parsing")

SOURCE = """
from alembic import op
import sqlalchemy as sa
revision = "abc"

def upgrade():
    op.drop_column(
        "users",
        "phone",
    ){comment}

def downgrade():
    op.add_column("users", sa.Column("phone", sa.String))
"""


def codes(findings):
    return [f.code for f in findings]


def test_without_a_comment_the_drop_is_reported(lint):
    assert codes(lint(SOURCE.format(comment=""))) == ["MRT201"]


def test_noqa_with_code_on_the_closing_line_of_a_multiline_call(lint):
    assert lint(SOURCE.format(comment="  # noqa: MRT201")) == []


def test_bare_noqa_silences_every_rule_like_pytest_mrt(lint):
    assert lint(SOURCE.format(comment="  # noqa")) == []


def test_mrt_ignore_with_codes_and_a_reason(lint):
    assert lint(SOURCE.format(comment="  # mrt: ignore[MRT201, MRT407] -- phone moved to contacts, ADR-9")) == []


def test_a_comment_naming_another_code_does_not_silence(lint):
    assert codes(lint(SOURCE.format(comment="  # noqa: MRT202"))) == ["MRT201"]
    assert codes(lint(SOURCE.format(comment="  # noqa: E501"))) == ["MRT201"]


def test_ignore_file(lint):
    assert lint("# mrt: ignore-file[MRT201]\n" + SOURCE.format(comment="")) == []
    assert codes(lint("# mrt: ignore-file[MRT101]\n" + SOURCE.format(comment=""))) == ["MRT201"]


def test_a_noqa_inside_a_string_is_not_a_suppression(lint):
    source = (
        SOURCE.format(comment="")
        .replace('"phone",\n', '"phone",  # keep\n')
        .replace('revision = "abc"', 'revision = "abc"\nNOTE = "# noqa: MRT201"')
    )
    assert codes(lint(source)) == ["MRT201"]
