"""`mrt rules`, `mrt rule CODE` and `mrt init`."""

from __future__ import annotations

from pathlib import Path

from cli_projects import write

from mrt.rules import all_rules, get_rule
from mrt.rules.docs import render_rule


def test_rules_lists_the_whole_catalog(cli):
    result = cli("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["CODE", "SEVERITY", "CATEGORY", "NAME"]
    codes = [line.split()[0] for line in lines[1:-1]]
    assert codes == [r.code for r in all_rules()]
    assert lines[-1] == f"{len(codes)} rule(s). `mrt rule CODE` shows one rule's documentation."


def test_rules_filtered_by_family_in_any_spelling(cli):
    expected = [r.code for r in all_rules() if r.code.startswith("MRT2")]
    for family in ("2", "2xx", "MRT2", "mrt2xx"):
        lines = cli("rules", "--family", family).stdout.splitlines()[1:-1]
        assert [line.split()[0] for line in lines] == expected


def test_rules_filtered_by_category(cli):
    lines = cli("rules", "--category", "data-loss").stdout.splitlines()[1:-1]
    assert lines and all(line.split()[2] == "data-loss" for line in lines)


def test_rules_with_a_bad_filter(cli):
    assert cli("rules", "--family", "locks").exit_code == 3
    result = cli("rules", "--category", "nope")
    assert result.exit_code == 3 and "expected one of" in result.stderr and "data-loss" in result.stderr


def test_rule_prints_the_same_docs_as_docs_rules_and_the_hover(cli):
    result = cli("rule", "mrt201")
    assert result.exit_code == 0
    assert result.stdout == render_rule(get_rule("MRT201"))
    assert result.stdout.startswith("# MRT201: DROP COLUMN in upgrade")


def test_unknown_rule(cli):
    result = cli("rule", "MRT999")
    assert result.exit_code == 3
    assert result.stderr == "mrt: error: unknown rule 'MRT999' (see `mrt rules`)\n"


# -- mrt init --------------------------------------------------------------------------------------------


def test_init_scaffolds_an_alembic_project(cli, alembic_project):
    result = cli("init")
    assert result.exit_code == 0
    conftest = Path("conftest.py").read_text()
    assert "config._mrt_config = MRTConfig(" in conftest and "alembic_ini='alembic.ini'" in conftest
    compile(conftest, "conftest.py", "exec")
    tests = Path("tests/test_migrations.py").read_text()
    assert "mrt.assert_all_reversible()" in tests and "mrt.assert_no_static_errors()" in tests
    compile(tests, "test_migrations.py", "exec")
    assert result.stdout.splitlines()[:3] == [
        "Found an Alembic project (versions in migrations/versions).",
        "  wrote conftest.py",
        "  wrote tests/test_migrations.py",
    ]
    assert "Next steps:" in result.stdout and "mrt check migrations/versions" in result.stdout


def test_init_never_overwrites_without_force(cli, alembic_project):
    Path("conftest.py").write_text("# mine\n")
    result = cli("init")
    assert result.exit_code == 0
    assert "skipped conftest.py: it exists (--force overwrites it)" in result.stdout
    assert Path("conftest.py").read_text() == "# mine\n"
    assert Path("tests/test_migrations.py").is_file()
    assert cli("init", "--force").exit_code == 0
    assert "MRTConfig" in Path("conftest.py").read_text()


def test_init_finds_django_settings_in_manage_py(cli, django_project):
    write(
        Path("manage.py"),
        """
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopsite.settings")
            from django.core.management import execute_from_command_line
            execute_from_command_line(sys.argv)
        """,
    )
    result = cli("init")
    assert result.exit_code == 0
    assert result.stdout.startswith("Found a Django project (settings shopsite.settings).")
    assert "django_settings='shopsite.settings'" in Path("conftest.py").read_text()
    assert "mrt.assert_all_reversible()" in Path("tests/test_migrations.py").read_text()


def test_init_without_a_project(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("init")
    assert result.exit_code == 3
    assert "no alembic.ini or Django manage.py here" in result.stderr
    assert not Path("conftest.py").exists()


def test_init_reports_a_broken_alembic_ini(cli, alembic_project):
    Path("alembic.ini").write_text("[alembic]\n")
    result = cli("init")
    assert result.exit_code == 3 and "no script_location" in result.stderr
