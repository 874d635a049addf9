"""upper-case users.status; the downgrade lower-cases it, which is not the original value

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE users SET status = upper(status)")


def downgrade() -> None:
    op.execute("UPDATE users SET status = lower(status)")
