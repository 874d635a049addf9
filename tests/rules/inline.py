"""Migrations written inline in the rule tests, analyzed the way `mrt check` analyzes a file.

One place for the headers a migration starts with and the helpers that wrap a test's few lines of
`upgrade()` or `operations` into a whole file, so every rule test reads as the migration it checks.
Test modules keep only their own differences (default settings, a rule's filter) as thin wrappers.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from mrt import MRTConfig, RiskWarning, analyze_paths, analyze_source

ALEMBIC = "migrations/versions/abc123_change.py"
DJANGO = "shop/migrations/0003_change.py"

# Templates for tests that write a history of several files; HEADER and DJANGO_HEADER are the one-file case.
HEADER_TEMPLATE = """
from alembic import op
import sqlalchemy as sa

revision = "{revision}"
down_revision = {parent}
"""

DJANGO_HEADER_TEMPLATE = """
from django.db import migrations, models
from django.contrib.postgres.operations import AddIndexConcurrently

class Migration(migrations.Migration):
    dependencies = {dependencies}
"""

HEADER = HEADER_TEMPLATE.format(revision="abc123", parent='"000000"')
DJANGO_HEADER = DJANGO_HEADER_TEMPLATE.format(dependencies='[("shop", "0002_previous")]')


def lint(source: str, path: str = ALEMBIC, **settings: Any) -> list[RiskWarning]:
    """Analyze a migration written inline: the source is dedented, keyword settings become an `MRTConfig`."""
    return analyze_source(textwrap.dedent(source), path, MRTConfig(**settings))


def alembic(upgrade: str, downgrade: str = "    pass\n", prelude: str = "", **settings: Any) -> list[RiskWarning]:
    """An Alembic revision with the given (indented) bodies; `prelude` goes between header and functions."""
    return lint(HEADER + prelude + "\ndef upgrade():\n" + upgrade + "\n\ndef downgrade():\n" + downgrade, **settings)


def django(body: str, **settings: Any) -> list[RiskWarning]:
    """A Django migration: `body` holds the class attributes after `dependencies` (`operations = [...]`)."""
    return lint(DJANGO_HEADER + body, path=DJANGO, **settings)


def of(findings: list[RiskWarning], code: str) -> list[RiskWarning]:
    return [f for f in findings if f.code == code]


def codes(findings: list[RiskWarning]) -> list[str]:
    return [f.code for f in findings]


# -- Django app histories: rules that judge a migration against the earlier ones --------------------------------


def django_migration(body: str, dependencies: str = "[]") -> str:
    """A Django migration file: the header with `dependencies`, then `body` (class attributes, indented)."""
    return textwrap.dedent(DJANGO_HEADER_TEMPLATE.format(dependencies=dependencies)) + body


def alter(field: str, definition: str, extra: str = "") -> str:
    """The body of a migration whose one operation is `AlterField` of the `order` model's `field`."""
    return f"    operations = [migrations.AlterField(model_name='order', name='{field}', field={definition}{extra})]\n"


def app_history(tmp_path: Path, initial: str, *bodies: str) -> str:
    """Writes shop/migrations/0001_initial.py (`initial`'s body), then one file per body, each depending on the
    one before; returns the migrations directory."""
    directory = tmp_path / "shop" / "migrations"
    directory.mkdir(parents=True)
    (directory / "0001_initial.py").write_text(django_migration(initial), encoding="utf-8")
    previous = "0001_initial"
    for number, body in enumerate(bodies, start=2):
        name = f"{number:04d}_change"
        (directory / f"{name}.py").write_text(django_migration(body, f"[('shop', '{previous}')]"), encoding="utf-8")
        previous = name
    return str(directory)


def found(directory: str, code: str, **settings: Any) -> list[RiskWarning]:
    """The findings of rule `code` when the whole directory is checked."""
    return [f for f in analyze_paths([directory], MRTConfig(**settings)) if f.code == code]
