"""Lots, labels and scans per console region and month (region_months, issue 21): kept by
the figures refresh (traceapp.authority.region_figures) for the authority's statistics page.
Empty until the first refresh, during which the page counts over the raw tables as before.
With an index on members' leaving date: the page adds members leaving on a later day (still
members) to the kept counts of members without one.

Revision ID: 0037
Revises: 0036
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "region_months",
        sa.Column("region_key", sa.String(length=220), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("lots", sa.BigInteger(), nullable=False),
        sa.Column("labels", sa.BigInteger(), nullable=False),
        sa.Column("scans", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("region_key", "month", name=op.f("pk_region_months")),
    )
    op.create_index("ix_members_left_on", "members", ["left_on"])


def downgrade() -> None:
    op.drop_index("ix_members_left_on", table_name="members")
    op.drop_table("region_months")
