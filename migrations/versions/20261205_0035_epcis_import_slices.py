"""What each slice of an EPCIS import job did, kept apart (one row per slice) while the job
runs: writing the job's whole result after every slice made a large import quadratic. The
job's result is written once, merged, when it ends.

Revision ID: 0035
Revises: 0030
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0035"
down_revision = "0030"
branch_labels = None
depends_on = None

JSON = traceapp.database.JSONType


def upgrade() -> None:
    op.create_table(
        "epcis_import_slices",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["epcis_import_jobs.id"],
            name=op.f("fk_epcis_import_slices_job_id_epcis_import_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "first", name=op.f("pk_epcis_import_slices")),
    )
    # Jobs running when the database is upgraded keep their result so far on the job; a
    # resumed one reads it there (see traceapp.batches.epcis_jobs), so nothing to move.


def downgrade() -> None:
    op.drop_table("epcis_import_slices")
