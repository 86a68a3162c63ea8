"""The lot list's order served by an index (issue 21): lots of a cooperative by production
date and id, so that the list's first, next and last pages read a page of the index instead of
sorting every lot of the cooperative.

Revision ID: 0033
Revises: 0030
Created: 2026-12-05
"""

from alembic import op

revision = "0033"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lots_cooperative_id_production_date_id",
            ["cooperative_id", "production_date", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_index("ix_lots_cooperative_id_production_date_id")
