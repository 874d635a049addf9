"""PostgreSQL through psycopg 3: a step's BEGIN travels with its first statement, its COMMIT with
Alembic's update of the version table.

psycopg opens a transaction by sending BEGIN and waiting for the answer before it sends the statement
that needed it, and ends it with a COMMIT it waits for too. A step is typically one DDL statement and
Alembic's version update, so two of its four round trips were BEGIN and COMMIT, three steps a revision;
where each wait for the server also waits for a turn on a busy machine, they cost more than the
statement itself. While a step runs, the driver connection is therefore in autocommit mode (psycopg
sends no BEGIN of its own) and, in one simple-protocol message each:

* the step's first statement goes out as `BEGIN; <statement>`: the server opens a transaction block
  that outlives the message, so everything after it runs in that transaction;
* Alembic's `UPDATE <version table>`, the last statement of a step (after the migration, after any
  DELETE or INSERT of a merge), goes out as `<statement>; COMMIT`, and psycopg, finding the server idle,
  sends no COMMIT of its own when Alembic commits. A COMMIT that fails (a deferred constraint) fails
  that statement, so the step still fails as a whole, and is rolled back.

The cursor stays on the statement's own result, so its rows and row count are the statement's.
A statement the trick cannot carry (one with parameters, which go through the extended protocol that
takes one statement per message; an executemany) turns autocommit back off if it is the first, and
psycopg sends its own BEGIN as it always did. One that runs under SQLAlchemy's AUTOCOMMIT isolation
level (Alembic's `autocommit_block`) must not be in a transaction at all: it is left alone. Nothing is
folded into the version update when env.py registers `on_version_apply` callbacks, which run SQL after
it in the step's transaction.
"""

from __future__ import annotations

from typing import Any


class StepTransactions:
    """Folds each armed step's BEGIN and COMMIT into its statements, on one engine's connections."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self._driver: Any = None  # the driver connection a step put in autocommit mode
        self._begin = False  # its next statement must open the step's transaction
        self._version: tuple[str, str | None] | None = None  # (table, schema) whose UPDATE ends the step
        self._enabled = engine.dialect.driver == "psycopg"
        if self._enabled:  # a dialect with listeners runs them for every statement: only where they act
            event.listen(engine, "do_execute", self._execute)
            event.listen(engine, "do_execute_no_params", self._execute_no_params)
            event.listen(engine, "do_executemany", self._executemany)

    def arm(self, connection: Any, version: tuple[str, str | None] | None) -> None:
        """Before a step on `connection` (a SQLAlchemy connection with no transaction open), whose
        `version` table's UPDATE may carry the COMMIT (None: it may not). Only where psycopg would send
        a plain BEGIN and nobody else put the driver in autocommit mode."""
        if not self._enabled or connection.in_transaction():
            return
        driver = connection.connection.driver_connection
        plain = (driver.isolation_level, driver.read_only, driver.deferrable) == (None, None, None)
        if driver.autocommit or not plain or not _idle(driver):
            return
        driver.autocommit = True
        self._driver, self._begin, self._version = driver, True, version

    def disarm(self) -> None:
        """After the step: autocommit off again. A failed step's transaction must be rolled back first,
        so until the server is idle this is left to the next call."""
        self._begin, self._version = False, None
        driver = self._driver
        if driver is not None and (driver.closed or _idle(driver)):
            if not driver.closed:
                driver.autocommit = False
            self._driver = None

    def _fold(self, cursor: Any, statement: str, context: Any, parameters: Any = None) -> bool:
        driver = self._driver
        if driver is None or cursor.connection is not driver:
            return False
        first, self._begin = self._begin, False
        if _autocommit_level(context.root_connection):
            return False  # an autocommit block: no transaction at all
        if driver.autocommit and _idle(driver) and (parameters or not first):
            # psycopg begins this statement's transaction itself: a first statement with parameters, or
            # one after the migration ended the step's transaction (an explicit COMMIT), as it would have
            driver.autocommit = False
            return False
        begin = first and driver.autocommit
        commit = not parameters and self._ends_step(context) and (begin or _in_transaction(driver))
        if not (begin or commit):
            return False
        sql = f"BEGIN; {statement}" if begin else statement
        cursor.execute(f"{sql}\n; COMMIT" if commit else sql, parameters)
        if begin:
            cursor.nextset()  # from BEGIN's result to the statement's
        return True

    def _ends_step(self, context: Any) -> bool:
        """Is this Alembic's UPDATE of the version table, after which a step runs nothing?"""
        from sqlalchemy.sql.dml import Update

        statement = getattr(context.compiled, "statement", None)
        if self._version is None or not isinstance(statement, Update):
            return False
        table = statement.table
        return (getattr(table, "name", None), getattr(table, "schema", None)) == self._version

    def _execute(self, cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        return self._fold(cursor, statement, context, parameters)

    def _execute_no_params(self, cursor: Any, statement: str, context: Any) -> bool:
        return self._fold(cursor, statement, context)

    def _executemany(self, cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        driver = self._driver
        if driver is not None and cursor.connection is driver and self._begin:
            self._begin = False
            if driver.autocommit and _idle(driver) and not _autocommit_level(context.root_connection):
                driver.autocommit = False
        return False


def _idle(driver: Any) -> bool:
    from psycopg.pq import TransactionStatus

    return bool(driver.pgconn.transaction_status == TransactionStatus.IDLE)


def _in_transaction(driver: Any) -> bool:
    from psycopg.pq import TransactionStatus

    return bool(driver.pgconn.transaction_status == TransactionStatus.INTRANS)


def _autocommit_level(connection: Any) -> bool:
    return bool(connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT")
