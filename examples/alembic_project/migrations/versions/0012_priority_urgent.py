"""add 'urgent' to the ticket_priority enum (PostgreSQL only); PostgreSQL cannot remove an enum label

On other engines the enum is not a separate type and this revision does nothing.

Revision ID: 0012
Revises: 0011
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE ticket_priority ADD VALUE 'urgent'")


def downgrade() -> None:
    pass
