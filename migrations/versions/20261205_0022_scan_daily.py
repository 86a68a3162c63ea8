"""Daily scan counts (issue 21): the statistics read them instead of every scan; filled here
from the scans already logged, then kept by the scan log writer. And a partial index of the
scans of unknown serials, which the authority's flags read.

Revision ID: 0022
Revises: 0021
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from traceapp.database import local_time_sql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

KEY = ("cooperative_id", "day", "lot_id", "product_id", "lang", "outcome", "flagged")


def upgrade() -> None:
    daily = op.create_table(
        "scan_daily",
        sa.Column("cooperative_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lot_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY, name=op.f("pk_scan_daily")),
    )
    scans = sa.table(
        "label_scans",
        sa.column("scanned_at", sa.DateTime()),
        sa.column("cooperative_id", sa.Integer()),
        sa.column("lot_id", sa.Integer()),
        sa.column("product_id", sa.Integer()),
        sa.column("lang", sa.String()),
        sa.column("outcome", sa.String()),
        sa.column("flagged", sa.Boolean()),
    )
    dialect = op.get_bind().dialect.name
    day = sa.func.date(local_time_sql(scans.c.scanned_at, dialect))
    if dialect == "postgresql":
        day = sa.cast(day, sa.Date())
    parts = [
        sa.func.coalesce(scans.c.cooperative_id, 0),
        day,
        sa.func.coalesce(scans.c.lot_id, 0),
        sa.func.coalesce(scans.c.product_id, 0),
        scans.c.lang,
        scans.c.outcome,
        scans.c.flagged,
    ]
    op.create_index(
        "ix_label_scans_unknown",
        "label_scans",
        ["cooperative_id", "unknown_serial", "scanned_at"],
        sqlite_where=sa.text("outcome = 'unknown'"),
        postgresql_where=sa.text("outcome = 'unknown'"),
    )
    op.execute(
        daily.insert().from_select(
            [*KEY, "scans"], sa.select(*parts, sa.func.count()).group_by(*parts)
        )
    )


def downgrade() -> None:
    op.drop_index("ix_label_scans_unknown", table_name="label_scans")
    op.drop_table("scan_daily")
