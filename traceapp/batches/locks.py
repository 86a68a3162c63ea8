"""The one lock order that keeps a lot's mass balance true under concurrent requests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import sqlalchemy as sa

from traceapp.batches.models import Lot
from traceapp.extensions import db

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


def lock_lots(ids: Iterable[int], actor: Actor | None = None) -> dict[int, Lot]:
    """Lock the lots with these ids until the transaction ends and reload them, by id.

    Every unit of work that counts or changes what a lot holds calls this before it reads
    anything it will check: issuing labels (the live labels against the quantity left),
    adding or withdrawing contributions and closing (the contributions against the quantity),
    transformations (what the inputs have left), correcting a lot's quantity, and recalls
    (the status the others check). The lock order, the same everywhere, so that two units of
    work wait for each other instead of deadlocking:

    1. the lots, in ascending id order, before anything is counted: all in one call where
       the set is known up front (a recall locks its lot, then the lots made from it, which
       are younger and so have higher ids);
    2. then what the work draws from: a cooperative's counters (``next_counter_value``);
    3. the audit head last (``audit.record``, at the end of every service).

    Nothing may lock a lot (other than one it created itself) after it has taken 2 or 3;
    an UPDATE of a lot's row locks it too. On PostgreSQL the rows are locked with
    ``SELECT ... ORDER BY id FOR UPDATE`` (the lock is taken above the sort, so in id order);
    on SQLite the statement locks nothing, because every write transaction begins IMMEDIATE
    and so holds the database's single write lock from its first statement.

    With ``actor``, only lots the actor may see are locked and returned (a foreign id is
    missing from the result, like an unknown one).
    """
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = sa.select(Lot).where(Lot.id.in_(wanted))
    if actor is not None:
        stmt = stmt.where(Lot.visible_to(actor))
    stmt = (
        stmt.order_by(Lot.id)
        .with_for_update(of=Lot)
        # A lot loaded earlier in the request may be stale: another transaction may have
        # changed its quantity or status while this one waited for the lock.
        .execution_options(populate_existing=True)
    )
    return {lot.id: lot for lot in db.session.execute(stmt).scalars()}
