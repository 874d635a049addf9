"""`mrt verify --format sarif`: one SARIF 2.1.0 result per failing revision, for GitHub code scanning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mrt.cli import run
from mrt.verify.result import RevisionResult
from mrt.verify.sarif import KINDS, kind_of, to_sarif
from tests.verify.projects import make_project

VERSIONS = "migrations/versions"


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(text))


def verify_sarif(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert run(["verify", "--format", "sarif", *argv]) == 2
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def in_project(example_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(example_project)
    return example_project


def test_the_report_is_valid_sarif_2_1_0(
    in_project: Path, sqlite_url: str, sarif_validator, capsys: pytest.CaptureFixture[str]
) -> None:
    sarif = verify_sarif(capsys, "--db-url", sqlite_url)
    sarif_validator.validate(sarif)  # raises on any violation
    [run_] = sarif["runs"]
    assert run_["tool"]["driver"]["name"] == "mrt"
    assert len(run_["results"]) == 6, "one result per failing revision (the JSON report says 6 fail)"


def test_each_failing_revision_points_at_its_downgrade(
    in_project: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_ = verify_sarif(capsys, "--db-url", sqlite_url)["runs"][0]
    by_revision = {r["properties"]["revision"]: r for r in run_["results"]}
    rules = run_["tool"]["driver"]["rules"]

    lossy = by_revision["0010"]
    assert lossy["ruleId"] == "verify/rows-lost" and lossy["level"] == "error"
    assert lossy["message"]["text"] == "0010: Table 'sessions': 3/3 rows lost after rollback"
    assert rules[lossy["ruleIndex"]]["id"] == "verify/rows-lost"
    assert "re-created empty" in rules[lossy["ruleIndex"]]["help"]["text"]
    assert rules[lossy["ruleIndex"]]["helpUri"].endswith("docs/verify.md#what-is-compared")
    physical = lossy["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": f"{VERSIONS}/0010_drop_sessions.py", "uriBaseId": "%SRCROOT%"}
    assert physical["region"]["startLine"] == line_of(in_project / VERSIONS / "0010_drop_sessions.py", "def downgrade")

    assert by_revision["0004"]["ruleId"] == "verify/object-left-behind"
    assert by_revision["0006"]["ruleId"] == "verify/values-changed"


def test_a_failing_upgrade_points_at_def_upgrade(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(tmp_path, [("a", None, "", ""), ("bad", "a", 'raise RuntimeError("boom")', "")])
    monkeypatch.chdir(tmp_path)
    [result] = verify_sarif(capsys, "--db-url", sqlite_url)["runs"][0]["results"]
    assert result["ruleId"] == "verify/upgrade-failed"
    assert result["message"]["text"] == "bad: upgrade failed: RuntimeError: boom"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == line_of(tmp_path / VERSIONS / "bad.py", "def upgrade")


def test_fingerprints_survive_moving_the_code(in_project: Path, sqlite_url: str, capsys) -> None:
    def fingerprints() -> dict[str, str]:
        results = verify_sarif(capsys, "--db-url", sqlite_url)["runs"][0]["results"]
        return {r["properties"]["revision"]: r["partialFingerprints"]["mrtVerifyHash/v1"] for r in results}

    before = fingerprints()
    path = in_project / VERSIONS / "0010_drop_sessions.py"
    path.write_text("# a comment pushes everything down a line\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert fingerprints() == before
    assert len(set(before.values())) == len(before)


def test_a_revision_is_reported_under_its_most_telling_kind() -> None:
    both = RevisionResult("r", passed=False, label="data loss detected")
    both.failures = ["Index 'ix' still exists after rollback (table 't')", "Table 't': 3/3 rows lost after rollback"]
    assert kind_of(both).id == "verify/rows-lost"
    lost = RevisionResult("r", passed=False, label="upgrade failed")
    lost.failures = ["the database connection was lost during upgrade of 'r': AdminShutdown: terminating connection"]
    assert kind_of(lost).id == "verify/connection-lost"
    assert all(kind.help and kind.summary for kind in KINDS)


def test_a_django_migration_points_at_its_migration_class(tmp_path: Path, sarif_validator) -> None:
    path = tmp_path / "0002_drop.py"
    path.write_text("from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    pass\n")
    failed = RevisionResult("shop/0002_drop", passed=False, label="data loss detected")
    failed.failures = ["Table 'shop_item': column 'name' data lost after rollback (3/3 rows are now NULL)"]
    sarif = json.loads(to_sarif([failed, RevisionResult("shop/0001_initial")], {"shop/0002_drop": str(path)}))
    sarif_validator.validate(sarif)
    [result] = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
