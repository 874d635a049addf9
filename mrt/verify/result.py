"""`RevisionResult`: what the verifier says about one revision (the spec's type, plus a label)."""

from __future__ import annotations

from dataclasses import dataclass, field

REVERSIBLE = "reversible"
SKIPPED = "skipped"
NOT_TESTED = "not tested"
DATA_LOSS = "data loss detected"
SCHEMA = "schema not restored"
UPGRADE_FAILED = "upgrade failed"
DOWNGRADE_FAILED = "downgrade failed"
TIMED_OUT = "timed out"

_DATA_MARKERS = ("rows lost", "value changed", "data lost", "row(s) added", "rows changed")


@dataclass
class RevisionResult:
    """The outcome of one revision's round trip. `risk_score` is 25 per failure, capped at 100."""

    revision: str
    passed: bool = True
    skipped: bool = False
    skip_reason: str = ""
    failures: list[str] = field(default_factory=list)
    label: str = REVERSIBLE
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def risk_score(self) -> int:
        return min(25 * len(self.failures), 100)

    def fail(self, message: str, label: str | None = None) -> None:
        """Record a failure; the label keeps the most telling kind seen so far."""
        self.passed = False
        self.failures.append(message)
        if label is not None:
            self.label = label
        elif self.label == REVERSIBLE or self.label == SCHEMA:
            self.label = DATA_LOSS if any(m in message for m in _DATA_MARKERS) else SCHEMA

    def skip(self, reason: str, label: str = SKIPPED) -> None:
        self.skipped = True
        self.skip_reason = reason
        self.label = label

    def failure_summary(self) -> str:
        """All failure messages, one per line, as the spec's troubleshooting page shows them."""
        if self.skipped:
            return f"  - skipped: {self.skip_reason}"
        return "\n".join(f"  - {message}" for message in self.failures)
