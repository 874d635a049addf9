"""`DjangoRunner`: round-trip every migration of a Django project on a disposable database.

The plan is Django's own: `MigrationExecutor.migration_plan` over the loader's graph (cross-app
dependencies, `run_before`, squashed migrations replacing the ones they squash, as on a fresh
install). Each migration is applied and unapplied the way `MigrationExecutor.apply_migration` /
`unapply_migration` do it (`migration.apply` inside `schema_editor(atomic=migration.atomic)`), but
the applied set is kept in memory: nothing is ever written to `django_migrations`, and
`SeparateDatabaseAndState` state operations, which send no SQL, simply have nothing to compare.

Around that, the same pieces as Alembic mode: the seeder fills every table through SQLAlchemy
reflection of the live schema (so a historical state is seeded exactly, whatever the models say
today), catalogs and rows are compared after each downgrade, the SQL Django sent is watched so only
the tables it named are re-read, and each step runs under `migration_timeout`. A migration that
cannot be upgraded, or whose downgrade leaves a wrong schema, is followed by a wipe and a replay of
the applied migrations, so the rest of the project is still checked; migrations that depend on one
that cannot be applied are reported as not tested.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mrt.config import MRTConfig
from mrt.verify import catalog as catalogs
from mrt.verify import database, django_settings
from mrt.verify.data import Row
from mrt.verify.django_ops import describe_irreversible
from mrt.verify.errors import Interrupted, StepTimeout, VerifyError
from mrt.verify.result import DOWNGRADE_FAILED, NOT_TESTED, TIMED_OUT, UPGRADE_FAILED, RevisionResult
from mrt.verify.round_trip import Before, compare_restored, top_up_rows
from mrt.verify.seeding import Seeder
from mrt.verify.timeout import Deadline
from mrt.verify.watch import RAW_DBAPI_MARKERS, catalog_scope, touched_tables

IRREVERSIBLE = "irreversible"
_RAW_MARKERS = tuple(m for m in RAW_DBAPI_MARKERS if m != "cursor(")  # Django's cursor() is watched


class _Replay(Exception):
    """The database no longer matches the applied migrations: wipe it and apply them again."""

    def __init__(self, applied: bool) -> None:
        super().__init__()
        self.applied = applied  # did the migration under test end up applied?


@dataclass
class _Step:
    statements: list[str] = field(default_factory=list)
    deadline: Deadline | None = None


class DjangoRunner:
    """Check the migrations of the Django project named by `django_settings` (see docs/django.md)."""

    def __init__(
        self, config: MRTConfig | None = None, *, db_url: str | None = None, worker: str | None = None
    ) -> None:
        """`worker` (a pytest-xdist worker id) gives each worker a database of its own."""
        self.config = config or MRTConfig()
        self.database = django_settings.configure(self.config, db_url, worker=worker)
        try:
            from django.db import connections

            self.timeout = self.config.migration_timeout
            self.django = connections["default"]
            self.url = self.database.url
            self.engine = database.create_engine(self.url)
            self.connection = database.connect(self.engine)
            _session_settings(self.connection.exec_driver_sql, self.connection.dialect.name, None)
            self.connection.commit()
            self._connect_django()
        except BaseException:
            django_settings.drop(self.database)
            raise
        self.seeder = Seeder(self.config.seed_rows, self.config.custom_seeds)
        self._transactional_ddl = bool(self.django.features.can_rollback_ddl)
        self._emptied = False
        self._catalog: catalogs.Catalog | None = None
        self._rows: dict[str, list[Row]] = {}
        self._dirty: set[str] | None = None
        self._scope = (True, True)
        self._shapes: dict[tuple[str, str], catalogs.Table] = {}
        self._raw: dict[str, bool] = {}
        self._executor: Any = None
        self._floors: dict[str, set[tuple[str, str]]] = {}

    # -- lifecycle ------------------------------------------------------------------------------------

    def close(self) -> None:
        """Leave the database empty (a later run must not mistake our tables for its own), then let go."""
        try:
            if self._emptied:
                with contextlib.suppress(Exception):
                    self._rebuild()
            with contextlib.suppress(Exception):
                self.django.close()
            self.connection.close()
        finally:
            self.engine.dispose()
            django_settings.drop(self.database)

    def __enter__(self) -> DjangoRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connect_django(self) -> None:
        """Connect Django (again, after `_recover`), with the same session settings as Alembic mode."""
        from django.db import Error

        if self.django.connection is not None:
            return
        try:
            self.django.ensure_connection()
            with self.django.cursor() as cursor:
                _session_settings(cursor.execute, self.django.vendor, self.timeout)
        except Error as exc:
            raise VerifyError(f"Django cannot connect to {django_settings.safe_url(self.url)}: {exc}") from None

    # -- the plan ---------------------------------------------------------------------------------------

    @property
    def executor(self) -> Any:
        """Django's MigrationExecutor, with a loader that plans as for a fresh database (squashes in
        place of what they replace) whatever a leftover django_migrations table says."""
        if self._executor is None:
            from django.db.migrations.executor import MigrationExecutor
            from django.db.migrations.loader import MigrationLoader

            try:
                executor = MigrationExecutor(self.django)
                executor.loader = MigrationLoader(None)
            except Exception as exc:
                raise VerifyError(f"cannot load the Django migrations: {type(exc).__name__}: {exc}") from None
            self._executor = executor
        return self._executor

    @property
    def loader(self) -> Any:
        return self.executor.loader

    def plan(self) -> list[Any]:
        """Every migration in the order `migrate` would apply it on a fresh database."""
        targets = self.loader.graph.leaf_nodes()
        return [migration for migration, _ in self.executor.migration_plan(targets, clean_start=True)]

    def apps(self) -> list[str]:
        """The app labels with migrations, in plan order."""
        return list(dict.fromkeys(m.app_label for m in self.plan()))

    def project_apps(self) -> list[str]:
        """Apps that live in the project (not in site-packages): what is tested when no apps are given."""
        from pathlib import Path

        from django.apps import apps as registry

        root = Path(self.config.django_project_dir or self.config.root or ".").resolve()
        ours = []
        for label in self.apps():
            path = Path(registry.get_app_config(label).path).resolve()
            if path.is_relative_to(root) and "site-packages" not in path.parts:
                ours.append(label)
        return ours or self.apps()

    # -- verification -------------------------------------------------------------------------------------

    def check_all(
        self, apps: list[str] | None = None, progress: Callable[[RevisionResult], None] | None = None
    ) -> list[RevisionResult]:
        """Round-trip every migration of `apps` (default: `django_apps`, else the project's own apps);
        migrations of other apps are applied, not tested. The database ends empty."""
        self._start_from_base()
        plan = self.plan()
        tested = self._tested_apps(apps, plan)
        keys = {_key(m) for m in plan if m.app_label in tested}
        return self._walk(plan, keys, progress)

    def tested_migrations(self, apps: list[str] | None = None) -> list[str]:
        """The migrations `check_all(apps)` reports on, as `app/name`, in plan order."""
        plan = self.plan()
        tested = self._tested_apps(apps, plan)
        return [_label(m) for m in plan if m.app_label in tested]

    def check_migration(self, app_label: str, migration_name: str) -> RevisionResult:
        """Round-trip one migration (a unique name prefix is enough), after applying what it depends on."""
        self._start_from_base()
        migration = self._find(app_label, migration_name)
        needed = set(self.loader.graph.forwards_plan(_key(migration)))
        plan = [m for m in self.plan() if _key(m) in needed]
        return self._walk(plan, {_key(migration)}, None, skips=False)[-1]

    def reset(self) -> None:
        """Back to an empty database."""
        self._start_from_base()

    def migrate(self) -> None:
        """Apply every migration, like `migrate` on a fresh database (django_migrations untouched)."""
        self._start_from_base()
        state = self._initial_state()
        for migration in self.plan():
            result = RevisionResult(_label(migration))
            try:
                state = self._advance(migration, state, result)
            except _Replay:
                raise VerifyError(f"{result.revision}: {result.failures[0]}") from None

    def conflicts(self) -> dict[str, list[str]]:
        """Apps with more than one leaf migration (what `migrate` refuses until they are merged)."""
        return {app: sorted(names) for app, names in self.loader.detect_conflicts().items()}

    def _tested_apps(self, apps: list[str] | None, plan: list[Any]) -> set[str]:
        wanted = apps if apps is not None else self.config.django_apps
        known = list(dict.fromkeys(m.app_label for m in plan))
        if wanted is None:
            return set(self.project_apps())
        unknown = [a for a in wanted if a not in known]
        if unknown:
            raise VerifyError(f"unknown app label(s) {', '.join(unknown)}; apps with migrations: {', '.join(known)}")
        return set(wanted)

    def _find(self, app_label: str, name: str) -> Any:
        from django.db.migrations.exceptions import AmbiguityError

        try:
            return self.loader.get_migration_by_prefix(app_label, name)
        except AmbiguityError:
            raise VerifyError(f"more than one migration in {app_label!r} starts with {name!r}") from None
        except KeyError:
            raise VerifyError(
                f"no migration {app_label}.{name} (apps with migrations: {', '.join(self.apps())})"
            ) from None

    def skip_reason(self, migration: Any) -> str | None:
        """The `skip` entry for `app.name` (or pytest-mrt's `app/name`), or the minimum_downgrade_revision floor."""
        for key in (f"{migration.app_label}.{migration.name}", f"{migration.app_label}/{migration.name}"):
            if key in self.config.skip:
                return self.config.skip[key]
        floor = self.config.minimum_downgrade_revision
        if floor and _key(migration) in self._below_floor(floor):
            return f"at or before minimum_downgrade_revision {floor!r}"
        return None

    def _below_floor(self, floor: str) -> set[tuple[str, str]]:
        """The floor migration and everything it depends on (computed once per floor)."""
        if floor not in self._floors:
            app, _, name = floor.replace("/", ".").partition(".")
            self._floors[floor] = set(self.loader.graph.forwards_plan(_key(self._find(app, name))))
        return self._floors[floor]

    def _walk(
        self,
        plan: list[Any],
        tested: set[tuple[str, str]],
        progress: Callable[[RevisionResult], None] | None,
        skips: bool = True,
    ) -> list[RevisionResult]:
        results: list[RevisionResult] = []

        def add(result: RevisionResult) -> None:
            results.append(result)
            if progress is not None:
                progress(result)

        state = self._initial_state()
        applied: list[Any] = []
        cannot_apply: set[tuple[str, str]] = set()
        for index, migration in enumerate(plan):
            key = _key(migration)
            result = RevisionResult(_label(migration))
            blocked = [p for p in self._parents(key) if p in cannot_apply]
            if blocked:
                cannot_apply.add(key)
                if key in tested:
                    result.skip(
                        f"not tested: it depends on {_label(blocked[0])}, which could not be applied", NOT_TESTED
                    )
                    add(result)
                continue
            reason = self.skip_reason(migration) if skips and key in tested else None
            started = time.monotonic()
            try:
                if key not in tested or reason:
                    state = self._advance(migration, state, result)
                    applied.append(migration)
                    if reason:
                        result.skip(reason)
                        add(result)
                    continue
                state = self._round_trip(migration, state, result)
                applied.append(migration)
            except _Replay as replay:
                result.seconds = time.monotonic() - started
                if replay.applied:
                    applied.append(migration)
                else:
                    cannot_apply.add(key)
                if key in tested or not replay.applied:
                    add(result)
                try:
                    state = self._replay(applied)
                except _ReplayFailed as failed:
                    for rest in plan[index + 1 :]:
                        if _key(rest) in tested:
                            skipped = RevisionResult(_label(rest))
                            skipped.skip(f"not tested: the database could not be rebuilt ({failed})", NOT_TESTED)
                            add(skipped)
                    break
                continue
            result.seconds = time.monotonic() - started
            add(result)
        self._rebuild()
        return results

    def _round_trip(self, migration: Any, before_state: Any, result: RevisionResult) -> Any:
        """Seed, upgrade, downgrade, compare, upgrade again; returns the project state after it."""
        from django.db.migrations.exceptions import IrreversibleError

        before = self._prepare(result)
        up = _Step()
        try:
            with self._editing(migration, up) as editor:
                after_state = migration.apply(before_state.clone(), editor)
        except BaseException as exc:
            self._fail_step(exc, up, result, "upgrade failed", UPGRADE_FAILED)
            raise _Replay(applied=False) from None
        self._mark_dirty(up.statements, migration)
        down = _Step()
        try:
            with self._editing(migration, down) as editor:
                migration.unapply(before_state, editor)
        except IrreversibleError:
            self._recover()
            result.fail(describe_irreversible(migration), IRREVERSIBLE)
            return after_state
        except BaseException as exc:
            if isinstance(exc, NotImplementedError) and "cannot reverse" in str(exc):
                self._recover()
                result.fail(describe_irreversible(migration), IRREVERSIBLE)
            else:
                self._fail_step(exc, down, result, "downgrade failed", DOWNGRADE_FAILED)
            if self._transactional_ddl and migration.atomic:
                return after_state  # the failed downgrade was rolled back as a whole
            raise _Replay(applied=True) from None
        if self._compare(before, up.statements + down.statements, migration, result):
            raise _Replay(applied=True)
        again = _Step()
        try:
            with self._editing(migration, again) as editor:
                state = migration.apply(before_state, editor)
        except BaseException as exc:
            self._fail_step(exc, again, result, "upgrade after rollback failed", UPGRADE_FAILED)
            raise _Replay(applied=True) from None
        self._mark_dirty(again.statements, migration)
        return state

    def _advance(self, migration: Any, state: Any, result: RevisionResult) -> Any:
        """Apply a migration that is not tested (another app's, or skipped)."""
        step = _Step()
        try:
            with self._editing(migration, step) as editor:
                state = migration.apply(state, editor)
        except BaseException as exc:
            self._fail_step(exc, step, result, "upgrade failed", UPGRADE_FAILED)
            raise _Replay(applied=False) from None
        self._mark_dirty(step.statements, migration)
        return state

    def _fail_step(self, exc: BaseException, step: _Step, result: RevisionResult, what: str, label: str) -> None:
        where = f"{what.removesuffix(' failed')} of {result.revision!r}"
        if isinstance(exc, KeyboardInterrupt):
            raise Interrupted(f"interrupted during {where}") from None
        expired = bool(step.deadline and step.deadline.expired) or isinstance(exc, StepTimeout)
        lost = not expired and database.is_disconnect(exc)
        self._recover()
        if expired:
            result.fail(f"{what}: timed out after {self.timeout:g}s (migration_timeout)", TIMED_OUT)
        elif lost:
            result.fail(f"the database connection was lost during {where}: {_describe(exc)}", label)
        elif database.is_lock_timeout(exc):
            result.fail(f"{what}: gave up waiting for a lock another session holds ({_describe(exc)})", TIMED_OUT)
        else:
            result.fail(f"{what}: {_describe(exc)}", label)

    # -- steps --------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _editing(self, migration: Any, step: _Step) -> Iterator[Any]:
        """A schema editor for one migration step, like MigrationExecutor's: the verifier's own
        transaction is closed first (no lock may wait on it), the SQL Django sends is recorded in
        `step`, and the step runs under `migration_timeout`."""
        self.connection.commit()

        def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            step.statements.append(sql)
            return execute(sql, params, many, context)

        self._connect_django()
        step.deadline = Deadline(self.timeout, _canceller(self.engine, self.django) if self.timeout else None)
        with self.django.execute_wrapper(record):
            step.deadline.arm()
            try:
                with self.django.schema_editor(atomic=migration.atomic) as editor:
                    yield editor
            finally:
                step.deadline.disarm()

    def _recover(self) -> None:
        """After a failed step: close Django's connection (whatever lock or aborted transaction it held
        goes with it; Django reconnects on next use) and roll back the verifier's."""
        with contextlib.suppress(Exception):
            self.django.close()
        with contextlib.suppress(Exception):
            self.connection.rollback()
        if self.connection.invalidated or self.connection.closed:
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = database.connect(self.engine)

    def _initial_state(self) -> Any:
        from django.db.migrations.state import ProjectState

        state = ProjectState(real_apps=self.loader.unmigrated_apps)
        state.apps  # noqa: B018 -- render the models once; each operation then reloads only its own
        return state

    def _parents(self, key: tuple[str, str]) -> set[tuple[str, str]]:
        node = self.loader.graph.node_map.get(key)
        return {parent.key for parent in node.parents} if node is not None else set()

    def _replay(self, applied: list[Any]) -> Any:
        self._rebuild()
        state = self._initial_state()
        for migration in applied:
            try:
                with self._editing(migration, _Step()) as editor:
                    state = migration.apply(state, editor)
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                self._recover()
                raise _ReplayFailed(f"{_label(migration)} failed on replay: {_describe(exc)}") from None
        self._invalidate()
        return state

    # -- database state -----------------------------------------------------------------------------------

    def _start_from_base(self) -> None:
        """Empty the database, as Django's test runner starts from a new one; a `django_migrations`
        table left by an earlier `migrate` goes too (the runner itself never creates it)."""
        if not self._emptied:
            self._recover()
            database.wipe(self.connection, (), version_table="")
            self._emptied = True
        self._rebuild()

    def _rebuild(self) -> None:
        self._recover()
        database.wipe(self.connection, (), version_table="")
        self._invalidate()

    def _invalidate(self) -> None:
        self._catalog = None
        self._rows = {}
        self._dirty = None
        self._scope = (True, True)

    def _prepare(self, result: RevisionResult) -> Before:
        """Re-read what the last step touched, top up the seed rows, commit, and remember it all."""
        conn = self.connection
        names, objects = self._scope
        with database.outside_a_transaction(conn, writes=True):
            catalog = catalogs.refresh(
                conn, self._catalog, self._dirty, names=names, objects=objects, shapes=self._shapes
            )
            self._rows = top_up_rows(conn, self.seeder, catalog, self._catalog, self._dirty, self._rows, result)
            conn.commit()
        self._catalog = catalog
        self._dirty = set()
        self._scope = (False, False)
        return Before(catalog, dict(self._rows))

    def _compare(self, before: Before, statements: list[str], migration: Any, result: RevisionResult) -> bool:
        """Compare the database after the downgrade with `before`; True when the schema is not restored."""
        touched = self._touched(statements, migration, before.catalog)
        after, rows, broken = compare_restored(self.connection, before, statements, touched, self._shapes, result)
        self._rows.update(rows)
        self._catalog = after
        self._dirty = set() if touched is not None else None
        return broken

    def _mark_dirty(self, statements: list[str], migration: Any) -> None:
        names, objects = catalog_scope(statements)
        self._scope = (self._scope[0] or names, self._scope[1] or objects)
        touched = self._touched(statements, migration, self._catalog)
        if touched is None or self._dirty is None:
            self._dirty = None
        else:
            self._dirty |= touched

    def _touched(self, statements: list[str], migration: Any, catalog: catalogs.Catalog | None) -> set[str] | None:
        if catalog is None or catalog.has_triggers or self._uses_raw_dbapi(migration):
            return None
        touched = touched_tables(statements, catalog.folded_names())
        return None if touched is None else catalogs.referencing(catalog, touched)

    def _uses_raw_dbapi(self, migration: Any) -> bool:
        from mrt.verify.django_ops import migration_path

        label = _label(migration)
        if label not in self._raw:
            path = migration_path(migration)
            try:
                source = path.read_text(encoding="utf-8") if path else ""
                self._raw[label] = path is None or any(m in source for m in _RAW_MARKERS)
            except OSError:
                self._raw[label] = True
        return self._raw[label]

    # -- schema drift ---------------------------------------------------------------------------------------

    def pending_model_changes(self) -> str:
        """What `makemigrations --check --dry-run` reports (empty when the models match the migrations)."""
        import io

        from django.core.management import call_command

        out = io.StringIO()
        try:
            call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out, verbosity=1)
        except SystemExit as exc:
            if exc.code:
                return out.getvalue().strip() or "makemigrations --check found model changes without a migration"
        return ""


class _ReplayFailed(Exception):
    pass


def _key(migration: Any) -> tuple[str, str]:
    return (migration.app_label, migration.name)


def _label(item: Any) -> str:
    """`app/name`, the spec's RevisionResult.revision for Django (`skip` takes `app.name` too)."""
    app, name = item if isinstance(item, tuple) else _key(item)
    return f"{app}/{name}"


def _describe(exc: BaseException) -> str:
    cause = exc.__cause__ if exc.__cause__ is not None and type(exc).__module__.startswith("django.db") else exc
    text = str(cause).strip()
    return f"{type(cause).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")


def _session_settings(execute: Callable[[str], Any], vendor: str, timeout: float | None) -> None:
    """Alembic mode's session settings (`database.session_settings`); on SQLite, no waiting for the
    disk on commit (every step commits, and the database is thrown away afterwards)."""
    for statement in database.session_settings(vendor, timeout):
        execute(statement)
    if vendor == "sqlite":
        execute("PRAGMA synchronous = OFF")


def _canceller(engine: Any, connection: Any) -> Callable[[], None] | None:
    """Stop the statement Django's connection is running, from the watchdog thread."""
    raw = connection.connection
    vendor = connection.vendor
    if raw is None:
        return None
    if vendor == "sqlite":
        return raw.interrupt
    if vendor == "postgresql":
        return getattr(raw, "cancel_safe", None) or raw.cancel
    if vendor == "mysql":
        thread_id = raw.thread_id()

        def kill() -> None:
            with engine.connect() as other:
                other.exec_driver_sql(f"KILL QUERY {int(thread_id)}")

        return kill
    return None
