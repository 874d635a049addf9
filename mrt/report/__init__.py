"""Renderers for `mrt check`: one module per output format, all reading one list of findings.

Each format module exposes `render(report: CheckReport) -> str` and is imported only when chosen,
so a JSON run never imports rich and a table run never builds SARIF. A format whose report grows with
the findings may also expose `chunks(report)`, the same text piece by piece, so that `write` never
holds the whole report (JSON on a 10,000-revision history: tens of MiB).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TextIO

from mrt.report.common import CheckReport

FORMATS = ("table", "json", "html", "sarif", "github", "gitlab", "junit")

_MODULES = {
    "table": "mrt.report.table",
    "json": "mrt.report.json_report",
    "html": "mrt.report.html_report",
    "sarif": "mrt.report.sarif",
    "github": "mrt.report.github",
    "gitlab": "mrt.report.gitlab",
    "junit": "mrt.report.junit",
}


def render(output_format: str, report: CheckReport) -> str:
    """The whole report in `output_format` (one of `FORMATS`) as text."""
    module = importlib.import_module(_MODULES[output_format])
    return module.render(report)


def write(output_format: str, report: CheckReport, stream: TextIO) -> None:
    """`render(output_format, report)` written to `stream`, a piece at a time where the format allows."""
    module = importlib.import_module(_MODULES[output_format])
    pieces: Iterable[str] = module.chunks(report) if hasattr(module, "chunks") else (module.render(report),)
    for piece in pieces:
        stream.write(piece)


__all__ = ["FORMATS", "CheckReport", "render", "write"]
