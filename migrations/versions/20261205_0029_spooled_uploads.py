"""Uploads waiting for their background job are kept in the database (spooled_uploads and
their chunks), so that workers on other machines read them without a shared folder.

Revision ID: 0029
Revises: 0024
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0029"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spooled_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", traceapp.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spooled_uploads")),
    )
    op.create_table(
        "spooled_upload_chunks",
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["spooled_uploads.id"],
            name=op.f("fk_spooled_upload_chunks_upload_id_spooled_uploads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("upload_id", "seq", name=op.f("pk_spooled_upload_chunks")),
    )


def downgrade() -> None:
    op.drop_table("spooled_upload_chunks")
    op.drop_table("spooled_uploads")
