"""Exit codes and bad input: 0 clean, 1 warnings, 2 errors (or warnings with --strict), 3 bad input
(one line on stderr, never a traceback)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

V = "migrations/versions"


def test_clean_is_0(cli, alembic_project):
    assert cli("check", f"{V}/0001_create_users.py").exit_code == 0


def test_warnings_only_is_1(cli, alembic_project):
    assert cli("check", f"{V}/0003_backfill.py").exit_code == 1


def test_errors_are_2(cli, alembic_project):
    assert cli("check", f"{V}/0004_drop_phone.py").exit_code == 2
    assert cli("check").exit_code == 2


def test_strict_makes_warnings_fail_with_2(cli, alembic_project):
    assert cli("check", f"{V}/0003_backfill.py", "--strict").exit_code == 2
    assert cli("check", f"{V}/0001_create_users.py", "--strict").exit_code == 0


def test_select_and_ignore_change_what_is_reported(cli, alembic_project):
    assert cli("check", "--ignore", "MRT201").exit_code == 1
    assert cli("check", "--select", "MRT2").exit_code == 2
    assert cli("check", "--select", "MRT1", "--ignore", "mrt109").exit_code == 0
    assert cli("check", "--ignore", "MRT109,MRT201").exit_code == 0


def _one_line_error(result, expected: str) -> None:
    assert result.exit_code == 3
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mrt: error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_path(cli, alembic_project):
    _one_line_error(cli("check", "no/such/dir"), "no/such/dir: no such file or directory")


def test_missing_config(cli, alembic_project):
    _one_line_error(cli("check", "--config", "nope.toml"), "nope.toml: config file not found")


def test_unreadable_config(cli, alembic_project):
    Path("bad.toml").write_text("[tool.mrt\nselect = ", encoding="utf-8")
    _one_line_error(cli("check", "--config", "bad.toml"), "bad.toml: invalid TOML")


def test_config_with_a_bad_value(cli, alembic_project):
    Path("pyproject.toml").write_text('[tool.mrt]\ndialect = "oracle"\n', encoding="utf-8")
    _one_line_error(cli("check"), "dialect = 'oracle'")


def test_broken_alembic_ini(cli, alembic_project):
    Path("alembic.ini").write_text("[alembic]\nsqlalchemy.url = sqlite://\n", encoding="utf-8")
    _one_line_error(cli("check"), "no script_location")


def test_alembic_ini_that_is_not_an_ini(cli, alembic_project):
    Path("alembic.ini").write_text("this is = not\n[an ini", encoding="utf-8")
    _one_line_error(cli("check"), "alembic.ini: cannot parse")


def test_unknown_option_and_format_are_usage_errors_with_3(cli, alembic_project):
    _one_line_error(cli("check", "--bogus"), "unrecognized arguments: --bogus")
    _one_line_error(cli("check", "--format", "xml"), "invalid choice: 'xml'")
    _one_line_error(cli("chek"), "invalid choice: 'chek'")


def test_bad_dialect_option(cli, alembic_project):
    _one_line_error(cli("check", "--dialect", "oracle"), "dialect")


def test_watch_only_prints_the_table(cli, alembic_project):
    _one_line_error(cli("check", "--watch", "-f", "json"), "--watch prints the table")


def test_unwritable_output(cli, alembic_project):
    _one_line_error(cli("check", "-f", "json", "-o", "no/such/dir/report.json"), "cannot write report")


def test_syntax_error_file_is_a_finding_not_a_crash(cli, alembic_project):
    Path(V, "0005_broken.py").write_text('revision = "0005"\ndown_revision = "0004"\ndef upgrade(:\n', encoding="utf-8")
    result = cli("check", f"{V}/0005_broken.py", "-f", "github")
    assert result.exit_code == 2
    assert result.stdout.startswith(f"::error file={V}/0005_broken.py,line=3,")
    assert "MRT902" in result.stdout and "Syntax error" in result.stdout


def test_latin1_file_without_a_coding_cookie_is_reported(cli, alembic_project):
    Path(V, "0005_latin1.py").write_bytes(
        b'revision = "0005"\ndown_revision = "0004"\n# caf\xe9\ndef upgrade():\n    pass\ndef downgrade():\n    pass\n'
    )
    result = cli("check", f"{V}/0005_latin1.py", "-f", "json")
    assert result.exit_code == 2
    assert "MRT902" in result.stdout and "not valid utf-8" in result.stdout
    assert result.stderr == ""


def test_latin1_file_with_a_coding_cookie_is_read_like_python_reads_it(cli, alembic_project):
    Path(V, "0005_latin1.py").write_bytes(
        b"# -*- coding: latin-1 -*-\n"
        b'revision = "0005"\ndown_revision = "0004"\n\n'
        b"from alembic import op\n\n"
        b'def upgrade():\n    op.drop_column("users", "caf\xe9")\n\n'
        b'def downgrade():\n    op.execute("select 1")\n'
    )
    result = cli("check", f"{V}/0005_latin1.py", "-f", "json")
    assert "users.café" in result.stdout
    assert "MRT902" not in result.stdout


def test_an_empty_directory_is_clean_and_says_so(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("versions").mkdir()
    result = cli("check", "versions")
    assert result.exit_code == 0
    assert "No rollback risks found" in result.stdout
    assert result.stderr.startswith("mrt: no migration files found in versions")  # not a silent pass


def test_a_terminal_sees_progress_that_is_erased_before_the_report(cli, alembic_project, monkeypatch):
    import sys

    from mrt import cli as cli_module

    monkeypatch.setattr(cli_module._ProgressLine, "PROGRESS_FROM", 1)  # a history of thousands, in four files
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    result = cli("check", "--format", "json", "-o", "report.json")
    assert result.stderr.startswith("\rmrt: checked 4/4 files\r\x1b[K")
    assert "mrt: wrote report.json" in result.stderr


def test_files_discovery_leaves_out_are_one_note_on_stderr_and_other_warnings_pass(cli, alembic_project, monkeypatch):
    import warnings

    from mrt import analyzer

    (alembic_project / V / "2015").mkdir()
    (alembic_project / V / "2015" / "0000_old.py").write_text("revision = 'old'\n", encoding="utf-8")
    original = analyzer.analyze_project

    def with_a_rule_failure(*args, **kwargs):
        warnings.warn("mrt: rule MRT999 failed on x.py: boom", RuntimeWarning, stacklevel=1)
        return original(*args, **kwargs)

    monkeypatch.setattr(analyzer, "analyze_project", with_a_rule_failure)
    with pytest.warns(RuntimeWarning, match="MRT999 failed"):
        result = cli("check", "--format", "json", "-o", "report.json")
    notes = [line for line in result.stderr.splitlines() if line.startswith("mrt: note:")]
    assert len(notes) == 1 and "1 Python file(s) in its subdirectories are not checked" in notes[0]


def test_a_pipe_sees_no_progress(cli, alembic_project, monkeypatch):
    from mrt import cli as cli_module

    monkeypatch.setattr(cli_module._ProgressLine, "PROGRESS_FROM", 1)
    assert "checked" not in cli("check", "--format", "json", "-o", "report.json").stderr


def test_an_internal_error_is_one_line_with_exit_4(cli, alembic_project, monkeypatch):
    import mrt.analyzer

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(mrt.analyzer, "analyze_project", explode)
    monkeypatch.delenv("MRT_DEBUG", raising=False)
    result = cli("check")
    assert result.exit_code == 4
    assert result.stderr.strip() == "mrt: internal error: RuntimeError: boom (MRT_DEBUG=1 shows the traceback)"


@pytest.mark.parametrize("args", [["--version"], ["version"]])
def test_version(cli, args):
    from mrt import __version__

    result = cli(*args)
    assert result.exit_code == 0
    assert result.stdout.strip() == f"mrt {__version__}"


def test_no_command_prints_help_with_3(cli):
    result = cli()
    assert result.exit_code == 3
    assert "check" in result.stdout and "explain" in result.stdout


def test_a_report_that_fails_half_way_leaves_the_previous_report_whole(cli, alembic_project, monkeypatch):
    import mrt.report.json_report

    assert cli("check", "-f", "json", "-o", "report.json").exit_code == 2
    previous = Path("report.json").read_text(encoding="utf-8")
    written = []

    def explode_on_the_second(finding):
        written.append(finding)
        if len(written) == 2:
            raise RuntimeError("boom")
        return {"rule": finding.code}

    monkeypatch.setattr(mrt.report.json_report, "finding_dict", explode_on_the_second)
    monkeypatch.delenv("MRT_DEBUG", raising=False)
    assert cli("check", "-f", "json", "-o", "report.json").exit_code == 4
    assert Path("report.json").read_text(encoding="utf-8") == previous
    assert [p.name for p in Path().iterdir() if "report" in p.name] == ["report.json"]  # no partial file left


def test_jobs_must_be_a_positive_count(cli, alembic_project):
    _one_line_error(cli("check", "--jobs", "0"), "--jobs 0: expected 1 or more")
    assert cli("check", "-j", "2").exit_code == 2  # a small project is checked in one process anyway


def test_a_report_can_go_to_a_device_such_as_dev_stdout(cli, alembic_project, tmp_path):
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    assert cli("check", "-f", "json", "-o", str(fifo)).exit_code == 2
    reader.join(timeout=30)
    assert '"rule": "MRT201"' in received[0]


def test_a_report_through_a_symlink_updates_the_file_it_points_to(cli, alembic_project):
    Path("real.json").write_text("old", encoding="utf-8")
    Path("link.json").symlink_to("real.json")
    assert cli("check", "-f", "json", "-o", "link.json").exit_code == 2
    assert Path("link.json").is_symlink()
    assert '"rule": "MRT201"' in Path("real.json").read_text(encoding="utf-8")


def test_a_new_report_file_is_as_readable_as_any_new_file(cli, alembic_project):
    umask = os.umask(0o022)
    try:
        assert cli("check", "-f", "json", "-o", "fresh.json").exit_code == 2
    finally:
        os.umask(umask)
    assert Path("fresh.json").stat().st_mode & 0o777 == 0o644
