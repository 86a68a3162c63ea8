"""EPCIS 2.0 import: a partner's schema-valid document is kept event by event as received,
and each event is also placed on the cooperative's lots it names. Our own business rules
only warn; an error declaration for an event already received is applied to it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.models import Actor
from traceapp.auth.permissions import require
from traceapp.batches.epcis_placing import Batch, apply_declaration, parse_time
from traceapp.batches.epcis_schema import schema_errors
from traceapp.batches.models import ReceivedEvent
from traceapp.core.inputs import (
    NOT_TEXT_MESSAGE,
    NOT_TEXT_SUMMARY,
    first_not_text,
    year_in_range,
    year_range_message,
)
from traceapp.errors import ValidationFailed
from traceapp.extensions import db

#: The @context entries that name GS1's own context (the export's document carries it).
GS1_CONTEXTS = {
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    "https://gs1.github.io/EPCIS/epcis-context.jsonld",
}


@dataclass
class ImportResult:
    """What an import did. Every event of a valid document is kept (``stored``); those
    naming our lots are also recorded on them."""

    recorded: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    declared: list[str] = field(default_factory=list)
    stored: int = 0
    #: [{"event": eventID, "message": ...}]: our rules the partner's events did not follow.
    warnings: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The result as the API and the job's record give it (a job records it after each
        slice, so the lists are copied, not each of their items as ``asdict`` would)."""
        return {f.name: _copied(getattr(self, f.name)) for f in fields(self)}

    def merge(self, other: ImportResult) -> None:
        """Add another slice's result to this one."""
        for key in ("recorded", "duplicates", "unmatched", "declared", "warnings"):
            getattr(self, key).extend(getattr(other, key))
        self.stored += other.stored


def _copied(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def check_document(doc: Any) -> list[dict[str, Any]]:
    """Refuse what is not a schema-valid EPCISDocument; return its events."""
    if not isinstance(doc, dict):
        raise ValidationFailed.field("document", _("The document must be a JSON object."))
    # A file upload comes here unchecked (the request's own inputs were checked at the edge).
    where = first_not_text(doc)
    if where is not None:
        raise ValidationFailed(
            str(NOT_TEXT_SUMMARY), {"document": [f"{where}: {NOT_TEXT_MESSAGE}"]}
        )
    problems = schema_errors(doc)
    if problems:
        # The problems themselves are jsonschema's English, each with its JSON path.
        raise ValidationFailed(
            _("The document does not follow the EPCIS 2.0 schema."), {"document": problems}
        )
    if doc.get("type") != "EPCISDocument":
        # TRANSLATORS: EPCISDocument is the EPCIS type name; keep it as it is.
        raise ValidationFailed.field("document", _("Only EPCISDocument can be imported."))
    return list(doc["epcisBody"]["eventList"])


def extra_context(context: Any) -> list[Any] | None:
    """The document's @context beyond GS1's: the partner's own namespaces."""
    items = context if isinstance(context, list) else [context]
    extra = [c for c in items if c is not None and not (isinstance(c, str) and c in GS1_CONTEXTS)]
    return extra or None


def import_document(actor: Actor, cooperative_id: int, doc: Any) -> ImportResult:
    """Validate a partner's EPCIS document and keep every event of it (see the module)."""
    require(
        actor.can_write_cooperative(cooperative_id), _("You cannot import for this cooperative.")
    )
    events = check_document(doc)
    return import_events(actor, cooperative_id, events, extra_context(doc.get("@context")))


def import_events(
    actor: Actor,
    cooperative_id: int,
    events: list[dict[str, Any]],
    context: list[Any] | None,
    *,
    job_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Keep and place each of these (schema-checked) events."""
    result = ImportResult()
    # A batch's lookups are read together (one query each per batch, not per event).
    for first in range(0, len(events), 500):
        piece = events[first : first + 500]
        batch = Batch.read(cooperative_id, [event_key(raw) for raw in piece], piece)
        for n, raw in enumerate(piece, first + 1):
            _receive(actor, cooperative_id, raw, context, result, job_id, batch)
            if progress and n % 100 == 0:
                progress(n)
        batch.settle(actor, cooperative_id, result)
    if result.stored or result.declared:
        audit.record(
            actor,
            "epcis.import",
            cooperative_id=cooperative_id,
            object_type="epcis_import_jobs" if job_id else None,
            object_id=job_id,
            summary=(
                f"EPCIS import: {result.stored} kept, {len(result.recorded)} on lots, "
                f"{len(result.declared)} declared wrong"
            ),
        )
    return result


def event_key(raw: dict[str, Any]) -> str:
    """The eventID, or a digest of the event when it has none (or one too long to index)."""
    uid = raw.get("eventID")
    if isinstance(uid, str) and len(uid) <= 300:
        return uid
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "urn:traceapp:sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _receive(
    actor: Actor,
    cooperative_id: int,
    raw: dict[str, Any],
    context: list[Any] | None,
    result: ImportResult,
    job_id: int | None,
    batch: Batch,
) -> None:
    """Keep one event as received (placed on lots when its batch settles), or apply the
    declaration it carries to the event received before."""
    key = event_key(raw)
    uid = raw.get("eventID") or key
    known = batch.known.get(key)
    if known is not None:
        if (
            "errorDeclaration" in raw
            and known.declaration is None
            and "errorDeclaration" not in known.body
        ):
            batch.settle(actor, cooperative_id, result)  # the event first, then its declaration
            apply_declaration(actor, known, raw["errorDeclaration"], context)
            result.declared.append(uid)
        else:
            result.duplicates.append(uid)
        return
    try:
        event_time = parse_time(raw["eventTime"])
        if not year_in_range(event_time):
            raise ValueError("out of range")
        event_time = event_time.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        # Times the database cannot hold (the schema admits the year 1): the whole document
        # is refused, naming the limit, and nothing of it is kept.
        raise ValidationFailed.field("event_time", year_range_message()) from None
    received = ReceivedEvent(
        cooperative_id=cooperative_id,
        event_key=key,
        event_type=str(raw.get("type"))[:300],
        event_time=event_time,
        body=raw,
        context=context,
        job_id=job_id,
        received_by_label=getattr(actor, "label", "system"),
    )
    db.session.add(received)
    batch.known[key] = received
    batch.fresh.append((raw, received))
    result.stored += 1
