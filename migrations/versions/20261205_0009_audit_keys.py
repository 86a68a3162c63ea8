"""The audit chain is keyed and covers trace events: each record names the key that signed
it and holds the content hash of the event it created; the head remembers the last key.

Existing records keep their unkeyed hashes (key_id empty) and verify by the old rule, as
the chain's prefix; nothing is re-signed.

Revision ID: 0009
Revises: 0008
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("event_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("key_id")
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_column("event_hash")
        batch_op.drop_column("key_id")
