"""The fixes behind the quick fixes (mrt/fixes.py): applying one and re-analysing clears the finding."""

from __future__ import annotations

import pytest

from mrt.analyzer import analyze_migration
from mrt.config import MRTConfig
from mrt.findings import RiskWarning
from mrt.fixes import Suppressor, apply_edits, fixes_for
from mrt.model import parse_migration

from .migrations import DJANGO_RUNPYTHON, NOOP_DOWNGRADE, alembic

POSTGRES = MRTConfig(dialect="postgresql")
ALEMBIC_PATH = "proj/migrations/versions/r1.py"
DJANGO_PATH = "proj/shop/migrations/0002_fill.py"

HEADER = 'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "r1"\ndown_revision = None\n\n\n'


def findings(source: str, path: str = ALEMBIC_PATH, config: MRTConfig = POSTGRES) -> list[RiskWarning]:
    return analyze_migration(parse_migration(source, path, dialect=config.dialect), config)


def fix(source: str, code: str, title: str, path: str = ALEMBIC_PATH) -> str:
    """Apply the fix called `title` of the first `code` finding; return the new source."""
    migration = parse_migration(source, path, dialect=POSTGRES.dialect)
    finding = next(f for f in analyze_migration(migration, POSTGRES) if f.code == code)
    chosen = next(f for f in fixes_for(finding, migration) if f.title.startswith(title))
    return apply_edits(source, chosen.edits)


def codes(source: str, path: str = ALEMBIC_PATH) -> list[str]:
    return [f.code for f in findings(source, path)]


def test_generate_downgrade_replaces_an_empty_body():
    source = alembic(NOOP_DOWNGRADE, "r1")
    fixed = fix(source, "MRT102", "Generate downgrade()")
    assert fixed.endswith('def downgrade() -> None:\n    op.drop_table("audit_log")\n')
    assert "MRT102" not in codes(fixed)


def test_generate_downgrade_adds_a_missing_function_in_reverse_order():
    source = HEADER + (
        "def upgrade() -> None:\n"
        '    op.add_column("users", sa.Column("phone", sa.String(20)))\n'
        '    op.create_index(op.f("ix_users_phone"), "users", ["phone"])\n'
        '    op.rename_table("customer", "client")\n'
        '    op.alter_column("client", "name", new_column_name="full_name")\n'
        '    op.create_foreign_key("fk_users_org", "users", "orgs", ["org_id"], ["id"])\n'
    )
    fixed = fix(source, "MRT101", "Generate downgrade()")
    assert fixed[fixed.index("def downgrade") :] == (
        "def downgrade() -> None:\n"
        '    op.drop_constraint("fk_users_org", "users", type_="foreignkey")\n'
        '    op.alter_column("client", "full_name", new_column_name="name")\n'
        '    op.rename_table("client", "customer")\n'
        '    op.drop_index(op.f("ix_users_phone"), table_name="users")\n'
        '    op.drop_column("users", "phone")\n'
    )
    assert not {"MRT101", "MRT306", "MRT307", "MRT308", "MRT309"} & set(codes(fixed))


def test_no_generated_downgrade_when_an_operation_has_no_obvious_inverse():
    source = HEADER + 'def upgrade():\n    op.drop_column("users", "phone")\n    op.execute("UPDATE t SET x = 1")\n'
    migration = parse_migration(source, ALEMBIC_PATH)
    finding = next(f for f in analyze_migration(migration, POSTGRES) if f.code == "MRT101")
    titles = [f.title for f in fixes_for(finding, migration)]
    assert titles == ["Mark downgrade() irreversible"]


def test_mark_downgrade_irreversible_turns_the_error_into_an_explicit_warning():
    fixed = fix(alembic(NOOP_DOWNGRADE, "r1"), "MRT102", "Mark downgrade() irreversible")
    assert "    raise NotImplementedError(" in fixed
    assert "MRT102" not in codes(fixed)
    assert "MRT109" in codes(fixed)


def test_django_runpython_gets_a_noop_reverse():
    fixed = fix(DJANGO_RUNPYTHON, "MRT107", "Add reverse_code=", path=DJANGO_PATH)
    assert "migrations.RunPython(fill, reverse_code=migrations.RunPython.noop)," in fixed
    assert codes(fixed, DJANGO_PATH) == []


def test_an_index_is_built_concurrently_in_an_autocommit_block():
    source = HEADER + (
        'def upgrade():\n    op.create_index("ix_orders_user", "orders", ["user_id"])\n\n\n'
        'def downgrade():\n    op.drop_index("ix_orders_user", table_name="orders")\n'
    )
    assert "MRT407" in codes(source)
    fixed = fix(source, "MRT407", "Use postgresql_concurrently=True")
    assert (
        "    with op.get_context().autocommit_block():\n"
        '        op.create_index("ix_orders_user", "orders", ["user_id"], postgresql_concurrently=True)\n'
    ) in fixed
    assert "MRT407" not in codes(fixed)
    assert "MRT414" not in codes(fixed)


def test_a_foreign_key_is_split_into_not_valid_and_validate():
    source = HEADER + (
        'def upgrade():\n    op.create_foreign_key("fk_o_u", "orders", "users", ["user_id"], ["id"])\n\n\n'
        'def downgrade():\n    op.drop_constraint("fk_o_u", "orders", type_="foreignkey")\n'
    )
    assert "MRT416" in codes(source)
    fixed = fix(source, "MRT416", "Add the foreign key NOT VALID")
    assert (
        '    op.create_foreign_key("fk_o_u", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)\n'
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_o_u")\n'
    ) in fixed
    assert not {"MRT416", "MRT417"} & set(codes(fixed))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('    op.drop_column("users", "phone")', '    op.drop_column("users", "phone")  # mrt: ignore[MRT201]'),
        (
            '    op.drop_column("users", "phone")  # noqa: MRT999',
            '    op.drop_column("users", "phone")  # noqa: MRT999, MRT201',
        ),
        (
            '    op.drop_column("users", "phone")  # mrt: ignore[MRT999] -- reviewed',
            '    op.drop_column("users", "phone")  # mrt: ignore[MRT999, MRT201] -- reviewed',
        ),
    ],
)
def test_disable_for_this_line_adds_or_merges_a_comment(line: str, expected: str):
    source = HEADER + f"def upgrade():\n{line}\n"
    finding = next(f for f in findings(source) if f.code == "MRT201")
    fixed = apply_edits(source, [Suppressor(source).line("MRT201", finding.line or 1, finding.end_line)])
    assert expected in fixed.splitlines()
    assert "MRT201" not in codes(fixed)


def test_disable_for_this_line_uses_the_statements_first_line():
    source = HEADER + 'def upgrade():\n    op.drop_column(\n        "users",\n        "phone",\n    )\n'
    finding = next(f for f in findings(source) if f.code == "MRT201")
    fixed = apply_edits(source, [Suppressor(source).line("MRT201", finding.line or 1, finding.end_line)])
    assert "    op.drop_column(  # mrt: ignore[MRT201]" in fixed
    assert "MRT201" not in codes(fixed)


def test_disable_for_this_file_adds_or_merges_a_header_comment():
    source = HEADER + 'def upgrade():\n    op.drop_column("users", "phone")\n'
    fixed = apply_edits(source, [Suppressor(source).file("MRT201")])
    assert fixed.startswith("# mrt: ignore-file[MRT201]\n")
    assert "MRT201" not in codes(fixed)
    merged = apply_edits(fixed, [Suppressor(fixed).file("MRT101")])
    assert merged.startswith("# mrt: ignore-file[MRT201, MRT101]\n")


def test_columns_count_utf8_bytes_like_ast():
    source = HEADER + 'def upgrade():\n    note = "é"; op.drop_column("users", "phone")\n'
    finding = next(f for f in findings(source) if f.code == "MRT201")
    fixed = apply_edits(source, [Suppressor(source).line("MRT201", finding.line or 1)])
    assert 'op.drop_column("users", "phone")  # mrt: ignore[MRT201]' in fixed
