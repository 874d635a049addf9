"""Scratch databases for the verifier tests: one per engine and test session, dropped afterwards.

SQLite is a file in pytest's temporary directory. PostgreSQL and MariaDB get a freshly created
database with a unique name (process id and a random part), created through the server URL from
tests/conftest.py and dropped at the end of the session, so concurrent runs never collide.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sa = pytest.importorskip("sqlalchemy")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "alembic_project"
ENGINES = ["sqlite", "postgres", "mysql"]


def _scratch_name() -> str:
    return f"mrt_{os.getpid()}_{uuid.uuid4().hex[:8]}_test"


@pytest.fixture(scope="session")
def postgres_scratch(postgres_url: str) -> Iterator[str]:
    from sqlalchemy.engine import make_url

    name = _scratch_name()
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def mysql_scratch(mysql_url: str) -> Iterator[str]:
    from sqlalchemy.engine import make_url

    name = _scratch_name()
    admin = sa.create_engine(mysql_url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    yield make_url(mysql_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
    admin.dispose()


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
