"""Zone import jobs: a file of zone codes checked, then imported, in the background.

Revision ID: 0027
Revises: 0029
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0027"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zone_import_jobs",
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("result", traceapp.database.JSONType, nullable=True),
        sa.Column("preview", traceapp.database.JSONType, nullable=True),
        sa.Column("problems", traceapp.database.JSONType, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=10), nullable=True),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_zone_import_jobs_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_zone_import_jobs_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_import_jobs")),
    )
    with op.batch_alter_table("zone_import_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_zone_import_jobs_cooperative_id"), ["cooperative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_zone_import_jobs_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("zone_import_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_zone_import_jobs_status"))
        batch_op.drop_index(batch_op.f("ix_zone_import_jobs_cooperative_id"))
    op.drop_table("zone_import_jobs")
