"""Snapshots stay cheap without going blind.

Between migration steps mrt sends a small, fixed number of queries per revision, whatever the
engine (one catalog query per snapshot on PostgreSQL, not one per kind of object); and what those
queries bring back is complete enough that a downgrade re-creating an object differently (an index
predicate, a foreign key's ON DELETE, a unique constraint's columns) is still reported.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mrt.config import MRTConfig
from mrt.verify import catalog
from mrt.verify.runner import AlembicRunner
from tests.verify.projects import make_project


def growing_schema(size: int) -> list[tuple[str, str | None, str, str]]:
    """The benchmark's history (benchmarks/bench_verify.py): create a table, add a nullable column
    to it, index that column; again and again."""
    revisions: list[tuple[str, str | None, str, str]] = []
    for number in range(1, size + 1):
        table = f"t{number - (number - 1) % 3}"
        if number % 3 == 1:
            up = f'op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50), nullable=False))'
            down = f'op.drop_table("{table}")'
        elif number % 3 == 2:
            up = f'op.add_column("{table}", sa.Column("note", sa.String(100), nullable=True))'
            down = f'op.drop_column("{table}", "note")'
        else:
            up = f'op.create_index("ix_{table}_note", "{table}", ["note"])'
            down = f'op.drop_index("ix_{table}_note", table_name="{table}")'
        revisions.append((f"r{number:03d}", f"r{number - 1:03d}" if number > 1 else None, up, down))
    return revisions


@contextmanager
def own_statements(runner: AlembicRunner) -> Iterator[list[str]]:
    """The statements mrt itself sends (seeding, snapshots, comparisons), not the migrations'."""
    sent: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if not runner.watch.active:
            sent.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


# Statements per revision on the 12-revision history below: before a snapshot became one catalog
# query on PostgreSQL (and reflection stopped re-listing the tables), PostgreSQL needed 10.9,
# MariaDB 10.5 and SQLite 20.2; now 8.3, 9.3 and 18.9.
BUDGET = {"sqlite": 19.5, "postgresql": 9.0, "mysql": 10.0}


def test_each_revision_costs_a_fixed_handful_of_queries(tmp_path: Path, db_url: str) -> None:
    ini = make_project(tmp_path, growing_schema(12))
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=db_url)) as runner, own_statements(runner) as sent:
        results = runner.check_all()
        dialect = runner.connection.dialect.name
    assert all(r.passed for r in results), [r.failures for r in results if not r.passed]
    per_revision = len(sent) / len(results)
    assert per_revision <= BUDGET[dialect], f"{per_revision:.1f} statements per revision on {dialect}"


def test_postgresql_snapshot_of_a_changed_table_is_one_catalog_query(tmp_path: Path, postgres_scratch: str) -> None:
    """The snapshot before an upgrade lists the tables and reads each one's columns, keys, constraints
    and indexes in one query (it used to take four); the one after the downgrade finds the table's
    fingerprint unchanged, in one query too."""
    ini = make_project(tmp_path, growing_schema(3))
    config = MRTConfig(alembic_ini=str(ini), db_url=postgres_scratch)
    with AlembicRunner(config) as runner:
        runner.check_all()  # column types seen once are not asked of SQLAlchemy's inspector again
    with AlembicRunner(config) as runner:
        runner.upgrade("r002")
        with own_statements(runner) as sent:
            result = runner.check_revision("r003")
        runner.reset()
    assert result.passed
    catalog_queries = [s for s in sent if "pg_attribute" in s]
    assert len(catalog_queries) == 2, catalog_queries


RICH_TABLE = """
CREATE TABLE rich (
    id serial PRIMARY KEY,
    ident bigint GENERATED ALWAYS AS IDENTITY,
    name varchar(40) NOT NULL DEFAULT 'x',
    price numeric(7, 2),
    at timestamptz DEFAULT now(),
    tags text[],
    doc jsonb,
    doubled integer GENERATED ALWAYS AS (id * 2) STORED
)
"""


def test_postgresql_columns_from_the_catalog_query_match_sqlalchemys_reflection(postgres_scratch: str) -> None:
    """Column types are learnt from SQLAlchemy's inspector once, then built from the catalog query:
    both ways give the same columns. (Named types, such as enums and domains, always come from the
    inspector, since their labels and rules can change.)"""
    engine = sa.create_engine(postgres_scratch, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(RICH_TABLE)
        try:
            catalog._PG_TYPES.clear()
            reflected = catalog.refresh(conn, None, None).tables["rich"]
            assert catalog._PG_TYPES, "the inspector's types were remembered"
            built = catalog.refresh(conn, None, None).tables["rich"]
            assert built == reflected
            assert {c.name: repr(c.sa_type) for c in built.columns.values()} == {
                c.name: repr(c.sa_type) for c in reflected.columns.values()
            }
            assert {c.name: c.autoincrement for c in built.columns.values()} == {
                c.name: c.autoincrement for c in reflected.columns.values()
            }
        finally:
            conn.rollback()


DESCRIBED = """
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE parent (id integer PRIMARY KEY);
CREATE TABLE described (
    id serial PRIMARY KEY,
    name varchar(40) NOT NULL DEFAULT 'x',
    feeling mood,
    parent_id integer REFERENCES parent (id) ON DELETE SET NULL,
    gone integer,
    CHECK (id > 0),
    UNIQUE (name, parent_id)
);
ALTER TABLE described DROP COLUMN gone;
CREATE INDEX described_lower ON described (lower(name)) WHERE id > 3;
CREATE UNIQUE INDEX described_pair ON described (parent_id, name);
"""
# Each kind of definition the snapshot before an upgrade reads, as EXPLAIN VERBOSE spells the call.
DEFINITIONS = {
    "column type": r"format_type\(\w+\.atttypid, \w+\.atttypmod\)",
    "column default": r"pg_get_expr\(\w+\.adbin, \w+\.adrelid\)",
    "constraint": r"pg_get_constraintdef\(\w+\.oid\)",
    "index": r"pg_get_indexdef\(\w+\.indexrelid\)",
}


def test_postgresql_the_describing_query_works_out_each_definition_once(postgres_scratch: str) -> None:
    """Working out definitions is most of what the catalog query costs: the query that describes
    tables (before each upgrade) computes each one once, for the digest and the rows alike. It used to
    compute each twice, which made it a quarter dearer. In the plan a computed value shows as the
    call, and a reference to one computed further down as the call in parentheses."""
    import re

    engine = sa.create_engine(postgres_scratch, poolclass=sa.pool.NullPool)
    query = catalog._listing_query("", "AND c.relname = ANY(CAST(:wanted AS name[]))", "true", "true")
    with engine.connect() as conn:
        lines = conn.execute(sa.text(f"EXPLAIN (VERBOSE, COSTS OFF) {query}"), {"schema": None, "wanted": ["x"]})
        plan = "\n".join(line for (line,) in lines)
    for what, call in DEFINITIONS.items():
        computed = len(re.findall(call, plan)) - len(re.findall(rf"(?<![\w.])\({call}\)", plan))
        assert computed == 1, f"{what} worked out {computed} times:\n{plan}"


def test_postgresql_both_catalog_queries_give_a_table_the_same_fingerprint(postgres_scratch: str) -> None:
    """The check after a downgrade (digests only) finds the shape the snapshot before the upgrade
    (digests and definitions) remembered only if both queries digest a table alike."""
    engine = sa.create_engine(postgres_scratch, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(DESCRIBED)
        try:
            for everything, known in ((False, None), (True, None), (True, {"parent"})):
                digests = catalog._pg_listing(conn, None, known, ["described", "parent"], everything, False)
                described = catalog._pg_listing(conn, None, known, ["described", "parent"], everything, True)
                for name in ("described", "parent"):
                    assert digests[name].fingerprint and digests[name].definitions is None
                    assert described[name].fingerprint == digests[name].fingerprint, (name, everything, known)
            rows = described["described"]
            assert len(rows.columns or []) == 4
            assert sorted((kind, name) for kind, name, *_ in rows.definitions or []) == [
                ("constraint", "described_id_check"),
                ("constraint", "described_name_parent_id_key"),
                ("constraint", "described_parent_id_fkey"),
                ("constraint", "described_pkey"),
                ("index", "described_lower"),
                ("index", "described_pair"),
            ]
        finally:
            conn.rollback()


ITEMS_UP = """
op.create_table("owners", sa.Column("id", sa.Integer, primary_key=True))
op.create_table(
    "items",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50)),
    sa.Column("qty", sa.Integer),
    sa.Column("owner_id", sa.Integer),
    sa.ForeignKeyConstraint(["owner_id"], ["owners.id"], name="fk_items_owner", ondelete="CASCADE"),
    sa.UniqueConstraint("name", "qty", name="uq_items_name_qty"),
)
op.create_index("ix_items_stocked", "items", ["name"], postgresql_where=sa.text("qty > 0"), sqlite_where=sa.text("qty > 0"))
"""
BATCH = 'with op.batch_alter_table("items") as b:\n    b.'
RECREATED_WRONG = [
    ("items", None, ITEMS_UP, 'op.drop_table("items")\nop.drop_table("owners")'),
    (
        "fk",
        "items",
        BATCH + 'drop_constraint("fk_items_owner", type_="foreignkey")',
        BATCH + 'create_foreign_key("fk_items_owner", "owners", ["owner_id"], ["id"])',
    ),
    (
        "unique",
        "fk",
        BATCH + 'drop_constraint("uq_items_name_qty", type_="unique")',
        BATCH + 'create_unique_constraint("uq_items_name_qty", ["name"])',
    ),
    (
        "predicate",
        "unique",
        'op.drop_index("ix_items_stocked", table_name="items")',
        'op.create_index("ix_items_stocked", "items", ["name"], postgresql_where=sa.text("qty > 1"), '
        'sqlite_where=sa.text("qty > 1"))',
    ),
]


def test_an_object_the_downgrade_recreates_differently_is_reported(tmp_path: Path, db_url: str) -> None:
    ini = make_project(tmp_path, RECREATED_WRONG)
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=db_url)) as runner:
        results = {r.revision: r for r in runner.check_all()}
        dialect = runner.connection.dialect.name
    assert results["items"].passed
    assert "Foreign key 'fk_items_owner' definition changed after rollback (table 'items')" in results["fk"].failures
    assert "Unique constraint 'uq_items_name_qty' columns changed after rollback (table 'items')" in (
        results["unique"].failures
    )
    if dialect == "mysql":  # no partial indexes: the predicate is ignored both ways
        assert results["predicate"].passed
    else:
        assert results["predicate"].failures == [
            "Index 'ix_items_stocked' definition changed after rollback (table 'items')"
        ]


def test_the_snapshot_budget_holds_for_a_longer_history(tmp_path: Path, sqlite_url: str) -> None:
    """Statements per revision do not grow with the number of tables (SQLite, fast enough for any run)."""
    ini = make_project(tmp_path, growing_schema(30))
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=sqlite_url)) as runner, own_statements(runner) as sent:
        results = runner.check_all()
    assert all(r.passed for r in results)
    assert len(sent) / len(results) <= BUDGET["sqlite"]


FORGETFUL = [
    ("start", None, 'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))', 'op.drop_table("t")'),
    ("rename", "start", 'op.rename_table("t", "t_renamed")', ""),
    ("quoted", "rename", 'op.create_table("Mixed Case", sa.Column("id", sa.Integer, primary_key=True))', ""),
]


def test_tables_a_downgrade_leaves_behind_or_loses_are_found_without_listing_every_table(
    tmp_path: Path, db_url: str
) -> None:
    """On PostgreSQL a snapshot looks up only the names the step's SQL mentions, not every table;
    a table that SQL created, renamed or dropped is still found, whatever its spelling."""
    ini = make_project(tmp_path, FORGETFUL)
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=db_url)) as runner:
        results = {r.revision: r for r in runner.check_all()}
    assert results["start"].passed
    assert results["rename"].failures == [
        "Table 't' no longer exists after rollback",
        "Table 't_renamed' still exists after rollback — downgrade is incomplete",
    ]
    assert results["quoted"].failures == ["Table 'Mixed Case' still exists after rollback — downgrade is incomplete"]


def test_a_table_created_without_being_named_in_create_table_is_still_found(
    tmp_path: Path, postgres_scratch: str
) -> None:
    """`SELECT ... INTO` creates a table no CREATE TABLE names: the step is treated as opaque and
    every table is listed."""
    ini = make_project(
        tmp_path,
        [
            FORGETFUL[0],
            ("select_into", "start", 'op.execute("SELECT id INTO t_copy FROM t")', ""),
        ],
    )
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=postgres_scratch)) as runner:
        results = {r.revision: r for r in runner.check_all()}
    assert results["select_into"].failures == ["Table 't_copy' still exists after rollback — downgrade is incomplete"]


def test_postgresql_works_between_steps_outside_a_transaction_with_a_prepared_catalog_query(
    tmp_path: Path, postgres_scratch: str
) -> None:
    """Between two steps nothing but mrt touches the database, so on PostgreSQL its snapshots, seeding
    and comparisons skip BEGIN and COMMIT, and the seeding its savepoints (each statement commits or
    fails whole by itself). The catalog query is prepared once per connection and planned once, not
    on every run (planning it cost more than running it). The connection is left as it was found:
    no autocommit, no automatic preparation."""
    ini = make_project(tmp_path, growing_schema(6))
    listings: list[bool] = []
    savepoints: list[str] = []

    def record(conn: sa.engine.Connection, cursor: object, statement: str, *args: object) -> None:
        if "md5(concat_ws" in statement:
            listings.append(conn.connection.dbapi_connection.autocommit)
        if statement.upper().startswith("SAVEPOINT"):
            savepoints.append(statement)

    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=postgres_scratch)) as runner:
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
        try:
            assert all(r.passed for r in runner.check_all())
        finally:
            sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
        prepared, custom_plans = runner.connection.execute(
            sa.text(
                "SELECT count(*), sum(custom_plans) FROM pg_prepared_statements "
                "WHERE strpos(statement, 'md5(concat_ws') > 0"
            )
        ).one()
        runner.connection.commit()
        driver = runner.connection.connection.driver_connection
        assert (driver.autocommit, driver.prepare_threshold) == (False, None)
    assert listings == [True] * 12, listings  # a snapshot before each upgrade, a comparison after each downgrade
    assert savepoints == []
    assert 1 <= prepared <= 4  # one per shape of the query, not one per revision
    assert custom_plans == 0


@contextmanager
def round_trips() -> Iterator[list[int]]:
    """Round trips to the server of every psycopg connection opened meanwhile, counted from libpq's
    own trace of the protocol: each time the client speaks again after the server answered."""
    psycopg = pytest.importorskip("psycopg")
    counted = [0]
    traces: dict[int, Any] = {}

    def start(dbapi: Any, record: object) -> None:
        trace = tempfile.TemporaryFile("w+")  # noqa: SIM115  # closed by `stop`, when its connection closes
        dbapi.pgconn.trace(trace.fileno())
        dbapi.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        traces[id(dbapi)] = trace

    def stop(dbapi: Any, record: object) -> None:
        trace = traces.pop(id(dbapi), None)
        if trace is None:
            return
        dbapi.pgconn.untrace()
        trace.seek(0)
        answered = True
        for line in trace:
            sender = line.split("\t", 1)[0]
            if sender == "F" and answered:
                counted[0] += 1
            if sender in ("F", "B"):
                answered = sender == "B"
        trace.close()

    sa.event.listen(sa.engine.Engine, "connect", start)
    sa.event.listen(sa.pool.Pool, "close", stop)
    try:
        yield counted
    finally:
        sa.event.remove(sa.engine.Engine, "connect", start)
        sa.event.remove(sa.pool.Pool, "close", stop)


# Round trips per revision of the benchmark's history on PostgreSQL: bare Alembic (upgrade head,
# downgrade base, upgrade head) needs 6.4; mrt needed 20.7 while seeding and snapshots ran in their
# own transactions, with a savepoint around each seeding statement; 17.3 since they run outside one,
# 17.0 since inserted seed rows come back with the INSERT instead of from reading the table again,
# 16.3 since the rows of a table that only had an index built or dropped are not read again, after
# the downgrade or before the next revision; 13.3 since each step's BEGIN goes with its first
# statement, 10.3 since its COMMIT goes with Alembic's version update. Each of mrt's three steps is its
# own transaction, as `alembic upgrade +1` would be: 6 of them (the statement with the BEGIN, the
# version update with the COMMIT).
ROUND_TRIP_BUDGET = 10.5


def test_postgresql_each_revision_costs_a_fixed_handful_of_round_trips(tmp_path: Path, postgres_scratch: str) -> None:
    """The cost of one more revision, whatever the history's length: the difference between a
    history of 6 revisions and one of 12, so that connecting and cleaning up do not count."""
    counts = {}
    for size in (6, 12):
        ini = make_project(tmp_path / str(size), growing_schema(size))
        if not postgres_scratch.startswith("postgresql+psycopg:"):
            pytest.skip("round trips are counted through psycopg 3")
        with (
            round_trips() as counted,
            AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=postgres_scratch)) as runner,
        ):
            assert all(r.passed for r in runner.check_all())
        counts[size] = counted[0]
    per_revision = (counts[12] - counts[6]) / 6
    assert per_revision <= ROUND_TRIP_BUDGET, f"{per_revision:.1f} round trips per revision"


INDEXED = [
    (
        "start",
        None,
        'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)))',
        'op.drop_table("t")',
    ),
    ("index", "start", 'op.create_index("ix_t_name", "t", ["name"])', 'op.drop_index("ix_t_name", table_name="t")'),
]


def test_rows_are_not_read_again_after_a_revision_that_only_builds_an_index(tmp_path: Path, db_url: str) -> None:
    """Building or dropping an index changes no row: neither after the downgrade nor before the next
    revision are the table's rows read again (its catalog is)."""
    ini = make_project(
        tmp_path,
        [
            *INDEXED,
            (
                "next",
                "index",
                'op.create_table("u", sa.Column("id", sa.Integer, primary_key=True))',
                'op.drop_table("u")',
            ),
        ],
    )
    sent: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        sent.append(" ".join(statement.split()))

    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=db_url)) as runner:
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
        try:
            results = runner.check_all()
        finally:
            sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    assert all(r.passed for r in results), [r.failures for r in results]
    index = next(i for i, statement in enumerate(sent) if statement.startswith("CREATE INDEX"))
    assert "SELECT * FROM t" in sent[:index]  # seeding
    assert "SELECT * FROM t" not in sent[index:]


def test_an_index_built_in_the_same_string_as_an_update_still_has_its_rows_compared(
    tmp_path: Path, postgres_scratch: str
) -> None:
    """One `op.execute` string may hold several statements (PostgreSQL runs them all): it is no
    index-only step."""
    ini = make_project(
        tmp_path,
        [
            INDEXED[0],
            (
                "sneaky",
                "start",
                "op.execute(\"CREATE INDEX ix_t_name ON t (name); UPDATE t SET name = 'renamed'\")",
                'op.drop_index("ix_t_name", table_name="t")',
            ),
        ],
    )
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=postgres_scratch)) as runner:
        results = {r.revision: r for r in runner.check_all()}
    [failure] = results["sneaky"].failures
    assert failure.startswith("Table 't': column 'name' value changed after rollback (expected ")
    assert failure.endswith(", got 'renamed') in 3/3 rows")


def test_the_wipe_at_the_end_drops_every_table_in_one_statement(tmp_path: Path, db_url: str) -> None:
    """A check ends at base by dropping what the migrations left: one DROP TABLE for all of them
    where the engine takes a list (it was one per table, hundreds at the end of a long history), and
    a check of the same history can run again on the emptied database."""
    ini = make_project(tmp_path, growing_schema(12))
    config = MRTConfig(alembic_ini=str(ini), db_url=db_url)
    with AlembicRunner(config) as runner:
        runner.upgrade("head")
        with own_statements(runner) as sent:
            runner.reset()
        dialect = runner.connection.dialect.name
        assert runner.current_heads() == ()
        assert catalog.table_names(runner.connection) == set()
        runner.connection.commit()
    drops = [s for s in sent if s.startswith("DROP TABLE")]
    assert len(drops) == (4 if dialect == "sqlite" else 1), drops
    with AlembicRunner(config) as runner:
        assert all(r.passed for r in runner.check_all())
