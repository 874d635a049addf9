"""Which database a migration will run on, so engine-specific rules stay quiet where they do not apply.

`[tool.mrt] dialect` (and `version`) wins. Without it, the target is read, never imported, from:

1. `sqlalchemy.url` in the `alembic.ini` of the script directory (`postgresql+psycopg://...` -> postgresql);
2. a literal database URL in that script directory's `env.py` (only when every literal URL there names the
   same engine: an env.py that switches between SQLite and PostgreSQL tells us nothing);
3. a version directory named after an engine (`versions/sqlite/`, `versions/postgresql/`), the layout of
   projects that keep one tree per engine.

Anything else is unknown, and rules treat unknown as "could be PostgreSQL": advice that only matters on
PostgreSQL is still given, but never to a tree that is known to run on SQLite or MySQL.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from mrt.config import MRTConfig
from mrt.model.migration import MigrationAST

POSTGRESQL = "postgresql"
MYSQL = "mysql"
SQLITE = "sqlite"

_SCHEMES = {
    "postgresql": POSTGRESQL,
    "postgres": POSTGRESQL,
    "psycopg": POSTGRESQL,
    "psycopg2": POSTGRESQL,
    "asyncpg": POSTGRESQL,
    "cockroachdb": POSTGRESQL,
    "mysql": MYSQL,
    "mariadb": MYSQL,
    "sqlite": SQLITE,
    "sqlite3": SQLITE,
}
_URL = re.compile(r"""["']([a-z][a-z0-9]*)(?:\+[a-z0-9_]+)?://""", re.IGNORECASE)
_DIR_NAMES = {"postgresql": POSTGRESQL, "postgres": POSTGRESQL, "mysql": MYSQL, "mariadb": MYSQL, "sqlite": SQLITE}
_SEARCH_DEPTH = 4  # a revision file sits at most a few directories below its alembic.ini / env.py


def dialect_from_url(url: str) -> str | None:
    """`postgresql+psycopg://u@h/db` -> "postgresql"; None for an empty or unknown URL."""
    scheme = url.strip().split("://", 1)[0] if "://" in url else ""
    return _SCHEMES.get(scheme.split("+", 1)[0].lower()) if scheme else None


def target_dialect(m: MigrationAST, config: MRTConfig) -> str | None:
    """The engine `m` runs on: configured, or read from the project's files, or None when unknown."""
    if config.dialect:
        return config.dialect
    if not m.path:
        return None
    if "detected_dialect" not in m.derived:  # rules ask per operation: resolve the path once per file
        m.derived["detected_dialect"] = _detected(os.path.dirname(os.path.abspath(m.path)))
    return m.derived["detected_dialect"]  # type: ignore[no-any-return]


def pg_version(config: MRTConfig) -> tuple[int, int] | None:
    """The configured PostgreSQL version as (major, minor): "16" -> (16, 0), "9.6" -> (9, 6)."""
    raw = (config.dialect_version or "").strip()
    match = re.match(r"(\d+)(?:\.(\d+))?", raw)
    if not match:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def may_be_postgresql(m: MigrationAST, config: MRTConfig, condition: str | None = None) -> bool:
    """False when the migration (or the `if` branch an operation sits in) is known to target another engine."""
    dialect = target_dialect(m, config)
    if dialect not in (None, POSTGRESQL):
        return False
    branch = branch_dialects(condition)
    return not branch or POSTGRESQL in branch


@lru_cache(maxsize=512)
def branch_dialects(condition: str | None) -> frozenset[str]:
    """Engines a simple dialect test selects: `bind.dialect.name == "sqlite"` -> {sqlite}, and the URL test
    `str(bind.engine.url).startswith("mysql")` -> {mysql} (CTFd's way of branching per engine).

    Only positive equality / membership / prefix tests are read; a negation (`!=`, `not`, `is False`) or
    anything else returns the empty set, which means "not restricted". Kept per condition text: lock rules
    ask it for every operation inside an `if`, and a history repeats a handful of conditions.
    """
    if not condition:
        return frozenset()
    text = condition.lower()
    if "!=" in text or re.search(r"\bnot\b|\bis\s+false\b|==\s*false\b", text):
        return frozenset()
    if "==" not in text and " in " not in text and ".startswith(" not in text:
        return frozenset()
    found = {engine for name, engine in _DIR_NAMES.items() if re.search(rf"['\"]{name}['\"]", text)}
    return frozenset(found)


@lru_cache(maxsize=1024)
def _detected(directory: str) -> str | None:
    here = Path(directory)
    for level, folder in enumerate((here, *here.parents)):
        if level > _SEARCH_DEPTH:
            break
        ini = folder / "alembic.ini"
        if ini.is_file():
            found = _from_ini(ini)
            if found:
                return found
        env = folder / "env.py"
        if env.is_file():
            found = _from_env(env)
            if found:
                return found
    for folder in (here, *here.parents)[:_SEARCH_DEPTH]:
        engine = _DIR_NAMES.get(folder.name.lower())
        if engine:
            return engine
    return None


def _from_ini(ini: Path) -> str | None:
    import configparser  # here: most checks find no alembic.ini, or find it once

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(ini, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    for section in parser.sections():
        url = parser.get(section, "sqlalchemy.url", fallback="")
        found = dialect_from_url(url)
        if found:
            return found
    return None


def _from_env(env: Path) -> str | None:
    try:
        text = env.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    engines = {_SCHEMES.get(s.lower()) for s in _URL.findall(text)} - {None}
    return engines.pop() if len(engines) == 1 else None
