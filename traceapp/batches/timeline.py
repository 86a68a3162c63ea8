"""A lot's events in plain words, for staff pages and the public page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from traceapp.batches.event_facts import facts
from traceapp.batches.events import STEP_LABELS
from traceapp.batches.models import TraceEvent
from traceapp.units import fmt

DISPOSITION_LABELS = {
    "conformant": _l("passed"),
    "non_conformant": _l("did not pass"),
    "recalled": _l("recalled"),
    "in_transit": _l("in transit"),
    "destroyed": _l("destroyed"),
}


@dataclass
class Entry:
    """One line of a timeline."""

    event: TraceEvent
    label: Any
    when: dt.datetime
    offset: str
    place: str | None
    quantity: str | None
    parties: list[str]
    result: Any
    wrong: bool
    wrong_reason: str | None
    wrong_explanation: str | None
    correction: bool
    imported: bool
    #: What else was typed into the event: (label, value) pairs (batches/event_facts.py).
    facts: list[tuple[Any, str]]

    @property
    def local_time(self) -> dt.datetime:
        """The event time in the zone it happened in."""
        sign = 1 if self.offset[0] == "+" else -1
        delta = dt.timedelta(hours=int(self.offset[1:3]), minutes=int(self.offset[4:6]))
        return self.when.astimezone(dt.timezone(sign * delta))


def label_for(event: TraceEvent) -> Any:
    """Plain words for what happened."""
    if event.event_type == "TransformationEvent":
        kind = (event.details or {}).get("kind", "processing")
        return {
            "commingling": _l("Combined from several lots"),
            "processing": _l("Processed into a new lot"),
            "grading": _l("Graded into size lots"),
            "packing": _l("Packed"),
        }.get(kind, STEP_LABELS["transformation"])
    if event.disposition == "recalled":
        return _l("Recalled")
    return STEP_LABELS.get(event.biz_step, event.biz_step.replace("_", " "))


def timeline_entries(events: list[TraceEvent], *, public: bool = False) -> list[Entry]:
    """Entries in time order; wrong events are kept and marked, corrections marked as such."""
    out = []
    for event in events:
        decl = event.error_declaration
        parties = [
            p.get("name") or p.get("id") or ""
            for p in (event.sources or []) + ([] if public else (event.destinations or []))
        ]
        places = [event.zone.code if event.zone is not None else None, event.location]
        if public and event.zone is not None:
            places = places[:1]  # the public page names a place by its registered code
        place = " · ".join(p for p in places if p) or None
        out.append(
            Entry(
                event=event,
                label=label_for(event),
                when=event.event_time,
                offset=event.tz_offset,
                place=place,
                quantity=fmt(event.quantity, event.unit) if event.quantity else None,
                parties=[p for p in parties if p],
                result=DISPOSITION_LABELS.get(event.disposition or ""),
                wrong=decl is not None,
                wrong_reason=decl.reason if decl else None,
                wrong_explanation=decl.explanation if decl else None,
                correction=event.corrects_id is not None,
                imported=event.origin == "import",
                facts=facts(event, public=public),
            )
        )
    return out
