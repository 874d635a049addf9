"""`mrt verify`: check_all outside pytest, for teams that don't use pytest (or for a CI step).

Registered on the CLI's argparse parser by `register_verify`; importing this module is cheap, and
SQLAlchemy/Alembic load only when the command runs. Exit codes follow the CLI's: 0 every revision is
reversible (or skipped), 2 at least one is not, 3 bad input (no alembic.ini, unsafe or unreachable
database), as one line on stderr, 130 on Ctrl-C, after the runner has cleaned the database up, with the
step that was interrupted ("mrt: interrupted during upgrade of 'abc123'").
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

FORMATS = ("table", "json", "junit", "sarif")


def register_verify(
    command: Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser],
) -> None:
    """Add the `verify` sub-command through the CLI's `command(name, handler, help)` helper."""
    parser = command("verify", verify, "Round-trip every migration on a disposable database (check_all).")
    parser.add_argument("-f", "--format", default="table", choices=FORMATS, help="output format (default: table)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    parser.add_argument("--revision", metavar="REV", help="check only REV (the database is brought just before it)")
    parser.add_argument("--alembic-ini", metavar="PATH", help="alembic.ini (default: alembic_ini from [tool.mrt])")
    parser.add_argument("--db-url", metavar="URL", help="a disposable database (default: db_url, then alembic.ini)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="per-step limit (migration_timeout)")
    parser.add_argument("--seed-rows", type=int, metavar="N", help="rows seeded per table (seed_rows)")
    parser.add_argument(
        "--allow-unsafe-database", action="store_true", default=None, help="skip the disposable-URL guard"
    )
    parser.add_argument("--config", metavar="PATH", help="pyproject.toml to read [tool.mrt] from")
    parser.add_argument("--django-settings", metavar="MODULE", help="Django mode (default: found in manage.py)")
    parser.add_argument("--apps", metavar="A,B", help="Django app labels to test (django_apps)")


def verify(args: argparse.Namespace) -> int:
    """Run the verification described by `args`; returns the exit code."""
    from mrt import __version__
    from mrt.cli import EXIT_CLEAN, EXIT_ERRORS, EXIT_INTERRUPTED, InputError
    from mrt.config import ConfigError, load_config
    from mrt.verify.errors import Interrupted, VerifyError
    from mrt.verify.render import to_json, to_junit

    overrides = {
        "alembic_ini": args.alembic_ini,
        "db_url": args.db_url,
        "migration_timeout": args.timeout,
        "seed_rows": args.seed_rows,
        "allow_unsafe_database": args.allow_unsafe_database,
        "django_settings": args.django_settings,
        "django_apps": [a for a in args.apps.split(",") if a] if args.apps else None,
    }
    if args.config is not None and not Path(args.config).is_file():
        raise InputError(f"{args.config}: config file not found")
    try:
        settings = load_config(".", overrides=overrides, pyproject=Path(args.config) if args.config else None)
        from mrt.verify.django_cli import with_detected_django

        settings = with_detected_django(settings)
        results, files = _run(settings, args.revision, show_progress=args.format == "table" and not args.output)
    except (ConfigError, VerifyError) as exc:
        raise InputError(str(exc)) from None
    except ImportError as exc:
        raise InputError(f"mrt verify needs SQLAlchemy and Alembic: pip install 'mrt[verify]' ({exc})") from None
    except Interrupted as exc:
        sys.stderr.write(f"mrt: {exc}\n")
        return EXIT_INTERRUPTED
    if args.format == "json":
        text = to_json(results, __version__)
    elif args.format == "junit":
        text = to_junit(results)
    elif args.format == "sarif":
        from mrt.verify.sarif import to_sarif

        text = to_sarif(results, files)
    else:
        text = None
    if args.output:
        if text is None:
            from mrt.verify.summary import render_text

            text = render_text(results) + "\n"
        Path(args.output).write_text(text, encoding="utf-8")
    elif text is not None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        from mrt.verify.summary import print_summary

        print_summary(results)
    return EXIT_ERRORS if any(not r.passed for r in results) else EXIT_CLEAN


def _run(settings: Any, revision: str | None, *, show_progress: bool) -> tuple[list[Any], dict[str, str]]:
    """The results, and each revision's file relative to the working directory (for SARIF locations)."""
    if settings.django_settings:
        from mrt.verify import django_cli

        return django_cli.run(settings, revision, show_progress=show_progress)
    from mrt.verify.runner import AlembicRunner

    with AlembicRunner(settings) as runner:
        files = {script.revision: display_path(script.path) for script in runner.project.order}
        return _check_all(runner, revision, show_progress=show_progress), files


def display_path(path: str) -> str:
    """`path` relative to the working directory when it lies below it (as `mrt check` shows files)."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def _check_all(runner: Any, revision: str | None, *, show_progress: bool) -> list[Any]:
    if revision:
        return [runner.check_revision(revision)]
    if not show_progress or not sys.stderr.isatty():
        return runner.check_all()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"))
    with Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("", total=len(runner.project.order))
        return runner.check_all(lambda result: progress.update(task, advance=1, description=result.revision))
