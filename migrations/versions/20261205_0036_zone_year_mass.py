"""The mass declared per zone and calendar year (zone_year_mass, issue 21): kept in the
transaction that adds or withdraws a contribution (traceapp.batches.zone_mass), read by the
yield check's pre-filter of the lot page instead of summing every contribution of the lot's
zones; filled here from the contributions.

Revision ID: 0036
Revises: 0031
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zone_year_mass",
        sa.Column("zone_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("milligrams", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["zones.id"],
            name=op.f("fk_zone_year_mass_zone_id_zones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("zone_id", "year", name=op.f("pk_zone_year_mass")),
    )
    from traceapp.batches.zone_mass import fill

    fill(op.get_bind())


def downgrade() -> None:
    op.drop_table("zone_year_mass")
