"""Which tables a step touched, read off its SQL; anything that could act at a distance means all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mrt.verify.watch import touched_tables, uses_raw_dbapi

KNOWN = ["users", "orders", "audit_log"]


def test_ddl_and_dml_name_their_tables() -> None:
    statements = [
        "ALTER TABLE users ADD COLUMN phone VARCHAR(20)",
        'CREATE INDEX ix_orders_total ON "orders" (total)',
        "UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001'",
    ]
    assert touched_tables(statements, KNOWN) == {"users", "orders"}


def test_plain_reads_touch_nothing() -> None:
    assert touched_tables(["SELECT 1", "SELECT alembic_version.version_num FROM alembic_version"], KNOWN) == set()


def test_reflection_reads_by_batch_mode_touch_nothing() -> None:
    assert touched_tables(["SELECT sql FROM sqlite_master WHERE name = 'users'"], KNOWN) == set()


def test_function_calls_and_procedural_code_make_the_step_opaque() -> None:
    assert touched_tables(["SELECT refresh_everything()"], KNOWN) is None
    assert touched_tables(["DO $$ BEGIN PERFORM 1; END $$"], KNOWN) is None
    assert touched_tables(["CALL archive_orders()"], KNOWN) is None
    assert touched_tables(["CREATE TRIGGER t AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION f()"], KNOWN) is None


def test_comments_do_not_name_tables() -> None:
    assert touched_tables(["-- users\nALTER TABLE orders ADD COLUMN x int"], KNOWN) == {"orders"}


def test_raw_dbapi_use_is_noticed_in_the_source() -> None:
    assert uses_raw_dbapi("cursor = op.get_bind().connection.cursor()")
    assert not uses_raw_dbapi('op.execute("UPDATE users SET x = 1")')


def test_writing_through_a_view_makes_the_step_opaque() -> None:
    assert touched_tables(["UPDATE active_users SET name = 'x'"], KNOWN, views=["active_users"]) is None


def test_a_snapshot_folds_its_table_names_once() -> None:
    """A long history asks for the folded names several times a revision: built once per snapshot, and
    again only when the snapshot's tables are replaced."""
    from mrt.verify.catalog import Catalog, Table

    def table(name: str) -> Table:
        return Table(name, {}, (), {}, {}, {}, {})

    snapshot = Catalog({"Users": table("Users"), "orders": table("orders")})
    folded = snapshot.folded_names()
    assert folded == {"users": "Users", "orders": "orders"}
    assert snapshot.folded_names() is folded
    assert touched_tables(["UPDATE users SET x = 1"], folded) == {"Users"}
    snapshot.tables = {"items": table("items")}
    assert snapshot.folded_names() == {"items": "items"}


def test_each_statement_of_a_check_is_scanned_for_identifiers_once(tmp_path: Path, monkeypatch: Any) -> None:
    """A revision's statements are asked about four to six times (tables touched, rows that may have
    changed, table list and other objects changed, names mentioned) and its upgrade runs twice: the
    identifiers of each distinct statement are still read off it only once."""
    from mrt.config import MRTConfig
    from mrt.verify import watch
    from mrt.verify.runner import AlembicRunner
    from tests.verify.projects import make_project
    from tests.verify.test_snapshot_cost import growing_schema

    scanned: list[str] = []

    class CountingPattern:
        def __init__(self, pattern: re.Pattern[str]) -> None:
            self.pattern = pattern

        def finditer(self, text: str) -> Iterator[re.Match[str]]:
            scanned.append(text)
            return self.pattern.finditer(text)

    ini = make_project(tmp_path, growing_schema(9))
    watch._facts.cache_clear()
    monkeypatch.setattr(watch, "_IDENT", CountingPattern(watch._IDENT))
    sent: set[str] = set()
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=f"sqlite:///{tmp_path / 'test.db'}")) as runner:
        original = runner.watch.take

        def take() -> list[str]:
            statements = original()
            sent.update(statements)
            return statements

        monkeypatch.setattr(runner.watch, "take", take)
        results = runner.check_all()
    assert all(r.passed for r in results), [r.failures for r in results]
    assert scanned, "the statements were looked at"
    assert len(scanned) <= len(sent), f"{len(scanned)} scans for {len(sent)} distinct statements"


def test_a_snapshot_carries_the_folded_names_over_from_the_one_before() -> None:
    """Derived from the previous snapshot's, the folded names and the tables with foreign keys are
    what a build over every table gives, also when two names differ only in case."""
    from mrt.verify.catalog import Catalog, ForeignKey, Table

    def table(name: str, parent: str | None = None) -> Table:
        fks = {} if parent is None else {"fk": ForeignKey("fk", ("p",), parent, ("id",))}
        return Table(name, {}, (), {}, {}, {}, fks)

    before = Catalog({"Users": table("Users"), "orders": table("orders", "Users"), "Items": table("Items")})
    before.folded_names(), before.with_foreign_keys()
    cases = [
        (
            {"Users": table("Users"), "orders": table("orders"), "lines": table("lines", "orders")},
            {"Items", "lines", "orders"},
        ),
        ({**before.tables, "users": table("users")}, {"users"}),  # a second name for "users"
        ({"orders": before.tables["orders"], "Items": before.tables["Items"]}, {"Users"}),
        ({**before.tables, "ITEMS": table("ITEMS")}, {"ITEMS"}),
    ]
    for tables, changed in cases:
        carried = Catalog(dict(tables))
        carried._carry_over(before, changed)
        built = Catalog(dict(tables))
        assert carried.folded_names() == built.folded_names(), changed
        assert {t.name for t in carried.with_foreign_keys()} == {t.name for t in built.with_foreign_keys()}


def test_a_check_folds_each_table_name_about_once(tmp_path: Path, monkeypatch: Any) -> None:
    """Two snapshots a revision used to fold every table name each: a long history's revisions cost
    more and more. Now a snapshot folds only the names its revision changed."""
    from mrt.config import MRTConfig
    from mrt.verify import watch
    from mrt.verify.runner import AlembicRunner
    from tests.verify.projects import make_project
    from tests.verify.test_snapshot_cost import growing_schema

    folded = [0]

    class Counting(watch.FoldedNames):
        def __init__(self, items: Any = ()) -> None:
            if not isinstance(items, dict):
                items = list(items)
                folded[0] += len(items)
            super().__init__(items)

    ini = make_project(tmp_path, growing_schema(24))
    monkeypatch.setattr(watch, "FoldedNames", Counting)
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=f"sqlite:///{tmp_path / 'test.db'}")) as runner:
        results = runner.check_all()
    assert all(r.passed for r in results), [r.failures for r in results]
    assert folded[0] <= 8, f"{folded[0]} table names folded one by one for 24 revisions and 8 tables"
