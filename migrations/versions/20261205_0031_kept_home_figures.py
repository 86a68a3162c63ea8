"""Scan figures kept beside the daily counts (issue 21): the daily counts without the lot
(scan_daily_coops), the monthly counts per lot (scan_monthly_lots), the labels per product and
per lot and day of their last scan (scan_label_days, scan_label_lot_days), and an index of the daily counts by lot; filled here
from scan_daily and the labels (traceapp.public.scan.kept.fill), then kept by the scan log
writer in the transaction that writes the scans. And the home page's counts per cooperative
(coop_counts: lots per status, labels in use, active members and women), kept by triggers on
lots, labels and members (traceapp.dashboard.models), with a partial index of the flagged
labels.

Revision ID: 0031
Revises: 0030
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0032"
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
    op.create_table(
        "coop_counts",
        sa.Column("cooperative_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("figure", sa.String(length=20), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("cooperative_id", "figure", name=op.f("pk_coop_counts")),
    )
    op.create_index(
        "ix_labels_flagged",
        "labels",
        ["cooperative_id"],
        sqlite_where=sa.text("flagged_at IS NOT NULL"),
        postgresql_where=sa.text("flagged_at IS NOT NULL"),
    )
    from traceapp.dashboard import models as counts

    counts.create_triggers(op.get_bind())
    counts.fill(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    for table in ("lots", "labels", "members"):
        for event in ("insert", "delete", "update"):
            name = f"coop_counts_{table}_{event}"
            if bind.dialect.name == "postgresql":
                op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP FUNCTION IF EXISTS coop_counts_{table}_inserted()")
            op.execute(f"DROP FUNCTION IF EXISTS coop_counts_{table}_changed()")
    op.drop_index("ix_labels_flagged", table_name="labels")
    op.drop_table("coop_counts")
    op.drop_index("ix_scan_daily_lot_id_day", table_name="scan_daily")
    op.drop_table("scan_label_lot_days")
    op.drop_table("scan_label_days")
    op.drop_table("scan_monthly_lots")
    op.drop_table("scan_daily_coops")
