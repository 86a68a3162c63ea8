"""Member imports as background jobs (issue 21): the checked file keeps its job's status,
phase, progress, summary and failure; imports checked before this are ready to confirm.

Revision ID: 0025
Revises: 0027
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0025"
down_revision = "0027"
branch_labels = None
depends_on = None

JSON = traceapp.database.JSONType


def upgrade() -> None:
    with op.batch_alter_table("member_imports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=10), server_default="done", nullable=False)
        )
        batch_op.add_column(
            sa.Column("phase", sa.String(length=10), server_default="check", nullable=False)
        )
        batch_op.add_column(
            sa.Column("apply_when_checked", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("path", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("summary", JSON, nullable=True))
        batch_op.add_column(sa.Column("total", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("done", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("problems", JSON, nullable=True))
        batch_op.add_column(sa.Column("locale", sa.String(length=10), nullable=True))
        batch_op.add_column(
            sa.Column("started_at", traceapp.database.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("heartbeat_at", traceapp.database.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("finished_at", traceapp.database.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("worker", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(batch_op.f("ix_member_imports_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("member_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_imports_status"))
        for column in (
            "attempts",
            "worker",
            "finished_at",
            "heartbeat_at",
            "started_at",
            "locale",
            "problems",
            "error",
            "done",
            "total",
            "summary",
            "size",
            "path",
            "apply_when_checked",
            "phase",
            "status",
        ):
            batch_op.drop_column(column)
