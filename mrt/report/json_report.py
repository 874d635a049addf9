"""`--format json`: the spec's schema (version, checked_at, summary, findings with file, line, rule,
severity, pattern, message) plus revision, app, category, column, end_line, end_column, url and fix.

`file` is the path relative to the working directory (absolute when outside it), never a bare name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from mrt import __version__
from mrt.findings import RiskWarning
from mrt.report.common import CheckReport, rule_url

_dumps = json.JSONEncoder(ensure_ascii=False).encode  # one scalar at a time: the C encoder


def render(report: CheckReport) -> str:
    """The report, byte for byte what `json.dumps(payload, indent=2)` writes."""
    return "".join(chunks(report))


def chunks(report: CheckReport) -> Iterator[str]:
    """`render(report)` one finding at a time: a 10,000-revision history has tens of thousands of
    findings, and dumping them as one nested structure held every finding's dict and every output
    fragment at once (over 100 MiB); joining the fragments still held them twice."""
    head = json.dumps(
        {
            "version": __version__,
            "checked_at": report.checked_at_text,
            "summary": {"total_issues": len(report.findings), "errors": report.errors, "warnings": report.warnings},
            "findings": [],
        },
        indent=2,
        ensure_ascii=False,
    )
    if not report.findings:
        yield head + "\n"
        return
    yield head.removesuffix("[]\n}") + "[\n"  # everything up to `"findings": [`
    urls: dict[str, str | None] = {}  # a report names a few dozen rules, thousands of times
    for n, f in enumerate(report.findings):
        url = urls[f.code] if f.code in urls else urls.setdefault(f.code, rule_url(f.code))
        yield (",\n" if n else "") + _indented(_pretty(finding_dict(f, url)))
    yield "\n  ]\n}\n"


def _pretty(finding: dict[str, Any]) -> str:
    """`json.dumps(finding, indent=2)`, written out for the common flat finding: with `indent`, json
    falls back to its pure-Python encoder, and that was most of the report's time on a large history."""
    if "fix" in finding:
        return json.dumps(finding, indent=2, ensure_ascii=False)
    items = ",\n".join(_key(key) + _dumps(value) for key, value in finding.items())
    return "{\n" + items + "\n}"


@lru_cache(maxsize=64)
def _key(key: str) -> str:
    """A finding's key as it opens its line (the same dozen keys for every finding)."""
    return f"  {_dumps(key)}: "


def _indented(text: str) -> str:
    """A finding's JSON at its depth in the report (inside `findings`: four spaces)."""
    return "    " + text.replace("\n", "\n    ")


def finding_dict(f: RiskWarning, url: str | None = None) -> dict[str, Any]:
    """One finding as the JSON report (and anything else that wants plain data) shows it (`url`: the rule's
    page, when the caller already looked it up)."""
    out: dict[str, Any] = {
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
        "end_column": f.end_column + 1 if f.end_column is not None else None,
        "url": url if url is not None else rule_url(f.code),
    }
    if f.fixes:
        out["fix"] = [
            {
                "title": fix.title,
                "edits": [
                    {
                        "line": e.line,
                        "column": e.column + 1,
                        "end_line": e.end_line,
                        "end_column": e.end_column + 1,
                        "new_text": e.new_text,
                    }
                    for e in fix.edits
                ],
            }
            for fix in f.fixes
        ]
    return out
