"""rename users.name to full_name (reversible)

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column(
            "name", new_column_name="full_name", existing_type=sa.String(100), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column(
            "full_name", new_column_name="name", existing_type=sa.String(100), existing_nullable=False
        )
