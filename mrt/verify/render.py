"""Machine-readable reports of a verification run: JSON (the shape of `mrt check`'s) and JUnit XML."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from mrt.verify.result import RevisionResult


def to_json(results: Sequence[RevisionResult], version: str) -> str:
    failed = sum(not r.passed for r in results)
    skipped = sum(r.skipped for r in results)
    payload = {
        "version": version,
        "checked_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "summary": {
            "revisions": len(results),
            "reversible": len(results) - failed - skipped,
            "failed": failed,
            "skipped": skipped,
        },
        "results": [
            {
                "revision": r.revision,
                "passed": r.passed,
                "skipped": r.skipped,
                "skip_reason": r.skip_reason,
                "label": r.label,
                "failures": r.failures,
                "notes": r.notes,
                "risk_score": r.risk_score,
                "seconds": round(r.seconds, 4),
            }
            for r in results
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def to_junit(results: Sequence[RevisionResult]) -> str:
    """One testcase per revision: <failure> with every message, <skipped> with the reason."""
    suite = ET.Element(
        "testsuite",
        name="mrt verify",
        tests=str(len(results)),
        failures=str(sum(not r.passed for r in results)),
        skipped=str(sum(r.skipped for r in results)),
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for r in results:
        case = ET.SubElement(suite, "testcase", classname="mrt.verify", name=r.revision, time=f"{r.seconds:.3f}")
        if r.skipped:
            ET.SubElement(case, "skipped", message=r.skip_reason)
        elif not r.passed:
            failure = ET.SubElement(case, "failure", message=f"{r.revision}: {r.label}", type=r.label)
            failure.text = "\n".join(r.failures)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
