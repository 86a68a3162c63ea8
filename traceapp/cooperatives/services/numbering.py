"""Gapless per-cooperative sequences (member numbers, lot numbers) drawn under a row lock."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import sqlalchemy as sa

from traceapp.cooperatives.models import (
    Counter,
    Member,
)
from traceapp.extensions import db

if TYPE_CHECKING:
    pass


def next_counter_value(cooperative_id: int, name: str) -> int:
    """Draw the next value of a cooperative's named sequence, holding its row lock.

    Safe under concurrent requests: PostgreSQL locks the row (FOR UPDATE) and SQLite's write
    transaction is exclusive. A rollback returns the number, so sequences stay gapless.
    """
    stmt = (
        sa.select(Counter)
        .where(Counter.cooperative_id == cooperative_id, Counter.name == name)
        .with_for_update()
    )
    counter = db.session.execute(stmt).scalar_one_or_none()
    if counter is None:
        # A declarative class's __table__ is typed as any FromClause; this one is a Table.
        insert = _insert_ignore(cast(sa.Table, Counter.__table__)).values(
            cooperative_id=cooperative_id, name=name, value=0
        )
        db.session.execute(insert)
        counter = db.session.execute(stmt).scalar_one()
    counter.value += 1
    db.session.flush()
    return counter.value


def _insert_ignore(table: sa.Table) -> sa.Insert:
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def allocate_member_number(cooperative_id: int) -> str:
    """The next free member number of the cooperative, as four digits or more."""
    while True:
        number = f"{next_counter_value(cooperative_id, 'member'):04d}"
        taken = db.session.execute(
            sa.select(Member.id).where(
                Member.cooperative_id == cooperative_id, Member.member_number == number
            )
        ).first()
        if taken is None:
            return number
