"""create tickets with an enum priority column (reversible)

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("priority", sa.Enum("low", "high", name="ticket_priority"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tickets")
    sa.Enum(name="ticket_priority").drop(op.get_bind(), checkfirst=True)
