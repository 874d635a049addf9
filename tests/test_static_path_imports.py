"""A static `mrt check` must not import SQLAlchemy, Alembic, Django or Anthropic (it must stay fast)."""

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parents[1] / "examples" / "alembic_project"
HEAVY = ("sqlalchemy", "alembic", "django", "anthropic")


def imported_modules(*args: str) -> set[str]:
    return run_with_importtime(*args)[0]


def run_with_importtime(*args: str) -> tuple[set[str], str]:
    """The top-level packages a `python -m mrt ...` run imported, and what it printed."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mrt", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode in (0, 1, 2), result.stderr[-2000:]
    modules = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return modules, result.stdout


def test_static_check_imports_no_heavy_library():
    modules = imported_modules("check", str(EXAMPLE), "--format", "json")
    assert "mrt" in modules
    assert not modules & set(HEAVY), f"static check imported {sorted(modules & set(HEAVY))}"


def test_rich_is_imported_only_for_the_table_format():
    assert "rich" not in imported_modules("check", str(EXAMPLE), "--format", "json")


def test_the_sql_parser_is_imported_only_when_a_file_has_sql(tmp_path):
    plain = tmp_path / "r1.py"
    plain.write_text('revision = "r1"\n\ndef upgrade():\n    op.add_column("t", sa.Column("c", sa.Integer))\n')
    assert "pglast" not in imported_modules("check", str(plain), "--format", "json")


def test_a_one_file_check_skips_logging_shutil_and_configparser(tmp_path):
    """A pre-commit hook checks one file per run: start-up is most of its time, so what it never uses is not
    imported (logging only for sqlglot, shutil not for argparse's width, configparser only for an alembic.ini)."""
    revision = tmp_path / "r1.py"
    revision.write_text('revision = "r1"\n\ndef upgrade():\n    op.execute("ALTER TABLE t ADD COLUMN c int")\n')
    modules = imported_modules("check", str(revision), "--format", "json")
    assert not modules & {"logging", "shutil", "configparser"}, sorted(modules & {"logging", "shutil", "configparser"})


def test_sql_is_parsed_without_importing_pglasts_python_modules(tmp_path):
    """pglast's modules build hundreds of classes on import; the SQL goes straight to the libpg_query
    library pglast ships (mrt.model.libpg_query), so a file with SQL costs a library load, not that."""
    revision = tmp_path / "r1.py"
    revision.write_text(
        'revision = "r1"\n\ndef upgrade():\n    op.execute("ALTER TABLE t DROP COLUMN c")\n\n'
        "def downgrade():\n    pass\n"
    )
    modules, report = run_with_importtime("check", str(revision), "--format", "json")
    assert '"rule": "MRT201"' in report  # the drop was read from the SQL
    assert "pglast" not in modules
