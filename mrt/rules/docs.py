"""Render rule documentation from the registry: `docs/rules/<CODE>.md`, `mrt rule CODE`, editor hovers.

One renderer, one source: the docs a user reads in the terminal, on the docs page and in the editor
are the same words. `python -m mrt.rules.docs docs/rules` regenerates the pages; a test fails when
they are out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mrt.rules.registry import Rule, all_rules


def render_rule(rule: Rule) -> str:
    """The Markdown page of one rule."""
    d = rule.docs
    lines = [
        f"# {rule.code}: {rule.name}",
        "",
        f"**Category:** {rule.category} · **Default severity:** {rule.severity}"
        + ("" if rule.default_enabled else " · **Opt-in** (not enabled by default)")
        + f" · **Frameworks:** {', '.join(sorted(rule.frameworks))}",
        "",
        rule.summary,
        "",
        "## What it finds",
        "",
        d.what,
        "",
        "## Why it is risky",
        "",
        d.why,
        "",
        "## Do this instead",
        "",
        d.instead,
        "",
        "## Example",
        "",
        "```python",
        d.example.rstrip(),
        "```",
    ]
    if d.fixed:
        lines += ["", "Safer:", "", "```python", d.fixed.rstrip(), "```"]
    if rule.aliases:
        lines += ["", f"Also answers to pytest-mrt's {', '.join(rule.aliases)} (in `# noqa` and settings)."]
    lines += [
        "",
        "## Suppress",
        "",
        f"`# mrt: ignore[{rule.code}] -- reason` on any line of the statement, `# noqa: {rule.code}`, "
        f'or `ignore = ["{rule.code}"]` in `[tool.mrt]`.',
        "",
    ]
    return "\n".join(lines)


def render_index() -> str:
    lines = ["# Rules", "", "| Code | Name | Category | Severity |", "|---|---|---|---|"]
    for rule in all_rules():
        sev = rule.severity + ("" if rule.default_enabled else " (opt-in)")
        lines.append(f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.category} | {sev} |")
    return "\n".join(lines) + "\n"


def write_docs(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for rule in all_rules():
        path = directory / f"{rule.code}.md"
        path.write_text(render_rule(rule), encoding="utf-8")
        written.append(path)
    index = directory / "README.md"
    index.write_text(render_index(), encoding="utf-8")
    written.append(index)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")
    for path in write_docs(target):
        print(path)
