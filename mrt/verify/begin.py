"""PostgreSQL through psycopg 3: a step's BEGIN travels with the step's first statement.

psycopg opens a transaction by sending BEGIN and waiting for the answer before it sends the statement
that needed it. A step is typically one DDL statement and Alembic's version update, so that BEGIN was
one of the four round trips a step costs, three steps a revision. While a step runs, the driver
connection is therefore in autocommit mode (psycopg sends no BEGIN of its own), and the step's first
statement goes out as `BEGIN; <statement>` in one simple-protocol message: the server opens a
transaction block that outlives the message, so everything after it runs in that transaction, and
psycopg, seeing the server in a transaction, sends COMMIT or ROLLBACK at the end as it always did.
The cursor is moved on to the statement's own result, so rows and row counts are the statement's.

A first statement the trick cannot carry (one with parameters, which go through the extended protocol
that takes one statement per message; an executemany) turns autocommit back off before it runs, and
psycopg sends its own BEGIN as before. One that runs under SQLAlchemy's AUTOCOMMIT isolation level
(Alembic's `autocommit_block`) must not be in a transaction at all: it is left alone.
"""

from __future__ import annotations

from typing import Any


class FirstStatementBegins:
    """Folds each armed step's BEGIN into its first statement, on one engine's connections."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self._driver: Any = None  # the driver connection a step put in autocommit mode
        self._armed = False  # its next statement must open the step's transaction
        self._enabled = engine.dialect.driver == "psycopg"
        if self._enabled:  # a dialect with listeners runs them for every statement: only where they act
            event.listen(engine, "do_execute", self._execute)
            event.listen(engine, "do_execute_no_params", self._execute_no_params)
            event.listen(engine, "do_executemany", self._executemany)

    def arm(self, connection: Any) -> None:
        """Before a step on `connection` (a SQLAlchemy connection with no transaction open). Only where
        psycopg would send a plain BEGIN and nobody else put the driver in autocommit mode."""
        if not self._enabled or connection.in_transaction():
            return
        driver = connection.connection.driver_connection
        plain = (driver.isolation_level, driver.read_only, driver.deferrable) == (None, None, None)
        if driver.autocommit or not plain or not _idle(driver):
            return
        driver.autocommit = True
        self._driver, self._armed = driver, True

    def disarm(self) -> None:
        """After the step: autocommit off again. A failed step's transaction must be rolled back first,
        so until the server is idle this is left to the next call."""
        self._armed = False
        driver = self._driver
        if driver is not None and (driver.closed or _idle(driver)):
            if not driver.closed:
                driver.autocommit = False
            self._driver = None

    def _take(self, cursor: Any, context: Any) -> Any:
        """The driver connection when this statement is an armed step's first; disarms either way."""
        driver = self._driver
        if not self._armed or cursor.connection is not driver:
            return None
        self._armed = False
        if _autocommit_level(context.root_connection) or not driver.autocommit or not _idle(driver):
            return None
        return driver

    def _execute(self, cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        driver = self._take(cursor, context)
        if driver is None:
            return False
        if parameters:
            driver.autocommit = False  # psycopg begins the transaction itself
            return False
        cursor.execute("BEGIN; " + statement, parameters)
        cursor.nextset()
        return True

    def _execute_no_params(self, cursor: Any, statement: str, context: Any) -> bool:
        if self._take(cursor, context) is None:
            return False
        cursor.execute("BEGIN; " + statement)
        cursor.nextset()
        return True

    def _executemany(self, cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        driver = self._take(cursor, context)
        if driver is not None:
            driver.autocommit = False
        return False


def _idle(driver: Any) -> bool:
    from psycopg.pq import TransactionStatus

    return bool(driver.info.transaction_status == TransactionStatus.IDLE)


def _autocommit_level(connection: Any) -> bool:
    return bool(connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT")
