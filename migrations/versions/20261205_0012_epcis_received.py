"""EPCIS events are kept as received (exports give them back field for field); large imports
run as background jobs.

Revision ID: 0012
Revises: 0011
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "epcis_import_jobs",
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("result", traceapp.database.JSONType, nullable=True),
        sa.Column("problems", traceapp.database.JSONType, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=10), nullable=True),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", traceapp.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_epcis_import_jobs_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_epcis_import_jobs_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_import_jobs")),
    )
    with op.batch_alter_table("epcis_import_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_import_jobs_cooperative_id"), ["cooperative_id"], unique=False
        )
    op.create_table(
        "epcis_received_events",
        sa.Column("event_key", sa.String(length=300), nullable=False),
        sa.Column("event_type", sa.String(length=300), nullable=False),
        sa.Column("event_time", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("body", traceapp.database.JSONType, nullable=False),
        sa.Column("context", traceapp.database.JSONType, nullable=True),
        sa.Column("declaration", traceapp.database.JSONType, nullable=True),
        sa.Column("warnings", traceapp.database.JSONType, nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("received_by_label", sa.String(length=254), nullable=False),
        sa.Column("received_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_epcis_received_events_cooperative_id_cooperatives"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["epcis_import_jobs.id"],
            name=op.f("fk_epcis_received_events_job_id_epcis_import_jobs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_epcis_received_events")),
        sa.UniqueConstraint(
            "cooperative_id",
            "event_key",
            name=op.f("uq_epcis_received_events_cooperative_id_event_key"),
        ),
    )
    with op.batch_alter_table("epcis_received_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_epcis_received_events_cooperative_id"),
            ["cooperative_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_epcis_received_events_cooperative_id_time",
            ["cooperative_id", "event_time"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("epcis_received_events", schema=None) as batch_op:
        batch_op.drop_index("ix_epcis_received_events_cooperative_id_time")
        batch_op.drop_index(batch_op.f("ix_epcis_received_events_cooperative_id"))
    op.drop_table("epcis_received_events")
    with op.batch_alter_table("epcis_import_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_import_jobs_cooperative_id"))
    op.drop_table("epcis_import_jobs")
