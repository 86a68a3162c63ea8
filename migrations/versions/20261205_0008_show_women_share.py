"""Cooperatives choose whether public pages show the share of women among their members.

Revision ID: 0008
Revises: 0007
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Off for every existing cooperative: showing the share is the cooperative's choice.
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("show_women_share", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.drop_column("show_women_share")
