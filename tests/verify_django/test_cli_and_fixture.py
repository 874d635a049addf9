"""`mrt verify` and the `mrt` fixture on a Django project, run as users run them (subprocesses in a
private copy of the example shop, to which some tests add broken migrations)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.verify_django.conftest import EXAMPLE

MRT = [sys.executable, "-m", "mrt"]


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    return target


def add_migration(project: Path, app: str, name: str, body: str) -> None:
    (project / app / "migrations" / f"{name}.py").write_text(textwrap.dedent(body), encoding="utf-8")


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MRT, *args], cwd=project, capture_output=True, text=True, timeout=300)


def test_mrt_verify_finds_the_settings_in_manage_py(shop: Path) -> None:
    out = run(shop, "verify", "--apps", "orders,reviews", "--format", "json")
    assert out.returncode == 0, out.stderr
    labels = {r["revision"]: r["label"] for r in json.loads(out.stdout)["results"]}
    assert labels == {
        "orders/0001_initial": "reversible",
        "orders/0002_order_status": "reversible",
        "orders/0003_order_reference": "reversible",
        "reviews/0001_squashed_0002_review_rating": "reversible",
    }


def test_a_broken_migration_does_not_stop_the_rest(shop: Path) -> None:
    add_migration(
        shop,
        "accounts",
        "0005_broken",
        """
        from django.db import migrations


        class Migration(migrations.Migration):
            dependencies = [("accounts", "0004_trim_names")]
            operations = [migrations.RunSQL("UPDATE no_such_table SET x = 1", reverse_sql="")]
        """,
    )
    add_migration(
        shop,
        "accounts",
        "0006_after_broken",
        """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("accounts", "0005_broken")]
            operations = [migrations.AddField("customer", "nickname", models.CharField(max_length=20, null=True))]
        """,
    )
    add_migration(
        shop,
        "catalog",
        "0006_slow",
        """
        import time

        from django.db import migrations


        class Migration(migrations.Migration):
            dependencies = [("catalog", "0005_default_categories")]
            operations = [migrations.RunPython(lambda apps, schema_editor: time.sleep(30), migrations.RunPython.noop)]
        """,
    )
    add_migration(
        shop,
        "orders",
        "0004_bad_reverse",
        """
        from django.db import migrations


        class Migration(migrations.Migration):
            dependencies = [("orders", "0003_order_reference")]
            operations = [
                migrations.RunSQL("ALTER TABLE orders_order ADD COLUMN gift integer NULL", reverse_sql="SELECT 1")
            ]
        """,
    )
    add_migration(
        shop,
        "orders",
        "0005_after_bad_reverse",
        """
        from django.db import migrations, models


        class Migration(migrations.Migration):
            dependencies = [("orders", "0004_bad_reverse")]
            operations = [migrations.AddField("orderline", "discount", models.IntegerField(null=True))]
        """,
    )
    add_migration(
        shop,
        "orders",
        "0006_one_way_inside_state_split",
        """
        from django.db import migrations


        def forwards(apps, schema_editor):
            pass


        class Migration(migrations.Migration):
            dependencies = [("orders", "0005_after_bad_reverse")]
            operations = [
                migrations.SeparateDatabaseAndState(
                    database_operations=[migrations.RunPython(forwards)],
                ),
            ]
        """,
    )
    started = time.monotonic()
    out = run(shop, "verify", "--django-settings", "shopsite.settings", "--timeout", "1", "--format", "json")
    assert time.monotonic() - started < 25
    assert out.returncode == 2, out.stderr
    results = {r["revision"]: r for r in json.loads(out.stdout)["results"]}
    assert results["accounts/0005_broken"]["label"] == "upgrade failed"
    assert "no_such_table" in results["accounts/0005_broken"]["failures"][0]
    assert results["accounts/0006_after_broken"]["label"] == "not tested"
    assert results["catalog/0006_slow"]["label"] == "timed out"
    assert results["orders/0003_order_reference"]["label"] == "reversible"
    assert results["orders/0004_bad_reverse"]["label"] == "schema not restored"
    assert results["orders/0004_bad_reverse"]["failures"] == [
        "Column 'orders_order.gift' still present after rollback — downgrade is incomplete"
    ]
    assert results["orders/0005_after_bad_reverse"]["label"] == "reversible"  # checked on a rebuilt database
    assert results["orders/0006_one_way_inside_state_split"]["failures"] == [
        "RunPython at orders/migrations/0006_one_way_inside_state_split.py:13 has no reverse_code: "
        "rolling back past this migration is impossible"
    ]
    assert results["reviews/0001_squashed_0002_review_rating"]["label"] == "reversible"


def test_python_default_and_db_default_fields_round_trip(shop: Path) -> None:
    django = pytest.importorskip("django")
    if django.VERSION < (5, 0):
        pytest.skip("db_default needs Django 5.0")
    add_migration(
        shop,
        "catalog",
        "0006_defaults",
        """
        from django.db import migrations, models
        from django.db.models.functions import Now


        class Migration(migrations.Migration):
            dependencies = [("catalog", "0005_default_categories")]
            operations = [
                # default=: Django fills the existing rows, then drops the column default again.
                migrations.AddField("product", "sku", models.CharField(max_length=20, default="none")),
                # db_default=: a real DEFAULT in the database, which the rollback must take away.
                migrations.AddField("product", "active", models.BooleanField(db_default=True)),
                migrations.AddField("category", "created", models.DateTimeField(db_default=Now())),
            ]
        """,
    )
    out = run(shop, "verify", "--apps", "catalog", "--revision", "catalog.0006_defaults", "--format", "json")
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["results"][0]["label"] == "reversible"


def test_django_set_up_before_mrt_keeps_its_database_only_if_disposable(shop: Path) -> None:
    """pytest-django (or a conftest calling django.setup()) got there first: nothing is rewritten, and a
    default database that does not look disposable is refused before anything connects to it."""
    (shop / "shopsite" / "settings_prod.py").write_text(
        "from .settings import *  # noqa: F403\n\n"
        'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop", '
        '"HOST": "127.0.0.1", "USER": "postgres"}}\n',
        encoding="utf-8",
    )
    script = textwrap.dedent(
        """
        import os, sys
        sys.path.insert(0, os.getcwd())
        os.environ["DJANGO_SETTINGS_MODULE"] = "shopsite.settings_prod"
        import django
        django.setup()
        from django.db import connections
        connections["default"]  # the handler has read DATABASES, as under pytest-django
        from mrt.config import MRTConfig
        from mrt.verify.django_runner import DjangoRunner
        from mrt.verify.errors import UnsafeDatabaseError
        try:
            DjangoRunner(MRTConfig(django_settings="shopsite.settings_prod"))
        except UnsafeDatabaseError as exc:
            print(exc)
        print(connections["default"].connection is None)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=shop, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    refusal, never_connected = out.stdout.strip().splitlines()
    assert "refusing to migrate postgresql+psycopg://postgres@127.0.0.1/shop" in refusal
    assert "database name 'shop' does not contain 'test'" in refusal
    assert never_connected == "True"


def test_bad_settings_module_is_one_line(shop: Path) -> None:
    out = run(shop, "verify", "--django-settings", "nosuch.settings")
    assert out.returncode == 3
    assert "cannot import the Django settings 'nosuch.settings'" in out.stderr
    assert "Traceback" not in out.stderr


def test_the_mrt_fixture_in_django_mode(shop: Path) -> None:
    (shop / "conftest.py").write_text(
        textwrap.dedent(
            """
            from pytest_mrt import MRTConfig


            def pytest_configure(config):
                config._mrt_config = MRTConfig(django_settings="shopsite.settings", django_apps=["orders"])
            """
        ),
        encoding="utf-8",
    )
    (shop / "pytest.ini").write_text("[pytest]\nmrt_tests = all\n", encoding="utf-8")
    (shop / "test_migrations.py").write_text(
        textwrap.dedent(
            """
            import pytest


            def test_orders_roll_back(mrt):
                mrt.assert_all_reversible()


            def test_one_migration(mrt):
                result = mrt.check_migration("accounts", "0002_remove_customer_phone")
                assert result.label == "data loss detected"


            def test_models_have_migrations(mrt):
                mrt.assert_schema_matches()


            def test_alembic_only_methods_say_so(mrt):
                with pytest.raises(RuntimeError, match="Django mode"):
                    mrt.upgrade("head")
                with pytest.raises(RuntimeError, match="Alembic-only"):
                    mrt.check_static()


            def test_the_whole_shop(mrt):
                mrt.assert_all_reversible(apps=["accounts"])
            """
        ),
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:asyncio", "-q", "-s"],
        cwd=shop,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # The built-in tests (mrt_tests = all) run in Django mode too; the metadata one is Alembic's.
    assert "1 failed, 9 passed, 1 skipped" in out.stdout, out.stdout + out.stderr
    assert "✗  accounts/0004_trim_names  irreversible" in out.stdout
    assert "✓  orders/0003_order_reference  reversible" in out.stdout
