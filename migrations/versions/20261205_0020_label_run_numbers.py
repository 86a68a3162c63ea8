"""Label runs are numbered per cooperative: a cooperative's second run is #2.

Existing runs are numbered in the order they were issued, each cooperative from 1, and each
cooperative's counter starts after its last run.

Revision ID: 0020
Revises: 0019
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("label_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE label_runs SET number = (SELECT COUNT(*) FROM label_runs AS earlier"
        " WHERE earlier.cooperative_id = label_runs.cooperative_id"
        " AND earlier.id <= label_runs.id)"
    )
    op.execute(
        "INSERT INTO counters (cooperative_id, name, value)"
        " SELECT cooperative_id, 'label_run', MAX(number) FROM label_runs"
        " GROUP BY cooperative_id"
    )
    with op.batch_alter_table("label_runs", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_label_runs_cooperative_id_number"), ["cooperative_id", "number"]
        )


def downgrade() -> None:
    with op.batch_alter_table("label_runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_label_runs_cooperative_id_number"), type_="unique")
        batch_op.drop_column("number")
    op.execute("DELETE FROM counters WHERE name = 'label_run'")
