"""The `mrt` fixture as users meet it: real pytest runs in a throw-away project (the example one).

Each test writes a conftest/pyproject and a test file, runs pytest in a subprocess with the installed
plugin (the pytest11 entry point) and reads its output, as the getting-started guide does.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:asyncio", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )


def write(project: Path, name: str, text: str) -> None:
    (project / name).write_text(textwrap.dedent(text), encoding="utf-8")


CONFTEST = """
    from pytest_mrt import MRTConfig


    def pytest_configure(config):
        config._mrt_config = MRTConfig(alembic_ini="alembic.ini", db_url="sqlite:///mrt_test.db")
"""


def test_getting_started_summary_names_each_failure(example_project: Path) -> None:
    write(example_project, "conftest.py", CONFTEST)
    write(example_project, "test_migrations.py", "def test_all(mrt):\n    mrt.assert_all_reversible()\n")
    out = run_pytest(example_project, "-s", "-q")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "MRT — Migration Rollback Test" in out.stdout
    assert "✓  0001  reversible" in out.stdout
    assert "✗  0003  data loss detected" in out.stdout
    assert "└─ Table 'sessions': 3/3 rows lost after rollback" in out.stdout
    assert "migration(s) are not safely reversible" in out.stdout
    assert "AttributeError" not in out.stdout


def test_pyproject_table_is_enough_without_conftest(example_project: Path) -> None:
    write(
        example_project,
        "pyproject.toml",
        """
        [tool.mrt]
        alembic_ini = "alembic.ini"
        db_url = "sqlite:///mrt_test.db"
        seed_rows = 5
        """,
    )
    write(
        example_project,
        "test_migrations.py",
        """
        def test_new_migration(mrt):
            assert mrt.config.seed_rows == 5
            result = mrt.check_revision("0010")
            assert not result.passed
            assert result.failures == ["Table 'sessions': 5/5 rows lost after rollback"]
            assert mrt.current_revision() == "0009"  # left just before the checked revision
        """,
    )
    out = run_pytest(example_project, "-q")
    assert out.returncode == 0, out.stdout + out.stderr


def test_conftest_fields_win_over_pyproject(example_project: Path) -> None:
    write(
        example_project,
        "pyproject.toml",
        '[tool.mrt]\nalembic_ini = "alembic.ini"\nseed_rows = 5\ndb_url = "sqlite:///a_test.db"\n',
    )
    write(example_project, "conftest.py", CONFTEST)
    write(
        example_project,
        "test_config.py",
        """
        def test_merge(mrt):
            assert mrt.config.seed_rows == 5             # from [tool.mrt]
            assert mrt.config.db_url == "sqlite:///mrt_test.db"  # conftest wins
        """,
    )
    out = run_pytest(example_project, "-q")
    assert out.returncode == 0, out.stdout + out.stderr


def test_missing_configuration_is_a_clear_message(example_project: Path) -> None:
    write(example_project, "pyproject.toml", "[tool.other]\nx = 1\n")
    write(example_project, "test_migrations.py", "def test_all(mrt):\n    mrt.assert_all_reversible()\n")
    out = run_pytest(example_project, "-q")
    assert out.returncode == 1
    assert "mrt is not configured: add a [tool.mrt] table to pyproject.toml" in out.stdout
    assert "AttributeError" not in out.stdout


def test_unsafe_database_is_refused(example_project: Path) -> None:
    write(
        example_project,
        "conftest.py",
        """
        from pytest_mrt import MRTConfig

        def pytest_configure(config):
            config._mrt_config = MRTConfig(db_url="postgresql+psycopg://app@db.example.com/production")
        """,
    )
    write(example_project, "test_migrations.py", "def test_all(mrt):\n    mrt.upgrade()\n")
    out = run_pytest(example_project, "-q")
    assert out.returncode == 1
    assert "refusing to migrate postgresql+psycopg://app@db.example.com/production" in out.stdout
    assert "is not a loopback address" in out.stdout


def test_step_control_and_pytest_alembic_methods(example_project: Path) -> None:
    write(example_project, "conftest.py", CONFTEST)
    write(
        example_project,
        "test_steps.py",
        """
        def test_up_and_down(mrt):
            assert mrt.current_revision() is None
            mrt.upgrade_to("0002")
            assert mrt.current == "0002"
            mrt.upgrade_one()
            assert mrt.current_revision() == "0003"
            mrt.downgrade_one()
            mrt.downgrade_to("base")
            assert mrt.current_revision() is None
            mrt.migrate_up_before("0005")
            assert mrt.current_revision() == "0004"
            mrt.migrate_up_to("0005")
            mrt.migrate_down_before("0003")
            assert mrt.current_revision() == "0003"
            mrt.migrate_down_to("0003")
            assert mrt.current_revision() == "0002"
            mrt.roundtrip_next_revision()
            assert mrt.current_revision() == "0003"
            assert mrt.heads == ["0012"]


        def test_each_test_starts_at_base(mrt):
            assert mrt.current_revision() is None


        def test_insert_into_and_table_at_revision(mrt):
            mrt.insert_into("users", {"id": 1, "name": "Ada", "email": "ada@example.com", "status": "Active"}, revision="0002")
            assert mrt.current_revision() == "0002"
            assert "phone" in mrt.table_at_revision("users").c
            assert "phone" not in mrt.table_at_revision("users", revision="0001").c
            assert mrt.current_revision() == "0002"  # put back


        def test_manual_seed_survives_a_reversible_revision(mrt):
            mrt.upgrade_to("0004")
            mrt.seed("users", [{"id": 7, "name": "Zoë", "email": "z@example.com", "status": "Active"}])
            mrt.upgrade_one()  # 0005 renames name -> full_name and back
            mrt.downgrade_one()
            mrt.assert_data_intact()


        def test_manual_seed_catches_a_lossy_revision(mrt):
            mrt.upgrade_to("0005")
            mrt.seed("users", [{"id": 7, "full_name": "Zoë", "email": "z@example.com", "status": "Active"}])
            mrt.upgrade_one()  # 0006 upper-cases status, its downgrade lower-cases it
            mrt.downgrade_one()
            mrt.assert_data_intact()
        """,
    )
    out = run_pytest(example_project, "-q", "-rf")
    assert "1 failed, 4 passed" in out.stdout, out.stdout + out.stderr
    assert "FAILED test_steps.py::test_manual_seed_catches_a_lossy_revision" in out.stdout
    assert "column 'status' value changed after rollback (expected 'Active', got 'active')" in out.stdout


def test_static_methods(example_project: Path) -> None:
    write(example_project, "conftest.py", CONFTEST)
    write(
        example_project,
        "test_static.py",
        """
        def test_static(mrt):
            codes = {w.code for w in mrt.check_static()}
            assert "MRT201" in codes
            mrt.assert_no_static_errors()
        """,
    )
    out = run_pytest(example_project, "-q")
    assert out.returncode == 1
    assert "static error(s):" in out.stdout


def test_builtin_tests_are_opt_in_and_marked(example_project: Path) -> None:
    write(example_project, "conftest.py", CONFTEST)
    write(example_project, "pytest.ini", "[pytest]\nmrt_tests = all\n")
    write(example_project, "test_nothing.py", "def test_plain():\n    pass\n")
    out = run_pytest(example_project, "-v")
    assert "test_mrt_single_head PASSED" in out.stdout, out.stdout + out.stderr
    assert "test_mrt_upgrade PASSED" in out.stdout
    assert "test_mrt_up_down_consistency PASSED" in out.stdout
    assert "test_mrt_downgrade_leaves_no_trace FAILED" in out.stdout
    assert "test_mrt_model_definitions_match_ddl SKIPPED" in out.stdout
    deselected = run_pytest(example_project, "-v", "-m", "not mrt")
    assert "test_mrt_" not in deselected.stdout.replace("deselected", "")
    assert "1 passed, 6 deselected" in deselected.stdout


def test_builtin_model_tests_with_target_metadata(example_project: Path) -> None:
    models = example_project / "app_models"
    models.mkdir()
    write(
        models,
        "__init__.py",
        """
        import sqlalchemy as sa
        from sqlalchemy.orm import DeclarativeBase


        class Base(DeclarativeBase):
            pass


        class Ticket(Base):
            __tablename__ = "tickets"
            id = sa.Column(sa.Integer, primary_key=True)
            priority = sa.Column(sa.Enum("low", "high", name="ticket_priority"), nullable=False)
        """,
    )
    write(
        models,
        "forgotten.py",
        """
        import sqlalchemy as sa
        from app_models import Base


        class Forgotten(Base):
            __tablename__ = "forgotten"
            id = sa.Column(sa.Integer, primary_key=True)
        """,
    )
    write(
        example_project,
        "conftest.py",
        """
        from pytest_mrt import MRTConfig


        def pytest_configure(config):
            config._mrt_config = MRTConfig(db_url="sqlite:///mrt_test.db", target_metadata="app_models:Base")
        """,
    )
    write(
        example_project,
        "pytest.ini",
        "[pytest]\nmrt_tests = model_definitions_match_ddl all_models_register_on_metadata\n",
    )
    out = run_pytest(example_project, "-v", "-rf")
    assert "test_mrt_model_definitions_match_ddl FAILED" in out.stdout, out.stdout + out.stderr
    assert "schema does not match the models" in out.stdout
    assert "test_mrt_all_models_register_on_metadata FAILED" in out.stdout
    assert "table(s) forgotten are defined in app_models" in out.stdout


def test_xdist_workers_each_get_their_own_database(example_project: Path, db_url: str) -> None:
    pytest.importorskip("xdist")
    write(
        example_project,
        "conftest.py",
        f"""
        from pytest_mrt import MRTConfig


        def pytest_configure(config):
            config._mrt_config = MRTConfig(alembic_ini="alembic.ini", db_url={db_url!r})
        """,
    )
    write(
        example_project,
        "test_parallel.py",
        """
        import os

        import pytest
        from sqlalchemy.engine import make_url


        @pytest.mark.parametrize("n", range(4))
        def test_round_trip(mrt, n):
            database = make_url(mrt.runner.url).database
            worker = os.environ["PYTEST_XDIST_WORKER"]
            assert database.endswith(f"_{worker}") or database.endswith(f"_{worker}.db")
            mrt.upgrade("head")
            mrt.downgrade("0009")
            assert mrt.current_revision() == "0009"
        """,
    )
    out = run_pytest(example_project, "-q", "-n", "2")
    assert "4 passed" in out.stdout, out.stdout + out.stderr
