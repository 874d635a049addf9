"""One database per pytest-xdist worker, so parallel workers never migrate the same database.

The worker id (`gw0`, `gw1`, ...) is appended to the database name: `test.db` -> `test_gw0.db` for
SQLite, `myapp_test` -> `myapp_test_gw0` on a server, where it is created on first use (through a
connection to the configured database) and dropped when the session ends.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from mrt.verify.errors import VerifyError


def worker_url(url: str, worker: str | None) -> str:
    """The URL a worker should use: unchanged outside xdist and for in-memory SQLite."""
    if not worker:
        return url
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() == "sqlite":
        if database in ("", ":memory:"):
            return url
        path = PurePath(database)
        renamed = path.with_name(f"{path.stem}_{worker}{path.suffix}")
        return parsed.set(database=str(renamed)).render_as_string(hide_password=False)
    return parsed.set(database=f"{database}_{worker}").render_as_string(hide_password=False)


def create_worker_database(base_url: str, url: str) -> bool:
    """Create the worker's server database if missing; True when this call created it."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if target.get_backend_name() == "sqlite" or url == base_url:
        return False
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if _exists(conn, target.database):
                return False
            conn.exec_driver_sql(f"CREATE DATABASE {conn.dialect.identifier_preparer.quote(target.database)}")
            return True
    except sa.exc.DBAPIError as exc:
        raise VerifyError(f"cannot create the xdist worker database {target.database!r}: {exc.orig}") from None
    finally:
        admin.dispose()


def drop_worker_database(base_url: str, url: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            name = conn.dialect.identifier_preparer.quote(target.database)
            force = " WITH (FORCE)" if conn.dialect.name == "postgresql" else ""
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")
    finally:
        admin.dispose()


def _exists(conn: Any, name: str) -> bool:
    from sqlalchemy import text

    if conn.dialect.name == "postgresql":
        query = "SELECT 1 FROM pg_database WHERE datname = :name"
    else:
        query = "SELECT 1 FROM information_schema.schemata WHERE schema_name = :name"
    return conn.execute(text(query), {"name": name}).first() is not None
