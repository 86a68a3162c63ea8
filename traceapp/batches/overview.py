"""What a lot's page shows, gathered in one place: its contributions, timeline, genealogy both
ways, mass balance, catch facts, yield warnings, recall and label runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from traceapp.batches import gdst, genealogy, genealogy_tree, yields
from traceapp.batches.closing import available, balance, balance_tolerance, tolerance_text
from traceapp.batches.models import Contribution, Lot, LotInput, Recall, TraceEvent
from traceapp.batches.rules import catch_facts
from traceapp.batches.timeline import timeline_entries
from traceapp.extensions import db


def label_runs(lot: Lot) -> list[Any]:
    """The lot's label runs with their live and scanned label counts."""
    # Deferred: the labels package is optional, and the caller asks only when it is installed.
    from traceapp.labels.models import Label, LabelRun

    live = sa.func.sum(sa.case((Label.voided_at.is_(None), 1), else_=0))
    return list(
        db.session.execute(
            sa.select(LabelRun, live, sa.func.sum(Label.scan_count))
            .join(Label, Label.run_id == LabelRun.id, isouter=True)
            .where(LabelRun.lot_id == lot.id)
            .group_by(LabelRun.id)
            .order_by(LabelRun.id)
        ).all()
    )


def _inputs(column: Any, lot: Lot) -> list[LotInput]:
    return list(
        db.session.execute(sa.select(LotInput).where(column == lot.id).order_by(LotInput.id))
        .scalars()
        .all()
    )


#: Rows of contributions and of events shown at a time on a lot's page.
PAGE_ROWS = 100


@dataclass
class RowsPage:
    """One page of a lot's contributions or events: the rows after ``after`` (an id), how
    many there are in all, and the id to continue after (None on the last page)."""

    rows: list[Any]
    total: int
    after: int | None
    next_after: int | None
    first: int


def contributions_page(lot: Lot, after: int | None = None) -> RowsPage:
    """A page of the lot's contributions in the order they were recorded, with the count."""
    base = sa.select(Contribution).where(Contribution.lot_id == lot.id)
    total = db.session.execute(sa.select(sa.func.count()).select_from(base.subquery())).scalar_one()
    stmt = base.options(selectinload(Contribution.member), selectinload(Contribution.zone))
    if after is not None:
        stmt = stmt.where(Contribution.id > after)
    rows = list(db.session.execute(stmt.order_by(Contribution.id).limit(PAGE_ROWS + 1)).scalars())
    return _rows_page(rows, total, after, before=lambda: base.where(Contribution.id <= after))


def _lot_events(lot: Lot) -> sa.Select[Any]:
    """The lot's own events and the transformations that made it (epcis.lot_events without
    the inputs' history)."""
    made_by = sa.select(LotInput.event_id).where(
        LotInput.output_lot_id == lot.id, LotInput.event_id.is_not(None)
    )
    return sa.select(TraceEvent).where(
        sa.or_(TraceEvent.lot_id == lot.id, TraceEvent.id.in_(made_by))
    )


def events_page(lot: Lot, after: int | None = None) -> RowsPage:
    """A page of the lot's timeline in time order, with the count: the events after the
    event ``after`` (by time, then id)."""
    base = _lot_events(lot)
    total = db.session.execute(sa.select(sa.func.count()).select_from(base.subquery())).scalar_one()
    stmt = base.options(selectinload(TraceEvent.error_declaration), selectinload(TraceEvent.zone))
    mark = (
        db.session.execute(sa.select(TraceEvent.event_time).where(TraceEvent.id == after)).first()
        if after is not None
        else None
    )
    earlier = None
    if mark is not None:
        later = sa.or_(
            TraceEvent.event_time > mark[0],
            sa.and_(TraceEvent.event_time == mark[0], TraceEvent.id > after),
        )
        stmt = stmt.where(later)
        earlier = base.where(sa.not_(later))
    rows = list(
        db.session.execute(
            stmt.order_by(TraceEvent.event_time, TraceEvent.id).limit(PAGE_ROWS + 1)
        ).scalars()
    )
    return _rows_page(
        rows,
        total,
        after if mark else None,
        before=(lambda: earlier) if earlier is not None else None,
    )


def _rows_page(rows: list[Any], total: int, after: int | None, before: Any) -> RowsPage:
    more = len(rows) > PAGE_ROWS
    rows = rows[:PAGE_ROWS]
    skipped = 0
    if after is not None and before is not None:
        skipped = db.session.execute(
            sa.select(sa.func.count()).select_from(before().subquery())
        ).scalar_one()
    return RowsPage(
        rows=rows,
        total=total,
        after=after,
        next_after=rows[-1].id if more and rows else None,
        first=skipped + 1,
    )


def lot_page(
    lot: Lot,
    *,
    label_runs_shown: bool,
    contributions_after: int | None = None,
    events_after: int | None = None,
) -> dict[str, Any]:
    """Everything the lot's page shows about the lot (``label_runs_shown``: whether labels are
    installed, so that its runs are listed): its contributions and events a page at a time
    (after the ids given), their totals counted by the database."""
    contributions = contributions_page(lot, contributions_after)
    events = events_page(lot, events_after)
    made_from = _inputs(LotInput.output_lot_id, lot)
    trace = genealogy.trace(lot, contributions=False)
    return {
        "label_runs": label_runs(lot) if label_runs_shown else [],
        "lot": lot,
        "trace": trace,
        "came_from": genealogy_tree.came_from(trace),
        "went_into": genealogy_tree.went_into(trace),
        "origin": genealogy.origin_people(trace),
        "contributions": contributions.rows,
        "contributions_page": contributions,
        "timeline": timeline_entries(events.rows),
        "events_page": events,
        "used_in": _inputs(LotInput.input_lot_id, lot),
        "made_from": made_from,
        "balance": balance(lot) if not made_from else None,
        "tolerance": tolerance_text(balance_tolerance()),
        "catch_facts": catch_facts(lot.catch_data),
        "gdst_missing": gdst.missing(lot) if gdst.is_seafood(lot) else None,
        "available": available(lot),
        "warnings": yields.lot_warnings(lot),
        "recall": db.session.get(Recall, lot.recall_id) if lot.recall_id else None,
    }
