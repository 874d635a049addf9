"""An explanation built from the rule docs of a migration's findings: what Claude falls back to."""

from __future__ import annotations

from collections.abc import Sequence

from mrt.findings import RiskWarning


def static_explanation(findings: Sequence[RiskWarning]) -> str:
    """One paragraph per finding: where, what, why it is risky and what to do instead."""
    from mrt.rules import get_rule

    if not findings:
        return "mrt's static rules see no rollback or data-loss risk in this migration.\n"
    parts = []
    for f in findings:
        lines = [f"Line {f.line or 1}, {f.code} {f.pattern} ({f.severity}): {f.message}"]
        rule = get_rule(f.code) if f.code else None
        if rule is not None:
            lines.append(f"  Why: {rule.docs.why.strip()}")
            lines.append(f"  Instead: {rule.docs.instead.strip()}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
