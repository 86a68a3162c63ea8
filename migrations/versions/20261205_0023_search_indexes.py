"""Searches served by an index (issue 21). On PostgreSQL the pg_trgm extension and a GIN
trigram index on each searched text column, lower-cased as the searches compare it, so that
``lower(column) LIKE '%text%'`` reads the index instead of the table. On SQLite a trigram FTS5
copy of each searched table's columns (lower-cased), kept by triggers and filled here.

Revision ID: 0023
Revises: 0025
Created: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

from traceapp.database import sqlite_search_ddl, sqlite_search_drop, trigram_index_name

revision = "0023"
down_revision = "0025"
branch_labels = None
depends_on = None

#: The searched columns of each table, as of this revision.
SEARCHED = {
    "lots": ("code",),
    "products": ("name", "code"),
    "members": ("full_name", "member_number", "village", "phone", "vessel_registration"),
    "zones": ("code", "name", "crop", "commune", "district"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # lower() here is the application's (Unicode) one: migrations run on its engine.
        for table, columns in SEARCHED.items():
            for statement in sqlite_search_ddl(table, columns):
                op.execute(statement)
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, columns in SEARCHED.items():
        for column in columns:
            op.create_index(
                trigram_index_name(table, column),
                table,
                [sa.text(f"lower({column}) gin_trgm_ops")],
                postgresql_using="gin",
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in SEARCHED:
            for statement in sqlite_search_drop(table):
                op.execute(statement)
        return
    for table, columns in SEARCHED.items():
        for column in columns:
            op.drop_index(trigram_index_name(table, column), table_name=table)
    # The extension stays: other databases' objects on this server may use it.
