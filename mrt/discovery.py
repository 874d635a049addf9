"""Find the migration files under the paths a user names.

* A file is itself.
* A directory with `alembic.ini`: every version location it configures (`script_location`,
  `version_locations` with its separator, `recursive_version_locations`), read without importing
  anything; `[tool.alembic]` in pyproject.toml is honoured the same way, and Flask-Migrate's
  layout (alembic.ini beside env.py, no script_location) is its own script directory.
* An Alembic script directory (`env.py` + `versions/`): its `versions/`, recursively.
* A project root: every `alembic.ini` and every Django `<app>/migrations/` package below it.
* Anything else (a `versions/` or `migrations/` directory): its `.py` files, recursively.

`__init__.py`, `env.py` and private modules (`_helpers.py`) are never migrations. Django app labels
come from the directory that holds `migrations/`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mrt.config import ConfigError, load_toml

if TYPE_CHECKING:
    import configparser

_SKIP_DIRS = frozenset(
    {"node_modules", "site-packages", "__pycache__", "build", "dist", "venv", ".venv", "env", ".tox", ".git"}
)
_NOT_MIGRATIONS = frozenset({"__init__.py", "env.py", "conftest.py", "setup.py", "manage.py"})


class DiscoveryError(ValueError):
    """A path or configuration that cannot be used; the message names the file and the fix."""


class UnreadMigrationsWarning(UserWarning):
    """Python files below a version location that its configuration does not make Alembic (or mrt) read.

    A warning, not an error: Neutron and zou add those directories in env.py at run time, which mrt cannot
    see without running project code. `mrt check` prints it as a note; pytest lists it in its summary."""


@dataclass(frozen=True, slots=True)
class FoundFile:
    path: str
    app: str | None = None


def discover(paths: list[str]) -> list[FoundFile]:
    """Migration files under `paths`, each once, in a stable order."""
    seen: dict[str, FoundFile] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise DiscoveryError(f"{raw}: no such file or directory")
        for found in _discover_one(path):
            key = os.path.normcase(os.path.abspath(found.path))
            seen.setdefault(key, found)
    return sorted(seen.values(), key=lambda f: f.path)


def _discover_one(path: Path) -> Iterator[FoundFile]:
    if path.is_file():
        yield FoundFile(str(path), _django_app(path))
        return
    ini = path / "alembic.ini"
    if ini.is_file():
        for location, recursive in alembic_version_locations(ini):
            yield from _python_files(location, recursive=recursive)
        return
    if (path / "env.py").is_file() and (path / "versions").is_dir():
        yield from _python_files(path / "versions", recursive=True)
        return
    roots = list(_project_roots(path))
    if roots:
        for kind, root in roots:
            if kind == "alembic":
                for location, recursive in alembic_version_locations(root):
                    yield from _python_files(location, recursive=recursive)
            else:
                yield from _python_files(root, recursive=False)
        return
    yield from _python_files(path, recursive=True)


def _project_roots(path: Path) -> Iterator[tuple[str, Path]]:
    """alembic.ini files and Django migrations packages below a project directory."""
    for directory, subdirs, files in os.walk(path):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d not in _SKIP_DIRS)
        here = Path(directory)
        if "alembic.ini" in files:
            yield "alembic", here / "alembic.ini"
        if here.name == "migrations" and "__init__.py" in files and here != path:
            yield "django", here


def _python_files(directory: Path, *, recursive: bool) -> Iterator[FoundFile]:
    """The migration files in a version location (and below it when `recursive`), by path.

    `os.walk`/`os.scandir` rather than `Path.glob`: a history has thousands of files, and building and
    sorting a `Path` for each was a tenth of a whole `mrt check`.
    """
    if not directory.is_dir():
        raise DiscoveryError(f"{directory}: version location does not exist")
    found: list[str] = []
    if recursive:
        for here, subdirs, files in os.walk(directory, followlinks=True):
            subdirs[:] = [d for d in subdirs if d not in _SKIP_DIRS and not d.startswith(".")]
            found.extend(os.path.join(here, name) for name in files if _is_migration_name(name))
    else:
        nested: list[str] = []
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_file():
                    if _is_migration_name(entry.name):
                        found.append(entry.path)
                elif entry.is_dir() and entry.name not in _SKIP_DIRS and not entry.name.startswith("."):
                    nested.append(entry.path)
        if nested:
            _warn_unread(directory, nested)
    for path in sorted(found):
        yield FoundFile(path, _django_app(path))


def _warn_unread(directory: Path, nested: list[str]) -> None:
    """Say how many Python files the subdirectories of a non-recursive version location hold, if any."""
    count = 0
    for top in nested:
        for _here, subdirs, files in os.walk(top):
            subdirs[:] = [d for d in subdirs if d not in _SKIP_DIRS and not d.startswith(".")]
            count += sum(1 for name in files if _is_migration_name(name))
    if count:
        import warnings

        warnings.warn(
            UnreadMigrationsWarning(
                f"{directory}: {count} Python file(s) in its subdirectories are not checked: its alembic.ini does "
                f"not set recursive_version_locations. If env.py adds those directories, name them: "
                f"mrt check {directory}"
            ),
            stacklevel=2,
        )


def _is_migration_name(name: str) -> bool:
    return name.endswith(".py") and not name.startswith("_") and name not in _NOT_MIGRATIONS


def _django_app(file: str | os.PathLike[str]) -> str | None:
    """The app label of a Django migration: the directory that holds its `migrations/` package."""
    # Absolute, so `mrt check migrations` run inside the app still finds it; abspath is string work,
    # where resolve() would cost a system call per path component of every file.
    parts = os.path.abspath(file).split(os.sep)
    for index in range(len(parts) - 2, 0, -1):
        if parts[index] == "migrations":
            return parts[index - 1] or None
    return None


# -- alembic.ini ---------------------------------------------------------------------------------------


def alembic_version_locations(ini: Path) -> list[tuple[Path, bool]]:
    """(directory, recursive) for each version location an alembic.ini configures."""
    import configparser  # here: a check of files named on the command line reads no alembic.ini

    parser = configparser.ConfigParser(defaults={"here": str(ini.parent.resolve())})
    try:
        read = parser.read(ini, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise DiscoveryError(f"{ini}: cannot parse ({exc})") from exc
    if not read:
        raise DiscoveryError(f"{ini}: alembic.ini not found or unreadable")
    section = _alembic_section(parser, ini)
    script_location = section.get("script_location")
    if not script_location and (ini.parent / "env.py").is_file():
        script_location = str(ini.parent)  # Flask-Migrate keeps alembic.ini inside the script directory
    if not script_location:
        raise DiscoveryError(f"{ini}: no script_location in [alembic] (nor in pyproject.toml [tool.alembic])")
    base = _resolve_location(script_location, ini.parent)
    recursive = str(section.get("recursive_version_locations", "false")).lower() in ("true", "1", "yes", "on")
    raw = section.get("version_locations")
    if not raw:
        return [(base / "versions", recursive)]
    separator = str(section.get("path_separator") or section.get("version_path_separator") or "")
    return [(_resolve_location(item, ini.parent), recursive) for item in _split_locations(str(raw), separator)]


def _alembic_section(parser: configparser.ConfigParser, ini: Path) -> dict[str, str]:
    import configparser

    section: dict[str, str] = {}
    if parser.has_section("alembic"):
        try:
            section = dict(parser.items("alembic"))
        except configparser.Error as exc:
            raise DiscoveryError(f"{ini}: [alembic]: {exc}") from exc
    if "script_location" not in section:
        section.update(_pyproject_alembic(ini.parent))
    return section


def _pyproject_alembic(directory: Path) -> dict[str, str]:
    """`[tool.alembic]` (Alembic >= 1.16 keeps script_location there) as strings."""
    pyproject = directory / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    try:
        data = load_toml(pyproject)
    except ConfigError as exc:
        raise DiscoveryError(str(exc)) from exc
    table = data.get("tool", {}).get("alembic", {})
    out = {k: str(v) for k, v in table.items() if isinstance(v, (str, bool))}
    if isinstance(table.get("version_locations"), list):
        out["version_locations"] = "\n".join(str(v) for v in table["version_locations"])
        out["path_separator"] = "newline"
    return out


def _split_locations(raw: str, separator: str) -> list[str]:
    separator = separator.strip().lower()
    if separator == "os":
        items = raw.split(os.pathsep)
    elif separator == "newline":
        items = raw.splitlines()
    elif separator == "space" or not separator:
        items = raw.replace(",", " ").split()
    else:
        items = raw.split({"colon": ":", "semicolon": ";"}.get(separator, separator))
    return [item.strip() for item in items if item.strip()]


def _resolve_location(location: str, base: Path) -> Path:
    """A script or version location: a path, or a package resource as Alembic reads it, `package:path`
    with every further colon a directory (`prefect:server:database:_migrations`).

    Alembic imports the package; mrt never imports project code, so it looks for the package's directory
    beside alembic.ini, above it (the ini often lives inside the package it names) or in a `src/` there,
    up to `_PACKAGE_SEARCH_DEPTH` levels; when none exists, beside alembic.ini (the error names that path).
    """
    location = location.replace("%(here)s", str(base))
    if ":" in location and not Path(location).exists() and not (len(location) > 1 and location[1] == ":"):
        package, *parts = location.split(":")
        relative = Path(*package.split("."), *parts)
        for root in (base, *base.parents[:_PACKAGE_SEARCH_DEPTH]):
            for candidate in (root / relative, root / "src" / relative):
                if candidate.is_dir():
                    return candidate
        return base / relative
    path = Path(location)
    return path if path.is_absolute() else (base / path)


_PACKAGE_SEARCH_DEPTH = 4
