"""create audit_log with a no-op downgrade: the table is left behind

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event", sa.String(50), nullable=False),
    )


def downgrade() -> None:
    pass
