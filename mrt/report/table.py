"""`--format table` (the default): the findings for people, grouped by file, wrapped to the terminal, never cut.

Each file's path is printed once, whole, on a line of its own (folded only when it is wider than the
terminal), and under it one row per finding: line, rule, severity, then the pattern and the message,
wrapped in their own column. A path folded inside a narrow table cell could not be read or copied; a
file header can.

The layout is done here rather than by rich's `Table`: rich lays out about one finding per millisecond,
which on a large history (5,000 findings) took longer than the analysis itself. rich still supplies
the two things that need its knowledge: the cell width of every character (wide East Asian text takes
two columns) and the escape codes of the colours. Colour only when writing to a terminal; the same
text without escape codes otherwise (pipes, `--output`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from mrt.report.common import CheckReport

_DEFAULT_WIDTH = 100
_MIN_TEXT = 30  # narrower than this, the pattern and message go under the row, across the whole width
_INDENT = "  "
_GAP = "  "


def render(report: CheckReport) -> str:
    return "".join(chunks(report))


def chunks(report: CheckReport) -> Iterator[str]:
    """The table a file at a time, so that `write` streams it."""
    style = _styler(report.color)
    width = max(report.width or _DEFAULT_WIDTH, 1)
    findings = report.findings
    if findings:
        number_width = max(len(str(f.line or 1)) for f in findings)
        code_width = max(len(f.code) for f in findings)
        severity_width = max(len(f.severity) for f in findings)
        lead = len(_INDENT) + number_width + len(_GAP) + code_width + len(_GAP) + severity_width + len(_GAP)
        stacked = width - lead < _MIN_TEXT
        pad = _INDENT * 2 if stacked else " " * lead
        text_width = max(width - len(pad), 1)
        current: str | None = None
        lines: list[str] = []
        for finding in findings:
            if finding.file != current:
                if lines:
                    yield "\n".join(lines) + "\n\n"
                    lines = []
                current = finding.file
                lines.extend(style("bold", part) for part in _fold(str(finding.file), width))
            severity = style("bold red" if finding.severity == "error" else "yellow", finding.severity)
            head = (
                f"{_INDENT}{str(finding.line or 1).rjust(number_width)}{_GAP}{finding.code.ljust(code_width)}{_GAP}"
                f"{severity}{' ' * (severity_width - len(finding.severity))}{_GAP}"
            )
            pattern = _wrap(finding.pattern, text_width)
            if stacked:
                lines.append(head.rstrip())
                lines.extend(pad + style("bold", part) for part in pattern)
            else:
                lines.append(head + style("bold", pattern[0]))
                lines.extend(pad + style("bold", part) for part in pattern[1:])
            lines.extend(pad + part for part in _wrap(finding.message, text_width))
        if lines:
            yield "\n".join(lines) + "\n\n"
    summary_style = "bold red" if report.errors else ("yellow" if findings else "green")
    yield style(summary_style, report.summary_line()) + "\n"


def _styler(color: bool) -> Callable[[str, str], str]:
    """`style(name, text)`: the text in rich's escape codes for `name` on a terminal, the bare text elsewhere."""
    if not color:
        return lambda _name, text: text
    from rich.style import Style

    codes: dict[str, tuple[str, str]] = {}

    def style(name: str, text: str) -> str:
        if not text:
            return text
        pair = codes.get(name)
        if pair is None:
            start, _, end = Style.parse(name).render("\0", color_system="standard").partition("\0")
            pair = codes[name] = (start, end)
        return f"{pair[0]}{text}{pair[1]}"

    return style


def _wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells: words kept whole where they fit, longer ones folded."""
    out: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if _cells(candidate) <= width:
                line = candidate
                continue
            if line:
                out.append(line)
            parts = _fold(word, width)
            out.extend(parts[:-1])
            line = parts[-1]
        out.append(line)
    return out


def _fold(text: str, width: int) -> list[str]:
    """`text` cut into pieces of at most `width` cells (a path or a word longer than the column)."""
    if _cells(text) <= width:
        return [text]
    from rich.cells import chop_cells

    return list(chop_cells(text, width)) or [text]


def _cells(text: str) -> int:
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


__all__ = ["chunks", "render"]
