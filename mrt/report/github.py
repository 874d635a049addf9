"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

`::error file=…,line=…,endLine=…,col=…,title=MRT201::DROP COLUMN in upgrade: message` shows the
finding on the pull request's diff. Values are escaped the way the Actions runner expects (`%`, CR, LF; and `:` `,` in
properties) so a message can never start a second command.
"""

from __future__ import annotations

from mrt.report.common import CheckReport


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: CheckReport) -> str:
    lines = []
    for f in report.findings:
        props = [f"file={_prop(f.file)}"]
        if f.line:
            props.append(f"line={f.line}")
            if f.end_line and f.end_line != f.line:
                props.append(f"endLine={f.end_line}")
            props.append(f"col={f.column + 1}")
        props.append(f"title={_prop(f.code or f.pattern)}")
        command = "error" if f.severity == "error" else "warning"
        text = f"{f.pattern}: {f.message}" if f.code and f.pattern else f.message
        lines.append(f"::{command} {','.join(props)}::{_data(text)}")
    lines.append(report.summary_line())
    return "\n".join(lines) + "\n"
