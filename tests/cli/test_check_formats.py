"""`mrt check --format …`: every CI format, rendered from the same findings.

The project (see conftest) has four Alembic revisions: two clean, 0003 with a warning (MRT109, its
downgrade raises) and 0004 with an error (MRT201, drops users.phone).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from mrt.findings import RiskWarning
from mrt.report import CheckReport, render

V = "migrations/versions"


def test_table_is_the_default_with_a_summary_line_and_no_colour_in_a_pipe(cli, alembic_project):
    result = cli("check")
    assert result.exit_code == 2
    assert "0004_drop_phone" in result.stdout
    assert "MRT201" in result.stdout and "MRT109" in result.stdout
    assert result.stdout.rstrip().endswith("2 finding(s) in 4 migration(s): 1 error(s), 1 warning(s).")
    assert "\x1b[" not in result.stdout


@pytest.mark.parametrize("width", [80, 200])
def test_table_wraps_at_any_width_and_never_truncates(width):
    long_message = "Column users.a_really_long_column_name_that_goes_on is dropped: " + "data is lost " * 12
    finding = RiskWarning(
        revision="0004",
        file="migrations/versions/deeply/nested/directory/0004_drop_a_really_long_column_name_for_good.py",
        pattern="DROP COLUMN in upgrade",
        message=long_message.strip(),
        severity="error",
        line=14,
        code="MRT201",
    )
    text = render("table", CheckReport([finding], {finding.file: "0004"}, width=width))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    row = next(i for i, line in enumerate(lines) if "MRT201" in line)
    assert "".join(lines[:row]) == finding.file  # the whole path, on lines of its own (folded at 80)
    assert lines[row].split()[:3] == ["14", "MRT201", "error"]
    column = lines[row].index("DROP")
    wrapped = [lines[row][column:]] + [line[column:] for line in lines[row + 1 :] if line.startswith(" " * column)]
    assert " ".join(wrapped).split() == (finding.pattern + " " + long_message).split()  # every word, in order
    assert "…" not in text


def test_table_names_each_file_once_above_its_findings():
    def finding(file: str, line: int, code: str) -> RiskWarning:
        return RiskWarning("r", file, "Pattern", "Message", "warning", line, code)

    findings = [finding("a.py", 3, "MRT109"), finding("a.py", 120, "MRT303"), finding("b.py", 7, "MRT201")]
    lines = render("table", CheckReport(findings, width=80)).splitlines()
    assert [line for line in lines if line.endswith(".py")] == ["a.py", "b.py"]
    assert lines[1].startswith("    3  MRT109") and lines[3].startswith("  120  MRT303")  # line numbers aligned


def test_table_measures_wide_characters_by_the_cells_they_take():
    message = "Table 顧客データ is dropped: " + "データ" * 30
    finding = RiskWarning("r", "x.py", "DROP TABLE in upgrade", message, "error", 1, "MRT202")
    from rich.cells import cell_len

    lines = render("table", CheckReport([finding], width=60)).splitlines()
    assert max(cell_len(line) for line in lines) <= 60
    assert "".join(line.strip() for line in lines[2:-2]).replace(" ", "") == message.replace(" ", "")


def test_a_narrow_table_puts_the_text_under_the_row():
    finding = RiskWarning("r", "x.py", "DROP COLUMN in upgrade", "Column users.phone is dropped", "error", 14, "MRT201")
    lines = render("table", CheckReport([finding], width=40)).splitlines()
    assert lines[:4] == [
        "x.py",
        "  14  MRT201  error",
        "    DROP COLUMN in upgrade",
        "    Column users.phone is dropped",
    ]
    assert max(len(line) for line in lines) <= 40


def test_table_is_coloured_only_when_asked(alembic_project):
    finding = RiskWarning("0004", "x.py", "DROP COLUMN in upgrade", "gone", "error", 1, "MRT201")
    assert "\x1b[" in render("table", CheckReport([finding], color=True, width=100))
    assert "\x1b[" not in render("table", CheckReport([finding], color=False, width=100))


def test_clean_table(cli, alembic_project):
    result = cli("check", f"{V}/0001_create_users.py", f"{V}/0002_add_phone.py")
    assert result.exit_code == 0
    assert result.stdout.strip() == "No rollback risks found in 2 migration(s)."


def test_json_has_the_spec_schema_with_relative_paths_and_extras(cli, alembic_project):
    result = cli("check", "--format", "json")
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert set(payload) == {"version", "checked_at", "summary", "findings"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", payload["checked_at"])
    assert payload["summary"] == {"total_issues": 2, "errors": 1, "warnings": 1}
    by_rule = {f["rule"]: f for f in payload["findings"]}
    assert by_rule["MRT201"] == {
        "file": f"{V}/0004_drop_phone.py",
        "line": 14,
        "rule": "MRT201",
        "severity": "error",
        "pattern": "DROP COLUMN in upgrade",
        "message": by_rule["MRT201"]["message"],
        "revision": "0004",
        "app": None,
        "category": "data-loss",
        "column": 5,
        "end_line": 14,
        "end_column": by_rule["MRT201"]["end_column"],
        "url": "https://github.com/mrt-tools/mrt/blob/main/docs/rules/MRT201.md",
    }
    assert "users.phone" in by_rule["MRT201"]["message"]
    assert by_rule["MRT109"]["file"] == f"{V}/0003_backfill.py"


def test_json_file_is_relative_to_the_working_directory_not_a_bare_name(cli, django_project, monkeypatch):
    monkeypatch.chdir(django_project / "shop")
    payload = json.loads(cli("check", "migrations", "-f", "json").stdout)
    [finding] = payload["findings"]
    assert finding["file"] == "migrations/0003_remove_product_name.py"
    assert finding["app"] == "shop"
    assert finding["revision"] == "shop.0003_remove_product_name"


def test_json_carries_fixes_when_a_rule_offers_one():
    from mrt.findings import Fix, TextEdit

    fix = Fix("Add a downgrade", (TextEdit(20, 0, 20, 0, "def downgrade():\n    pass\n"),))
    finding = RiskWarning(
        "0001", "v/0001.py", "Missing downgrade", "no downgrade()", "error", 1, "MRT101", fixes=(fix,)
    )
    [out] = json.loads(render("json", CheckReport([finding])))["findings"]
    assert out["fix"] == [
        {
            "title": "Add a downgrade",
            "edits": [
                {"line": 20, "column": 1, "end_line": 20, "end_column": 1, "new_text": "def downgrade():\n    pass\n"}
            ],
        }
    ]


def test_output_file_gets_the_report_and_stderr_the_summary(cli, alembic_project):
    result = cli("check", "-f", "json", "-o", "report.json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert json.loads(Path("report.json").read_text())["summary"]["total_issues"] == 2
    assert result.stderr.strip() == "mrt: wrote report.json: 2 finding(s) in 4 migration(s): 1 error(s), 1 warning(s)."


# -- SARIF -------------------------------------------------------------------------------------------------


def test_sarif_validates_against_the_sarif_2_1_0_schema(cli, alembic_project, sarif_validator):
    result = cli("check", "--format", "sarif")
    assert result.exit_code == 2
    sarif_validator.validate(json.loads(result.stdout))  # raises on any violation
    assert sarif_validator.schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")


def test_sarif_is_what_github_code_scanning_reads(cli, alembic_project):
    sarif = json.loads(cli("check", "-f", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(rules) == {"MRT109", "MRT201"}
    assert rules["MRT201"]["helpUri"].endswith("/docs/rules/MRT201.md")
    assert rules["MRT201"]["help"]["text"] and rules["MRT201"]["help"]["markdown"].startswith("# MRT201")
    result = next(r for r in run["results"] if r["ruleId"] == "MRT201")
    assert result["level"] == "error"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "MRT201"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == f"{V}/0004_drop_phone.py"
    assert location["region"]["startLine"] == 14 and location["region"]["startColumn"] == 5


def test_sarif_fingerprints_survive_moving_the_code(cli, alembic_project):
    def fingerprints() -> dict[str, str]:
        run = json.loads(cli("check", "-f", "sarif").stdout)["runs"][0]
        return {r["ruleId"]: r["partialFingerprints"]["mrtFindingHash/v1"] for r in run["results"]}

    before = fingerprints()
    path = Path(V) / "0004_drop_phone.py"
    path.write_text("# a comment pushes everything down a line\n" + path.read_text())
    after = fingerprints()
    assert before == after
    assert len(set(before.values())) == 2


# -- GitHub, GitLab, JUnit, HTML ----------------------------------------------------------------------------


def test_github_annotations(cli, alembic_project):
    result = cli("check", "--format", "github")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        f"::warning file={V}/0003_backfill.py,line=17,col=1,title=MRT109::Irreversible downgrade: "
    )
    assert lines[1].startswith(
        f"::error file={V}/0004_drop_phone.py,line=14,col=5,title=MRT201::DROP COLUMN in upgrade: "
    )
    assert lines[-1] == "2 finding(s) in 4 migration(s): 1 error(s), 1 warning(s)."


def test_github_annotations_escape_what_would_start_a_new_command():
    finding = RiskWarning("1", "a,b:c.py", "p", "line one\nline two 100%", "error", 3, "MRT201")
    [line, _summary] = render("github", CheckReport([finding])).splitlines()
    assert line == "::error file=a%2Cb%3Ac.py,line=3,col=1,title=MRT201::p: line one%0Aline two 100%25"


def test_gitlab_code_quality(cli, alembic_project):
    issues = json.loads(cli("check", "--format", "gitlab").stdout)
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("MRT109", "major", {"path": f"{V}/0003_backfill.py", "lines": {"begin": 17, "end": 17}}),
        ("MRT201", "critical", {"path": f"{V}/0004_drop_phone.py", "lines": {"begin": 14, "end": 14}}),
    ]
    assert all(i["description"].startswith(i["check_name"] + ": ") for i in issues)
    assert len({i["fingerprint"] for i in issues}) == 2


def test_junit_has_one_test_case_per_migration(cli, alembic_project):
    result = cli("check", "--format", "junit")
    root = ET.fromstring(result.stdout)
    suite = root.find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert list(cases) == ["0001", "0002", "0003", "0004"]
    assert suite.get("tests") == "4" and suite.get("failures") == "1"
    assert cases["0004"].find("failure") is not None
    assert "MRT201" in cases["0004"].find("failure").text
    assert cases["0003"].find("failure") is None and "MRT109" in cases["0003"].find("system-out").text
    assert cases["0001"].find("failure") is None and cases["0001"].get("file") == f"{V}/0001_create_users.py"


def test_junit_under_strict_fails_warnings_too(cli, alembic_project):
    suite = ET.fromstring(cli("check", "-f", "junit", "--strict").stdout).find("testsuite")
    assert suite.get("failures") == "2"


def test_html_is_written_to_mrt_report_html_by_default(cli, alembic_project):
    result = cli("check", "--format", "html")
    assert result.exit_code == 2
    assert result.stdout == ""
    html = Path("mrt-report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "MRT201" in html and f"{V}/0004_drop_phone.py" in html


def test_html_is_self_contained_and_escapes_everything_from_the_migration(cli, tmp_path, monkeypatch):
    from cli_projects import make_alembic_project

    monkeypatch.chdir(tmp_path)
    hostile = "<img src=x onerror=alert(1)>"
    make_alembic_project(
        tmp_path,
        {
            "0001_x.py": (
                "0001",
                None,
                f"op.drop_column({hostile!r}, 'phone')",
                f"op.add_column({hostile!r}, sa.Column('phone', sa.String))",
            )
        },
    )
    cli("check", "-f", "html", "-o", "out.html")
    html = Path("out.html").read_text(encoding="utf-8")
    assert hostile not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert not re.search(r"""\bsrc\s*=\s*["']?https?:""", html)


def test_every_renderer_handles_no_findings():
    empty = CheckReport([], {"v/0001.py": "0001"}, checked_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    assert json.loads(render("json", empty))["summary"] == {"total_issues": 0, "errors": 0, "warnings": 0}
    assert json.loads(render("gitlab", empty)) == []
    assert json.loads(render("sarif", empty))["runs"][0]["results"] == []
    assert render("github", empty) == "No rollback risks found in 1 migration(s).\n"
    assert ET.fromstring(render("junit", empty)).find("testsuite").get("failures") == "0"
    assert "No rollback risks found" in render("html", empty)


def test_a_json_report_is_written_a_finding_at_a_time():
    """A 10,000-revision history has tens of thousands of findings: the report is never held whole."""
    import io
    import json

    from mrt.findings import RiskWarning
    from mrt.report import CheckReport, render, write

    findings = [
        RiskWarning(
            revision=f"r{i}",
            file=f"versions/r{i}.py",
            pattern="p",
            message="m" * 200,
            severity="warning",
            line=i + 1,
            code="MRT201",
        )
        for i in range(500)
    ]
    report = CheckReport(findings=findings)

    class Pieces(io.StringIO):
        largest = 0

        def write(self, text: str) -> int:
            self.largest = max(self.largest, len(text))
            return super().write(text)

    out = Pieces()
    write("json", report, out)
    assert out.getvalue() == render("json", report)
    assert len(json.loads(out.getvalue())["findings"]) == 500
    assert out.largest < 1_000 < len(out.getvalue()) / 100


def test_the_json_report_is_what_json_dumps_with_indent_2_writes():
    """Written a finding at a time and without json's slow indenting encoder, but the same bytes."""
    import json

    from mrt.findings import Fix, RiskWarning, TextEdit
    from mrt.report import CheckReport, render
    from mrt.report.json_report import finding_dict

    plain = RiskWarning(
        revision=None,
        file="versions/a.py",
        pattern="p",
        message='é "quoted"\n\u2028 \\ tab\t',
        severity="error",
        line=1,
        code="MRT201",
    )
    fixed = RiskWarning(
        revision="r1", file="versions/b.py", pattern="p", message="m", severity="warning", line=2, code="MRT407"
    )
    fixed.fixes = (Fix("Build it concurrently", (TextEdit(2, 4, 2, 9, "op.x"),)),)
    report = CheckReport(findings=[plain, fixed])
    payload = {
        "version": __import__("mrt").__version__,
        "checked_at": report.checked_at_text,
        "summary": {"total_issues": 2, "errors": 1, "warnings": 1},
        "findings": [finding_dict(plain), finding_dict(fixed)],
    }
    assert render("json", report) == json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
