"""The pytest face of the verifier: the `mrt` fixture, pytest-alembic's runner methods, built-in tests.

Configuration, in one merge order (mrt.config.load_config): defaults < `[tool.mrt]` in the nearest
pyproject.toml < the fields passed to an `MRTConfig` assigned to `config._mrt_config` in conftest.py.
Either source alone is enough; with neither, the fixture fails with a message saying what to add.

The plugin costs nothing at import: SQLAlchemy and Alembic load when a test first uses the database.
One `AlembicRunner` (one loaded ScriptDirectory, one connection) serves the whole session; each test
that used it ends with the database back at base. Under pytest-xdist each worker migrates its own
database (`test.db` -> `test_gw0.db`, `myapp_test` -> `myapp_test_gw0`).

Built-in tests are opt-in through the `mrt_tests` ini option and carry the `mrt` marker, so
`-m "not mrt"` deselects them. The two that need a full round trip share one `check_all` run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mrt.config import MRTConfig

NOT_CONFIGURED = (
    "mrt is not configured: add a [tool.mrt] table to pyproject.toml (alembic_ini = ..., db_url = ...) "
    "or set config._mrt_config = MRTConfig(...) in a top-level pytest_configure(config) in conftest.py "
    "(see docs/pytest.md)"
)
BUILTIN_TESTS = (
    "single_head",
    "upgrade",
    "model_definitions_match_ddl",
    "up_down_consistency",
    "all_models_register_on_metadata",
    "downgrade_leaves_no_trace",
)


class NotConfigured(Exception):
    """Neither [tool.mrt] nor config._mrt_config exists."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "mrt_tests",
        type="args",
        default=[],
        help=f"mrt built-in migration tests to run ('all' or any of: {', '.join(BUILTIN_TESTS)})",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mrt: mrt's built-in migration tests (deselect with -m 'not mrt')")
    config.stash[_SESSION] = _Session(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(_SESSION, None)
    if session is not None:
        session.close()


# -- configuration and the shared runner ---------------------------------------------------------


class _Session:
    """Per pytest session: the resolved settings, the one runner, and the shared check_all run."""

    def __init__(self, config: pytest.Config) -> None:
        self.pytest_config = config
        self._settings: MRTConfig | None = None
        self._runner: Any = None
        self._worker_db: tuple[str, str] | None = None
        self._django: Any = None
        self.check_all_results: list[Any] | None = None

    def settings(self) -> MRTConfig:
        if self._settings is None:
            self._settings = resolve_config(self.pytest_config)
        return self._settings

    def runner(self) -> Any:
        if self._runner is None:
            from mrt.verify.isolation import create_worker_database, worker_url
            from mrt.verify.runner import AlembicRunner, _ini_url

            settings = self.settings()
            base_url = settings.db_url or _ini_url(settings.alembic_ini)
            url = worker_url(base_url, os.environ.get("PYTEST_XDIST_WORKER")) if base_url else base_url
            if url and url != base_url:
                from mrt.verify.guard import check_disposable

                check_disposable(base_url, allow_unsafe=settings.allow_unsafe_database)
                if create_worker_database(base_url, url):
                    self._worker_db = (base_url, url)
            self._runner = AlembicRunner(settings, db_url=url or None)
        return self._runner

    def django_runner(self) -> Any:
        """The one `mrt.verify.django_runner.DjangoRunner` of the session (Django mode)."""
        if self._django is None:
            from mrt.verify.django_runner import DjangoRunner

            self._django = DjangoRunner(self.settings(), worker=os.environ.get("PYTEST_XDIST_WORKER"))
        return self._django

    def close(self) -> None:
        if self._django is not None:
            self._django.close()
            self._django = None
        if self._runner is not None:
            self._runner.close()
            self._runner = None
        if self._worker_db is not None:
            from mrt.verify.isolation import drop_worker_database

            drop_worker_database(*self._worker_db)
            self._worker_db = None


_SESSION = pytest.StashKey[_Session]()


def resolve_config(config: pytest.Config) -> MRTConfig:
    """Merge [tool.mrt] and config._mrt_config; relative alembic_ini paths work from cwd or the project."""
    from mrt.config import ConfigError, find_pyproject, load_config, load_toml

    base = getattr(config, "_mrt_config", None)
    if base is not None and not isinstance(base, MRTConfig):
        raise NotConfigured(f"config._mrt_config must be an MRTConfig (from pytest_mrt or mrt.config), not {base!r}")
    pyproject = find_pyproject(config.rootpath)
    has_table = pyproject is not None and "mrt" in load_toml(pyproject).get("tool", {})
    if base is None and not has_table:
        raise NotConfigured(NOT_CONFIGURED)
    try:
        settings = load_config(config.rootpath, base=base, pyproject=pyproject)
    except ConfigError as exc:
        raise NotConfigured(str(exc)) from None
    ini = Path(settings.alembic_ini)
    if not ini.is_absolute() and not ini.is_file():
        for root in (settings.root, str(config.rootpath)):
            if root and (Path(root) / ini).is_file():
                settings = settings.merged({"alembic_ini": str(Path(root) / ini)})
                break
    return settings


def _session(config: pytest.Config) -> _Session:
    return config.stash[_SESSION]


# -- the fixture ---------------------------------------------------------------------------------


@pytest.fixture
def mrt(request: pytest.FixtureRequest) -> Iterator[MRTFixture]:
    """Migration control, rollback verification and data checks against the configured test database."""
    session = _session(request.config)
    try:
        session.settings()
    except NotConfigured as exc:
        pytest.fail(str(exc), pytrace=False)
    fixture = MRTFixture(session)
    yield fixture
    fixture._teardown()


class MRTFixture:
    """The `mrt` fixture (spec: MRTFixture). Obtain it as a test argument; do not instantiate it."""

    def __init__(self, session: _Session) -> None:
        self._session = session
        self._seeded: list[tuple[str, str, list[dict[str, Any]]]] = []
        self._used_database = False

    @property
    def config(self) -> MRTConfig:
        return self._session.settings()

    @property
    def runner(self) -> Any:
        """The underlying `mrt.verify.AlembicRunner` (usable outside pytest too)."""
        if self.config.django_settings:
            raise RuntimeError(
                "Django mode (django_settings is set): this method drives Alembic; "
                "use check_migration() / check_all() from mrt's Django verifier"
            )
        self._used_database = True
        return _call(self._session.runner)

    def _teardown(self) -> None:
        self.reset()
        if self._used_database and self._session._runner is not None:
            self._session._runner.reset()

    # -- migration control (spec) --------------------------------------------------------------

    def upgrade(self, revision: str = "head") -> None:
        """Upgrade to `revision` (an id, "head", "heads" or "+N")."""
        _call(self.runner.upgrade, revision)

    def upgrade_to(self, revision: str) -> None:
        self.upgrade(revision)

    def upgrade_one(self) -> None:
        self.upgrade("+1")

    def downgrade(self, revision: str = "-1") -> None:
        """Downgrade one step (default) or to `revision` ("base" for an empty schema)."""
        _call(self.runner.downgrade, revision)

    def downgrade_one(self) -> None:
        self.downgrade("-1")

    def downgrade_to(self, revision: str) -> None:
        self.downgrade(revision)

    def current_revision(self) -> str | None:
        """The database's current revision id, or None at base."""
        return _call(self.runner.current_revision)

    # -- pytest-alembic's runner methods ------------------------------------------------------------

    @property
    def heads(self) -> list[str]:
        return self.runner.heads()

    @property
    def current(self) -> str:
        return self.current_revision() or "base"

    def migrate_up_before(self, revision: str) -> None:
        """Migrate up to, but not including, `revision`."""
        parents = self.runner.project.parents(_call(self.runner.project.get, revision))
        if not parents:
            self.downgrade("base")
        for parent in parents:
            self.upgrade(parent)

    def migrate_up_to(self, revision: str) -> None:
        """Migrate up to, and including, `revision`."""
        self.upgrade(revision)

    def migrate_up_one(self) -> None:
        self.upgrade("+1")

    def migrate_down_before(self, revision: str) -> None:
        """Migrate down to, but not including, `revision` (it stays applied)."""
        self.downgrade(revision)

    def migrate_down_to(self, revision: str) -> None:
        """Migrate down to, and including, `revision` (it is undone too)."""
        parents = self.runner.project.parents(_call(self.runner.project.get, revision))
        self.downgrade(parents[0] if len(parents) == 1 else ("base" if not parents else f"{revision}-1"))

    def migrate_down_one(self) -> None:
        self.downgrade("-1")

    def roundtrip_next_revision(self) -> None:
        """Upgrade, downgrade, then upgrade the next revision: it must survive being re-run."""
        self.upgrade("+1")
        self.downgrade("-1")
        self.upgrade("+1")

    def goto(self, revision: str) -> None:
        """Upgrade or downgrade, whichever reaches `revision` ("base" included) from here."""
        runner = self.runner
        heads = _call(runner.current_heads)
        if revision == "base":
            self.downgrade("base")
            return
        target = _call(runner.project.get, revision).revision
        applied = set(heads).union(*(runner.project.ancestors(h) for h in heads)) if heads else set()
        if target in applied:
            self.downgrade(target)
        else:
            self.upgrade(target)

    def table_at_revision(self, name: str, *, revision: str | None = None, schema: str | None = None) -> Any:
        """The table `name` as it is at `revision` (default: now), reflected into a sqlalchemy.Table.

        The database is put back at the revision it was at before the call.
        """
        runner = self.runner
        if revision is None:
            return _call(runner.table, name, schema)
        before = _call(runner.current_heads)
        self.goto(revision)
        try:
            return _call(runner.table, name, schema)
        finally:
            if _call(runner.current_heads) != before:
                self.goto(before[0] if len(before) == 1 else "base")

    def insert_into(
        self, table: str, data: dict[str, Any] | list[dict[str, Any]] | None = None, revision: str | None = None
    ) -> None:
        """Insert one row (a dict) or several (a list); with `revision`, migrate to it first."""
        if revision is not None:
            self.goto(revision)
        rows = [data] if isinstance(data, dict) else list(data or [])
        _call(self.runner.insert, table, rows)

    # -- static analysis -------------------------------------------------------------------------------

    def check_static(self, versions_dir: str | None = None) -> list[Any]:
        """Static findings for the project's migrations (versions_dir defaults to alembic.ini's)."""
        from mrt.analyzer import analyze_paths

        if self.config.django_settings:
            raise RuntimeError("check_static() is Alembic-only; in Django mode run `mrt check <app>/migrations/`")

        target = versions_dir or self.config.alembic_ini
        if versions_dir is None and Path(target).is_file():
            target = str(Path(target).parent)
        return analyze_paths([target], self.config)

    def assert_no_static_errors(self, versions_dir: str | None = None) -> None:
        errors = [f for f in self.check_static(versions_dir) if f.severity == "error"]
        if errors:
            lines = [f"{f.file}:{f.line}: {f.code} {f.message}" for f in errors]
            pytest.fail(f"{len(errors)} static error(s):\n" + "\n".join(lines), pytrace=False)

    # -- rollback verification ---------------------------------------------------------------------

    def check_revision(self, revision: str) -> Any:
        """Round-trip one revision (the database is brought to the state just before it first)."""
        return _call(self.runner.check_revision, revision)

    def check_all(self, apps: list[str] | None = None) -> list[Any]:
        """Round-trip every revision; one pass over the history. `apps` is for Django projects."""
        if self.config.django_settings:
            return _call(lambda: self._session.django_runner().check_all(apps))
        return _call(self.runner.check_all)

    def check_migration(self, app_label: str, migration_name: str) -> Any:
        """Round-trip one Django migration (after applying everything it depends on)."""
        if not self.config.django_settings:
            raise RuntimeError("check_migration() is for Django projects; use check_revision() with Alembic")
        return _call(lambda: self._session.django_runner().check_migration(app_label, migration_name))

    def assert_reversible(self, revision: str = "head") -> None:
        """Fail unless `revision` survives its round trip with every row and catalog object intact."""
        result = self.check_revision(_call(self.runner.project.get, revision).revision)
        if not result.passed:
            pytest.fail(f"{result.revision} {result.label}:\n{result.failure_summary()}", pytrace=False)

    def assert_all_reversible(self, apps: list[str] | None = None) -> None:
        """Check every revision, print the summary table, and fail if any revision is not reversible."""
        from mrt.verify.summary import print_summary, render_text

        results = self.check_all(apps)
        print_summary(results)
        failed = [r for r in results if not r.passed]
        if failed:
            pytest.fail(render_text(failed), pytrace=False)

    # -- data integrity ------------------------------------------------------------------------------

    def seed(self, table: str, rows: list[dict[str, Any]], pk_col: str = "id") -> None:
        """Insert rows by hand at the current revision; `assert_data_intact()` checks them later."""
        runner = self.runner
        _call(runner.insert, table, rows)
        keys = {str(row[pk_col]) for row in rows if pk_col in row}
        stored = [r for r in _call(runner.rows, table) if str(r.get(pk_col)) in keys]
        self._seeded.append((table, pk_col, stored))

    def assert_data_intact(self) -> None:
        """Fail if any row given to `seed()` is gone or has a different value now."""
        from mrt.verify.data import compare_rows

        problems: list[str] = []
        for table, pk_col, before in self._seeded:
            try:
                now = _call(self.runner.rows, table)
            except Exception:
                problems.append(f"Table '{table}' no longer exists")
                continue
            keys = {str(r.get(pk_col)) for r in before}
            problems += compare_rows(table, [pk_col], before, [r for r in now if str(r.get(pk_col)) in keys])
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)

    def reset(self) -> None:
        """Forget the rows given to `seed()` (called automatically at teardown)."""
        self._seeded.clear()

    # -- schema drift -----------------------------------------------------------------------------------

    def assert_schema_matches(self, target_metadata: Any = None, metadata_path: str | None = None) -> None:
        """Fail if the live schema differs from the SQLAlchemy models (Alembic's autogenerate compare).

        In Django mode: fail if `makemigrations --check` finds model changes without a migration."""
        from mrt.verify.metadata import load_metadata, schema_differences

        if self.config.django_settings:
            changes = _call(lambda: self._session.django_runner().pending_model_changes())
            if changes:
                pytest.fail(f"the models have changes without a migration:\n{changes}", pytrace=False)
            return

        target = target_metadata if target_metadata is not None else (metadata_path or self.config.target_metadata)
        if target is None:
            pytest.fail("no model metadata: pass it, or set target_metadata = 'myapp.models:Base'", pytrace=False)
        metadata = _call(load_metadata, target, self.config.root)
        runner = self.runner
        differences = _call(schema_differences, runner.connection, metadata, runner.version_table)
        runner.connection.commit()
        if differences:
            pytest.fail(
                "schema does not match the models:\n" + "\n".join(f"  - {d}" for d in differences), pytrace=False
            )


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a verifier call; its one-line errors (bad URL, missing alembic.ini) fail the test cleanly."""
    from mrt.verify.errors import VerifyError

    try:
        return fn(*args)
    except VerifyError as exc:
        pytest.fail(str(exc), pytrace=False)


# -- built-in tests -------------------------------------------------------------------------------------


class MRTBuiltinTest(pytest.Item):
    """One of mrt's built-in migration tests, collected when named in the `mrt_tests` ini option."""

    def __init__(self, *, check: Callable[[MRTFixture], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.funcargs: dict[str, Any] = {}  # plugins that wrap test calls (pytest-lsp) look for it
        self.add_marker("mrt")

    def runtest(self) -> None:
        session = _session(self.config)
        try:
            session.settings()
        except NotConfigured as exc:
            pytest.fail(str(exc), pytrace=False)
        fixture = MRTFixture(session)
        try:
            self.check(fixture)
        finally:
            fixture._teardown()

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"mrt built-in test: {self.name}"

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, pytest.fail.Exception):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


def _single_head(mrt: MRTFixture) -> None:
    if mrt.config.django_settings:
        conflicts = _call(lambda: mrt._session.django_runner().conflicts())
        if conflicts:
            pytest.fail(
                "\n".join(
                    f"app {app!r} has {len(n)} leaf migrations ({', '.join(n)}); run makemigrations --merge"
                    for app, n in conflicts.items()
                ),
                pytrace=False,
            )
        return
    heads = mrt.heads
    if len(heads) != 1:
        pytest.fail(f"the history has {len(heads)} heads ({', '.join(heads)}); merge them", pytrace=False)


def _upgrade(mrt: MRTFixture) -> None:
    if mrt.config.django_settings:
        _call(lambda: mrt._session.django_runner().migrate())
        return
    mrt.upgrade("heads")


def _model_definitions_match_ddl(mrt: MRTFixture) -> None:
    if mrt.config.django_settings:
        mrt.assert_schema_matches()  # makemigrations --check
        return
    if not mrt.config.target_metadata:
        pytest.skip("set target_metadata (e.g. 'myapp.models:Base') to compare the models with the DDL")
    mrt.upgrade("heads")
    mrt.assert_schema_matches()


def _shared_check_all(mrt: MRTFixture) -> list[Any]:
    if mrt._session.check_all_results is None:
        mrt._session.check_all_results = mrt.check_all()
    return mrt._session.check_all_results


def _up_down_consistency(mrt: MRTFixture) -> None:
    broken = [
        r
        for r in _shared_check_all(mrt)
        if r.failures and r.label in ("upgrade failed", "downgrade failed", "timed out")
    ]
    if broken:
        pytest.fail("\n".join(f"{r.revision} {r.label}:\n{r.failure_summary()}" for r in broken), pytrace=False)


def _downgrade_leaves_no_trace(mrt: MRTFixture) -> None:
    traces = [r for r in _shared_check_all(mrt) if r.label == "schema not restored"]
    if traces:
        pytest.fail("\n".join(f"{r.revision}:\n{r.failure_summary()}" for r in traces), pytrace=False)


def _all_models_register_on_metadata(mrt: MRTFixture) -> None:
    from mrt.verify.metadata import unregistered_tables

    target = mrt.config.target_metadata
    if mrt.config.django_settings:
        pytest.skip("SQLAlchemy metadata only: Django registers every model of an installed app itself")
    if not target:
        pytest.skip("set target_metadata (e.g. 'myapp.models:Base') to look for unregistered models")
    package, missing = _call(unregistered_tables, target, mrt.config.root)
    if missing:
        pytest.fail(
            f"table(s) {', '.join(missing)} are defined in {package} but not imported with {target}; "
            "autogenerate would not see them",
            pytrace=False,
        )


_CHECKS: dict[str, Callable[[MRTFixture], None]] = {
    "single_head": _single_head,
    "upgrade": _upgrade,
    "model_definitions_match_ddl": _model_definitions_match_ddl,
    "up_down_consistency": _up_down_consistency,
    "all_models_register_on_metadata": _all_models_register_on_metadata,
    "downgrade_leaves_no_trace": _downgrade_leaves_no_trace,
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the enabled built-in tests first (before `-m` deselection, which sees their marker)."""
    wanted = config.getini("mrt_tests")
    if not wanted:
        return
    names = list(BUILTIN_TESTS) if "all" in wanted else wanted
    unknown = [n for n in names if n not in _CHECKS]
    if unknown:
        raise pytest.UsageError(
            f"mrt_tests: unknown built-in test(s) {', '.join(unknown)}; known: {', '.join(BUILTIN_TESTS)}"
        )
    builtins = [MRTBuiltinTest.from_parent(session, name=f"test_mrt_{name}", check=_CHECKS[name]) for name in names]
    items[:0] = builtins


__all__ = ["MRTBuiltinTest", "MRTFixture", "mrt"]
