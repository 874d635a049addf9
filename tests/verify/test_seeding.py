"""Seeding: every column of every table gets a distinctive value that satisfies the schema, on every
engine: composite and missing primary keys, composite and self-referencing foreign keys, unique and
CHECK constraints, enums, numeric precision, time zones, JSON and binary columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from mrt.config import MRTConfig
from mrt.verify.runner import AlembicRunner
from tests.verify.projects import make_project

SCHEMA_UP = """
op.create_table(
    "orders",
    sa.Column("region", sa.String(8), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("qty", sa.SmallInteger, nullable=False),
    sa.Column("price", sa.Numeric(5, 2)),
    sa.Column("paid", sa.Boolean, server_default=sa.false()),
    sa.Column("placed_at", sa.DateTime(timezone=True)),
    sa.Column("due", sa.Date),
    sa.Column("data", sa.JSON),
    sa.Column("code", sa.String(6), unique=True),
    sa.Column("kind", sa.Enum("retail", "wholesale", name="order_kind")),
    sa.CheckConstraint("qty >= 0", name="ck_orders_qty"),
    sa.CheckConstraint("status IN ('new', 'paid', 'sent')", name="ck_orders_status"),
)
op.create_table(
    "order_lines",
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("region", sa.String(8), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("parent_id", sa.BigInteger, sa.ForeignKey("order_lines.id")),
    sa.Column("note", sa.Text),
    sa.ForeignKeyConstraint(["region", "number"], ["orders.region", "orders.number"]),
)
op.create_table(
    "events",
    sa.Column("name", sa.String(30), nullable=False),
    sa.Column("at", sa.DateTime),
    sa.Column("payload", sa.LargeBinary),
)
"""
SCHEMA_DOWN = """
op.drop_table("events")
op.drop_table("order_lines")
op.drop_table("orders")
sa.Enum(name="order_kind").drop(op.get_bind(), checkfirst=True)
"""
HISTORY = [
    ("schema", None, SCHEMA_UP, SCHEMA_DOWN),
    (
        "index",
        "schema",
        'op.create_index("ix_events_name", "events", ["name"])',
        'op.drop_index("ix_events_name", "events")',
    ),
    (
        "lossy",
        "index",
        'with op.batch_alter_table("events") as b:\n    b.drop_column("at")',
        'with op.batch_alter_table("events") as b:\n    b.add_column(sa.Column("at", sa.DateTime))',
    ),
]


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    return make_project(tmp_path, HISTORY)


def test_rich_schema_round_trips_without_false_alarms(ini: Path, db_url: str) -> None:
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=db_url)) as runner:
        results = {r.revision: r for r in runner.check_all()}
    assert results["schema"].passed and results["index"].passed, {k: r.failures for k, r in results.items()}
    assert results["schema"].notes == [] and results["index"].notes == [], "every seed row went in"
    # A table without a primary key is compared as a multiset of whole rows.
    assert results["lossy"].failures == ["Table 'events': 3/3 rows changed after rollback (no primary key)"]


def test_every_column_of_every_seeded_row_is_set(ini: Path, db_url: str) -> None:
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=db_url)) as runner:
        assert runner.check_revision("index").passed  # leaves the seeded database just before "index"
        tables = {name: runner.rows(name) for name in ("orders", "order_lines", "events")}
        versions = runner.rows("alembic_version")
        runner.reset()
    for name, rows in tables.items():
        assert len(rows) == 3, name
        for row in rows:
            assert all(value is not None for value in row.values()), (name, row)
    orders = tables["orders"]
    assert {row["status"] for row in orders} <= {"new", "paid", "sent"}
    assert all(row["qty"] >= 0 for row in orders)
    assert len({row["code"] for row in orders}) == 3
    if not db_url.startswith("sqlite"):  # SQLite keeps an Enum as plain VARCHAR, without labels
        assert {row["kind"] for row in orders} <= {"retail", "wholesale"}
    assert any(not row["paid"] for row in orders) or any(row["paid"] for row in orders)
    keys = {(row["region"], row["number"]) for row in orders}
    lines = tables["order_lines"]
    assert all((row["region"], row["number"]) in keys for row in lines)
    assert {row["parent_id"] for row in lines} <= {row["id"] for row in lines}
    assert versions == [{"version_num": "schema"}], "mrt never writes into alembic_version"


def test_values_are_mixed_case_non_ascii_and_at_the_boundaries(ini: Path, sqlite_url: str) -> None:
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=sqlite_url)) as runner:
        runner.check_revision("index")
        events = runner.rows("events")
        orders = runner.rows("orders")
        runner.reset()
    names = [row["name"] for row in events]
    assert any(name != name.lower() and name != name.upper() for name in names)
    assert any(not name.isascii() for name in names)
    assert {str(row["price"]) for row in orders} & {"999.99", "-999.99"}
    assert any("+05:30" in str(row["placed_at"]) or "T" in str(row["placed_at"]) or row["placed_at"] for row in orders)


def test_custom_seeds_replace_generated_rows(ini: Path, sqlite_url: str) -> None:
    config = MRTConfig(
        alembic_ini=str(ini), db_url=sqlite_url, custom_seeds={"events": lambda: [{"name": "hand-written"}]}
    )
    with AlembicRunner(config) as runner:
        runner.check_revision("index")
        events = runner.rows("events")
        runner.reset()
    assert [row["name"] for row in events] == ["hand-written"]
    assert events[0]["at"] is not None, "columns the custom row leaves out are still filled"


def test_seed_rows_setting(ini: Path, sqlite_url: str) -> None:
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=sqlite_url, seed_rows=7)) as runner:
        runner.check_revision("index")
        assert len(runner.rows("order_lines")) == 7
        runner.reset()


PICKY = [
    (
        "picky",
        None,
        'op.create_table("picky", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("n", sa.Integer, nullable=False, unique=True), sa.CheckConstraint("n % 2 = 1", name="ck_odd"))',
        'op.drop_table("picky")',
    ),
    ("later", "picky", 'op.add_column("picky", sa.Column("note", sa.String(20)))', 'op.drop_column("picky", "note")'),
]


def test_a_row_the_database_refuses_costs_that_row_only(tmp_path: Path, db_url: str) -> None:
    """A CHECK the value generator cannot satisfy (here: the second of three rows). The batch is
    refused whole, then the rows go in one at a time and the refused one becomes a note. Nothing of
    the refused batch stays behind, or the rows before the bad one would now be duplicates: on
    PostgreSQL seeding runs outside a transaction, without savepoints."""
    ini = make_project(tmp_path, PICKY)
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=db_url)) as runner:
        runner.upgrade("picky")
        result = runner.check_revision("later")
        rows = runner.rows("picky")
        runner.reset()
    assert result.passed, result.failures
    assert len(rows) == 2 and all(row["n"] % 2 == 1 for row in rows), rows
    assert len(result.notes) == 1, result.notes
    assert all(note.startswith("could not seed a row into 'picky' (") for note in result.notes)
    assert not any("duplicate" in note.lower() or "unique" in note.lower() for note in result.notes)
