"""The public label page's story: a product's ingredients and allergens, a recall's text in
other languages.

Revision ID: 0014
Revises: 0013
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

import traceapp.database

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ingredients", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("allergens", sa.String(length=300), nullable=True))
    with op.batch_alter_table("recalls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))
        batch_op.add_column(
            sa.Column(
                "texts",
                traceapp.database.JSONType,
                nullable=False,
                server_default=sa.text("'{}'"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("recalls", schema=None) as batch_op:
        batch_op.drop_column("texts")
        batch_op.drop_column("language")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("allergens")
        batch_op.drop_column("ingredients")
