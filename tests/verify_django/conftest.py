"""The example Django project on each engine: SQLite (Django's temporary test database), and a
uniquely named scratch database on the PostgreSQL and MariaDB servers, dropped afterwards.

Django is configured once per process; every runner here points its `default` alias at the
engine's disposable database (the settings' own db.sqlite3 is never opened).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scratch_databases import scratch_database

pytest.importorskip("django")
pytest.importorskip("sqlalchemy")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "django_project"
ENGINES = ["sqlite", "postgres", "mysql"]


@pytest.fixture(scope="session")
def postgres_db(postgres_url: str) -> Iterator[str]:
    with scratch_database(postgres_url, "mrt_dj") as url:
        yield url


@pytest.fixture(scope="session")
def mysql_db(mysql_url: str) -> Iterator[str]:
    with scratch_database(mysql_url, "mrt_dj") as url:
        yield url


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
