"""Rate-limit counters shared by every worker, and the addresses each user signed in from.

Revision ID: 0010
Revises: 0009
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counters")),
    )
    with op.batch_alter_table("rate_limit_counters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rate_limit_counters_expires_at"), ["expires_at"], unique=False
        )
    op.create_table(
        "login_addresses",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("address_hash", sa.String(length=16), nullable=False),
        sa.Column("last_login_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_login_addresses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "address_hash", name=op.f("pk_login_addresses")),
    )


def downgrade() -> None:
    op.drop_table("login_addresses")
    with op.batch_alter_table("rate_limit_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_limit_counters_expires_at"))
    op.drop_table("rate_limit_counters")
