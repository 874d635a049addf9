"""Verifier faults: the connection killed mid-step, Ctrl-C, a lock another session holds.

Already covered elsewhere: a migration that raises mid-upgrade or mid-downgrade, and one that runs
past `migration_timeout` (tests/verify/test_history_shapes.py). Here, each fault gives a clear
one-line failure for the revision it hit, the run goes on where it can, and the database is left as
clean as it was found. The database servers are never stopped (other test runs share them): the
verifier's connection is killed from a second session instead, which is what the verifier sees when
a server restarts or an administrator terminates it.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from interrupted_runs import started_until

from mrt.cli import run
from mrt.config import MRTConfig
from mrt.verify.errors import Interrupted, VerifyError
from mrt.verify.result import RevisionResult
from mrt.verify.runner import AlembicRunner, MigrationFailed
from tests.verify.projects import make_project

CREATE = 'op.create_table("{0}", sa.Column("id", sa.Integer, primary_key=True), sa.Column("v", sa.String(20)))'
DROP = 'op.drop_table("{0}")'
ADD_W = 'op.add_column("t", sa.Column("w", sa.Integer))'
DROP_W = 'op.drop_column("t", "w")'

# Per server: the migration's session id, how a second session kills it, a statement that waits.
SESSIONS = {
    "postgresql": ("SELECT pg_backend_pid()", "SELECT pg_terminate_backend({})", "SELECT pg_sleep(10)"),
    "mysql": ("SELECT CONNECTION_ID()", "KILL {}", "SELECT SLEEP(10)"),
}


def dialect_of(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def killed_by_another_session(dialect: str) -> str:
    """A migration body that waits on the server while a second connection kills its session."""
    session_id, kill, wait = SESSIONS[dialect]
    return f"""
    import threading

    bind = op.get_bind()
    session = bind.exec_driver_sql("{session_id}").scalar()
    url = bind.engine.url.render_as_string(hide_password=False)

    def kill():
        time.sleep(0.3)
        engine = sa.create_engine(url)
        with engine.connect() as other:
            other.exec_driver_sql("{kill}".format(session))
        engine.dispose()

    threading.Thread(target=kill).start()
    op.execute("{wait}")
    """


def leftovers(url: str) -> dict[str, object]:
    """What a finished run left in the database: tables, version rows, other sessions (PostgreSQL)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        versions = conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar()
        sessions = 0
        if conn.dialect.name == "postgresql":
            sessions = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).scalar()
    engine.dispose()
    return {"tables": tables, "version rows": versions, "other sessions": sessions}


CLEAN = {"tables": set(), "version rows": 0, "other sessions": 0}


@pytest.fixture(params=["postgres", "mysql"])
def server_url(request: pytest.FixtureRequest) -> str:
    """A scratch database on each server (skipped without its MRT_TEST_*_URL)."""
    return request.getfixturevalue(f"{request.param}_scratch")


# -- the connection killed mid-step ------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["upgrade", "downgrade"])
def test_a_killed_connection_fails_that_revision_and_the_run_reconnects(
    tmp_path: Path, server_url: str, where: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """mrt reconnects and goes on: after any failed step it rebuilds the database from base on a
    fresh connection, so nothing depends on the session that was lost."""
    killer = killed_by_another_session(dialect_of(server_url))
    up, down = (killer, DROP_W) if where == "upgrade" else (ADD_W, killer)
    make_project(
        tmp_path,
        [("a", None, CREATE.format("t"), DROP.format("t")), ("b", "a", up, down), ("c", "b", CREATE.format("u"), "")],
    )
    monkeypatch.chdir(tmp_path)
    assert run(["verify", "--db-url", server_url, "--timeout", "5", "--format", "json"]) == 2
    out, err = capsys.readouterr()
    assert err == ""  # no traceback, no warning
    results = {r["revision"]: r for r in json.loads(out)["results"]}
    [message] = results["b"]["failures"]
    assert message.startswith(f"the database connection was lost during {where} of 'b': ")
    assert "\n" not in message
    assert results["b"]["label"] == f"{where} failed"
    if where == "upgrade":  # c builds on a revision that could not be applied
        assert results["c"]["label"] == "not tested"
    else:  # checked on the new connection: its forgotten table is found as usual
        assert results["c"]["failures"] == ["Table 'u' still exists after rollback — downgrade is incomplete"]
    assert leftovers(server_url) == CLEAN


class Relay:
    """A TCP relay in front of a database server. Closing it is, to mrt, the server going away for
    good (connections dropped, new ones refused), while the real server, shared with other test
    runs, keeps running."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.server = make_url(url)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = self.server.set(port=self.listener.getsockname()[1]).render_as_string(hide_password=False)
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection((self.server.host, self.server.port))
            self.sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)

    def close(self) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def test_step_control_says_the_connection_was_lost(tmp_path: Path, server_url: str) -> None:
    """`mrt.upgrade()` in a test (the pytest fixture's step control) reports it the same way."""
    killer = killed_by_another_session(dialect_of(server_url))
    ini = make_project(tmp_path, [("a", None, CREATE.format("t"), DROP.format("t")), ("b", "a", killer, "")])
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=server_url, migration_timeout=5)) as runner:
        with pytest.raises(MigrationFailed, match=r"^the database connection was lost during upgrade to head: "):
            runner.upgrade("head")
        assert runner.current_heads() == ("a",)  # a fresh connection, on which 'a' was committed
        runner.reset()
    assert leftovers(server_url) == CLEAN


def test_a_server_that_goes_away_for_good_stops_the_run_with_one_line(tmp_path: Path, server_url: str) -> None:
    """Nothing can be verified or cleaned up without a server: the run stops as for an unreachable
    database (`mrt verify` exits 3 with this line), and the next run starts by wiping the database."""
    ini = make_project(
        tmp_path,
        [("a", None, CREATE.format("t"), DROP.format("t")), ("b", "a", ADD_W, DROP_W)],
    )
    relay = Relay(server_url)
    try:
        settings = MRTConfig(alembic_ini=str(ini), db_url=relay.url, migration_timeout=5)
        unreachable = r"^cannot connect to .*127\.0\.0\.1:\d+/\w+_test: "
        with pytest.raises(VerifyError, match=unreachable) as raised, AlembicRunner(settings) as runner:
            runner.check_all(lambda result: relay.close())  # gone once the first revision is checked
    finally:
        relay.close()
    assert "\n" not in str(raised.value)
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=server_url)) as runner:
        assert [r.passed for r in runner.check_all()] == [True, True]
    assert leftovers(server_url) == CLEAN


# -- Ctrl-C ---------------------------------------------------------------------------------------------------


def test_ctrl_c_names_the_interrupted_revision_exits_130_and_cleans_up(tmp_path: Path, db_url: str) -> None:
    marker = tmp_path / "slow-started"
    wait = {"postgresql": 'op.execute("SELECT pg_sleep(30)")', "mysql": 'op.execute("SELECT SLEEP(30)")'}
    slow = f"{CREATE.format('half')}\nopen({str(marker)!r}, 'w').close()\n" + wait.get(
        dialect_of(db_url), "time.sleep(30)"
    )
    make_project(
        tmp_path, [("a", None, CREATE.format("t"), DROP.format("t")), ("slow", "a", slow, DROP.format("half"))]
    )
    mrt = started_until(marker, [sys.executable, "-m", "mrt", "verify", "--db-url", db_url], cwd=tmp_path, timeout=60)
    mrt.send_signal(signal.SIGINT)
    interrupted = time.monotonic()
    _, err = mrt.communicate(timeout=30)
    assert mrt.returncode == 130
    assert time.monotonic() - interrupted < 10, "Ctrl-C must not wait for the 30 s step"
    assert err == "mrt: interrupted during upgrade of 'slow'\n"
    assert leftovers(db_url) == CLEAN


def test_an_interrupt_disarms_the_step_timer_before_cleaning_up(tmp_path: Path, sqlite_url: str) -> None:
    """The step's alarm would otherwise go off later, in the clean-up or in the caller's code."""
    ini = make_project(
        tmp_path,
        [
            ("a", None, CREATE.format("t"), DROP.format("t")),
            ("b", "a", CREATE.format("half") + "\nraise KeyboardInterrupt", ""),
        ],
    )
    handler = signal.getsignal(signal.SIGALRM)
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=sqlite_url, migration_timeout=60)) as runner:
        with pytest.raises(Interrupted, match=r"^interrupted during upgrade of 'b'$"):
            runner.check_all()
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        assert signal.getsignal(signal.SIGALRM) is handler
    assert leftovers(sqlite_url) == CLEAN


# -- a lock another session holds ----------------------------------------------------------------------------


class LockHolder:
    """A second session that reads table `t` in an open transaction, as a long report query would:
    it holds a lock an ALTER TABLE must wait for, until `release()`."""

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa

        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)  # closing it ends the session
        self.conn: sa.Connection | None = None

    def take(self) -> None:
        self.conn = self.engine.connect()
        self.conn.exec_driver_sql("SELECT * FROM t").fetchall()  # the transaction stays open

    def release(self) -> None:
        if self.conn is not None:
            self.conn.rollback()
            self.conn.close()
            self.conn = None

    def on_result(self, result: RevisionResult) -> None:
        """check_all's progress callback: lock once 'a' created t, let go once 'wait_for_lock' is reported."""
        if result.revision == "a":
            self.take()
        elif result.revision == "wait_for_lock":
            self.release()


@pytest.fixture
def lock_holder(server_url: str) -> Iterator[LockHolder]:
    holder = LockHolder(server_url)
    yield holder
    holder.release()
    holder.engine.dispose()


def test_a_lock_held_by_another_session_fails_that_revision_naming_the_wait(
    tmp_path: Path, server_url: str, lock_holder: LockHolder
) -> None:
    ini = make_project(
        tmp_path,
        [
            ("a", None, CREATE.format("t"), DROP.format("t")),
            ("create_u", "a", CREATE.format("u"), DROP.format("u")),
            ("wait_for_lock", "a", ADD_W, DROP_W),  # walked before create_u (Alembic orders siblings)
        ],
    )
    # MySQL's lock wait limit is whole seconds; the step's limit leaves it room to go off first.
    timeout = 1 if dialect_of(server_url) == "postgresql" else 2
    started = time.monotonic()
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=server_url, migration_timeout=timeout)) as runner:
        results = {r.revision: r for r in runner.check_all(lock_holder.on_result)}
    assert results["wait_for_lock"].label == "timed out"
    [message] = results["wait_for_lock"].failures
    assert message.startswith("upgrade failed: gave up waiting for a lock another session holds (")
    assert list(results) == ["a", "wait_for_lock", "create_u"] and results["create_u"].passed  # the walk went on
    assert time.monotonic() - started < 20
    assert leftovers(server_url) == CLEAN


def test_a_lock_that_outlasts_the_failed_step_stops_the_run_with_one_line(
    tmp_path: Path, server_url: str, lock_holder: LockHolder
) -> None:
    """The rebuild after the failure must drop the locked table too; when it cannot, nothing more can
    be verified: one line (`mrt verify` exits 3 with it), and the next run wipes the database."""
    ini = make_project(tmp_path, [("a", None, CREATE.format("t"), DROP.format("t")), ("b", "a", ADD_W, DROP_W)])
    timeout = 1 if dialect_of(server_url) == "postgresql" else 2
    settings = MRTConfig(alembic_ini=str(ini), db_url=server_url, migration_timeout=timeout)
    refused = r"^could not wipe the database back to base: another session holds a lock on a table it must drop \("
    with pytest.raises(VerifyError, match=refused), AlembicRunner(settings) as runner:
        runner.check_all(lambda result: lock_holder.take() if result.revision == "a" else None)
    lock_holder.release()
    with AlembicRunner(MRTConfig(alembic_ini=str(ini), db_url=server_url)) as runner:
        runner.reset()
    assert leftovers(server_url) == CLEAN


# -- the guard ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_the_guard_refuses_a_non_test_database_before_any_faulty_migration_runs(
    tmp_path: Path, dialect: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "ran"
    body = f"open({str(marker)!r}, 'w').close()\n" + killed_by_another_session(dialect)
    make_project(tmp_path, [("a", None, body, "raise KeyboardInterrupt")])
    monkeypatch.chdir(tmp_path)
    url = {
        "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/shop",
        "mysql": "mysql+pymysql://root@127.0.0.1/shop",
    }
    assert run(["verify", "--db-url", url[dialect]]) == 3
    assert "does not contain 'test'" in capsys.readouterr().err
    assert not marker.exists()
