"""`--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.

Every reported rule is described in `tool.driver.rules` with its documentation as help text and a
help URI; results carry 1-based regions relative to the working directory (the repository root
in CI), related locations, fixes, and a `partialFingerprints` entry that stays the same when code
moves, so code scanning tracks an alert across commits instead of reopening it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mrt import __version__
from mrt.findings import RiskWarning
from mrt.report.common import TOOL_NAME, TOOL_URI, CheckReport, fingerprints

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning"}


def render(report: CheckReport) -> str:
    rules, index = _rules(report.findings)
    results = [
        _result(f, index[f.code or f.pattern], fingerprint)
        for f, fingerprint in zip(report.findings, fingerprints(report.findings), strict=True)
    ]
    return document(rules, results)


def document(rules: list[dict[str, Any]], results: list[dict[str, Any]]) -> str:
    """The SARIF log around one run of mrt; `mrt verify --format sarif` shares it."""
    payload = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": TOOL_URI,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _rules(findings: Sequence[RiskWarning]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    from mrt.rules import get_rule
    from mrt.rules.docs import render_rule

    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for f in findings:
        key = f.code or f.pattern
        if key in index:
            continue
        index[key] = len(rules)
        found = get_rule(f.code) if f.code else None
        if found is None:  # a custom check's finding: describe it from the finding itself
            rules.append(
                {
                    "id": key,
                    "name": f.pattern or key,
                    "shortDescription": {"text": f.pattern or key},
                    "help": {"text": f.message},
                    "defaultConfiguration": {"level": _LEVEL.get(f.severity, "warning")},
                }
            )
            continue
        docs = found.docs
        rules.append(
            {
                "id": found.code,
                "name": found.name,
                "shortDescription": {"text": found.name},
                "fullDescription": {"text": found.summary},
                "help": {
                    "text": f"{found.summary}\n\n{docs.what}\n\nWhy: {docs.why}\n\nInstead: {docs.instead}",
                    "markdown": render_rule(found),
                },
                "helpUri": found.url,
                "defaultConfiguration": {"level": _LEVEL[found.severity], "enabled": found.default_enabled},
                "properties": {"tags": [found.category, "migrations"], "category": found.category},
            }
        )
    return rules, index


def region(line: int, column: int, end_line: int | None, end_column: int | None) -> dict[str, int]:
    region = {"startLine": max(line, 1), "startColumn": column + 1}
    if end_line:
        region["endLine"] = max(end_line, region["startLine"])
        if end_column is not None:
            region["endColumn"] = end_column + 1
    return region


def location(uri: str, region: dict[str, int]) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"}, "region": region}}


def _result(f: RiskWarning, rule_index: int, fingerprint: str) -> dict[str, Any]:
    uri = f.file.replace("\\", "/")
    result: dict[str, Any] = {
        "ruleId": f.code or f.pattern,
        "ruleIndex": rule_index,
        "level": _LEVEL.get(f.severity, "warning"),
        "message": {"text": f.message},
        "locations": [location(uri, region(f.line or 1, f.column, f.end_line, f.end_column))],
        "partialFingerprints": {"mrtFindingHash/v1": fingerprint},
        "properties": {"pattern": f.pattern, "revision": f.revision, "category": f.category},
    }
    if f.related:
        result["relatedLocations"] = [
            {
                "id": i,
                **location((r.file or uri).replace("\\", "/"), region(r.line, r.column, None, None)),
                "message": {"text": r.message},
            }
            for i, r in enumerate(f.related, start=1)
        ]
    if f.fixes:
        result["fixes"] = [
            {
                "description": {"text": fix.title},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                        "replacements": [
                            {
                                "deletedRegion": region(e.line, e.column, e.end_line, e.end_column),
                                "insertedContent": {"text": e.new_text},
                            }
                            for e in fix.edits
                        ],
                    }
                ],
            }
            for fix in f.fixes
        ]
    return result
