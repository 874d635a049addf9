"""Scratch databases for the verifier tests: one per engine and test session, dropped afterwards.

SQLite is a file in pytest's temporary directory. PostgreSQL and MariaDB get a freshly created
database with a unique name (process id and a random part), created through the server URL from
tests/conftest.py and dropped at the end of the session, so concurrent runs never collide.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from scratch_databases import scratch_database

pytest.importorskip("sqlalchemy")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "alembic_project"
ENGINES = ["sqlite", "postgres", "mysql"]


@pytest.fixture(scope="session")
def postgres_scratch(postgres_url: str) -> Iterator[str]:
    with scratch_database(postgres_url, "mrt") as url:
        yield url


@pytest.fixture(scope="session")
def mysql_scratch(mysql_url: str) -> Iterator[str]:
    with scratch_database(mysql_url, "mrt") as url:
        yield url


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A disposable database URL for each engine (server ones skip when their URL is not set)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'verify_test.db'}"
    return request.getfixturevalue(f"{request.param}_scratch")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'verify_test.db'}"


@pytest.fixture
def example_project(tmp_path: Path) -> Path:
    """A private copy of examples/alembic_project (tests may add revisions to it)."""
    target = tmp_path / "alembic_project"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    return target
