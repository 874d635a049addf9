"""`mrt verify`: check_all from the command line, in every format, with the CLI's exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from mrt.cli import run


@pytest.fixture
def in_project(example_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(example_project)
    return example_project


def test_table_summary_and_exit_code(in_project: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["verify", "--db-url", sqlite_url]) == 2
    out = capsys.readouterr().out
    assert "✗  0007  schema not restored" in out
    assert "└─ Index 'ix_users_email' still exists after rollback (table 'users')" in out


def test_json_report(in_project: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["verify", "--db-url", sqlite_url, "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["summary"] == {"revisions": 12, "reversible": 6, "failed": 6, "skipped": 0}
    by_revision = {r["revision"]: r for r in report["results"]}
    assert by_revision["0010"]["failures"] == ["Table 'sessions': 3/3 rows lost after rollback"]
    assert by_revision["0010"]["risk_score"] == 25


def test_junit_report_to_a_file(in_project: Path, sqlite_url: str) -> None:
    pyproject = in_project / "pyproject.toml"
    pyproject.write_text('[tool.mrt]\nskip = { "0004" = "audit_log stays on purpose" }\n', encoding="utf-8")
    assert run(["verify", "--db-url", sqlite_url, "-f", "junit", "-o", "verify.xml"]) == 2
    suite = ET.parse(in_project / "verify.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "12" and suite.get("skipped") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["0004"].find("skipped").get("message") == "audit_log stays on purpose"  # type: ignore[union-attr]
    assert "rows lost after rollback" in (cases["0010"].find("failure").text or "")  # type: ignore[union-attr]


def test_one_revision_that_is_reversible(in_project: Path, sqlite_url: str) -> None:
    assert run(["verify", "--db-url", sqlite_url, "--revision", "0009", "-f", "json", "-o", "r.json"]) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--alembic-ini", "missing.ini"], "alembic.ini not found: missing.ini"),
        (["--db-url", "postgresql+psycopg://app@db.example.com/shop"], "is not a loopback address"),
        (["--db-url", "postgresql+psycopg://postgres@127.0.0.1:5432/shop"], "does not contain 'test'"),
        (["--db-url", "postgresql+psycopg://postgres@127.0.0.1:1/mrt_test"], "cannot connect to"),
        (["--revision", "nope"], "unknown revision 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_exit_3(
    in_project: Path, sqlite_url: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["verify", *argv] if "--db-url" in argv else ["verify", "--db-url", sqlite_url, *argv]
    assert run(args) == 3
    err = capsys.readouterr().err
    assert err.startswith("mrt: error: ") and message in err
    assert len(err.strip().splitlines()) == 1
