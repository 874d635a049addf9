"""The rich summary printed by `assert_all_reversible()` and `mrt verify` (the getting-started look)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mrt.verify.result import DATA_LOSS, RevisionResult


def verdict(results: Sequence[RevisionResult]) -> str:
    """The one-line conclusion in the summary's panel."""
    failed = [r for r in results if not r.passed]
    if not failed:
        return f"All {len(results)} migration(s) are safely reversible"
    if all(r.label == DATA_LOSS for r in failed):
        return f"{len(failed)} migration(s) will cause data loss on rollback"
    return f"{len(failed)} migration(s) are not safely reversible"


def render_text(results: Sequence[RevisionResult]) -> str:
    """The summary as plain text (for assertion messages and non-terminal output)."""
    lines = []
    for result in results:
        mark = "✓" if result.passed and not result.skipped else ("-" if result.skipped else "✗")
        lines.append(f"  {mark}  {result.revision}  {result.label}")
        for message in result.failures or ([result.skip_reason] if result.skipped else []):
            lines.append(f"     └─ {message}")
    lines.append("")
    lines.append(f"  {verdict(results)}")
    return "\n".join(lines)


def print_summary(results: Sequence[RevisionResult], console: Any = None) -> None:
    """Print the rule, one line per revision with its failures beneath, and the verdict panel."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    console = console or Console()
    console.print()
    console.rule("[bold]MRT — Migration Rollback Test[/bold]")
    console.print()
    for result in results:
        if result.skipped:
            line = Text(f"  -  {result.revision}  {result.label}", style="dim")
            console.print(line)
            console.print(Text(f"     └─ {result.skip_reason}", style="dim"), soft_wrap=True)
            continue
        ok = result.passed
        line = Text("  ")
        line.append("✓" if ok else "✗", style="green" if ok else "bold red")
        line.append(f"  {result.revision}  ")
        line.append(result.label, style="green" if ok else "red")
        console.print(line)
        for message in result.failures:
            console.print(Text(f"     └─ {message}"), soft_wrap=True)
        for note in result.notes:
            console.print(Text(f"     · {note}", style="dim"), soft_wrap=True)
    console.print()
    failed = any(not r.passed for r in results)
    console.print(
        Panel(Text(verdict(results)), expand=False, border_style="red" if failed else "green", padding=(0, 2)),
        style="",
    )
