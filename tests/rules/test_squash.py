"""MRT6xx: squashed Django migrations."""

from inline import codes

LINT_FAMILIES = ("reversibility", "data_loss", "asymmetry", "leftovers", "squash", "parsing")


def test_MRT601_squashed_migration_keeps_irreversible_run_python(lint):
    found = lint(
        """
from django.db import migrations

class Migration(migrations.Migration):
    replaces = [("shop", "0001_initial"), ("shop", "0002_fill")]
    operations = [migrations.RunPython(fill)]
""",
        path="shop/migrations/0001_squashed_0002_fill.py",
    )
    assert codes(found) == ["MRT601"]  # reported as the squash problem, not also as MRT107


def test_MRT601_negative_plain_migration_reports_MRT107_instead(lint):
    found = lint(
        """
from django.db import migrations

class Migration(migrations.Migration):
    operations = [migrations.RunPython(fill)]
""",
        path="shop/migrations/0002_fill.py",
    )
    assert codes(found) == ["MRT107"]


def test_MRT602_squash_without_replaces(lint):
    found = lint(
        """
from django.db import migrations

class Migration(migrations.Migration):
    operations = []
""",
        path="shop/migrations/0001_squashed_0004_auto.py",
    )
    assert codes(found) == ["MRT602"]


def test_MRT602_negative_squash_with_replaces(lint):
    found = lint(
        """
from django.db import migrations

class Migration(migrations.Migration):
    replaces = [("shop", "0001_initial"), ("shop", "0004_auto")]
    operations = []
""",
        path="shop/migrations/0001_squashed_0004_auto.py",
    )
    assert codes(found) == []
