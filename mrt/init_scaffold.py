"""`mrt init`: write a `conftest.py` and `tests/test_migrations.py` for the project in a directory.

The framework is detected without importing anything: an `alembic.ini` (whose `script_location`
must resolve, so a broken ini is reported now rather than in the first test run) or a Django
`manage.py`, whose `DJANGO_SETTINGS_MODULE` default is read from its source. Existing files are
never overwritten without `force`; the result is a list of lines to print, ending in next steps.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from mrt.discovery import DiscoveryError, alembic_version_locations


class ScaffoldError(ValueError):
    """No project to scaffold for, or a project file that cannot be read."""


@dataclass(frozen=True)
class Project:
    framework: str  # "alembic" or "django"
    check_target: str  # what `mrt check` should be pointed at, relative to the project directory
    alembic_ini: str = "alembic.ini"
    django_settings: str | None = None


_ALEMBIC_CONFTEST = '''\
"""pytest configuration for migration rollback tests (written by `mrt init`)."""

import os

from pytest_mrt import MRTConfig


def pytest_configure(config):
    config._mrt_config = MRTConfig(
        alembic_ini={alembic_ini!r},
        # A disposable database: mrt upgrades, seeds and downgrades it. Never production.
        db_url=os.environ.get("TEST_DATABASE_URL", "sqlite:///mrt_test.db"),
    )
'''

_DJANGO_CONFTEST = '''\
"""pytest configuration for migration rollback tests (written by `mrt init`)."""

import os

from pytest_mrt import MRTConfig


def pytest_configure(config):
    config._mrt_config = MRTConfig(
        django_settings={settings!r},
        # A disposable database: mrt migrates, seeds and rolls it back. Never production.
        db_url=os.environ.get("TEST_DATABASE_URL", "sqlite:///mrt_test.db"),
    )
'''

_ALEMBIC_TESTS = '''\
"""Migration rollback tests (written by `mrt init`). The `mrt` fixture comes from mrt's pytest plugin."""


def test_no_static_errors(mrt):
    """Fast, no database: the static rules find nothing of severity error."""
    mrt.assert_no_static_errors()


def test_all_migrations_are_reversible(mrt):
    """Seeds real rows, upgrades, downgrades, and checks that nothing was lost."""
    mrt.assert_all_reversible()
'''

_DJANGO_TESTS = '''\
"""Migration rollback tests (written by `mrt init`). The `mrt` fixture comes from mrt's pytest plugin."""


def test_all_migrations_are_reversible(mrt):
    """Seeds real rows, migrates forwards and back, and checks that nothing was lost."""
    mrt.assert_all_reversible()
'''


def detect(directory: Path) -> Project:
    """The project in `directory`: Alembic first (an alembic.ini is explicit), then Django."""
    ini = directory / "alembic.ini"
    if ini.is_file():
        try:
            locations = alembic_version_locations(ini)
        except DiscoveryError as exc:
            raise ScaffoldError(str(exc)) from None
        target = locations[0][0]
        try:
            shown = target.resolve().relative_to(directory.resolve()).as_posix()
        except ValueError:
            shown = str(target)
        return Project("alembic", shown or ".")
    manage = directory / "manage.py"
    if manage.is_file():
        settings = _django_settings(manage)
        if settings is None:
            raise ScaffoldError(f"{manage}: no DJANGO_SETTINGS_MODULE default found; set it in manage.py first")
        return Project("django", ".", django_settings=settings)
    raise ScaffoldError(f"{directory}: no alembic.ini or Django manage.py here (run `mrt init` in the project root)")


def _django_settings(manage: Path) -> str | None:
    """The literal in `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "...")`, read, not run."""
    try:
        tree = ast.parse(manage.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError) as exc:
        raise ScaffoldError(f"{manage}: cannot read ({exc})") from None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and len(node.args) == 2
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)
            and node.args[0].value == "DJANGO_SETTINGS_MODULE"  # type: ignore[union-attr]
        ):
            return str(node.args[1].value)  # type: ignore[union-attr]
    return None


def scaffold(directory: str | Path = ".", *, force: bool = False) -> list[str]:
    """Write the two files (skipping existing ones unless `force`); return what to tell the user."""
    root = Path(directory)
    if not root.is_dir():
        raise ScaffoldError(f"{directory}: no such directory")
    project = detect(root)
    if project.framework == "alembic":
        files = {
            "conftest.py": _ALEMBIC_CONFTEST.format(alembic_ini=project.alembic_ini),
            "tests/test_migrations.py": _ALEMBIC_TESTS,
        }
        found = f"an Alembic project (versions in {project.check_target})"
    else:
        files = {
            "conftest.py": _DJANGO_CONFTEST.format(settings=project.django_settings),
            "tests/test_migrations.py": _DJANGO_TESTS,
        }
        found = f"a Django project (settings {project.django_settings})"
    messages = [f"Found {found}."]
    for name, content in files.items():
        path = root / name
        if path.exists() and not force:
            messages.append(f"  skipped {name}: it exists (--force overwrites it)")
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        except OSError as exc:
            raise ScaffoldError(f"{path}: cannot write ({exc.strerror or exc})") from None
        messages.append(f"  wrote {name}")
    messages += [
        "",
        "Next steps:",
        f"  1. mrt check {project.check_target}        # static rules, no database, milliseconds",
        "  2. export TEST_DATABASE_URL=...     # a disposable database (default: SQLite file mrt_test.db)",
        "  3. pytest tests/test_migrations.py  # upgrade, seed, downgrade and compare every migration",
    ]
    return messages
