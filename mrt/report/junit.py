"""`--format junit`: one test case per migration, clean or not, so CI test tabs list every file.

A migration fails when it has an error (or any finding under `--strict`); its findings become the
`<failure>` text. Warnings that do not fail it are kept as `<system-out>`.
"""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from mrt.findings import RiskWarning
from mrt.report.common import TOOL_NAME, CheckReport


def _describe(f: RiskWarning) -> str:
    return f"{f.file}:{f.line or 1}: {f.code} [{f.severity}] {f.pattern}: {f.message}"


def render(report: CheckReport) -> str:
    by_file: dict[str, list[RiskWarning]] = defaultdict(list)
    for f in report.findings:
        by_file[f.file].append(f)
    files = list(dict.fromkeys([*report.migrations, *by_file]))
    failing = sum(bool(_failing(by_file[name], report.strict)) for name in files)
    suites = ET.Element("testsuites", name=TOOL_NAME, tests=str(len(files)), failures=str(failing))
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"{TOOL_NAME} check",
        tests=str(len(files)),
        failures=str(failing),
        errors="0",
        skipped="0",
        timestamp=report.checked_at_text,
    )
    for name in files:
        found = by_file[name]
        label = report.migrations.get(name) or (found[0].revision if found else "")
        case = ET.SubElement(suite, "testcase", classname=_classname(name), name=label or name, file=name)
        failed = _failing(found, report.strict)
        if failed:
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{len(failed)} finding(s): " + ", ".join(dict.fromkeys(f.code for f in failed)),
                type=failed[0].severity,
            )
            failure.text = "\n".join(_describe(f) for f in found)
        elif found:
            ET.SubElement(case, "system-out").text = "\n".join(_describe(f) for f in found)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _failing(found: list[RiskWarning], strict: bool) -> list[RiskWarning]:
    return found if strict else [f for f in found if f.severity == "error"]


def _classname(path: str) -> str:
    parent, _, _ = path.replace("\\", "/").rpartition("/")
    return parent.replace("/", ".") or TOOL_NAME
