"""Point Django at the disposable database before any connection to it exists.

pytest-mrt patched `DATABASES['default']` after `django.setup()`: the main thread kept talking to the
settings database while its worker threads and SQLAlchemy used `db_url` (a split brain that ran
migrations against whatever the settings named). Here the settings module is loaded, the `default`
alias is rewritten in place (to `db_url`, or to the test database Django's own test runner would
use), every other alias becomes Django's dummy backend (a migration that reaches for another
database fails loudly instead of touching it), and only then does `django.setup()` run. The result
passes the same disposable-database guard as Alembic mode.

If Django was set up before mrt got the chance (pytest-django, a conftest that calls
`django.setup()`), nothing is rewritten: its `default` database is used only if it passes the guard.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mrt.config import MRTConfig
from mrt.verify.errors import VerifyError
from mrt.verify.guard import check_disposable, safe_url

_ENGINES = {
    "sqlite": "django.db.backends.sqlite3",
    "postgresql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
    "mariadb": "django.db.backends.mysql",
}


@dataclass
class DjangoDatabase:
    """The database Django's `default` alias now points at, as a SQLAlchemy URL for the verifier."""

    url: str
    created: bool = False  # a server database this run created (and drops when it closes)
    temp_dir: str | None = None  # where a SQLite test database lives (removed when it closes)
    admin_url: str | None = None


def configure(config: MRTConfig, db_url: str | None = None, *, worker: str | None = None) -> DjangoDatabase:
    """Load the settings, rewrite the `default` alias, guard it, and run `django.setup()`.

    Under pytest-xdist, `worker` ("gw0") suffixes the database name, as Alembic mode does.
    """
    try:
        import django
        from django.conf import settings
    except ImportError as exc:
        raise VerifyError(f"Django mode needs Django: pip install 'mrt[django]' ({exc})") from None
    module = config.django_settings
    if not module:
        raise VerifyError("Django mode needs django_settings (the settings module, e.g. 'myproject.settings')")
    project_dir = Path(config.django_project_dir or config.root or ".")
    if not project_dir.is_absolute() and config.root:
        project_dir = Path(config.root) / project_dir
    project_path = str(project_dir.resolve())
    if project_path not in sys.path:
        sys.path.insert(0, project_path)
    url = db_url or config.db_url or None
    if _connections_exist() and not _installed_by_mrt():
        return _adopt_existing(config, url)
    configured_module = os.environ.get("DJANGO_SETTINGS_MODULE")
    if settings.configured and configured_module and configured_module != module:
        raise VerifyError(
            f"Django is already configured with {configured_module!r} in this process, not django_settings {module!r}"
        )
    os.environ["DJANGO_SETTINGS_MODULE"] = module
    try:
        databases = settings.DATABASES
    except ImportError as exc:
        raise VerifyError(
            f"cannot import the Django settings {module!r}: {exc} (set django_project_dir to the directory "
            "that contains the settings package)"
        ) from None
    except Exception as exc:
        raise VerifyError(f"cannot load the Django settings {module!r}: {type(exc).__name__}: {exc}") from None
    configured = _ORIGINAL.setdefault("default", dict(databases.get("default") or {}))
    target = _test_database(configured, url)
    if worker and target.temp_dir is None:
        _per_worker(target, worker)
    _install_driver(target.url)
    check_disposable(target.url, allow_unsafe=config.allow_unsafe_database)
    entry = django_database(target.url, configured)
    if _connections_exist():
        _repoint(entry)  # the other aliases were made dummies by the first install
    else:
        for alias in list(databases):
            if alias != "default":
                databases[alias] = {"ENGINE": "django.db.backends.dummy"}
        databases["default"] = entry
    _ORIGINAL["installed"] = entry
    if target.admin_url is not None:
        target.created = create_database(target.admin_url, target.url)
    try:
        django.setup()
    except Exception as exc:
        drop(target)
        raise VerifyError(f"django.setup() failed for {module!r}: {type(exc).__name__}: {exc}") from None
    return target


def _per_worker(target: DjangoDatabase, worker: str) -> None:
    from mrt.verify.isolation import worker_url

    base = target.url
    target.url = worker_url(base, worker)
    if target.admin_url is None and target.url != base and not base.startswith("sqlite"):
        target.admin_url = base  # the worker's database is created through the configured one


# The settings' own `default` entry, and the entry mrt installed in its place (one Django per process).
_ORIGINAL: dict[str, Any] = {}


def _installed_by_mrt() -> bool:
    from django.db import connections

    return connections.settings.get("default") is _ORIGINAL.get("installed")


def _repoint(entry: dict[str, Any]) -> None:
    """Swap the `default` alias mrt installed earlier in this process for another disposable database
    (what Django's test runner does when it creates a test database): close, replace, reconnect lazily."""
    from django.db import connections

    connections["default"].close()
    del connections["default"]
    for key, value in _CONNECTION_DEFAULTS.items():
        entry.setdefault(key, value)
    entry["TEST"] = {**_TEST_DEFAULTS, **entry.get("TEST", {})}
    connections.settings["default"] = entry


_CONNECTION_DEFAULTS: dict[str, Any] = {
    "ATOMIC_REQUESTS": False,
    "AUTOCOMMIT": True,
    "CONN_MAX_AGE": 0,
    "CONN_HEALTH_CHECKS": False,
    "TIME_ZONE": None,
}
_TEST_DEFAULTS: dict[str, Any] = {"CHARSET": None, "COLLATION": None, "MIGRATE": True, "MIRROR": None, "NAME": None}


def drop(database: DjangoDatabase) -> None:
    """Remove what `configure` created: the server test database or the SQLite temporary directory."""
    if database.created and database.admin_url:
        drop_database(database.admin_url, database.url)
        database.created = False
    if database.temp_dir:
        import shutil

        shutil.rmtree(database.temp_dir, ignore_errors=True)
        database.temp_dir = None


# -- already configured ------------------------------------------------------------------------------


def _connections_exist() -> bool:
    """Whether Django's connection handler has read DATABASES (after that, rewriting it is unsafe)."""
    if "django.db" not in sys.modules:
        return False
    from django.db import connections

    return "settings" in connections.__dict__


def _adopt_existing(config: MRTConfig, url: str | None) -> DjangoDatabase:
    from django.db import connections

    current = sqlalchemy_url(connections["default"].settings_dict)
    check_disposable(current, allow_unsafe=config.allow_unsafe_database)
    if url and _same_database(url, current) is False:
        raise VerifyError(
            f"Django was set up before mrt (pytest-django or django.setup() in conftest.py) and its default "
            f"database is {safe_url(current)}, not db_url {safe_url(url)}; drop db_url or point the settings at it"
        )
    return DjangoDatabase(current)


def _same_database(a: str, b: str) -> bool:
    from sqlalchemy.engine import make_url

    x, y = make_url(a), make_url(b)
    return (x.get_backend_name(), x.host, x.port, x.database) == (y.get_backend_name(), y.host, y.port, y.database)


# -- URL <-> DATABASES entry ---------------------------------------------------------------------------


def _test_database(configured: dict[str, Any], url: str | None) -> DjangoDatabase:
    """`db_url` when given; otherwise the test database Django's test runner would create."""
    if url:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
            raise VerifyError(
                "an in-memory SQLite db_url cannot be shared between Django and the verifier; use a file "
                "(sqlite:///verify_test.db) or leave db_url unset to get a temporary one"
            )
        return DjangoDatabase(url)
    engine = configured.get("ENGINE", "")
    test = configured.get("TEST") or {}
    if engine.endswith("sqlite3"):
        name = test.get("NAME")
        if name and ":memory:" not in str(name) and "mode=memory" not in str(name):
            return DjangoDatabase(f"sqlite:///{Path(name).resolve()}")
        # Django's own default is an in-memory database, which only one connection can see.
        temp_dir = tempfile.mkdtemp(prefix="mrt-django-")
        return DjangoDatabase(f"sqlite:///{Path(temp_dir) / 'test.sqlite3'}", temp_dir=temp_dir)
    if not configured.get("NAME") and not test.get("NAME"):
        raise VerifyError(
            "the Django settings define no default database; set db_url (a disposable database) or DATABASES"
        )
    name = test.get("NAME") or f"test_{configured['NAME']}"
    base = sqlalchemy_url({**configured, "NAME": name})
    admin = sqlalchemy_url({**configured, "NAME": "postgres" if "postgresql" in engine else ""})
    return DjangoDatabase(base, admin_url=admin)


def sqlalchemy_url(entry: dict[str, Any]) -> str:
    """The SQLAlchemy URL of a Django DATABASES entry (for seeding and catalog snapshots)."""
    from sqlalchemy.engine import URL

    engine = entry.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        name = str(entry.get("NAME") or "")
        if name.startswith("file:"):
            raise VerifyError(f"cannot share the SQLite database {name!r} with the verifier; use a file path")
        return f"sqlite:///{Path(name).resolve()}" if name and name != ":memory:" else "sqlite://"
    if "postgresql" in engine or "postgis" in engine:
        driver = "postgresql+psycopg" if _importable("psycopg") else "postgresql+psycopg2"
    elif "mysql" in engine:
        driver = "mysql+pymysql" if _importable("pymysql") else "mysql+mysqldb"
    else:
        raise VerifyError(f"Django database engine {engine!r} is not supported (SQLite, PostgreSQL, MySQL/MariaDB)")
    port = entry.get("PORT")
    return URL.create(
        driver,
        username=entry.get("USER") or None,
        password=entry.get("PASSWORD") or None,
        host=entry.get("HOST") or None,
        port=int(port) if port else None,
        database=entry.get("NAME") or None,
    ).render_as_string(hide_password=False)


def django_database(url: str, configured: dict[str, Any]) -> dict[str, Any]:
    """A DATABASES entry for `url`; OPTIONS and TEST carry over when the engine stays the same."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    backend = parsed.get_backend_name()
    engine = _ENGINES.get(backend)
    if engine is None:
        raise VerifyError(f"{safe_url(url)}: Django mode supports SQLite, PostgreSQL and MySQL/MariaDB URLs")
    same_engine = configured.get("ENGINE") == engine
    name = parsed.database or ""
    if backend == "sqlite":
        name = str(Path(name).resolve())
    entry: dict[str, Any] = {
        "ENGINE": engine,
        "NAME": name,
        "USER": parsed.username or "",
        "PASSWORD": parsed.password or "",
        "HOST": parsed.host or "",
        "PORT": str(parsed.port or ""),
        "OPTIONS": dict(configured.get("OPTIONS") or {}) if same_engine else {},
        "TEST": {"NAME": name},
    }
    for key in ("TIME_ZONE", "ATOMIC_REQUESTS"):
        if key in configured:
            entry[key] = configured[key]
    return entry


def _install_driver(url: str) -> None:
    """Django's MySQL backend imports MySQLdb; a `mysql+pymysql` URL means PyMySQL stands in for it."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() in ("mysql", "mariadb") and not _importable("MySQLdb"):
        if parsed.get_driver_name() != "pymysql" or not _importable("pymysql"):
            raise VerifyError("Django's MySQL backend needs mysqlclient (or PyMySQL with a mysql+pymysql:// URL)")
        import pymysql

        pymysql.install_as_MySQLdb()


def _importable(name: str) -> bool:
    import importlib.util

    return name in sys.modules or importlib.util.find_spec(name) is not None


# -- test databases on a server --------------------------------------------------------------------------


def create_database(admin_url: str, url: str) -> bool:
    """Create Django's test database on the server if it is missing; True when this call created it."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.dialect.name == "postgresql":
                exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            else:
                query = "SELECT 1 FROM information_schema.schemata WHERE schema_name = :n"
                exists = conn.execute(sa.text(query), {"n": name}).first()
            if exists:
                return False
            suffix = " CHARACTER SET utf8mb4" if conn.dialect.name != "postgresql" else ""
            conn.exec_driver_sql(f"CREATE DATABASE {conn.dialect.identifier_preparer.quote(name)}{suffix}")
            return True
    except sa.exc.DBAPIError as exc:
        raise VerifyError(f"cannot create the test database {name!r} on {safe_url(admin_url)}: {exc.orig}") from None
    finally:
        admin.dispose()


def drop_database(admin_url: str, url: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            force = " WITH (FORCE)" if conn.dialect.name == "postgresql" else ""
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {conn.dialect.identifier_preparer.quote(name)}{force}")
    except sa.exc.DBAPIError:
        pass  # best effort: a leftover test database is reused (and wiped) by the next run
    finally:
        admin.dispose()
