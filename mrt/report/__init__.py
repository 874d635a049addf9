"""Renderers for `mrt check`: one module per output format, all reading one list of findings.

Each format module exposes `render(report: CheckReport) -> str` and is imported only when chosen,
so a JSON run never imports rich and a table run never builds SARIF.
"""

from __future__ import annotations

import importlib

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


__all__ = ["FORMATS", "CheckReport", "render"]
