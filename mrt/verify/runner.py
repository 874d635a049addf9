"""`AlembicRunner`: drives one Alembic project against one disposable database, without pytest.

How a step runs. The ScriptDirectory is loaded once. Each batch of work (a `check_all`, an
`upgrade("head")`) is a single run of the project's own env.py, with a migration function that is a
generator: Alembic asks it for the next step, runs it on the env's connection, and asks again, so
seeding, snapshots and comparisons happen between steps on that same connection. Every step is its
own transaction (`transaction_per_migration` is forced on, like `alembic upgrade +1` would commit),
runs under `migration_timeout`, and has the SQL it sent recorded, so only what it touched is re-read.

When a step fails or a downgrade leaves the schema wrong, the database is wiped back to what existed
at base and the revisions that were applied are replayed, so one broken revision never stops the
rest of the history from being checked; descendants of a revision that cannot even be upgraded are
reported as not tested, other branches carry on.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mrt.config import MRTConfig
from mrt.verify import catalog as catalogs
from mrt.verify import database
from mrt.verify.data import Row, read_rows
from mrt.verify.errors import Interrupted, StepTimeout, VerifyError
from mrt.verify.guard import check_disposable, safe_url
from mrt.verify.project import AlembicProject, load_project
from mrt.verify.result import (
    DOWNGRADE_FAILED,
    NOT_TESTED,
    TIMED_OUT,
    UPGRADE_FAILED,
    RevisionResult,
)
from mrt.verify.round_trip import Before, compare_restored, rows_may_change, top_up_rows
from mrt.verify.seeding import Seeder
from mrt.verify.step_transactions import StepTransactions
from mrt.verify.timeout import Deadline
from mrt.verify.watch import StatementWatch, catalog_scope, mentioned_names, touched_tables, uses_raw_dbapi


class MigrationFailed(VerifyError):
    """A migration step raised (or timed out) during an upgrade/downgrade command."""


class _Rebuild(Exception):
    """The database no longer matches any revision: wipe it and replay."""


@dataclass
class _Walk:
    """Progress through a list of revisions; survives env.py runs being restarted after failures."""

    scripts: list[Any]
    skip_reason: Callable[[Any], str | None]
    reupgrade: bool
    final_replay: bool = False
    index: int = 0
    results: list[RevisionResult] = field(default_factory=list)
    applied: list[Any] = field(default_factory=list)
    cannot_apply: set[str] = field(default_factory=set)
    needs_replay: bool = False
    phase: str = "env"
    current: RevisionResult | None = None
    before: Before | None = None
    replaying: Any = None
    started: float = 0.0
    progress: Callable[[RevisionResult], None] | None = None

    def finish(self) -> None:
        if self.current is not None:
            self.current.seconds = time.monotonic() - self.started
            self.add(self.current)
            self.current = None
        self.index += 1

    def add(self, result: RevisionResult) -> None:
        self.results.append(result)
        if self.progress is not None:
            self.progress(result)


class AlembicRunner:
    """Upgrade, downgrade and round-trip-check the revisions of one Alembic project."""

    def __init__(self, config: MRTConfig | None = None, *, db_url: str | None = None) -> None:
        self.config = config or MRTConfig()
        if not Path(self.config.alembic_ini).is_file():
            raise VerifyError(
                f"alembic.ini not found: {self.config.alembic_ini} (looked in {Path.cwd()}); "
                "set alembic_ini in MRTConfig or [tool.mrt]"
            )
        url = db_url or self.config.db_url or _ini_url(self.config.alembic_ini)
        if not url:
            raise VerifyError(
                "no database URL: set db_url in MRTConfig or [tool.mrt], or sqlalchemy.url in alembic.ini"
            )
        check_disposable(url, allow_unsafe=self.config.allow_unsafe_database)
        self.url = url
        self.project: AlembicProject = load_project(self.config.alembic_ini, url)
        self.engine = database.create_engine(url)
        self.connection = database.connect(self.engine)
        self._transactions = StepTransactions(self.engine)
        self.timeout = self.config.migration_timeout
        self.version_table = "alembic_version"
        self.watch = StatementWatch()
        self.seeder = Seeder(self.config.seed_rows, self.config.custom_seeds)
        self._work = self.connection
        self._transactional_ddl = True
        self._impl: Any = None
        self._version_update: tuple[str, str | None] | None = None
        self._deadline: Deadline | None = None
        self._catalog: catalogs.Catalog | None = None
        self._rows: dict[str, list[Row]] = {}
        self._dirty: set[str] | None = None
        self._stale_rows: set[str] = set()  # those of `_dirty` whose rows may have changed, not just an index
        self._scope = (True, True)  # may the table list / other catalog objects have changed since?
        self._mentioned: set[str] = set()  # names the SQL since the last snapshot mentions
        self._shapes: dict[tuple[str, str], catalogs.Table] = {}  # (table, fingerprint) -> reflected shape
        self._baseline: set[str] | None = None
        self._raw: dict[str, bool] = {}
        self._set_server_timeouts()

    # -- lifecycle ----------------------------------------------------------------------------------

    def close(self) -> None:
        self.watch.uninstall()
        try:
            self.connection.close()
        finally:
            self.engine.dispose()

    def __enter__(self) -> AlembicRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _set_server_timeouts(self) -> None:
        """The server session's settings (`database.session_settings`): step and lock-wait limits, and
        on PostgreSQL no waiting for the disk on commit."""
        statements = database.session_settings(self.connection.dialect.name, self.timeout)
        for statement in statements:
            self.connection.exec_driver_sql(statement)
        if statements:
            self.connection.commit()

    # -- step control ---------------------------------------------------------------------------

    def current_heads(self) -> tuple[str, ...]:
        from alembic.runtime.migration import MigrationContext

        context = MigrationContext.configure(self.connection, opts={"version_table": self.version_table})
        heads = tuple(context.get_current_heads())
        self.connection.commit()
        return heads

    def current_revision(self) -> str | None:
        heads = self.current_heads()
        if len(heads) > 1:
            raise VerifyError(f"the database has several heads ({', '.join(heads)}); use current_heads()")
        return heads[0] if heads else None

    def upgrade(self, revision: str = "head") -> None:
        self._command(lambda heads: self.project.script._upgrade_revs(revision, heads), f"upgrade to {revision}")

    def downgrade(self, revision: str = "-1") -> None:
        self._command(lambda heads: self.project.script._downgrade_revs(revision, heads), f"downgrade to {revision}")

    def heads(self) -> list[str]:
        """The history's head revisions (from the scripts, not the database)."""
        return list(self.project.script.get_heads())

    def table(self, name: str, schema: str | None = None) -> Any:
        """The live table, reflected."""
        import sqlalchemy as sa

        try:
            table = sa.Table(name, sa.MetaData(), autoload_with=self.connection, schema=schema)
        except sa.exc.NoSuchTableError:
            raise VerifyError(f"table {name!r} does not exist at revision {self.current_heads() or 'base'}") from None
        finally:
            self.connection.commit()
        return table

    def insert(self, table: Any, rows: list[dict[str, Any]]) -> None:
        """Insert rows (committed) into a table given by name or as a reflected Table."""
        import sqlalchemy as sa

        target = self.table(table) if isinstance(table, str) else table
        if rows:
            self.connection.execute(sa.insert(target), rows)
        self.connection.commit()
        self._dirty = None

    def rows(self, table: str) -> list[Row]:
        """Every row of a table as the database returns it."""
        found = read_rows(self.connection, table)
        self.connection.commit()
        return found

    def reset(self) -> None:
        """Back to base: every object the migrations created is dropped, the version table emptied."""
        self._ensure_baseline()
        self._rebuild()

    def _command(self, plan: Callable[[tuple[str, ...]], list[Any]], what: str) -> None:
        self._ensure_baseline()

        def work(ctx: Any, heads: tuple[str, ...]) -> Iterator[Any]:
            for step in _resolve(plan, heads, what):
                yield from self._step(step)

        try:
            self._run(work)
        except VerifyError:
            raise
        except KeyboardInterrupt:
            self._abort_step()
            raise Interrupted(f"interrupted during {what}") from None
        except BaseException as exc:
            expired = self._abort_step()
            lost = not expired and database.is_disconnect(exc, self._work)
            self._recover_connection(discard=expired or isinstance(exc, StepTimeout))
            detail = _describe(exc, expired, self.timeout)
            message = f"{what} failed: {detail}"
            if lost:
                message = f"the database connection was lost during {what}: {detail}"
            raise MigrationFailed(message) from _chain(exc)
        finally:
            self._dirty = None

    # -- verification ---------------------------------------------------------------------------

    def check_all(self, progress: Callable[[RevisionResult], None] | None = None) -> list[RevisionResult]:
        """Round-trip every revision, walking the history once; the database ends at base.

        `progress` is called with each result as soon as it is known (the CLI's progress bar).
        """
        self._start_from_base()
        walk = _Walk(list(self.project.order), self._skip_reason, reupgrade=True, progress=progress)
        try:
            self._drive(walk)
        finally:
            self._rebuild()
        return walk.results

    def check_revision(self, revision: str) -> RevisionResult:
        """Round-trip one revision. The database is first brought to the state just before it (if it is
        not there already) and is left there afterwards."""
        self._ensure_baseline()
        script = self.project.get(revision)
        ancestors = self.project.ancestors(script.revision)
        walk = _Walk([script], lambda s: None, reupgrade=False, final_replay=True)
        walk.applied = [s for s in self.project.order if s.revision in ancestors]
        if set(self.current_heads()) != _heads_of(self.project, ancestors):
            self._rebuild()
            walk.needs_replay = True
        self._drive(walk)
        return walk.results[0]

    def _skip_reason(self, script: Any) -> str | None:
        skips = self.config.skip
        for key in (script.revision, *(k for k in skips if script.revision.startswith(k) and len(k) >= 4)):
            if key in skips:
                return skips[key]
        floor = self.config.minimum_downgrade_revision
        if floor:
            target = self.project.get(floor).revision
            if script.revision == target or script.revision in self.project.ancestors(target):
                return f"at or before minimum_downgrade_revision {floor!r}"
        return None

    def _start_from_base(self) -> None:
        if self.current_heads():
            self._baseline = self._baseline or set()
            self._rebuild()
        self._ensure_baseline()
        self._invalidate()

    def _ensure_baseline(self) -> None:
        if self._baseline is None:
            if self.current_heads():
                self._baseline = set()
                database.wipe(self.connection, (), self.version_table)
            else:
                self._baseline = database.baseline(self.connection, self.version_table)

    def _drive(self, walk: _Walk) -> None:
        while walk.index < len(walk.scripts) or (walk.needs_replay and walk.final_replay):
            walk.phase = "env"
            try:
                self._run(lambda ctx, heads: self._walk_steps(walk, ctx, heads))
            except _Rebuild:
                self._rebuild()
                walk.needs_replay = True
            except VerifyError:
                raise
            except KeyboardInterrupt:
                self._abort_step()  # the step's alarm must not go off during the clean-up
                raise Interrupted(f"interrupted during {_where(walk)}") from None
            except BaseException as exc:
                expired = self._abort_step()
                lost = not expired and database.is_disconnect(exc, self._work)
                self._recover_connection(discard=expired or isinstance(exc, StepTimeout))
                self._record_failure(walk, exc, expired, lost)
                self._rebuild()
                walk.needs_replay = True

    def _walk_steps(self, walk: _Walk, ctx: Any, heads: tuple[str, ...]) -> Iterator[Any]:
        from mrt.verify.alembic_steps import downgrade_step, upgrade_step

        revision_map = self.project.script.revision_map
        if walk.needs_replay:
            walk.phase = "replay"
            for script in walk.applied:
                walk.replaying = script
                yield from self._step(upgrade_step(revision_map, script))
            walk.needs_replay = False
            self._invalidate()
        while walk.index < len(walk.scripts):
            script = walk.scripts[walk.index]
            walk.current = result = RevisionResult(script.revision)
            walk.started = time.monotonic()
            walk.before = None
            blocked = [p for p in self.project.parents(script) if p in walk.cannot_apply]
            if blocked:
                walk.cannot_apply.add(script.revision)
                result.skip(f"not tested: it depends on {blocked[0]!r}, which could not be upgraded", NOT_TESTED)
                walk.finish()
                continue
            up = upgrade_step(revision_map, script)
            reason = walk.skip_reason(script)
            if reason:
                walk.phase = "advance"
                self._mark_dirty((yield from self._step(up)), script)
                walk.applied.append(script)
                result.skip(reason)
                walk.finish()
                continue
            walk.phase = "prepare"
            walk.before = before = self._prepare(result)
            walk.phase = "upgrade"
            statements = yield from self._step(up)
            walk.applied.append(script)
            walk.phase = "downgrade"
            statements += yield from self._step(downgrade_step(revision_map, script))
            walk.applied.pop()
            walk.phase = "compare"
            schema_broken = self._compare(before, statements, script, result)
            if walk.reupgrade:
                walk.applied.append(script)
                if schema_broken:
                    walk.finish()
                    raise _Rebuild
                walk.phase = "reupgrade"
                self._mark_dirty((yield from self._step(up)), script)
            elif schema_broken:
                walk.finish()
                raise _Rebuild
            walk.finish()

    def _record_failure(self, walk: _Walk, exc: BaseException, expired: bool, lost: bool = False) -> None:
        phase = walk.phase
        detail = _describe(exc, expired, self.timeout)
        label = TIMED_OUT if expired or isinstance(exc, StepTimeout) or database.is_lock_timeout(exc) else None
        if lost and phase != "env":
            # Not the migration's failure, as far as anyone can tell: say so, then go on as for any
            # failed step (a fresh connection, the database rebuilt from base).
            detail = f"the database connection was lost during {_where(walk)}: {detail}"

        def failed(what: str) -> str:
            return detail if lost else f"{what}: {detail}"

        if phase == "env":
            raise VerifyError(f"env.py failed: {detail}") from _chain(exc)
        if phase == "replay":
            rev = walk.replaying.revision
            reason = f"not tested: the database could not be rebuilt (upgrade of {rev!r} failed on replay: {detail})"
            if walk.current is not None:
                walk.current.fail(reason, NOT_TESTED)
                walk.finish()
            for script in walk.scripts[walk.index :]:
                skipped = RevisionResult(script.revision)
                skipped.skip(reason, NOT_TESTED)
                walk.add(skipped)
            walk.index = len(walk.scripts)
            walk.needs_replay = False
            return
        result = walk.current or RevisionResult(walk.scripts[walk.index].revision)
        walk.current = result
        rev = result.revision
        if phase in ("upgrade", "advance"):
            walk.cannot_apply.add(rev)
            result.skipped = False
            result.fail(failed("upgrade failed"), label or UPGRADE_FAILED)
            self._report_half_migration(walk, result, "upgrade")
        elif phase == "downgrade":
            result.fail(failed("downgrade failed"), label or DOWNGRADE_FAILED)
            self._report_half_migration(walk, result, "downgrade")
        elif phase == "reupgrade":
            result.fail(failed("upgrade after rollback failed"), label or UPGRADE_FAILED)
        else:
            result.fail(failed(f"mrt could not verify this revision ({phase})"), label)
        walk.finish()

    def _report_half_migration(self, walk: _Walk, result: RevisionResult, what: str) -> None:
        """Without transactional DDL a failed step stays half applied: say what it left behind."""
        if self._transactional_ddl or walk.before is None:
            return
        try:
            now = catalogs.refresh(self.connection, None, None)
        except Exception:
            return
        reference = walk.before.catalog
        if what == "downgrade":
            result.notes.append(f"the {what} failed part-way; {self._dialect_label()} does not roll back DDL")
            return
        leftovers = catalogs.compare(reference, now)
        if leftovers:
            result.fail(
                f"the failed {what} left the database half-migrated ({self._dialect_label()} does not roll back DDL): "
                + "; ".join(leftovers)
            )

    def _dialect_label(self) -> str:
        return {"mysql": "MySQL/MariaDB", "mariadb": "MariaDB", "sqlite": "SQLite"}.get(
            self.connection.dialect.name, self.connection.dialect.name
        )

    # -- snapshots --------------------------------------------------------------------------------

    def _invalidate(self) -> None:
        self._catalog = None
        self._rows = {}
        self._dirty = None
        self._scope = (True, True)
        self._mentioned = set()

    def _prepare(self, result: RevisionResult) -> Before:
        """Refresh what the last step touched, top up the seed rows, commit, and remember it all."""
        conn = self._work
        dirty = self._dirty
        names, objects = self._scope
        if conn.in_transaction():
            conn.commit()  # Alembic's look at its version table, before the first step
        with database.outside_a_transaction(conn, writes=True):
            catalog = catalogs.refresh(
                conn,
                self._catalog,
                dirty,
                names=names,
                objects=objects,
                shapes=self._shapes,
                reshaped=True,
                mentioned=self._mentioned,
            )
            self._rows = top_up_rows(
                conn, self.seeder, catalog, self._catalog, dirty, self._rows, result, stale=self._stale_rows
            )
            conn.commit()
        self._catalog = catalog
        self._dirty = set()
        self._stale_rows = set()
        self._scope = (False, False)
        self._mentioned = set()
        return Before(catalog, dict(self._rows))

    def _mark_dirty(self, statements: list[str], script: Any) -> None:
        names, objects = catalog_scope(statements)
        self._scope = (self._scope[0] or names, self._scope[1] or objects)
        self._mentioned |= mentioned_names(statements)
        catalog = self._catalog
        touched = self._touched(statements, script, catalog)
        if touched is None or self._dirty is None or catalog is None:
            self._dirty = None
        else:
            self._dirty |= touched
            self._stale_rows |= rows_may_change(statements, catalog, touched)

    def _touched(self, statements: list[str], script: Any, catalog: catalogs.Catalog | None) -> set[str] | None:
        if catalog is None or catalog.has_triggers or self._uses_raw_dbapi(script):
            return None
        touched = touched_tables(statements, catalog.folded_names(), catalog.views)
        return None if touched is None else catalogs.referencing(catalog, touched)

    def _uses_raw_dbapi(self, script: Any) -> bool:
        if script.revision not in self._raw:
            try:
                with open(script.path, encoding="utf-8") as handle:
                    self._raw[script.revision] = uses_raw_dbapi(handle.read())
            except OSError:
                self._raw[script.revision] = True
        return self._raw[script.revision]

    def _compare(self, before: Before, statements: list[str], script: Any, result: RevisionResult) -> bool:
        """Compare the state after the downgrade with `before`; True when the schema is not restored."""
        touched = self._touched(statements, script, before.catalog)
        after, rows, broken = compare_restored(self._work, before, statements, touched, self._shapes, result)
        self._rows.update(rows)
        self._catalog = after
        self._dirty = set() if touched is not None else None
        self._stale_rows = set()
        return broken

    # -- env.py runs and steps -----------------------------------------------------------------------

    def _run(self, work: Callable[[Any, tuple[str, ...]], Iterator[Any]]) -> None:
        """One run of env.py whose migration function is the generator `work`."""
        from alembic.runtime.environment import EnvironmentContext

        self.connection.commit()
        config = self.project.config
        config.attributes["connection"] = self.connection
        self.watch.install()

        def fn(heads: Any, context: Any) -> Iterator[Any]:
            self._bind(context)
            return work(context, tuple(heads))

        environment = EnvironmentContext(config, self.project.script, fn=fn)
        configure = environment.configure

        def per_step_transactions(*args: Any, **kwargs: Any) -> None:
            kwargs["transaction_per_migration"] = True
            configure(*args, **kwargs)

        environment.configure = per_step_transactions  # type: ignore[method-assign]  # proxied to env.py
        with environment:
            self.project.script.run_env()
        if self._work.in_transaction():
            self._work.commit()

    def _bind(self, context: Any) -> None:
        connection = context.connection
        if connection is None:
            raise VerifyError("env.py ran in offline mode; mrt needs an online connection")
        if connection is not self.connection:
            theirs, ours = connection.engine.url, self.engine.url
            if (theirs.get_backend_name(), theirs.host, theirs.database) != (
                ours.get_backend_name(),
                ours.host,
                ours.database,
            ):
                raise VerifyError(
                    f"env.py connected to {theirs.render_as_string(hide_password=True)}, not to the verified database "
                    f"{safe_url(self.url)}; make env.py use config.attributes['connection'] (see docs/verify.md)"
                )
        self._work = connection
        self._impl = context.impl
        self.version_table = context.version_table
        # The step's COMMIT may go with Alembic's version update unless callbacks run SQL after it.
        callbacks = context.on_version_apply_callbacks
        self._version_update = None if callbacks else (context.version_table, context.version_table_schema)
        self._transactional_ddl = bool(context.impl.transactional_ddl)

    def _step(self, step: Any) -> Iterator[Any]:
        """Yield one Alembic step to run under the time limit; returns the SQL it sent."""
        if self._work.in_transaction():
            self._work.commit()
        if self._impl is not None:
            # Alembic remembers the types (PostgreSQL enums) it created in this context and skips them
            # the next time; each step must behave like a fresh `alembic upgrade`.
            self._impl.memo = {}
        cancel = database.canceller(self.engine, self._work) if self.timeout else None
        self._deadline = Deadline(self.timeout, cancel)
        self.watch.take()
        self.watch.active = True
        if self._work is self.connection and not self._uses_raw_dbapi(step.revision):
            # (A statement sent straight through the driver would run outside the step's transaction.)
            self._transactions.arm(self._work, self._version_update)
        self._deadline.arm()
        yield step
        self._abort_step()
        return self.watch.take()

    def _abort_step(self) -> bool:
        """Disarm the running step's limit; True when it had expired."""
        self.watch.active = False
        self._transactions.disarm()
        deadline, self._deadline = self._deadline, None
        if deadline is None:
            return False
        deadline.disarm()
        return deadline.expired

    def _recover_connection(self, discard: bool = False) -> None:
        """Roll back after a failed step; `discard` (after a timeout) replaces the connection, since a
        cancel request may still be in flight towards it."""
        for connection in {id(c): c for c in (self._work, self.connection)}.values():
            with contextlib.suppress(Exception):
                connection.rollback()
        self._transactions.disarm()
        in_memory = self.engine.url.get_backend_name() == "sqlite" and self.engine.url.database in (
            None,
            "",
            ":memory:",
        )
        if (discard and not in_memory) or self.connection.invalidated or self.connection.closed:
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = database.connect(self.engine)
            self._set_server_timeouts()
        self._work = self.connection

    def _rebuild(self) -> None:
        self._recover_connection()
        database.wipe(self.connection, self._baseline or (), self.version_table)
        self._invalidate()


def _resolve(plan: Callable[[tuple[str, ...]], list[Any]], heads: tuple[str, ...], what: str) -> list[Any]:
    try:
        return plan(heads)
    except Exception as exc:
        raise VerifyError(f"{what}: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}") from None


def _heads_of(project: AlembicProject, applied: set[str]) -> set[str]:
    """The heads of a set of applied revisions: those no other applied revision builds on."""
    parents = {p for s in project.order if s.revision in applied for p in project.parents(s)}
    return {rev for rev in applied if rev not in parents}


def _describe(exc: BaseException, expired: bool, timeout: float | None) -> str:
    if expired or isinstance(exc, StepTimeout):
        return f"timed out after {timeout:g}s (migration_timeout)"
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    described = f"{type(orig or exc).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")
    if database.is_lock_timeout(exc):
        return f"gave up waiting for a lock another session holds ({described})"
    return described


_PHASES = {"reupgrade": "upgrade after rollback", "prepare": "seeding", "compare": "comparison", "advance": "upgrade"}


def _where(walk: _Walk) -> str:
    """The step a walk was in, for messages: "upgrade of 'abc123'", "replay of 'def456'", "env.py"."""
    if walk.phase == "env":
        return "env.py"
    running = walk.replaying if walk.phase == "replay" else walk.current
    return f"{_PHASES.get(walk.phase, walk.phase)} of {getattr(running, 'revision', '?')!r}"


def _chain(exc: BaseException) -> BaseException | None:
    return exc if isinstance(exc, Exception) else None


def _ini_url(alembic_ini: str) -> str:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(alembic_ini, encoding="utf-8")
        return parser.get("alembic", "sqlalchemy.url", fallback="")
    except configparser.Error:
        return ""
