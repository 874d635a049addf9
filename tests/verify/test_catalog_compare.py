"""Every kind of catalog object a downgrade can forget is reported, in words, on every engine."""

from __future__ import annotations

from pathlib import Path

from mrt.config import MRTConfig
from mrt.verify.runner import AlembicRunner
from tests.verify.projects import make_project

ITEMS = """
op.create_table(
    "items",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("qty", sa.Integer, nullable=True, server_default="0"),
)
op.create_table("owners", sa.Column("id", sa.Integer, primary_key=True))
"""
BATCH = 'with op.batch_alter_table("items") as b:\n    b.{}'
HISTORY = [
    ("items", None, ITEMS, 'op.drop_table("items")\nop.drop_table("owners")'),
    ("narrow", "items", BATCH.format('alter_column("name", type_=sa.String(50), existing_type=sa.String(255))'), ""),
    (
        "not_null",
        "narrow",
        BATCH.format('alter_column("qty", nullable=False, existing_type=sa.Integer, existing_server_default="0")'),
        "",
    ),
    (
        "new_default",
        "not_null",
        BATCH.format('alter_column("qty", server_default="5", existing_type=sa.Integer, existing_nullable=False)'),
        "",
    ),
    (
        "partial_index",
        "new_default",
        'op.create_index("ix_items_stocked", "items", ["name"], postgresql_where=sa.text("qty > 0"), '
        'sqlite_where=sa.text("qty > 0"))',
        "",
    ),
    ("check", "partial_index", BATCH.format('create_check_constraint("ck_items_name", "length(name) > 0")'), ""),
    (
        "foreign_key",
        "check",
        BATCH.format('add_column(sa.Column("owner_id", sa.Integer))')
        + '\nwith op.batch_alter_table("items") as b:\n    b.create_foreign_key("fk_items_owner", "owners", ["owner_id"], ["id"])',
        "",
    ),
    ("view", "foreign_key", 'op.execute("CREATE VIEW v_items AS SELECT id, name FROM items")', ""),
    (
        "sequence",
        "view",
        'if op.get_bind().dialect.name != "sqlite":\n    op.execute("CREATE SEQUENCE item_numbers")',
        "",
    ),
]


def test_each_forgotten_object_is_named(tmp_path: Path, db_url: str) -> None:
    ini = make_project(tmp_path, HISTORY)
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=db_url)) as runner:
        results = {r.revision: r for r in runner.check_all()}
    dialect = db_url.split(":", 1)[0].split("+", 1)[0]

    def failures(revision: str) -> list[str]:
        return results[revision].failures

    assert results["items"].passed
    assert any(
        f.startswith("Column 'items.name' type changed after rollback (VARCHAR(255) → VARCHAR(50))")
        for f in failures("narrow")
    ), failures("narrow")
    assert "Column 'items.qty' nullability changed after rollback (NULL → NOT NULL)" in failures("not_null")
    assert any(f.startswith("Column 'items.qty' default changed after rollback") for f in failures("new_default"))
    assert "Index 'ix_items_stocked' still exists after rollback (table 'items')" in failures("partial_index")
    assert "Check constraint 'ck_items_name' still exists after rollback (table 'items')" in failures("check")
    assert "Foreign key 'fk_items_owner' still exists after rollback (table 'items')" in failures("foreign_key")
    assert "View 'v_items' still exists after rollback" in failures("view")
    if dialect == "sqlite":
        assert results["sequence"].passed
    else:
        assert failures("sequence") == ["Sequence 'item_numbers' still exists after rollback"]


def test_a_constraint_that_existing_rows_violate_fails_its_upgrade(tmp_path: Path, db_url: str) -> None:
    """Boundary seed values (here a negative quantity) show what adding a CHECK does to real data."""
    ini = make_project(
        tmp_path,
        [
            ("items", None, ITEMS, 'op.drop_table("items")\nop.drop_table("owners")'),
            ("check", "items", BATCH.format('create_check_constraint("ck_items_qty", "qty >= 0")'), ""),
        ],
    )
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=db_url)) as runner:
        result = runner.check_all()[1]
    assert result.label == "upgrade failed"
    assert "ck_items_qty" in result.failures[0]
