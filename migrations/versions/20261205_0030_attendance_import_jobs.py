"""Sign-in sheet imports as background jobs (issue 21): the upload, its checked rows, the
officer's choices and the job's status, phase and progress.

Revision ID: 0030
Revises: 0023
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0030"
down_revision = "0023"
branch_labels = None
depends_on = None

JSON = traceapp.database.JSONType
WHEN = traceapp.database.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "attendance_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("rows", JSON, nullable=True),
        sa.Column("found", JSON, nullable=True),
        sa.Column("choices", JSON, nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("phase", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("imported_count", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("problems", JSON, nullable=True),
        sa.Column("locale", sa.String(length=10), nullable=True),
        sa.Column("started_at", WHEN, nullable=True),
        sa.Column("heartbeat_at", WHEN, nullable=True),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_attendance_imports_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_attendance_imports_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_imports")),
    )
    with op.batch_alter_table("attendance_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attendance_imports_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_attendance_imports_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attendance_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_imports_status"))
        batch_op.drop_index(batch_op.f("ix_attendance_imports_activity_id"))
    op.drop_table("attendance_imports")
