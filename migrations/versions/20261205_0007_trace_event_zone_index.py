"""Trace events are found by the zone they name: the authority's scope and borrowed-code flag.

Revision ID: 0007
Revises: 0006
Created: 2026-12-05
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trace_events_zone_id"), ["zone_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trace_events_zone_id"))
