"""The GDST export written as it is sent: the same document :func:`gdst.lot_document` builds
whole, but head (with the master data), events one by one, tail, so a history of any length
keeps the worker's memory flat.

The header needs two things from the events before the first one is written: the locations
they name that the lots' master data does not already hold (in the order they first come),
and nothing else. Those come from one query over the events (the first event of each kind
of place, :func:`_places`), not from reading the events themselves.

Order: GDST's events are in time order. Every event but a catch's fishing event has the
time of the recorded event it comes from, so they come in the database's order; a fishing
event has the trip's time instead. There is one per caught lot (a handful), so they are
made first, held, and merged into the stream where their time puts them.

Schema: the header is checked against GDST's schema before the first byte (a problem is
still a 422 naming it). The events are not checked as they are written: once the head is
sent, a complaint could only cut the document short, never become a 422; the KDEs they
are made of are checked before the first byte (:func:`gdst.check`), and the tests check
the streamed documents whole against the schema and against the whole-built one.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.batches import epcis, gdst
from traceapp.batches.gdst_events import _gdst_events
from traceapp.batches.models import EventErrorDeclaration, Lot, TraceEvent
from traceapp.cooperatives.models import Cooperative
from traceapp.core.streaming import json_chunks
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.zones.models import Zone

#: Where the events go in the document.
EVENTS = ("epcisBody", "eventList")

_Key = tuple[dt.datetime, dt.datetime, int, int]


def _query(lot: Lot) -> sa.Select[Any]:
    """The lot's events that GDST carries: not partners' (they travel in the EPCIS export, as
    received) and not declared wrong."""
    declared = sa.select(EventErrorDeclaration.id).where(
        EventErrorDeclaration.event_id == TraceEvent.id
    )
    return epcis.lot_events_query(lot).where(TraceEvent.origin != "import", ~declared.exists())


def _is_start(event_type: str, biz_step: str | None, lot: Lot, kinds: tuple[str, ...]) -> bool:
    """Whether the event is the start of a lot of these production types (it becomes a
    fishing and a landing, or a farm harvest, at places of the lot's own)."""
    return (
        event_type != "TransformationEvent"
        and biz_step == "commissioning"
        and gdst.production_type(lot.product) in kinds
    )


def _places(lot: Lot) -> Iterator[str]:
    """The places the lot's GDST events name, in the order they first come: from the first
    event of each lot, zone, site and kind, read in one query."""
    ev = TraceEvent
    first = sa.func.row_number().over(
        partition_by=(ev.lot_id, ev.zone_id, ev.location, ev.event_type, ev.biz_step),
        order_by=(ev.event_time, ev.id),
    )
    rows = (
        _query(lot)
        .order_by(None)
        .with_only_columns(
            ev.id, ev.event_time, ev.lot_id, ev.zone_id, ev.location, ev.event_type, ev.biz_step
        )
        .add_columns(first.label("n"))
        .subquery()
    )
    lots: dict[int, Lot] = {}
    for row in db.session.execute(
        sa.select(rows).where(rows.c.n == 1).order_by(rows.c.event_time, rows.c.id)
    ):
        item = lots.setdefault(row.lot_id, db.session.get_one(Lot, row.lot_id))
        if _is_start(row.event_type, row.biz_step, item, ("capture", "aquaculture")):
            continue
        coop = db.session.get_one(Cooperative, item.cooperative_id)
        if row.zone_id is not None:
            yield epcis.location_id(coop, db.session.get_one(Zone, row.zone_id).code)
        elif row.location:
            yield epcis.location_id(coop, "site-" + epcis._slug(row.location))
        yield epcis.location_id(coop, "site-0")


def _key(item: dict[str, Any], event: TraceEvent, part: int) -> _Key:
    """Time order, and among equal times the order of the whole-built document's stable sort."""
    return (dt.datetime.fromisoformat(item["eventTime"]), event.event_time, event.id, part)


def _fishing(lot: Lot) -> list[tuple[_Key, dict[str, Any]]]:
    """The fishing events of the caught lots, in time order (one per caught lot)."""
    stmt = _query(lot).where(
        TraceEvent.event_type != "TransformationEvent", TraceEvent.biz_step == "commissioning"
    )
    out = []
    for event in db.session.execute(stmt).scalars():
        if _is_start(event.event_type, event.biz_step, event.lot, ("capture",)):
            item = _gdst_events(event)[0]
            out.append((_key(item, event, 0), item))
    return sorted(out, key=lambda pair: pair[0])


def _rest(lot: Lot) -> Iterator[tuple[_Key, dict[str, Any]]]:
    """Every other GDST event, read in batches, in the database's (time) order."""
    for event in epcis._streamed(_query(lot)):
        caught = _is_start(event.event_type, event.biz_step, event.lot, ("capture",))
        for part, item in enumerate(_gdst_events(event)):
            if not (caught and part == 0):
                yield _key(item, event, part), item


def events(lot_id: int) -> Iterator[dict[str, Any]]:
    """The lot's GDST events in the whole-built document's order, one at a time."""
    lot = db.session.get_one(Lot, lot_id)  # held: its sources' rows with it
    merged = heapq.merge(_fishing(lot), _rest(lot), key=lambda pair: pair[0])
    return (item for _order, item in merged)


def head(lot: Lot) -> dict[str, Any]:
    """The document with its header and an empty event list, checked against GDST's schema;
    a 422 when the lot lacks a KDE or its header does not pass."""
    gdst.check(lot)
    doc = gdst.head(lot, _places(lot))
    problems = gdst.schema_problems(doc)
    if problems:
        raise ValidationFailed(
            _("The GDST export does not pass GDST's schema."), {"gdst.schema": problems}
        )
    return doc


def lot_chunks(
    lot: Lot, *, indent: int | None = None, default: Callable[[Any], Any] | None = None
) -> Iterator[bytes]:
    """The GDST document of a seafood lot, chunk by chunk (its checks run now, before the
    first byte: a 422 is raised here, not in the stream)."""
    doc = head(lot)
    lot_id = lot.id
    return json_chunks(doc, EVENTS, lambda: events(lot_id), indent=indent, default=default)
