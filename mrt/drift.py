"""`mrt drift`: does the schema the migrations build match the models?

* Alembic: `alembic.autogenerate.compare_metadata` between a database (from `--db-url`, else
  `sqlalchemy.url` in alembic.ini) and the `MetaData` named by `module:attr` (`Base`, `Base.metadata`
  or a `MetaData`). The database is only read, unless `upgrade=True` first runs `alembic upgrade
  head` on it — for a disposable database, which is what CI uses.
* Django: `manage.py makemigrations --check --dry-run`, which exits 1 when models and migrations
  disagree and prints the migrations it would write.

SQLAlchemy and Alembic are imported here, inside the functions, so `mrt check` never pays for
them. The project directory (alembic.ini's directory and the working directory) is put on
`sys.path` so `myapp.models:Base` imports the way it does in the application.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class DriftError(ValueError):
    """A drift check that cannot run: missing dependency, bad path, unreachable database."""


@dataclass(frozen=True)
class DriftResult:
    drift: bool
    text: str


def alembic_drift(
    metadata_path: str, *, alembic_ini: str = "alembic.ini", db_url: str | None = None, upgrade: bool = False
) -> DriftResult:
    try:
        import sqlalchemy as sa
        from alembic.autogenerate import compare_metadata
        from alembic.config import Config
        from alembic.migration import MigrationContext
    except ImportError:
        raise DriftError("mrt drift needs SQLAlchemy and Alembic: pip install 'mrt[verify]'") from None

    ini = Path(alembic_ini)
    if not ini.is_file():
        raise DriftError(f"{alembic_ini}: alembic.ini not found (pass --config PATH)")
    config = Config(str(ini))
    try:
        url = db_url or config.get_main_option("sqlalchemy.url")
    except Exception as exc:  # configparser interpolation and parsing errors
        raise DriftError(f"{alembic_ini}: cannot read ({exc})") from None
    if not url:
        raise DriftError(f"no database URL: pass --db-url or set sqlalchemy.url in {alembic_ini}")
    _add_import_paths(ini.parent)
    metadata = load_metadata(metadata_path)
    try:
        engine = sa.create_engine(url)
    except Exception as exc:
        raise DriftError(f"bad database URL {_hide_password(url)}: {exc}") from None
    try:
        if upgrade:
            _upgrade_head(config, url)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_name": _not_bookkeeping})
            diffs = compare_metadata(context, metadata)
    except DriftError:
        raise
    except Exception as exc:
        raise DriftError(f"{_hide_password(url)}: {type(exc).__name__}: {_first_line(exc)}") from None
    finally:
        engine.dispose()
    if not diffs:
        return DriftResult(False, "No drift: the database schema matches the models.")
    lines = [describe(diff) for diff in diffs]
    return DriftResult(
        True, f"Drift: {len(lines)} difference(s) between the database and the models\n" + "\n".join(lines)
    )


def _not_bookkeeping(name: str | None, type_: str, _parent: Any) -> bool:
    return not (type_ == "table" and name == "alembic_version")


def _upgrade_head(config: Any, url: str) -> None:
    from alembic import command

    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    try:
        command.upgrade(config, "head")
    except Exception as exc:
        raise DriftError(f"alembic upgrade head failed: {type(exc).__name__}: {_first_line(exc)}") from None


def _add_import_paths(*directories: Path) -> None:
    for directory in (Path.cwd(), *directories):
        entry = str(directory.resolve())
        if entry not in sys.path:
            sys.path.insert(0, entry)


def load_metadata(path: str) -> Any:
    """`module:attr[.attr]` to a `MetaData`: a declarative base, its `.metadata`, or a MetaData."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise DriftError(f"{path!r}: expected module:attribute, e.g. myapp.models:Base")
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise DriftError(f"cannot import {module_name}: {type(exc).__name__}: {_first_line(exc)}") from None
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise DriftError(f"{path!r}: {module_name} has no attribute {attribute!r}") from None
    metadata = getattr(target, "metadata", target)
    if not hasattr(metadata, "tables"):
        raise DriftError(f"{path!r} is not a MetaData or a declarative base")
    return metadata


def describe(diff: Any) -> str:
    """One line per autogenerate difference: `+` the models have it, `-` only the database, `~` changed."""
    if isinstance(diff, list):  # column modifications come grouped
        return "\n".join(describe(item) for item in diff)
    kind = diff[0]
    if kind == "add_table":
        return f"+ table {diff[1].name}: in the models, not in the database"
    if kind == "remove_table":
        return f"- table {diff[1].name}: in the database, not in the models"
    if kind in ("add_column", "remove_column"):
        table, column = diff[2], diff[3]
        where = "in the models, not in the database" if kind == "add_column" else "in the database, not in the models"
        return f"{'+' if kind == 'add_column' else '-'} column {table}.{column.name} ({column.type}): {where}"
    if kind in ("add_index", "remove_index"):
        index = diff[1]
        sign = "+" if kind == "add_index" else "-"
        return f"{sign} index {index.name} on {index.table.name}({', '.join(c.name for c in index.columns)})"
    if kind in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        constraint = diff[1]
        sign = "+" if kind.startswith("add") else "-"
        return f"{sign} {type(constraint).__name__} {constraint.name or ''} on {constraint.table.name}".rstrip()
    if kind.startswith("modify_"):
        table, column, old, new = diff[2], diff[3], diff[5], diff[6]
        what = kind.removeprefix("modify_")
        return f"~ column {table}.{column} {what}: database {old}, models {new}"
    return f"? {diff!r}"


def django_drift(manage: str = "manage.py", *, settings: str | None = None) -> DriftResult:
    """Run `makemigrations --check --dry-run` with this interpreter in the project directory."""
    script = Path(manage)
    if not script.is_file():
        raise DriftError(f"{manage}: manage.py not found (pass METADATA_PATH for Alembic, or --manage PATH)")
    env = dict(os.environ)
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    command = [sys.executable, script.name, "makemigrations", "--check", "--dry-run", "--no-input"]
    try:
        done = subprocess.run(
            command, cwd=script.parent.resolve(), env=env, capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DriftError(f"manage.py makemigrations failed to run: {exc}") from None
    output = (done.stdout + done.stderr).strip()
    if done.returncode == 0:
        return DriftResult(False, "No drift: the models match the migrations.")
    if done.returncode == 1 and "Migrations for" in done.stdout:
        return DriftResult(True, "Drift: the models have changes with no migration\n" + output)
    message = f"manage.py makemigrations --check exited {done.returncode}: {_last_line(output)}"
    inherited = os.environ.get("DJANGO_SETTINGS_MODULE")
    if inherited and not settings and inherited.split(".")[0] in output:
        # manage.py only sets a default: the environment's value (another project's, often) wins
        message += f" (DJANGO_SETTINGS_MODULE={inherited} from the environment was used: unset it or pass --settings)"
    raise DriftError(message)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _hide_password(url: str) -> str:
    head, sep, tail = url.partition("@")
    if not sep or "://" not in head:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}" if ":" in credentials else url
