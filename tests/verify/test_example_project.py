"""The example project's history, checked on SQLite, PostgreSQL and MariaDB: every label right."""

from __future__ import annotations

from pathlib import Path

import pytest

from mrt.config import MRTConfig
from mrt.verify.catalog import table_names
from mrt.verify.runner import AlembicRunner

EXPECTED = {
    "0001": ("reversible", []),
    "0002": ("reversible", []),
    # The seeder fills nullable columns too, so dropping the nullable phone column is data loss.
    "0003": ("data loss detected", ["Table 'users': column 'phone' data lost after rollback (3/3 rows are now NULL"]),
    "0004": ("schema not restored", ["Table 'audit_log' still exists after rollback — downgrade is incomplete"]),
    "0005": ("reversible", []),
    # Mixed-case seed values cannot survive upper() followed by lower().
    "0006": ("data loss detected", ["Table 'users': column 'status' value changed after rollback (expected "]),
    "0007": ("schema not restored", ["Index 'ix_users_email' still exists after rollback"]),
    "0008": (
        "schema not restored",
        [
            "Column 'users.nickname' still present after rollback — downgrade is incomplete",
            "Unique constraint 'uq_users_nickname' still exists after rollback",
        ],
    ),
    "0009": ("reversible", []),
    "0010": ("data loss detected", ["Table 'sessions': 3/3 rows lost after rollback"]),
    "0011": ("reversible", []),
}


def run_check_all(project: Path, url: str, **settings: object) -> dict[str, object]:
    config = MRTConfig(alembic_ini=str(project / "alembic.ini"), db_url=url, **settings)
    with AlembicRunner(config) as runner:
        results = runner.check_all()
        assert runner.current_heads() == (), "check_all leaves the database at base"
        # ...with nothing left behind, although four downgrades in this history are broken.
        assert table_names(runner.connection) == set()
    return {r.revision: r for r in results}


def test_every_revision_is_labelled_right(example_project: Path, db_url: str) -> None:
    results = run_check_all(example_project, db_url)
    for revision, (label, messages) in EXPECTED.items():
        result = results[revision]
        assert result.label == label, (revision, result.failures)
        assert result.passed == (label == "reversible")
        for message in messages:
            assert any(f.startswith(message) for f in result.failures), (revision, result.failures)
        if label != "reversible":
            assert len(result.failures) == len(messages), (revision, result.failures)


def test_enum_label_added_on_postgresql_cannot_be_rolled_back(example_project: Path, db_url: str) -> None:
    result = run_check_all(example_project, db_url)["0012"]
    if db_url.startswith("postgresql"):
        assert result.label == "schema not restored"
        assert result.failures == [
            "Enum type 'ticket_priority' labels changed after rollback ('low', 'high' → 'low', 'high', 'urgent')"
        ]
    else:  # the revision only acts on PostgreSQL
        assert result.passed


def test_failure_summary_and_risk_score(example_project: Path, sqlite_url: str) -> None:
    result = run_check_all(example_project, sqlite_url)["0008"]
    assert result.risk_score == 50
    assert result.failure_summary().splitlines()[0] == (
        "  - Column 'users.nickname' still present after rollback — downgrade is incomplete"
    )


@pytest.mark.parametrize("engine", ["sqlite"])
def test_skip_and_minimum_downgrade_revision(example_project: Path, sqlite_url: str, engine: str) -> None:
    results = run_check_all(
        example_project,
        sqlite_url,
        skip={"0004": "Leaves audit_log on purpose. ADR-7."},
        minimum_downgrade_revision="0002",
    )
    assert results["0004"].skipped and results["0004"].skip_reason == "Leaves audit_log on purpose. ADR-7."
    assert results["0004"].passed
    assert results["0001"].skipped and results["0002"].skipped
    assert "minimum_downgrade_revision" in results["0002"].skip_reason
    assert results["0003"].label == "data loss detected"
    assert results["0007"].label == "schema not restored"
