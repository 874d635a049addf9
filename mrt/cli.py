"""The `mrt` command line: a thin face over the shared analyzer.

Exit codes: 0 no findings, 1 warnings only, 2 errors (or warnings with --strict), 3 bad input
(missing path, unreadable config, broken alembic.ini) with one line on stderr and no traceback.
Heavy modules (rich, the SQL parser) are imported only by the commands that need them.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer

from mrt import __version__

EXIT_CLEAN, EXIT_WARNINGS, EXIT_ERRORS, EXIT_INPUT = 0, 1, 2, 3

app = typer.Typer(
    name="mrt",
    help="Migration rollback safety for Alembic and Django.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"mrt: error: {message}", err=True)
    return typer.Exit(EXIT_INPUT)


def _codes(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(code.strip().upper() for code in value.split(",") if code.strip())
    return out


@app.command()
def check(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Migration files or directories (default: discover here).")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 2).")] = False,
    select: Annotated[list[str] | None, typer.Option("--select", help="Only these codes or prefixes.")] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", help="Skip these codes or prefixes.")] = None,
    dialect: Annotated[str | None, typer.Option("--dialect", help="postgresql, mysql or sqlite.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="pyproject.toml to read [tool.mrt] from.")] = None,
) -> None:
    """Statically analyze migration files for rollback and data-loss risks."""
    from mrt.analyzer import analyze_paths
    from mrt.config import ConfigError, load_config
    from mrt.discovery import DiscoveryError

    if output_format not in ("table", "json"):
        raise _fail(f"unknown format {output_format!r} (expected table or json)")
    targets = [str(p) for p in paths] if paths else ["."]
    if config is not None and not config.is_file():
        raise _fail(f"{config}: config file not found")
    overrides = {"select": _codes(select) or None, "ignore": _codes(ignore) or None, "dialect": dialect}
    try:
        settings = load_config(targets[0], overrides=overrides, pyproject=config)
        findings = analyze_paths(targets, settings)
    except (ConfigError, DiscoveryError) as exc:
        raise _fail(str(exc)) from None
    text = _render_json(findings) if output_format == "json" else None
    if output is not None:
        output.write_text(text if text is not None else _render_plain(findings), encoding="utf-8")
    elif text is not None:
        typer.echo(text)
    else:
        _render_table(findings)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if errors or (warnings and strict):
        raise typer.Exit(EXIT_ERRORS)
    raise typer.Exit(EXIT_WARNINGS if warnings else EXIT_CLEAN)


def _render_json(findings: list) -> str:  # type: ignore[type-arg]
    errors = sum(f.severity == "error" for f in findings)
    payload = {
        "version": __version__,
        "checked_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "summary": {"total_issues": len(findings), "errors": errors, "warnings": len(findings) - errors},
        "findings": [
            {
                "file": f.file,
                "line": f.line,
                "rule": f.code,
                "severity": f.severity,
                "pattern": f.pattern,
                "message": f.message,
                "revision": f.revision,
                "app": f.app,
                "category": f.category,
                "column": f.column + 1,
                "end_line": f.end_line,
            }
            for f in findings
        ],
    }
    return json.dumps(payload, indent=2)


def _render_plain(findings: list) -> str:  # type: ignore[type-arg]
    return "".join(f"{f.file}:{f.line}:{f.column + 1}: {f.code} [{f.severity}] {f.message}\n" for f in findings)


def _render_table(findings: list) -> None:  # type: ignore[type-arg]
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not findings:
        console.print("[green]✓ No rollback risks found[/green]")
        return
    table = Table(show_lines=False)
    for column in ("Location", "Rule", "Severity", "Message"):
        table.add_column(column, overflow="fold")
    for f in findings:
        style = "red" if f.severity == "error" else "yellow"
        table.add_row(f"{f.file}:{f.line}", f.code, f"[{style}]{f.severity}[/{style}]", f.message)
    console.print(table)
    errors = sum(f.severity == "error" for f in findings)
    console.print(f"{len(findings)} finding(s): {errors} error(s), {len(findings) - errors} warning(s)")


@app.command("rule")
def rule_docs(code: Annotated[str, typer.Argument(help="A rule code, e.g. MRT201.")]) -> None:
    """Show a rule's documentation."""
    from mrt.rules import get_rule
    from mrt.rules.docs import render_rule

    found = get_rule(code)
    if found is None:
        raise _fail(f"unknown rule {code!r} (see `mrt rules`)")
    typer.echo(render_rule(found))


@app.command("rules")
def rules_list() -> None:
    """List every rule: code, default severity, category and name."""
    from mrt.rules import all_rules

    for r in all_rules():
        flag = "" if r.default_enabled else " (opt-in)"
        typer.echo(f"{r.code}  {r.severity:<7}  {r.category:<14}  {r.name}{flag}")


@app.command()
def version() -> None:
    """Print the installed version."""
    typer.echo(f"mrt {__version__}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
