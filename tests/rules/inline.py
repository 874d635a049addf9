"""Migrations written inline in the rule tests, analyzed the way `mrt check` analyzes a file.

One place for the headers a migration starts with and the helpers that wrap a test's few lines of
`upgrade()` or `operations` into a whole file, so every rule test reads as the migration it checks.
Test modules keep only their own differences (default settings, a rule's filter) as thin wrappers.
"""

from __future__ import annotations

import textwrap
from typing import Any

from mrt import MRTConfig, RiskWarning, analyze_source

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
