"""Scan figures kept beside the daily counts (issue 21): the daily counts without the lot
(scan_daily_coops), the monthly counts per lot (scan_monthly_lots), the labels per product and
per lot and day of their last scan (scan_label_days, scan_label_lot_days), and an index of the daily counts by lot; filled here
from scan_daily and the labels (traceapp.public.scan.kept.fill), then kept by the scan log
writer in the transaction that writes the scans.

Revision ID: 0031
Revises: 0030
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from traceapp.public.scan.kept import fill

    op.create_table(
        "scan_daily_coops",
        sa.Column("cooperative_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "cooperative_id",
            "day",
            "product_id",
            "lang",
            "outcome",
            "flagged",
            name=op.f("pk_scan_daily_coops"),
        ),
    )
    op.create_table(
        "scan_monthly_lots",
        sa.Column("cooperative_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("lot_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "cooperative_id", "month", "lot_id", "product_id", name=op.f("pk_scan_monthly_lots")
        ),
    )
    op.create_table(
        "scan_label_days",
        sa.Column("cooperative_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "cooperative_id", "product_id", "day", name=op.f("pk_scan_label_days")
        ),
    )
    op.create_table(
        "scan_label_lot_days",
        sa.Column("lot_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("labels", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("lot_id", "day", name=op.f("pk_scan_label_lot_days")),
    )
    op.create_index("ix_scan_daily_lot_id_day", "scan_daily", ["lot_id", "day"])
    fill(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_scan_daily_lot_id_day", table_name="scan_daily")
    op.drop_table("scan_label_lot_days")
    op.drop_table("scan_label_days")
    op.drop_table("scan_monthly_lots")
    op.drop_table("scan_daily_coops")
