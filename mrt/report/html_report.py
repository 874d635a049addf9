"""`--format html`: one self-contained page (inline CSS, no scripts, no fonts, no network).

Every value taken from a migration — table names, messages, paths — goes through `html.escape`,
so a hostile identifier such as `<img src=x onerror=…>` is shown, never executed.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape

from mrt import __version__
from mrt.findings import RiskWarning
from mrt.report.common import TOOL_NAME, CheckReport, rule_url

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1f2328; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
.meta { color: #59636e; margin-top: 0; }
.summary span { display: inline-block; margin-right: 1rem; padding: .2rem .6rem; border-radius: 1rem; }
.errors { background: #ffebe9; color: #82071e; } .warnings { background: #fff8c5; color: #7d4e00; }
.clean { background: #dafbe1; color: #116329; }
h2 { font-size: 1.05rem; margin-top: 2rem; border-bottom: 1px solid #d1d9e0; padding-bottom: .3rem;
     font-family: ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #eef1f4; }
td.msg { overflow-wrap: anywhere; }
.sev-error { color: #cf222e; font-weight: 600; } .sev-warning { color: #9a6700; font-weight: 600; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
"""


def render(report: CheckReport) -> str:
    by_file: dict[str, list[RiskWarning]] = defaultdict(list)
    for f in report.findings:
        by_file[f.file].append(f)
    if report.findings:
        badges = (
            f'<span class="errors">{report.errors} error(s)</span>'
            f'<span class="warnings">{report.warnings} warning(s)</span>'
        )
    else:
        badges = '<span class="clean">No rollback risks found</span>'
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{TOOL_NAME} migration report</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{TOOL_NAME} migration report</h1>",
        f'<p class="meta">{escape(report.summary_line())} Checked at {escape(report.checked_at_text)} '
        f"by {TOOL_NAME} {escape(__version__)}.</p>",
        f'<p class="summary">{badges}</p>',
    ]
    for file, findings in by_file.items():
        label = findings[0].revision
        parts.append(f"<h2>{escape(file)}{f' — {escape(label)}' if label else ''}</h2>")
        parts.append(
            "<table><thead><tr><th>Line</th><th>Rule</th><th>Severity</th><th>Finding</th></tr></thead><tbody>"
        )
        for f in findings:
            parts.append(
                "<tr>"
                f"<td>{f.line or ''}</td>"
                f"<td>{_rule_cell(f)}</td>"
                f'<td class="sev-{escape(f.severity)}">{escape(f.severity)}</td>'
                f'<td class="msg"><strong>{escape(f.pattern)}</strong><br>{escape(f.message)}</td>'
                "</tr>"
            )
        parts.append("</tbody></table>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _rule_cell(f: RiskWarning) -> str:
    url = rule_url(f.code)
    code = escape(f.code or "custom")
    return f'<a href="{escape(url)}"><code>{code}</code></a>' if url else f"<code>{code}</code>"
