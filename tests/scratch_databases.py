"""Create and drop uniquely named scratch databases on the test servers.

Shared by the verifier test suites (Alembic and Django). Each suite keeps its own session fixtures,
and so its own databases: the name carries a prefix, the process id and a random part, so suites,
xdist workers and concurrent runs never collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager


def scratch_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}_test"


@contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new empty database on the server behind `server_url`; yields its URL, drops it afterwards."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = scratch_name(prefix)
    url = make_url(server_url)
    postgres = url.get_backend_name() == "postgresql"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT") if postgres else sa.create_engine(server_url)
    create = f'CREATE DATABASE "{name}"' if postgres else f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' if postgres else f"DROP DATABASE IF EXISTS `{name}`"
    with admin.connect() as conn:
        conn.exec_driver_sql(create)
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(drop)
        admin.dispose()
