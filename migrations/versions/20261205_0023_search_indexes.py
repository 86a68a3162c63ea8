"""Searches served by an index (issue 21): on PostgreSQL the pg_trgm extension and a GIN
trigram index on each searched text column (lower-cased as the searches compare it), so that
``lower(column) LIKE '%text%'`` reads the index instead of the table. SQLite has no such
index; its searches still read the (tenant-scoped) rows.

Revision ID: 0023
Revises: 0022
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from traceapp.database import TRIGRAM_COLUMNS, trigram_index_name

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column, lowered in TRIGRAM_COLUMNS:
        expr = f"lower({column})" if lowered else column
        op.create_index(
            trigram_index_name(table, column),
            table,
            [sa.text(f"{expr} gin_trgm_ops")],
            postgresql_using="gin",
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, _lowered in TRIGRAM_COLUMNS:
        op.drop_index(trigram_index_name(table, column), table_name=table)
    # The extension stays: other databases' objects on this server may use it.
