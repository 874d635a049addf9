"""`--format table` (the default): a rich table for people, wrapped to the terminal, never cut.

Colour only when writing to a terminal; the same text without escape codes otherwise (pipes,
`--output`). Every column folds long words, so paths and messages stay whole at 80 columns.
"""

from __future__ import annotations

import io

from mrt.report.common import CheckReport


def render(report: CheckReport) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=report.width,
        force_terminal=report.color,
        no_color=not report.color,
        highlight=False,
        emoji=False,
    )
    if report.findings:
        table = Table(show_lines=False, expand=False, pad_edge=False)
        table.add_column("Location", overflow="fold", ratio=3)
        table.add_column("Rule", overflow="fold", no_wrap=True)
        table.add_column("Severity", overflow="fold", no_wrap=True)
        table.add_column("Finding", overflow="fold", ratio=5)
        for f in report.findings:
            style = "bold red" if f.severity == "error" else "yellow"
            finding = Text(f.pattern, style="bold")
            finding.append(f"\n{f.message}", style="")
            table.add_row(Text(f"{f.file}:{f.line or 1}"), Text(f.code), Text(f.severity, style=style), finding)
        console.print(table)
    summary_style = "bold red" if report.errors else ("yellow" if report.findings else "green")
    console.print(Text(report.summary_line(), style=summary_style))
    return buffer.getvalue()
