"""The `mrt` command line: a thin face over the shared analyzer, verifier and rule registry.

Exit codes (every command):

* 0 — no findings (or the command did what it was asked);
* 1 — warnings only (`check`), drift found (`drift`);
* 2 — errors, or warnings with `--strict` (`check`);
* 3 — a usage or input error: unknown option, missing path, unreadable config, broken alembic.ini,
  a `--since` revision that names no migration, a `--base-ref` outside a git repository or naming no
  commit (or git missing), a missing extra or API key. Always one line on
  stderr, never a traceback;
* 4 — an internal error (a bug in mrt): one line, the traceback only with `MRT_DEBUG=1`;
* 130 — interrupted (Ctrl-C), except in `--watch`, where Ctrl-C is the normal way out (0).

The parser is the standard library's argparse and every command imports what it needs when it
runs, so a static `mrt check --format json` pays for the analyzer and nothing else: no typer and
pydantic (about 0.1 s together), no rich unless the table is coloured or not ASCII, never SQLAlchemy, Alembic,
Django or anthropic.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mrt import __version__

if TYPE_CHECKING:
    from mrt.git import GitChanges

# The report formats that render fix edits; the others need not pay for building them.
FORMATS_WITH_FIXES = frozenset({"json", "sarif"})
EXIT_CLEAN, EXIT_WARNINGS, EXIT_ERRORS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130
DEFAULT_HTML_OUTPUT = "mrt-report.html"


class InputError(Exception):
    """Bad usage or input: reported as one line on stderr with exit code 3."""


class _Parser(argparse.ArgumentParser):
    """argparse with mrt's convention: usage errors are one line and exit code 3, not 2.

    `commands` maps each sub-command name to its own parser, so `run` can parse a command's
    arguments intermixed (`mrt check a.py --strict b.py`), which argparse cannot do through
    sub-parsers.
    """

    commands: dict[str, argparse.ArgumentParser]

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{message} (see `{self.prog} --help`)")

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse builds a formatter for every `add_argument` and sizes it with `shutil`, whose import pulls in
        # the archive modules (bz2, lzma, zlib): a tenth of what a one-file check imports besides mrt itself.
        return self.formatter_class(prog=self.prog, width=_terminal_columns(80) - 2)


def _terminal_columns(fallback: int) -> int:
    """`shutil.get_terminal_size((fallback, 24)).columns` (COLUMNS, else the terminal, else `fallback`), without
    importing shutil and, through it, the archive modules (bz2, lzma, zlib) on every run."""
    columns = 0
    with contextlib.suppress(KeyError, ValueError):
        columns = int(os.environ["COLUMNS"])
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else fallback


def _codes(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(code.strip().upper() for code in value.split(",") if code.strip())
    return out


def _echo(text: str, *, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    stream.write(text if text.endswith("\n") else text + "\n")
    stream.flush()


# -- mrt check -------------------------------------------------------------------------------------------


def _cmd_check(args: argparse.Namespace) -> int:
    if args.watch:
        if args.format != "table":
            raise InputError("--watch prints the table; it cannot be combined with --format " + args.format)
        from mrt.watch import watch

        return watch(args.paths or ["."], lambda: _check_once(args), extra=args.history or [])
    return _check_once(args)


@contextlib.contextmanager
def _notes_on_stderr() -> Iterator[None]:
    """Discovery's notes (`UnreadMigrationsWarning`: files a version location leaves out) as one `mrt: note:`
    line each on stderr, after the progress line is gone; any other warning goes on as Python shows it."""
    import warnings

    from mrt.discovery import UnreadMigrationsWarning

    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as recording:
            warnings.simplefilter("always", UnreadMigrationsWarning)
            try:
                yield
            finally:
                caught = list(recording)
    finally:  # outside the recording, so that what is passed on is shown, not recorded again
        notes: dict[str, None] = {}
        for item in caught:
            if issubclass(item.category, UnreadMigrationsWarning):
                notes[str(item.message)] = None
            else:
                warnings.warn_explicit(item.message, item.category, item.filename, item.lineno, source=item.source)
        for note in notes:
            _echo(f"mrt: note: {note}", err=True)


class _ProgressLine:
    """`mrt: checked 1,200/4,000 files` on one terminal line while a large history is read (a few seconds
    for thousands of files), erased before the report is printed. Only on a terminal, and only from
    `PROGRESS_FROM` files: a small check is over before a line would be worth reading."""

    PROGRESS_FROM = 400

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total < self.PROGRESS_FROM:
            return
        self.stream.write(f"\rmrt: checked {done:,}/{total:,} files")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")  # back to the start of the line, and clear it
            self.stream.flush()
            self.shown = False


# A clean report over no files would read as a pass: say that nothing was checked (still exit 0, like an
# empty directory in a pre-commit run).
_NOTHING_FOUND = (
    "mrt: no migration files found in {targets}: name the Alembic versions directory or the Django apps "
    "(a version location set in env.py rather than alembic.ini is not read)"
)


def _check_once(args: argparse.Namespace) -> int:
    from mrt.analyzer import analyze_project, display_path
    from mrt.config import ConfigError, load_config
    from mrt.discovery import DiscoveryError, discover
    from mrt.report import CheckReport, write
    from mrt.since import ScopeError, absolute, reported_paths

    targets = args.paths or ["."]
    if args.config is not None and not os.path.isfile(args.config):
        raise InputError(f"{args.config}: config file not found")
    overrides = {"select": _codes(args.select) or None, "ignore": _codes(args.ignore) or None, "dialect": args.dialect}
    try:
        settings = load_config(targets[0], overrides=overrides, pyproject=Path(args.config) if args.config else None)
        if args.check_compat:
            settings = settings.merged({"extend_select": [*settings.extend_select, "MRT7"]})
        if args.base_ref is not None:
            settings = settings.merged({"git_changes": _git_changes(args.base_ref, targets, args.history or [])})
        progress = _ProgressLine(sys.stderr) if sys.stderr.isatty() else None
        try:
            with _notes_on_stderr():
                migrations, findings = analyze_project(
                    [*targets, *(args.history or [])],
                    settings,
                    with_fixes=args.format in FORMATS_WITH_FIXES,
                    jobs=_jobs(args.jobs, watching=args.watch),
                    progress=progress,
                )
        finally:
            if progress is not None:
                progress.close()
        if not migrations and not findings:
            _echo(_NOTHING_FOUND.format(targets=" ".join(targets)), err=True)
        scope = {absolute(f.path) for f in discover(targets)} if args.history else None
        in_range = reported_paths(migrations, since=args.since, min_revision=args.min_revision)
    except (ConfigError, DiscoveryError, ScopeError) as exc:
        raise InputError(str(exc)) from None
    if in_range is not None:
        parsed = {absolute(m.path) for m in migrations}
        in_range |= {f.path for f in findings if f.path not in parsed}  # unreadable: age unknown, keep
        scope = in_range if scope is None else scope & in_range
    if scope is not None:
        findings = [f for f in findings if f.path in scope]
        migrations = [m for m in migrations if absolute(m.path) in scope]

    output = args.output or (DEFAULT_HTML_OUTPUT if args.format == "html" else None)
    to_terminal = output is None and sys.stdout.isatty()
    report = CheckReport(
        findings=findings,
        migrations={display_path(m.path): m.label for m in migrations if m.is_migration},
        strict=args.strict,
        color=to_terminal and "NO_COLOR" not in os.environ,
        width=_terminal_columns(100) if output is None else 100,
    )
    if output is None:
        write(args.format, report, sys.stdout)
        sys.stdout.flush()
    else:
        _write_report(output, args.format, report)
        _echo(f"mrt: wrote {output}: {report.summary_line()}", err=True)
    if report.errors or (report.warnings and args.strict):
        return EXIT_ERRORS
    return EXIT_WARNINGS if report.warnings else EXIT_CLEAN


def _git_changes(ref: str, targets: list[str], history: list[str]) -> GitChanges:
    """What changed since the merge base with `ref` (`--base-ref`), for the migrations this check reads."""
    from mrt.discovery import discover
    from mrt.git import GitError, git_changes

    try:
        return git_changes(ref, targets[0], [f.path for f in discover([*targets, *history])])
    except GitError as exc:
        raise InputError(str(exc)) from None


def _write_report(output: str, output_format: str, report: Any) -> None:
    """Write the report beside `output` and move it into place: it is streamed (a large history's report
    is never held whole), and a run that fails half-way must not leave half a report behind. A symlink
    or a device (`-o /dev/stdout`) is written through, as it was asked to be."""
    import stat
    import tempfile

    from mrt.report import write

    try:
        regular = stat.S_ISREG(os.lstat(output).st_mode)
    except FileNotFoundError:
        regular = True
    except OSError as exc:
        raise InputError(f"{output}: cannot write report ({exc.strerror or exc})") from None
    if not regular:
        try:
            with open(output, "w", encoding="utf-8") as handle:
                write(output_format, report, handle)
        except OSError as exc:
            raise InputError(f"{output}: cannot write report ({exc.strerror or exc})") from None
        return
    partial = None
    try:
        fd, partial = tempfile.mkstemp(
            prefix=f".{os.path.basename(output)}.", suffix=".partial", dir=os.path.dirname(output) or "."
        )
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(partial, 0o666 & ~umask)  # mkstemp makes 0600; a report is as readable as any new file
        with open(fd, "w", encoding="utf-8") as handle:
            write(output_format, report, handle)
        os.replace(partial, output)
        partial = None
    except OSError as exc:
        raise InputError(f"{output}: cannot write report ({exc.strerror or exc})") from None
    finally:
        if partial is not None:
            with contextlib.suppress(OSError):
                os.unlink(partial)


def _jobs(requested: int | None, *, watching: bool) -> int:
    """Processes for the per-file pass: as asked, else one per usable CPU. `--watch` stays in one process: the
    file watcher runs a thread, and forking a threaded process is not safe."""
    if requested is not None and requested < 1:
        raise InputError(f"--jobs {requested}: expected 1 or more")
    if watching:
        return 1
    if requested is not None:
        return requested
    from mrt.workers import usable_cpus

    return usable_cpus()


# -- mrt rules / mrt rule ----------------------------------------------------------------------------------


def _family_prefix(family: str) -> str:
    """`2`, `2xx`, `MRT2` and `mrt2xx` all mean codes starting with MRT2."""
    value = family.strip().upper().removeprefix("MRT").rstrip("X")
    if not value.isdigit():
        raise InputError(f"--family {family!r}: expected a family such as 2, 2xx or MRT2")
    return "MRT" + value


def _cmd_rules(args: argparse.Namespace) -> int:
    from mrt.rules import all_rules

    rules = all_rules()
    if args.family:
        prefix = _family_prefix(args.family)
        rules = [r for r in rules if r.code.startswith(prefix)]
    if args.category:
        categories = sorted({r.category for r in all_rules()})
        if args.category not in categories:
            raise InputError(f"--category {args.category!r}: expected one of {', '.join(categories)}")
        rules = [r for r in rules if r.category == args.category]
    width = max((len(r.category) for r in rules), default=8)
    lines = [f"{'CODE':<7}  {'SEVERITY':<8}  {'CATEGORY':<{width}}  NAME"]
    for r in rules:
        flag = "" if r.default_enabled else "  (opt-in)"
        lines.append(f"{r.code:<7}  {r.severity:<8}  {r.category:<{width}}  {r.name}{flag}")
    lines.append(f"{len(rules)} rule(s). `mrt rule CODE` shows one rule's documentation.")
    _echo("\n".join(lines))
    return EXIT_CLEAN


def _cmd_rule(args: argparse.Namespace) -> int:
    from mrt.rules import get_rule
    from mrt.rules.docs import render_rule

    found = get_rule(args.code)
    if found is None:
        raise InputError(f"unknown rule {args.code!r} (see `mrt rules`)")
    _echo(render_rule(found))
    return EXIT_CLEAN


# -- mrt init / drift / explain / version ---------------------------------------------------------------


def _cmd_init(args: argparse.Namespace) -> int:
    from mrt.init_scaffold import ScaffoldError, scaffold

    try:
        messages = scaffold(args.directory, force=args.force)
    except ScaffoldError as exc:
        raise InputError(str(exc)) from None
    _echo("\n".join(messages))
    return EXIT_CLEAN


def _cmd_drift(args: argparse.Namespace) -> int:
    from mrt.drift import DriftError, alembic_drift, django_drift

    try:
        if args.metadata_path:
            result = alembic_drift(
                args.metadata_path, alembic_ini=args.config, db_url=args.db_url, upgrade=args.upgrade
            )
        else:
            result = django_drift(args.manage, settings=args.settings)
    except DriftError as exc:
        raise InputError(str(exc)) from None
    _echo(result.text)
    return EXIT_WARNINGS if result.drift else EXIT_CLEAN


def _cmd_explain(args: argparse.Namespace) -> int:
    from mrt.explain.command import ExplainError, explain_file

    try:
        return explain_file(args.file, model=args.model, timeout=args.timeout, out=sys.stdout)
    except ExplainError as exc:
        raise InputError(str(exc)) from None


def _cmd_version(args: argparse.Namespace) -> int:
    _echo(f"mrt {__version__}")
    return EXIT_CLEAN


# -- the parser ------------------------------------------------------------------------------------------


COMMANDS = ("check", "rules", "rule", "init", "drift", "explain", "verify", "version")


def build_parser(only: str | None = None) -> _Parser:
    """The `mrt` parser; with `only`, just that command's sub-parser is built (and only what its options
    name is imported): a one-file `mrt check` need not build the other seven."""
    parser = _Parser(prog="mrt", description="Migration rollback safety for Alembic and Django.")
    parser.add_argument("--version", action="version", version=f"mrt {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    parser.commands = {}

    def command(name: str, handler: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        parser.commands[name] = sub
        return sub

    if only in (None, "check"):
        _add_check(command)
    if only in (None, "rules", "rule"):
        _add_rules(command)
    if only in (None, "init", "drift", "explain"):
        _add_project_commands(command)
    if only in (None, "verify"):
        from mrt.verify.cli_command import register_verify  # the dynamic verifier's command (its own module)

        register_verify(command)
    if only in (None, "version"):
        command("version", _cmd_version, "Print the installed version.")
    return parser


_Command = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def _add_check(command: _Command) -> None:
    from mrt.report import FORMATS

    check = command("check", _cmd_check, "Statically analyze migrations for rollback and data-loss risks.")
    check.add_argument(
        "paths", nargs="*", metavar="PATH", help="migration files or directories (default: discover here)"
    )
    check.add_argument("-f", "--format", default="table", choices=FORMATS, help="output format (default: table)")
    check.add_argument("-o", "--output", metavar="FILE", help=f"write the report here (html: {DEFAULT_HTML_OUTPUT})")
    check.add_argument("--strict", action="store_true", help="warnings fail too (exit 2)")
    check.add_argument("--since", metavar="REV", help="report only migrations added after REV (revision or app.name)")
    check.add_argument("--min-revision", metavar="REV", help="skip REV and everything older")
    check.add_argument(
        "--base-ref",
        metavar="REF",
        help="git branch, tag or commit this change merges into: also check what the diff against it shows",
    )
    check.add_argument("--check-compat", action="store_true", help="also run rolling-deploy checks (MRT7xx)")
    check.add_argument(
        "--select", action="append", metavar="CODES", help="only these codes or prefixes (comma-separated)"
    )
    check.add_argument("--ignore", action="append", metavar="CODES", help="skip these codes or prefixes")
    check.add_argument("--dialect", help="target database: postgresql, mysql or sqlite")
    check.add_argument("--config", metavar="PATH", help="pyproject.toml to read [tool.mrt] from")
    check.add_argument(
        "--history",
        action="append",
        metavar="PATH",
        help="also read these migrations for graph checks, without reporting their findings",
    )
    check.add_argument("-w", "--watch", action="store_true", help="re-check when files change (Ctrl-C to stop)")
    check.add_argument(
        "-j",
        "--jobs",
        type=int,
        metavar="N",
        help="processes for a large history (default: one per CPU; small projects use one)",
    )


def _add_rules(command: _Command) -> None:
    rules = command("rules", _cmd_rules, "List the rule catalog.")
    rules.add_argument("--family", help="only this code family, e.g. 2, 2xx or MRT2")
    rules.add_argument("--category", help="only this category, e.g. data-loss")

    rule = command("rule", _cmd_rule, "Show one rule's documentation.")
    rule.add_argument("code", metavar="CODE", help="a rule code, e.g. MRT201")


def _add_project_commands(command: _Command) -> None:
    init = command("init", _cmd_init, "Scaffold conftest.py and tests/test_migrations.py for this project.")
    init.add_argument("directory", nargs="?", default=".", help="the project directory (default: here)")
    init.add_argument("--force", action="store_true", help="overwrite files that already exist")

    drift = command("drift", _cmd_drift, "Compare the database schema (Alembic) or models (Django) with migrations.")
    drift.add_argument("metadata_path", nargs="?", metavar="METADATA_PATH", help="module:Base or module:metadata")
    drift.add_argument("-c", "--config", default="alembic.ini", help="alembic.ini (default: alembic.ini)")
    drift.add_argument("--db-url", help="database URL (default: sqlalchemy.url from alembic.ini)")
    drift.add_argument("--upgrade", action="store_true", help="upgrade the (disposable) database to head first")
    drift.add_argument("--manage", default="manage.py", help="Django mode: path to manage.py (default: manage.py)")
    drift.add_argument("--settings", help="Django mode: DJANGO_SETTINGS_MODULE")

    explain = command("explain", _cmd_explain, "Explain a migration in plain English with Claude.")
    explain.add_argument("file", metavar="FILE", help="the migration file")
    explain.add_argument("-m", "--model", help="Claude model (default: explain_model from [tool.mrt])")
    explain.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for Claude (default: 60)")


def run(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the command; returns the exit code (what tests call)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(only=argv[0] if argv and argv[0] in COMMANDS else None)
    try:
        command = parser.commands.get(argv[0]) if argv else None
        args = command.parse_intermixed_args(argv[1:]) if command else parser.parse_args(argv)
        handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
        if handler is None:
            parser.print_help()
            return EXIT_INPUT
        return handler(args)
    except InputError as exc:
        _echo(f"mrt: error: {_one_line(str(exc))}", err=True)
        return EXIT_INPUT
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_CLEAN
    except KeyboardInterrupt:
        _echo("mrt: interrupted", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `mrt check | head`
        return EXIT_CLEAN
    except Exception as exc:
        return _internal_error(exc)


def _one_line(text: str) -> str:
    """Messages from configparser, SQLAlchemy and friends span lines; the user gets one."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _internal_error(exc: BaseException) -> int:
    if os.environ.get("MRT_DEBUG"):
        import traceback

        traceback.print_exception(exc)
    _echo(
        f"mrt: internal error: {type(exc).__name__}: {_one_line(str(exc))} (MRT_DEBUG=1 shows the traceback)", err=True
    )
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> Any:
    """Console-script entry point."""
    sys.exit(run(argv))
