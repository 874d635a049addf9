"""add users.nickname and a unique constraint; the downgrade removes neither

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("nickname", sa.String(40), nullable=True))
        batch_op.create_unique_constraint("uq_users_nickname", ["nickname"])


def downgrade() -> None:
    op.execute("SELECT 1")
