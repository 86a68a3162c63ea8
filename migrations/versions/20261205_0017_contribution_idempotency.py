"""A contribution keeps the idempotency key its client sent, unique per cooperative.

Revision ID: 0017
Revises: 0016
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lot_contributions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            "uq_lot_contributions_cooperative_id_idempotency_key",
            ["cooperative_id", "idempotency_key"],
        )


def downgrade() -> None:
    with op.batch_alter_table("lot_contributions", schema=None) as batch_op:
        batch_op.drop_constraint(
            "uq_lot_contributions_cooperative_id_idempotency_key", type_="unique"
        )
        batch_op.drop_column("idempotency_key")
