"""Verifier faults in Django mode: Ctrl-C names the interrupted migration and removes the temporary
database; a killed connection fails its migration in one line and the database is still wiped.
(A migration that raises or runs past `migration_timeout`: test_cli_and_fixture.py; a lock another
session holds is handled as in Alembic mode: tests/verify/test_faults.py.)"""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest
import sqlalchemy as sa
from interrupted_runs import started_until

from tests.verify_django.conftest import EXAMPLE
from tests.verify_django.test_cli_and_fixture import MRT, add_migration, run


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A private copy of the example shop (tests add migrations to it)."""
    target = tmp_path / "shop"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    return target


def test_ctrl_c_names_the_migration_exits_130_and_removes_the_temporary_database(shop: Path, tmp_path: Path) -> None:
    marker = tmp_path / "slow-started"
    add_migration(
        shop,
        "orders",
        "0004_slow_backfill",
        f"""
        import time

        from django.db import migrations


        def backfill(apps, schema_editor):
            open({str(marker)!r}, "w").close()
            time.sleep(30)


        class Migration(migrations.Migration):
            dependencies = [("orders", "0003_order_reference")]
            operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
        """,
    )
    temp = tmp_path / "temp"  # where Django mode makes its SQLite test database
    temp.mkdir()
    mrt = started_until(
        marker, [*MRT, "verify", "--apps", "orders"], cwd=shop, env={**os.environ, "TMPDIR": str(temp)}, timeout=120
    )
    assert [p.name[:11] for p in temp.iterdir()] == ["mrt-django-"]
    mrt.send_signal(signal.SIGINT)
    _, err = mrt.communicate(timeout=30)
    assert mrt.returncode == 130
    assert err == "mrt: interrupted during upgrade of 'orders/0004_slow_backfill'\n"
    assert list(temp.iterdir()) == []


KILL_OWN_SESSION = {
    "postgres": "SELECT pg_terminate_backend(pg_backend_pid())",
    "mysql": "KILL CONNECTION_ID()",
}


@pytest.mark.parametrize("server", ["postgres", "mysql"])
def test_a_killed_connection_fails_that_migration_in_one_line(
    shop: Path, server: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(f"{server}_db")
    add_migration(
        shop,
        "orders",
        "0004_kills_its_session",
        f"""
        from django.db import migrations


        def kill(apps, schema_editor):
            with schema_editor.connection.cursor() as cursor:
                cursor.execute({KILL_OWN_SESSION[server]!r})


        class Migration(migrations.Migration):
            dependencies = [("orders", "0003_order_reference")]
            operations = [migrations.RunPython(kill, migrations.RunPython.noop)]
        """,
    )
    out = run(shop, "verify", "--apps", "orders", "--db-url", url, "--format", "json")
    assert out.returncode == 2 and out.stderr == ""
    results = {r["revision"]: r for r in json.loads(out.stdout)["results"]}
    [message] = results["orders/0004_kills_its_session"]["failures"]
    assert message.startswith("the database connection was lost during upgrade of 'orders/0004_kills_its_session': ")
    assert results["orders/0003_order_reference"]["label"] == "reversible"
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == []  # wiped on a new connection
    engine.dispose()
