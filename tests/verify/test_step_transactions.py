"""Each step is still one transaction on PostgreSQL now that its BEGIN goes out with its first statement
and its COMMIT with Alembic's version update (`mrt.verify.step_transactions`): what a failed step did is
rolled back whatever its first statement was, a COMMIT that fails fails the step, a first statement's
rows and row count are its own, an autocommit block still runs outside any transaction, and SQL that
`on_version_apply` callbacks run after the version update is still part of the step."""

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


def test_postgresql_a_commit_that_fails_fails_the_step(tmp_path: Path, postgres_scratch: str) -> None:
    """A deferred foreign key is checked at COMMIT, which now travels with the version update."""
    _psycopg(postgres_scratch)
    parent = (
        "parent",
        "start",
        """
        op.execute("CREATE TABLE child (id int PRIMARY KEY, t_id int REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED)")
        """,
        'op.drop_table("child")',
    )
    orphan = ("orphan", "parent", 'op.execute("INSERT INTO child VALUES (1, 424242)")', "")
    ini = make_project(tmp_path, [START, parent, orphan])
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=postgres_scratch)) as runner:
        runner.upgrade("parent")
        with pytest.raises(Exception, match="foreign key"):
            runner.upgrade("orphan")
        assert runner.current_revision() == "parent"
        assert runner.rows("child") == []
        runner.downgrade("base")


def test_postgresql_a_migration_that_commits_itself_keeps_psycopgs_transactions(
    tmp_path: Path, postgres_scratch: str
) -> None:
    """After an explicit COMMIT in a migration, psycopg begins the next statement's transaction, as it
    always did: what follows is rolled back when the step fails, what came before is not."""
    _psycopg(postgres_scratch)
    upgrade = """
        op.create_table("a", sa.Column("id", sa.Integer, primary_key=True))
        op.execute("COMMIT")
        op.create_table("b", sa.Column("id", sa.Integer, primary_key=True))
        op.execute("SELECT 1 / 0")
    """
    ini = make_project(tmp_path, [START, ("commits", "start", upgrade, "")])
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=postgres_scratch)) as runner:
        runner.upgrade("start")
        with pytest.raises(Exception, match="division by zero"):
            runner.upgrade("commits")
        assert sorted(sa.inspect(runner.connection).get_table_names()) == ["a", "alembic_version", "t"]
        runner.connection.commit()
        runner.reset()


CALLBACK_ENV = """
from alembic import context
from sqlalchemy import text

config = context.config


def after(ctx, step, heads, run_args):
    ctx.connection.execute(text("INSERT INTO applied VALUES (:rev)"), {"rev": step.up_revision_id})
    if step.up_revision_id == "broken" and step.is_upgrade:
        raise RuntimeError("the callback refuses")


context.configure(connection=config.attributes["connection"], target_metadata=None, on_version_apply=after)
with context.begin_transaction():
    context.run_migrations()
"""


def test_postgresql_sql_run_by_version_callbacks_is_part_of_the_step(tmp_path: Path, postgres_scratch: str) -> None:
    _psycopg(postgres_scratch)
    start = ("start", None, 'op.execute("CREATE TABLE applied (rev text)")', 'op.execute("DROP TABLE applied")')
    broken = ("broken", "start", 'op.create_table("half", sa.Column("id", sa.Integer, primary_key=True))', "")
    ini = make_project(tmp_path, [start, broken])
    (tmp_path / "migrations" / "env.py").write_text(CALLBACK_ENV, encoding="utf-8")
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=postgres_scratch)) as runner:
        runner.upgrade("start")
        with pytest.raises(Exception, match="the callback refuses"):
            runner.upgrade("broken")
        assert runner.current_revision() == "start"
        assert "half" not in sa.inspect(runner.connection).get_table_names()
        assert [row["rev"] for row in runner.rows("applied")] == ["start"]
        runner.reset()


def test_postgresql_a_step_of_one_statement_costs_two_round_trips(tmp_path: Path, postgres_scratch: str) -> None:
    """The statement with its BEGIN, Alembic's version update with the COMMIT (four when psycopg sends
    BEGIN and COMMIT itself): the difference between upgrading to a revision and to the one before it."""
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
    assert counts["index"] - counts["start"] == 2, counts
