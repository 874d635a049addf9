"""Migration sources the LSP tests open, written as users write them."""

from __future__ import annotations

NOOP_DOWNGRADE = '''"""create audit_log"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
    )


def downgrade() -> None:
    pass
'''

DROP_COLUMN = '''"""drop users.phone"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = None


def upgrade() -> None:
    op.drop_column("users", "phone")


def downgrade() -> None:
    op.add_column("users", sa.Column("phone", sa.String(20)))
'''

CLEAN = '''"""add users.nickname"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = None


def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.String(50)))


def downgrade() -> None:
    op.drop_column("users", "nickname")
'''

DJANGO_RUNPYTHON = """from django.db import migrations


def fill(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RunPython(fill),
    ]
"""

NOT_A_MIGRATION = '''"""Application models that happen to mention revision and upgrade."""
revision = "not a migration"


def upgrade_plan():
    return revision
'''


def alembic(template: str, rev: str) -> str:
    return template.replace("{rev}", rev)
