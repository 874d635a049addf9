"""Connections to the verified database: creating the engine, cancelling a running statement, and
wiping what the migrations created so a failed round trip can be rebuilt from base.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from mrt.verify.errors import VerifyError


def create_engine(url: str) -> Any:
    """An engine with no pooling surprises: one static connection for in-memory SQLite, none kept otherwise."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool, StaticPool

    try:
        parsed = make_url(url)
    except Exception as exc:
        raise VerifyError(f"invalid database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        return sa.create_engine(parsed, poolclass=StaticPool, connect_args={"check_same_thread": False})
    kwargs: dict[str, Any] = {"poolclass": NullPool}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False}  # the watchdog interrupts from its thread
    elif parsed.get_driver_name() == "psycopg":
        # Server-side prepared statements go stale when a migration changes a table's columns.
        kwargs["connect_args"] = {"prepare_threshold": None}
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except Exception as exc:  # a missing driver, typically
        raise VerifyError(f"cannot use {parsed.render_as_string(hide_password=True)}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _no_fsync)
    return engine


def _no_fsync(dbapi_connection: Any, record: Any) -> None:
    """The database is thrown away afterwards: waiting for the disk after every step buys nothing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous = OFF")
    cursor.close()


def connect(engine: Any) -> Any:
    """Open a connection; an unreachable server is one clear line, not a traceback."""
    from sqlalchemy.exc import DBAPIError

    try:
        return engine.connect()
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        url = engine.url.render_as_string(hide_password=True)
        raise VerifyError(f"cannot connect to {url}: {reason}") from None


_LOCK_SHARE = 0.8  # of migration_timeout, for lock waits


def session_settings(dialect: str, timeout: float | None) -> list[str]:
    """Statements that set up a verifier session on a server.

    PostgreSQL: no waiting for the disk on commit (every step commits, and the database is thrown
    away afterwards), generic plans for prepared statements (`_GENERIC_PLANS`), and the step limit as
    `statement_timeout`. On both servers a lock wait gives up a little before `migration_timeout`
    (`lock_timeout`; MySQL's `lock_wait_timeout` and `innodb_lock_wait_timeout`, whole seconds, at
    least 1): the step then fails with the server's own "lock timeout" error, which names the cause,
    instead of a bare time-out; and on MySQL, where the time-out signal cannot stop a statement the
    server is still running, the statement gives up too.
    """
    if dialect == "postgresql":
        statements = ["SET synchronous_commit = off", _GENERIC_PLANS]
        if timeout:
            statements.append(f"SET statement_timeout = {max(int(timeout * 1000), 1)}")
            statements.append(f"SET lock_timeout = {max(int(timeout * _LOCK_SHARE * 1000), 1)}")
        return statements
    if dialect in ("mysql", "mariadb") and timeout:
        seconds = max(int(timeout * _LOCK_SHARE), 1)
        return [f"SET SESSION lock_wait_timeout = {seconds}", f"SET SESSION innodb_lock_wait_timeout = {seconds}"]
    return []


# The catalog query a snapshot sends (`mrt.verify.catalog`) is prepared once, but for the few tables
# a step changed PostgreSQL estimates a custom plan cheaper than the generic one and plans it afresh
# on every run, which took longer than running it. Only prepared statements are concerned: the
# migrations' own statements are not prepared (`create_engine`), and what they compute is the same
# under either plan. `plan_cache_mode` exists since PostgreSQL 12; older servers keep their default.
_GENERIC_PLANS = (
    "SELECT set_config('plan_cache_mode', 'force_generic_plan', false) "
    "WHERE current_setting('server_version_num')::int >= 120000"
)


@contextlib.contextmanager
def outside_a_transaction(connection: Any, *, writes: bool = False) -> Iterator[None]:
    """PostgreSQL: run mrt's own work between two steps in autocommit mode. Nothing else writes to
    the database meanwhile, so reads need no transaction, and BEGIN and COMMIT would be two of the
    few round trips a revision costs. With `writes`, only where every statement commits or fails
    whole on its own (`stands_alone`), so that the seeder needs no savepoints either."""
    dbapi = connection.connection.dbapi_connection
    usable = connection.dialect.name == "postgresql" and not connection.in_transaction()
    usable = usable and getattr(dbapi, "autocommit", True) is False
    if not usable or (writes and not _pipelines(dbapi)):
        yield
        return
    dbapi.autocommit = True
    try:
        yield
    finally:
        dbapi.autocommit = False


def stands_alone(connection: Any) -> bool:
    """Does each statement on `connection` commit or fail whole by itself? PostgreSQL through
    psycopg 3 in autocommit mode (`outside_a_transaction`): a statement is its own transaction, and
    an executemany goes out as one pipeline, which the server runs as one implicit transaction."""
    dbapi = connection.connection.dbapi_connection
    return connection.dialect.name == "postgresql" and getattr(dbapi, "autocommit", False) is True and _pipelines(dbapi)


def _pipelines(dbapi: Any) -> bool:
    """psycopg 3 sends an executemany as one pipeline when its libpq can (version 14 and later)."""
    if type(dbapi).__module__.partition(".")[0] != "psycopg":
        return False
    import psycopg

    return bool(psycopg.Pipeline.is_supported())


def is_lock_timeout(exc: BaseException) -> bool:
    """Did a statement give up waiting for a lock (PostgreSQL 55P03, MySQL 1205)?"""
    for error in (getattr(exc, "orig", None), exc.__cause__, exc):  # SQLAlchemy's, Django's wrapper, or raw
        if getattr(error, "sqlstate", None) == "55P03" or getattr(error, "args", (None,))[:1] == (1205,):
            return True
    return False


def is_disconnect(exc: BaseException, connection: Any = None) -> bool:
    """Was the connection lost (killed, server gone) rather than the statement failing?

    SQLAlchemy says so on its connection; under Django, the driver's error says it: PostgreSQL's
    SQLSTATE class 08 and 57P0x (terminated by an administrator, server shutting down), MySQL's
    "connection was killed" and "server has gone away / lost connection".
    """
    if not isinstance(exc, Exception):  # a time-out or Ctrl-C: SQLAlchemy drops the connection itself
        return False
    if getattr(exc, "connection_invalidated", False):
        return True
    if connection is not None and (getattr(connection, "invalidated", False) or getattr(connection, "closed", False)):
        return True
    for error in (getattr(exc, "orig", None), exc.__cause__, exc):
        state = getattr(error, "sqlstate", None) or ""
        if state.startswith(("08", "57P0")) or getattr(error, "args", (None,))[:1] in _MYSQL_LOST:
            return True
    return False


_MYSQL_LOST = {(1927,), (2006,), (2013,)}


def canceller(engine: Any, connection: Any) -> Any:
    """A function that stops the statement `connection` is running, callable from another thread."""
    name = connection.dialect.name
    driver = connection.connection.driver_connection
    if name == "sqlite":
        return driver.interrupt
    if name == "postgresql":
        return getattr(driver, "cancel_safe", None) or driver.cancel
    if name in ("mysql", "mariadb"):
        thread_id = driver.thread_id()

        def kill() -> None:
            with engine.connect() as other:
                other.exec_driver_sql(f"KILL QUERY {int(thread_id)}")

        return kill
    return None


def wipe(connection: Any, keep: Iterable[str] = (), version_table: str = "alembic_version") -> None:
    """Drop every view, table, sequence and enum type not in `keep`, and empty the version table.

    A wipe that the server refuses (typically: another session holds a lock on a table, past the lock
    timeout) stops the run with one line; nothing can be verified on a database that cannot be reset.
    """
    from sqlalchemy.exc import DBAPIError

    try:
        _wipe(connection, keep, version_table)
    except DBAPIError as exc:
        text = str(exc.orig if exc.orig is not None else exc).strip()
        reason = f"{type(exc.orig or exc).__name__}: {text.splitlines()[0] if text else ''}"
        if is_lock_timeout(exc):
            reason = f"another session holds a lock on a table it must drop ({reason})"
        raise VerifyError(f"could not wipe the database back to base: {reason}") from None


def _wipe(connection: Any, keep: Iterable[str], version_table: str) -> None:
    from sqlalchemy import inspect

    keep = set(keep)
    name = connection.dialect.name
    inspector = inspect(connection)
    prep = connection.dialect.identifier_preparer
    views = [v for v in inspector.get_view_names() if v not in keep]
    tables = [t for t in inspector.get_table_names() if t not in keep and t != version_table]
    fk_on = False
    if name == "sqlite":
        fk_on = bool(connection.exec_driver_sql("PRAGMA foreign_keys").scalar())
        connection.commit()  # the pragma is a no-op inside a transaction
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
    elif name in ("mysql", "mariadb"):
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
    cascade = " CASCADE" if name == "postgresql" else ""
    _drop(connection, "VIEW", views, cascade)
    _drop(connection, "TABLE", tables, cascade)
    try:
        sequences = [s for s in inspector.get_sequence_names() if s not in keep]
    except NotImplementedError:
        sequences = []
    _drop(connection, "SEQUENCE", sequences, cascade)
    if name == "postgresql":
        enums = [e["name"] for e in inspector.get_enums() if e["name"] not in keep and e.get("visible", True)]
        _drop(connection, "TYPE", enums, cascade)
    if version_table in inspector.get_table_names():
        connection.exec_driver_sql(f"DELETE FROM {prep.quote(version_table)}")
    if name in ("mysql", "mariadb"):
        connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
    connection.commit()
    if fk_on:
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")


def _drop(connection: Any, kind: str, names: list[str], cascade: str) -> None:
    """DROP `kind` every one of `names`: in one statement where the engine takes a list (PostgreSQL,
    MySQL, MariaDB), which is one round trip instead of one per object, the hundreds of tables a long
    history leaves at the end of a check included; one at a time elsewhere (SQLite takes one name)."""
    if not names:
        return
    quote = connection.dialect.identifier_preparer.quote
    if connection.dialect.name not in ("postgresql", "mysql", "mariadb"):
        for name in names:
            connection.exec_driver_sql(f"DROP {kind} IF EXISTS {quote(name)}")
        return
    connection.exec_driver_sql(f"DROP {kind} IF EXISTS {', '.join(quote(name) for name in names)}{cascade}")


def baseline(connection: Any, version_table: str = "alembic_version") -> set[str]:
    """Names of objects that exist at base and are not the migrations' (kept by `wipe`)."""
    from sqlalchemy import inspect

    inspector = inspect(connection)
    names = set(inspector.get_table_names()) | set(inspector.get_view_names())
    with contextlib.suppress(NotImplementedError):
        names |= set(inspector.get_sequence_names())
    if connection.dialect.name == "postgresql":
        names |= {e["name"] for e in inspector.get_enums()}
    names.discard(version_table)
    return names
