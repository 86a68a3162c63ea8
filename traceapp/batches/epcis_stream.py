"""EPCIS exports written as they are sent: the document's head, each event as it is read
from the database, then its tail (the same document as :mod:`traceapp.batches.epcis` builds
whole), so a history of any length keeps the worker's memory flat."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from traceapp.batches import epcis
from traceapp.batches.models import Lot
from traceapp.core.streaming import json_chunks
from traceapp.extensions import db

#: Where the events go in the document.
EVENTS = ("epcisBody", "eventList")


def lot_chunks(
    lot_id: int,
    *,
    public: bool = False,
    indent: int | None = None,
    default: Callable[[Any], Any] | None = None,
) -> Iterator[bytes]:
    """The EPCIS document of a lot (with its inputs' history), chunk by chunk."""

    def events() -> Iterator[dict[str, Any]]:
        lot = db.session.get_one(Lot, lot_id)  # held: each event's lot is this one
        yield from epcis.event_dicts(epcis.iter_lot_events(lot), public)

    return json_chunks(epcis.head(), EVENTS, events, indent=indent, default=default)


def cooperative_chunks(
    cooperative_id: int,
    start: dt.datetime | None,
    end: dt.datetime | None,
    *,
    default: Callable[[Any], Any] | None = None,
) -> Iterator[bytes]:
    """The EPCIS document of a cooperative's events in [start, end), chunk by chunk."""

    def events() -> Iterator[dict[str, Any]]:
        return epcis.event_dicts(epcis.cooperative_events(cooperative_id, start, end))

    return json_chunks(epcis.head(), EVENTS, events, default=default)
