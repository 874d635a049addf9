"""What every renderer shares: the report they render, counts, rule lookups and fingerprints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from mrt.findings import ERROR, RiskWarning

TOOL_NAME = "mrt"
TOOL_URI = "https://github.com/mrt-tools/mrt"


@dataclass
class CheckReport:
    """One `mrt check` run: its findings and the migrations it reported on.

    `migrations` maps every checked file (display path), clean or not, to its label (revision or
    `app.name`), so formats with one entry per migration (JUnit) show the clean ones too. `strict`
    is `--strict` (warnings fail). `width` is the table's width (None: the terminal's).
    """

    findings: Sequence[RiskWarning]
    migrations: Mapping[str, str] = field(default_factory=dict)
    strict: bool = False
    checked_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    color: bool = False
    width: int | None = None

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors

    @property
    def checked_at_text(self) -> str:
        return self.checked_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def summary_line(self) -> str:
        checked = f" in {len(self.migrations)} migration(s)" if self.migrations else ""
        if not self.findings:
            return f"No rollback risks found{checked}."
        return f"{len(self.findings)} finding(s){checked}: {self.errors} error(s), {self.warnings} warning(s)."


def fingerprints(findings: Sequence[RiskWarning]) -> list[str]:
    """A stable id per finding: file, rule and message, not the line, so moving code keeps it.

    Identical findings in one file are told apart by their order of appearance.
    """
    import hashlib  # only SARIF and GitLab need it

    seen: Counter[str] = Counter()
    out = []
    for f in findings:
        base = "\x1f".join((f.file, f.code, f.pattern, f.message))
        seen[base] += 1
        digest = hashlib.sha256(f"{base}\x1f{seen[base]}".encode()).hexdigest()
        out.append(digest[:32])
    return out


def rule_url(code: str) -> str | None:
    from mrt.rules import get_rule

    found = get_rule(code) if code else None
    return found.url if found else None
