"""Scans of serials never issued, kept as they arrive (issue 21): per serial, per serial and
cooperative (first and last scan, the product of the last), and per cooperative in total,
filled here from the scans already logged and then kept by the scan log writer; the
authority's flag and list read them instead of grouping every such scan on each request.

Revision ID: 0032
Revises: 0030
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0032"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unknown_serials",
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("cooperatives", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_unknown_serials")),
    )
    op.create_index(
        "ix_unknown_serials_shared",
        "unknown_serials",
        ["serial"],
        sqlite_where=sa.text("cooperatives > 1"),
        postgresql_where=sa.text("cooperatives > 1"),
    )
    op.create_table(
        "unknown_serial_cooperatives",
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.Column("first_seen", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint(
            "serial", "cooperative_id", name=op.f("pk_unknown_serial_cooperatives")
        ),
    )
    op.create_index(
        "ix_unknown_serial_cooperatives_last",
        "unknown_serial_cooperatives",
        [sa.text("last_seen DESC"), "serial", "cooperative_id"],
    )
    op.create_table(
        "unknown_serial_totals",
        sa.Column("cooperative_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.Column("serials", sa.Integer(), nullable=False),
        sa.Column("first_seen", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("cooperative_id", name=op.f("pk_unknown_serial_totals")),
    )
    from traceapp.public.scan import unknown

    unknown.recount(op.get_bind())


def downgrade() -> None:
    op.drop_table("unknown_serial_totals")
    op.drop_index("ix_unknown_serial_cooperatives_last", table_name="unknown_serial_cooperatives")
    op.drop_table("unknown_serial_cooperatives")
    op.drop_index("ix_unknown_serials_shared", table_name="unknown_serials")
    op.drop_table("unknown_serials")
