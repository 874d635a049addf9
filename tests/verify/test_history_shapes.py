"""check_all walks any history once: branches, merges, failing upgrades and timeouts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mrt.config import MRTConfig
from mrt.verify.runner import AlembicRunner
from tests.verify.projects import make_project

CREATE = 'op.create_table("{0}", sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.String(20)))'
DROP = 'op.drop_table("{0}")'


def check_all(ini: Path, url: str, **settings: object) -> dict[str, object]:
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=url, **settings)) as runner:
        results = runner.check_all()
        assert runner.current_heads() == ()
        assert sorted(runner.project.revisions) == sorted(r.revision for r in results), "every revision, once"
    return {r.revision: r for r in results}


def test_branches_and_a_merge_are_walked_once(tmp_path: Path, db_url: str) -> None:
    ini = make_project(
        tmp_path,
        [
            ("a", None, CREATE.format("base_t"), DROP.format("base_t")),
            ("b1", "a", CREATE.format("left_t"), DROP.format("left_t")),
            (
                "b2",
                "a",
                CREATE.format("right_t") + '\nop.create_index("ix_right_v", "right_t", ["v"])',
                DROP.format("right_t"),
            ),
            ("m", ("b1", "b2"), "", ""),
            ("c", "m", 'op.add_column("left_t", sa.Column("w", sa.Integer))', 'op.drop_column("left_t", "w")'),
        ],
    )
    results = check_all(ini, db_url)
    order = list(results)
    assert order[0] == "a" and set(order[1:3]) == {"b1", "b2"} and order[3:] == ["m", "c"]
    assert all(r.passed for r in results.values()), {k: r.failures for k, r in results.items()}


def test_a_failing_upgrade_blocks_only_its_descendants(tmp_path: Path, sqlite_url: str) -> None:
    ini = make_project(
        tmp_path,
        [
            ("a", None, CREATE.format("base_t"), DROP.format("base_t")),
            ("bad", "a", 'raise RuntimeError("boom")', ""),
            ("after_bad", "bad", CREATE.format("x"), DROP.format("x")),
            ("good", "a", CREATE.format("y"), ""),  # downgrade forgets the table
            ("good2", "good", CREATE.format("z"), DROP.format("z")),
        ],
    )
    results = check_all(ini, sqlite_url)
    assert results["bad"].label == "upgrade failed"
    assert results["bad"].failures == ["upgrade failed: RuntimeError: boom"]
    assert results["after_bad"].skipped and "depends on 'bad'" in results["after_bad"].skip_reason
    assert results["good"].failures == ["Table 'y' still exists after rollback — downgrade is incomplete"]
    assert results["good2"].passed  # the database was rebuilt after 'good' and the walk went on


def test_a_failing_downgrade_fails_that_revision_and_the_walk_goes_on(tmp_path: Path, db_url: str) -> None:
    ini = make_project(
        tmp_path,
        [
            ("a", None, CREATE.format("t"), DROP.format("t")),
            ("b", "a", 'op.add_column("t", sa.Column("w", sa.Integer))', 'op.drop_column("t", "missing_column")'),
            ("c", "b", CREATE.format("u"), DROP.format("u")),
        ],
    )
    results = check_all(ini, db_url)
    assert results["b"].label == "downgrade failed"
    assert results["b"].failures[0].startswith("downgrade failed: ")
    assert results["c"].passed


def test_a_failed_step_left_half_applied_is_reported(tmp_path: Path, db_url: str) -> None:
    """MySQL and SQLite do not roll back DDL: a failing upgrade can leave part of itself behind."""
    ini = make_project(
        tmp_path,
        [
            ("a", None, CREATE.format("t"), DROP.format("t")),
            ("b", "a", CREATE.format("half") + '\nop.execute("SELECT * FROM no_such_table")', DROP.format("half")),
        ],
    )
    result = check_all(ini, db_url)["b"]
    assert result.label == "upgrade failed"
    if db_url.startswith("postgresql"):
        assert len(result.failures) == 1  # transactional DDL: nothing is left behind
    else:
        assert "left the database half-migrated" in result.failures[1]
        assert "Table 'half' still exists" in result.failures[1]


@pytest.mark.parametrize("where", ["upgrade", "downgrade"])
def test_a_step_over_migration_timeout_fails_that_revision_and_is_cut_short(
    tmp_path: Path, db_url: str, where: str
) -> None:
    dialect = db_url.split(":", 1)[0].split("+", 1)[0]
    server_sleep = {"postgresql": 'op.execute("SELECT pg_sleep(60)")', "mysql": 'op.execute("SELECT SLEEP(60)")'}
    slow = server_sleep.get(dialect, "time.sleep(60)")
    up, down = (slow, "") if where == "upgrade" else ("", slow)
    ini = make_project(
        tmp_path,
        [
            ("a", None, CREATE.format("t"), DROP.format("t")),
            ("slow", "a", up, down),
            ("c", "a", CREATE.format("u"), DROP.format("u")),
        ],
    )
    started = time.monotonic()
    results = check_all(ini, db_url, migration_timeout=1)
    elapsed = time.monotonic() - started
    assert results["slow"].label == "timed out"
    assert results["slow"].failures[0] == f"{where} failed: timed out after 1s (migration_timeout)"
    assert results["c"].passed
    assert elapsed < 40, "a 60 s step must be cut short at the 1 s limit, not waited for"


def test_python_sleep_is_interrupted_on_every_engine(tmp_path: Path, db_url: str) -> None:
    ini = make_project(
        tmp_path,
        [("a", None, CREATE.format("t"), DROP.format("t")), ("slow", "a", "time.sleep(60)", "")],
    )
    started = time.monotonic()
    results = check_all(ini, db_url, migration_timeout=1)
    assert results["slow"].label == "timed out"
    assert time.monotonic() - started < 40


def test_a_trigger_that_changes_another_table_is_caught(tmp_path: Path, sqlite_url: str) -> None:
    """r3's SQL names only table a, but a trigger empties b: mrt re-reads everything when triggers exist."""
    ini = make_project(
        tmp_path,
        [
            ("r1", None, CREATE.format("a") + "\n" + CREATE.format("b"), DROP.format("b") + "\n" + DROP.format("a")),
            (
                "r2",
                "r1",
                'op.execute("CREATE TRIGGER empty_b AFTER UPDATE ON a BEGIN DELETE FROM b; END")',
                'op.execute("DROP TRIGGER empty_b")',
            ),
            ("r3", "r2", 'op.execute("UPDATE a SET v = v")', ""),
        ],
    )
    results = check_all(ini, sqlite_url)
    assert results["r2"].passed
    assert results["r3"].failures == ["Table 'b': 3/3 rows lost after rollback"]
