"""The job queue: the worker holding a job, how often one took it, and an index on the
status the workers claim by.

Revision ID: 0021
Revises: 0020
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

TABLES = ("render_jobs", "epcis_import_jobs")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("worker", sa.String(length=100), nullable=True))
            batch_op.add_column(
                sa.Column("attempts", sa.Integer(), server_default="0", nullable=False)
            )
            batch_op.create_index(batch_op.f(f"ix_{table}_status"), ["status"], unique=False)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_status"))
            batch_op.drop_column("attempts")
            batch_op.drop_column("worker")
