"""Kept figures (issue 21): daily scans per label run, filled from the scans already logged
and then kept by the scan log writer; the authority's flags kept by a refresh; and on
PostgreSQL the scan log partitioned by month (SQLite keeps one table).

Revision ID: 0024
Revises: 0022
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database
from traceapp.database import local_time_sql
from traceapp.public.scan import partitions

revision = "0024"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    runs = op.create_table(
        "scan_daily_runs",
        sa.Column("run_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "day", name=op.f("pk_scan_daily_runs")),
    )
    op.create_table(
        "flag_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=True),
        sa.Column("zone_code", sa.String(length=40), nullable=True),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("lot_code", sa.String(length=20), nullable=True),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("details", traceapp.database.JSONType, nullable=False),
        sa.Column("extra", traceapp.database.JSONType, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_rows")),
    )
    op.create_index("ix_flag_rows_kind_position", "flag_rows", ["kind", "position"])
    op.create_table(
        "figures_refreshed",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("refreshed_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_figures_refreshed")),
    )
    scans = sa.table(
        "label_scans",
        sa.column("scanned_at", sa.DateTime()),
        sa.column("label_id", sa.Integer()),
    )
    labels = sa.table("labels", sa.column("id", sa.Integer()), sa.column("run_id", sa.Integer()))
    bind = op.get_bind()
    dialect = bind.dialect.name
    day = sa.func.date(local_time_sql(scans.c.scanned_at, dialect))
    if dialect == "postgresql":
        day = sa.cast(day, sa.Date())
    op.execute(
        runs.insert().from_select(
            ["run_id", "day", "scans"],
            sa.select(labels.c.run_id, day, sa.func.count())
            .select_from(scans.join(labels, labels.c.id == scans.c.label_id))
            .group_by(labels.c.run_id, day),
        )
    )
    partitions.partition(bind)


def downgrade() -> None:
    partitions.unpartition(op.get_bind())
    op.drop_table("figures_refreshed")
    op.drop_index("ix_flag_rows_kind_position", table_name="flag_rows")
    op.drop_table("flag_rows")
    op.drop_table("scan_daily_runs")
