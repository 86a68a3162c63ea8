"""Everything typed into an event, for a reader (timeline, lot page) and for EPCIS.

The columns of an event (place, quantity, parties, result) have their own places in the
timeline and the EPCIS document; what an event keeps in ``details`` (an inspection's
inspector and notes, a transformation's inputs and outputs, a recall's reason) is written
out here, so that nothing typed is stored without being shown. EPCIS carries it as
``traceapp:`` extension members of the event, the namespace the document already declares.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from traceapp.batches.models import TraceEvent
from traceapp.units import fmt

#: details key -> (label for a reader, EPCIS extension term, shown to the public)
DETAIL_FIELDS: dict[str, tuple[Any, str, bool]] = {
    # TRANSLATORS: who inspected a lot (a person or a laboratory).
    "inspector": (_l("Inspector"), "traceapp:inspector", False),
    "notes": (_l("Notes"), "traceapp:notes", False),
    "reason": (_l("Reason"), "traceapp:reason", True),
    # TRANSLATORS: the lot a recall started from.
    "root_lot": (_l("Recall of lot"), "traceapp:recallOfLot", True),
    "inputs": (_l("Made from"), "traceapp:inputs", True),
    "outputs": (_l("Made into"), "traceapp:outputs", True),
}
#: details kept for the machinery, never typed by anyone (or shown elsewhere).
INTERNAL = frozenset({"kind", "received_id", "raw", "warnings", "recall_id"})


def _lots_text(items: list[dict[str, Any]]) -> str:
    return ", ".join(
        f"{i.get('code', '?')} ({fmt(Decimal(str(i['quantity'])), i.get('unit'))})"
        if i.get("quantity") is not None
        else str(i.get("code", "?"))
        for i in items
    )


def _text(key: str, value: Any) -> str:
    if key in ("inputs", "outputs") and isinstance(value, list):
        return _lots_text(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def facts(event: TraceEvent, *, public: bool = False) -> list[tuple[Any, str]]:
    """(label, value) pairs of what the event holds beyond its place, quantity and parties."""
    details = event.details or {}
    out: list[tuple[Any, str]] = []
    for key, (label, _term, shown) in DETAIL_FIELDS.items():
        value = details.get(key)
        if value in (None, "", []) or (public and not shown):
            continue
        out.append((label, _text(key, value)))
    if not public:
        for key, value in details.items():
            if key not in DETAIL_FIELDS and key not in INTERNAL and value not in (None, ""):
                out.append((key.replace("_", " "), _text(key, value)))
    return out


def epcis_extensions(event: TraceEvent, *, public: bool = False) -> dict[str, Any]:
    """The event's typed fields that EPCIS has no member for, as ``traceapp:`` extensions."""
    out: dict[str, Any] = {}
    details = event.details or {}
    if event.location and not public:
        # The readPoint is a URN made from the place's name; the name itself goes here.
        out["traceapp:location"] = event.location
    for role, items in (("source", event.sources), ("destination", event.destinations)):
        if public and role == "destination":
            continue
        names = [p["name"] for p in items or [] if p.get("name")]
        if names:
            out[f"traceapp:{role}Names"] = names
    if event.event_type == "TransformationEvent" and details.get("kind"):
        out["traceapp:transformationKind"] = details["kind"]
    for key, (_label, term, shown) in DETAIL_FIELDS.items():
        value = details.get(key)
        if value in (None, "", []) or (public and not shown) or key in ("inputs", "outputs"):
            continue  # a transformation's lots are its input and output quantity lists
        out[term] = value
    if not public:
        for key, value in details.items():
            if key not in DETAIL_FIELDS and key not in INTERNAL and value not in (None, ""):
                out[f"traceapp:{key}"] = value
    return out
