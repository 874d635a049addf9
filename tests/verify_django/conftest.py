"""The example Django project on each engine: SQLite (Django's temporary test database), and a
uniquely named scratch database on the PostgreSQL and MariaDB servers, dropped afterwards.

Django is configured once per process; every runner here points its `default` alias at the
engine's disposable database (the settings' own db.sqlite3 is never opened).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("django")
sa = pytest.importorskip("sqlalchemy")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "django_project"
ENGINES = ["sqlite", "postgres", "mysql"]


def _scratch_name() -> str:
    return f"mrt_dj_{os.getpid()}_{uuid.uuid4().hex[:8]}_test"


@pytest.fixture(scope="session")
def postgres_db(postgres_url: str) -> Iterator[str]:
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
def mysql_db(mysql_url: str) -> Iterator[str]:
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
def engine_url(request: pytest.FixtureRequest) -> str:
    """'' for SQLite (the runner makes Django's test database itself), a scratch URL on a server."""
    if request.param == "sqlite":
        return ""
    return request.getfixturevalue(f"{request.param}_db")


@pytest.fixture
def shop_config():
    """MRTConfig for the example shop, the way a conftest.py would write it."""
    from mrt.config import MRTConfig

    def make(db_url: str = "", **settings):  # type: ignore[no-untyped-def]
        return MRTConfig(
            django_settings="shopsite.settings", django_project_dir=str(EXAMPLE), db_url=db_url, **settings
        )

    return make
