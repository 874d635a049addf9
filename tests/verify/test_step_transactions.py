"""Each step is still one transaction on PostgreSQL now that its BEGIN goes out with its first statement
(`mrt.verify.begin`): what a failed step did is rolled back whatever its first statement was, a first
statement's rows and row count are its own, and an autocommit block still runs outside any transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from mrt.config import MRTConfig
from mrt.verify.runner import AlembicRunner
from tests.verify.projects import make_project
from tests.verify.test_snapshot_cost import round_trips

START = (
    "start",
    None,
    'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)))',
    'op.drop_table("t")',
)


def _psycopg(url: str) -> None:
    if not url.startswith("postgresql+psycopg:"):
        pytest.skip("the BEGIN travels with the first statement through psycopg 3 only")


@pytest.mark.parametrize(
    "first",
    [
        'op.create_table("half", sa.Column("id", sa.Integer, primary_key=True))',  # no parameters: folded
        'op.get_bind().execute(sa.text("CREATE TABLE half (id int)").execution_options(no_parameters=True))',
        'op.bulk_insert(sa.table("t", sa.column("id")), [{"id": 1000}, {"id": 1001}])',  # executemany
        'op.get_bind().execute(sa.text("CREATE TABLE half AS SELECT :n AS n"), {"n": 1})',  # parameters
    ],
)
def test_postgresql_a_failed_step_is_rolled_back_whatever_its_first_statement(
    tmp_path: Path, postgres_scratch: str, first: str
) -> None:
    _psycopg(postgres_scratch)
    ini = make_project(tmp_path, [START, ("broken", "start", f'{first}\nop.execute("SELECT 1 / 0")', "")])
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=postgres_scratch)) as runner:
        runner.upgrade("start")
        with pytest.raises(Exception, match="division by zero"):
            runner.upgrade("broken")
        assert runner.current_revision() == "start"
        assert sa.inspect(runner.connection).get_table_names() == ["alembic_version", "t"]
        assert runner.rows("t") == []
        assert runner.connection.connection.driver_connection.autocommit is False
        runner.upgrade("start")  # the connection is usable again


def test_postgresql_a_first_statement_returns_its_own_rows_and_row_count(tmp_path: Path, postgres_scratch: str) -> None:
    _psycopg(postgres_scratch)
    upgrade = """
        found = op.get_bind().execute(sa.text("SELECT 41 + 1 AS answer")).scalar()
        assert found == 42, found
        op.execute("INSERT INTO t (id, name) VALUES (1000, 'a'), (1001, 'b')")
    """
    downgrade = """
        changed = op.get_bind().execute(sa.text("DELETE FROM t WHERE id IN (1000, 1001)")).rowcount
        assert changed == 2, changed
    """
    ini = make_project(tmp_path, [START, ("read", "start", upgrade, downgrade)])
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=postgres_scratch)) as runner:
        results = runner.check_all()
    assert all(r.passed for r in results), [r.failures for r in results]


def test_postgresql_an_autocommit_block_first_runs_outside_a_transaction(tmp_path: Path, postgres_scratch: str) -> None:
    """CREATE INDEX CONCURRENTLY refuses to run in a transaction block: it must not get a BEGIN."""
    _psycopg(postgres_scratch)
    upgrade = """
        with op.get_context().autocommit_block():
            op.create_index("ix_t_name", "t", ["name"], postgresql_concurrently=True)
        op.add_column("t", sa.Column("note", sa.String(20)))
    """
    downgrade = """
        op.drop_column("t", "note")
        with op.get_context().autocommit_block():
            op.drop_index("ix_t_name", table_name="t", postgresql_concurrently=True)
    """
    ini = make_project(tmp_path, [START, ("concurrently", "start", upgrade, downgrade)])
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=postgres_scratch)) as runner:
        results = runner.check_all()
    assert all(r.passed for r in results), [r.failures for r in results]


def test_postgresql_a_step_of_one_statement_costs_three_round_trips(tmp_path: Path, postgres_scratch: str) -> None:
    """The statement with its BEGIN, Alembic's version update, COMMIT (four with a BEGIN of its own):
    the difference between upgrading to a revision and to the one before it."""
    _psycopg(postgres_scratch)
    ini = make_project(tmp_path, [START, ("index", "start", 'op.create_index("ix_t_name", "t", ["name"])', "")])
    counts = {}
    for target in ("start", "index"):
        with (
            round_trips() as counted,
            AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=postgres_scratch)) as runner,
        ):
            runner.upgrade(target)
            runner.reset()
        counts[target] = counted[0]
    assert counts["index"] - counts["start"] == 3, counts
