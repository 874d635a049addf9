"""`--format gitlab`: a GitLab Code Quality report (the Code Climate issue subset GitLab reads).

Errors are `critical`, warnings `major`; each issue has a stable fingerprint so GitLab can tell new
findings from old ones between pipelines.
"""

from __future__ import annotations

import json

from mrt.report.common import CheckReport, fingerprints

_SEVERITY = {"error": "critical", "warning": "major"}


def render(report: CheckReport) -> str:
    issues = [
        {
            "type": "issue",
            "check_name": f.code or f.pattern,
            "description": f"{f.code}: {f.message}" if f.code else f.message,
            "categories": ["Bug Risk"],
            "severity": _SEVERITY.get(f.severity, "major"),
            "fingerprint": fingerprint,
            "location": {"path": f.file, "lines": {"begin": f.line or 1, "end": f.end_line or f.line or 1}},
        }
        for f, fingerprint in zip(report.findings, fingerprints(report.findings), strict=True)
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
