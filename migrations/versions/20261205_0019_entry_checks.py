"""Checks at entry: what a contribution's entry found implausible, and the reason it was
confirmed with.

Revision ID: 0019
Revises: 0018
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lot_contributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_warnings", traceapp.database.JSONType, nullable=True))
        batch_op.add_column(sa.Column("confirmation_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lot_contributions", schema=None) as batch_op:
        batch_op.drop_column("confirmation_reason")
        batch_op.drop_column("entry_warnings")
