"""GDST seafood master data: a product's FAO species code, a cooperative's human welfare
policy and certificates.

Revision ID: 0015
Revises: 0014
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fao_species", sa.String(length=3), nullable=True))
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.add_column(sa.Column("human_welfare_policy", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("certifications", traceapp.database.JSONType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.drop_column("certifications")
        batch_op.drop_column("human_welfare_policy")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("fao_species")
