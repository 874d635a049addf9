"""Snapshots of every format for one fixed set of findings (a pinned clock, no rule logic involved).

The findings are built by hand, so these files change only when a renderer changes. To accept a
deliberate change: `MRT_UPDATE_SNAPSHOTS=1 pytest tests/cli/test_snapshots.py`, then review the diff.
SARIF embeds each rule's documentation, which its rule's author may reword, so that text is masked.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mrt.findings import Fix, Related, RiskWarning, TextEdit
from mrt.report import FORMATS, CheckReport, render

SNAPSHOTS = Path(__file__).parent / "snapshots"
EXTENSIONS = {
    "table": "txt",
    "json": "json",
    "html": "html",
    "sarif": "json",
    "github": "txt",
    "gitlab": "json",
    "junit": "xml",
}

FINDINGS = [
    RiskWarning(
        revision="0003",
        file="migrations/versions/0003_backfill.py",
        pattern="Irreversible downgrade",
        message="downgrade() always raises: this revision cannot be rolled back",
        severity="warning",
        line=17,
        code="MRT109",
        category="reversibility",
        column=4,
        end_line=17,
        end_column=48,
    ),
    RiskWarning(
        revision="0004",
        file="migrations/versions/0004_drop_phone.py",
        pattern="DROP COLUMN in upgrade",
        message="Column users.phone is dropped: its data is lost, and a rollback re-creates it empty",
        severity="error",
        line=14,
        code="MRT201",
        category="data-loss",
        column=4,
        end_line=14,
        end_column=36,
        related=(Related(line=18, column=4, message="the downgrade re-adds users.phone without its data"),),
        fixes=(Fix("Suppress with a reason", (TextEdit(14, 36, 14, 36, "  # mrt: ignore[MRT201] -- reason"),)),),
    ),
    RiskWarning(
        revision="shop.0003_remove_product_name",
        file="shop/migrations/0003_remove_product_name.py",
        pattern="DROP COLUMN in upgrade",
        message="Column shop_product.name is dropped: its data is lost, and a rollback re-creates it empty",
        severity="error",
        line=7,
        code="MRT201",
        category="data-loss",
        column=8,
        end_line=7,
        end_column=49,
        app="shop",
    ),
]
MIGRATIONS = {
    "migrations/versions/0001_create_users.py": "0001",
    "migrations/versions/0003_backfill.py": "0003",
    "migrations/versions/0004_drop_phone.py": "0004",
    "shop/migrations/0003_remove_product_name.py": "shop.0003_remove_product_name",
}


def _rendered(output_format: str) -> str:
    report = CheckReport(
        FINDINGS, MIGRATIONS, checked_at=datetime(2026, 6, 17, 12, 0, 0, tzinfo=timezone.utc), width=100
    )
    text = render(output_format, report)
    if output_format == "sarif":
        sarif = json.loads(text)
        for rule in sarif["runs"][0]["tool"]["driver"]["rules"]:
            for key in ("fullDescription", "help"):
                rule[key] = {k: "<from the rule's docs>" for k in rule[key]}
        sarif["runs"][0]["tool"]["driver"]["version"] = sarif["runs"][0]["tool"]["driver"]["semanticVersion"] = "<v>"
        text = json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"
    return text.replace(f'"version": "{_version()}"', '"version": "<v>"').replace(f"mrt {_version()}", "mrt <v>")


def _version() -> str:
    from mrt import __version__

    return __version__


@pytest.mark.parametrize("output_format", FORMATS)
def test_snapshot(output_format):
    path = SNAPSHOTS / f"report.{output_format}.{EXTENSIONS[output_format]}"
    text = _rendered(output_format)
    if os.environ.get("MRT_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no snapshot yet: run with MRT_UPDATE_SNAPSHOTS=1 to write {path.name}"
    assert text == path.read_text(encoding="utf-8")


def test_sarif_with_related_locations_and_fixes_is_valid_sarif_2_1_0(sarif_validator):
    report = CheckReport(FINDINGS, MIGRATIONS)
    sarif = json.loads(render("sarif", report))
    sarif_validator.validate(sarif)
    result = sarif["runs"][0]["results"][1]
    assert result["relatedLocations"][0]["physicalLocation"]["region"] == {"startLine": 18, "startColumn": 5}
    assert result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"].startswith("  # mrt:")
