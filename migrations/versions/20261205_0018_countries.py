"""Countries: a cooperative belongs to a country (existing ones to Vietnam), an auditor is
scoped to a country (existing auditors to Vietnam).

Revision ID: 0018
Revises: 0017
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("country", sa.String(length=2), server_default="VN", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_cooperatives_country"), ["country"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=True))
    op.execute("UPDATE users SET country = 'VN' WHERE role = 'auditor'")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("country")
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cooperatives_country"))
        batch_op.drop_column("country")
