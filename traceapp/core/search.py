"""Text search served by an index on both engines: ``lower(column) LIKE '%text%'``, which
PostgreSQL answers from its trigram (pg_trgm GIN) indexes, and SQLite from its trigram FTS5
copy of the searched columns (see :func:`traceapp.database.sqlite_search_ddl`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from traceapp.database import fts_table
from traceapp.extensions import db

#: SQLite's trigram index answers a text of three characters or more; a shorter one (and a
#: text with LIKE's wildcards, which a phrase would take literally) reads the rows.
TRIGRAM = 3


def text_match(model: Any, columns: Sequence[str], q: str) -> sa.ColumnElement[bool]:
    """Rows of ``model`` whose (lower-cased) ``columns`` contain ``q`` (already stripped,
    compared lower-cased): the same rows on both engines, each found through its index."""
    text = q.lower()
    if (
        db.session.get_bind().dialect.name == "sqlite"
        and len(text) >= TRIGRAM
        and not any(c in text for c in "%_")
    ):
        name = fts_table(model.__tablename__)
        query = "{" + " ".join(columns) + "}: " + '"' + text.replace('"', '""') + '"'
        matching: sa.Select[Any] = sa.select(sa.literal_column("rowid")).select_from(sa.table(name))
        return model.id.in_(matching.where(sa.literal_column(name).op("MATCH")(query)))
    like = f"%{text}%"
    return sa.or_(*[sa.func.lower(getattr(model, c)).like(like) for c in columns])
