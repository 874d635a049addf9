"""`mrt verify` on a Django project: find its settings module, then run the Django verifier.

A project is Django when `--django-settings` / `django_settings` says so, or when there is no
alembic.ini and a manage.py names its settings module (`os.environ.setdefault(
"DJANGO_SETTINGS_MODULE", "mysite.settings")`, as `startproject` writes it). manage.py is read as
text, never run. Importing this module is cheap; Django loads when the check starts.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mrt.config import MRTConfig
from mrt.verify.errors import VerifyError

_SETTINGS_MODULE = re.compile(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")


def detect_settings(directory: str | Path) -> str | None:
    """The settings module manage.py in `directory` points at, if there is one."""
    manage = Path(directory) / "manage.py"
    try:
        match = _SETTINGS_MODULE.search(manage.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return match.group(1) if match else None


def with_detected_django(settings: MRTConfig, directory: str | Path = ".") -> MRTConfig:
    """`settings` with django_settings (and django_project_dir) filled in from manage.py when the
    project has no alembic.ini; unchanged otherwise."""
    if settings.django_settings or Path(settings.alembic_ini).is_file():
        return settings
    for base in dict.fromkeys(Path(p) for p in (directory, settings.root) if p):
        module = detect_settings(base)
        if module:
            return settings.merged({"django_settings": module, "django_project_dir": str(base.resolve())})
    return settings


def run(settings: MRTConfig, revision: str | None, *, show_progress: bool) -> tuple[list[Any], dict[str, str]]:
    """check_all (or one migration, `app.name` or `app/name`) with a progress bar on a terminal; also
    returns each migration's file (`app/name` -> path relative to the working directory)."""
    from mrt.verify.django_runner import DjangoRunner

    with DjangoRunner(settings) as runner:
        if revision:
            app, _, name = revision.replace("/", ".").partition(".")
            if not name:
                raise VerifyError(f"--revision {revision!r}: name a Django migration as app.name (e.g. shop.0003)")
            results = [runner.check_migration(app, name)]
        elif not show_progress or not sys.stderr.isatty():
            results = runner.check_all()
        else:
            results = _with_progress(runner)
        return results, _files(runner)


def _files(runner: Any) -> dict[str, str]:
    """The file of every migration Django loaded (already imported by the loader: nothing runs here)."""
    from mrt.verify.cli_command import display_path

    files = {}
    for (app, name), migration in runner.loader.disk_migrations.items():
        module = sys.modules.get(type(migration).__module__)
        path = getattr(module, "__file__", None)
        if path:
            files[f"{app}/{name}"] = display_path(path)
    return files


def _with_progress(runner: Any) -> list[Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"))
    with Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("", total=len(runner.tested_migrations()))
        advance: Callable[[Any], None] = lambda result: progress.update(  # noqa: E731
            task, advance=1, description=result.revision
        )
        return runner.check_all(progress=advance)
