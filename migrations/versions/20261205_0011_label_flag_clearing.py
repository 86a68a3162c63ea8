"""A label's copy flag can be cleared by its cooperative, with a reason.

Revision ID: 0011
Revises: 0010
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "flag_cleared_at", traceapp.database.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("flag_clear_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_column("flag_clear_reason")
        batch_op.drop_column("flag_cleared_at")
