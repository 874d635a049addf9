"""`mrt verify --format sarif`: one SARIF 2.1.0 result per revision that failed its round trip.

The envelope, locations and schema are `mrt check`'s (`mrt.report.sarif`), so GitHub code scanning
reads both the same way. What differs is the rules: a verifier finding is not a static rule but a kind
of failure seen on a real database (rows lost, a value changed, an object left behind, a step that
raised or timed out...). Each kind is a rule with help text; a revision is reported under its most
telling kind, with every failure message in the result's text. The location is the revision's file
and the line of the function the failure points at (`def upgrade` for a failed upgrade, `def
downgrade` otherwise; a Django migration's `class Migration`), found by parsing the file, never by
importing it. Fingerprints hash the file, the revision and the kind, not the message (whose counts
change with `seed_rows`) nor the line, so an alert keeps its identity across commits.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mrt.report.sarif import document, location, region
from mrt.verify.result import DOWNGRADE_FAILED, NOT_TESTED, TIMED_OUT, UPGRADE_FAILED, RevisionResult

DOCS_URL = "https://github.com/mrt-tools/mrt/blob/main/docs/verify.md"


@dataclass(frozen=True)
class Kind:
    """One kind of verifier failure, reported as a SARIF rule."""

    id: str
    name: str
    summary: str
    help: str
    anchor: str
    level: str = "error"


# Most telling first: a revision is reported under the first kind any of its failures shows.
KINDS = (
    Kind(
        "verify/connection-lost",
        "ConnectionLost",
        "The database connection was lost while a step ran",
        "The session running the step was terminated (the server restarted, an administrator or the "
        "migration itself killed it, or the network dropped). mrt reconnected, rebuilt the database from "
        "base and went on; the revision's own round trip is unproven. Run it again, and check that the "
        "migration does not terminate sessions.",
        "verifier-faults",
    ),
    Kind(
        "verify/upgrade-failed",
        "UpgradeFailed",
        "The upgrade raised on a database seeded with realistic rows",
        "The upgrade raised an error. Common causes: a NOT NULL column added without a server default "
        "to a table that has rows, a constraint existing rows violate, SQL for another engine. Revisions "
        "that build on it are reported as not tested.",
        "failures-dont-stop-the-walk",
    ),
    Kind(
        "verify/timed-out",
        "TimedOut",
        "A step ran longer than migration_timeout or waited too long for a lock",
        "The step was stopped at migration_timeout, or gave up waiting for a lock another session held "
        "(the message says which). In production the same step would block writers or hold a deploy: "
        "batch the work, add indexes concurrently, or set a lock timeout in the migration.",
        "timeouts-that-really-stop-a-step",
    ),
    Kind(
        "verify/downgrade-failed",
        "DowngradeFailed",
        "The downgrade raised after a successful upgrade",
        "Rolling this revision back fails, so a bad deploy cannot be undone with `alembic downgrade`. "
        "Make the downgrade undo exactly what the upgrade did, in reverse order.",
        "failures-dont-stop-the-walk",
    ),
    Kind(
        "verify/irreversible",
        "Irreversible",
        "The migration cannot be rolled back at all",
        "Django refuses to reverse an operation without a reverse (RunPython without reverse_code, "
        "RunSQL without reverse_sql). Give it one, or mark it `migrations.RunPython.noop` if nothing needs undoing.",
        "failures-dont-stop-the-walk",
    ),
    Kind(
        "verify/rows-lost",
        "RowsLost",
        "Rows that existed before the upgrade are gone after the downgrade",
        "The round trip deleted rows: typically a table dropped by the upgrade and re-created empty by "
        "the downgrade. Copy the rows aside before dropping, or keep the table until the release after.",
        "what-is-compared",
    ),
    Kind(
        "verify/values-changed",
        "ValuesChanged",
        "Column values differ after the downgrade",
        "A round trip changed or emptied values (a column dropped and re-added, a type narrowed, a "
        "lossy conversion) or added rows. Keep the old column's data until the downgrade can restore it.",
        "what-is-compared",
    ),
    Kind(
        "verify/object-left-behind",
        "ObjectLeftBehind",
        "The downgrade left behind an object the upgrade created",
        "A table, column, index, constraint, view, sequence or type the upgrade created still exists "
        "after the downgrade, so upgrading again fails or the schema drifts. Drop it in the downgrade.",
        "what-is-compared",
    ),
    Kind(
        "verify/schema-not-restored",
        "SchemaNotRestored",
        "The schema after the downgrade differs from the schema before the upgrade",
        "Something the upgrade removed or altered (a table, column, type, nullability, default, key, "
        "index or constraint) is not what it was. Make the downgrade restore it exactly.",
        "what-is-compared",
    ),
    Kind(
        "verify/not-tested",
        "NotTested",
        "The revision could not be checked",
        "mrt could not bring the database to the state before this revision (an earlier revision failed "
        "on replay). Fix that revision first.",
        "failures-dont-stop-the-walk",
        "warning",
    ),
)
_BY_ID = {kind.id: kind for kind in KINDS}
_BY_LABEL = {
    UPGRADE_FAILED: "verify/upgrade-failed",
    DOWNGRADE_FAILED: "verify/downgrade-failed",
    TIMED_OUT: "verify/timed-out",
    NOT_TESTED: "verify/not-tested",
    "irreversible": "verify/irreversible",
}
_UPGRADE_SIDE = ("upgrade", "the database connection was lost during upgrade", "not tested")
_MARKERS = (
    ("the database connection was lost", "verify/connection-lost"),
    ("rows lost after rollback", "verify/rows-lost"),
    ("value changed after rollback", "verify/values-changed"),
    ("data lost after rollback", "verify/values-changed"),
    ("rows changed after rollback", "verify/values-changed"),
    ("row(s) added by the round trip", "verify/values-changed"),
    ("still exists after rollback", "verify/object-left-behind"),
    ("still present after rollback", "verify/object-left-behind"),
)


def kind_of(result: RevisionResult) -> Kind:
    """The most telling kind among a failed revision's failures."""
    found = {_BY_LABEL[result.label]} if result.label in _BY_LABEL else set()
    for message in result.failures:
        found.update(rule for marker, rule in _MARKERS if marker in message)
    for kind in KINDS:
        if kind.id in found:
            return kind
    return _BY_ID["verify/schema-not-restored"]


def to_sarif(results: Sequence[RevisionResult], files: Mapping[str, str]) -> str:
    """`files` maps a revision to its file, relative to the working directory (the repository root in CI)."""
    failed = [r for r in results if not r.passed]
    kinds = [kind_of(r) for r in failed]
    used = [kind for kind in KINDS if kind in kinds]
    index = {kind.id: i for i, kind in enumerate(used)}
    rules = [_rule(kind) for kind in used]
    lines: dict[str, dict[str, int]] = {}
    out = []
    for result, kind in zip(failed, kinds, strict=True):
        uri = files.get(result.revision, "").replace("\\", "/")
        if uri and uri not in lines:
            lines[uri] = _function_lines(Path(uri))
        line = lines.get(uri, {}).get(_side(result)) or lines.get(uri, {}).get("migration") or 1
        entry: dict[str, Any] = {
            "ruleId": kind.id,
            "ruleIndex": index[kind.id],
            "level": kind.level,
            "message": {"text": f"{result.revision}: " + "; ".join(result.failures)},
            "partialFingerprints": {"mrtVerifyHash/v1": _fingerprint(uri, result.revision, kind.id)},
            "properties": {"revision": result.revision, "label": result.label, "failures": result.failures},
        }
        if uri:
            entry["locations"] = [location(uri, region(line, 0, None, None))]
        out.append(entry)
    return document(rules, out)


def _side(result: RevisionResult) -> str:
    """The function the first failure happened in: the upgrade (or re-upgrade), else the downgrade."""
    first = result.failures[0] if result.failures else ""
    return "upgrade" if first.startswith(_UPGRADE_SIDE) else "downgrade"


def _rule(kind: Kind) -> dict[str, Any]:
    return {
        "id": kind.id,
        "name": kind.name,
        "shortDescription": {"text": kind.summary},
        "fullDescription": {"text": kind.summary},
        "help": {"text": kind.help},
        "helpUri": f"{DOCS_URL}#{kind.anchor}",
        "defaultConfiguration": {"level": kind.level},
        "properties": {"tags": ["migrations", "rollback", "verify"]},
    }


def _function_lines(path: Path) -> dict[str, int]:
    """Lines of `def upgrade`, `def downgrade` and `class Migration` in a migration file (parsed, not run)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    found: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in ("upgrade", "downgrade"):
            found[node.name] = node.lineno
        elif isinstance(node, ast.ClassDef) and node.name == "Migration":
            found["migration"] = node.lineno
    return found


def _fingerprint(uri: str, revision: str, rule: str) -> str:
    return hashlib.sha256("\x1f".join(("mrt verify", uri, revision, rule)).encode()).hexdigest()[:32]
