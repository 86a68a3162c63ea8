"""EPCIS 2.0 import: a partner's schema-valid document is kept event by event as received,
and each event is also placed on the cooperative's lots it names. Our own business rules
only warn; an error declaration for an event already received is applied to it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.models import Actor
from traceapp.auth.permissions import require
from traceapp.batches import events as ev
from traceapp.batches.epcis_lots import identifiers, lot_for_identifier
from traceapp.batches.epcis_schema import schema_errors
from traceapp.batches.models import EventErrorDeclaration, Lot, ReceivedEvent, TraceEvent
from traceapp.core.inputs import (
    NOT_TEXT_MESSAGE,
    NOT_TEXT_SUMMARY,
    first_not_text,
    year_in_range,
    year_range_message,
)
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.units import UNITS

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
        """The result as the API and the job's record give it."""
        return asdict(self)

    def merge(self, other: ImportResult) -> None:
        """Add another slice's result to this one."""
        for key in ("recorded", "duplicates", "unmatched", "declared", "warnings"):
            getattr(self, key).extend(getattr(other, key))
        self.stored += other.stored


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
    for n, raw in enumerate(events, 1):
        _import_one(actor, cooperative_id, raw, context, result, job_id)
        if progress and n % 100 == 0:
            progress(n)
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


def parse_time(text: str) -> dt.datetime:
    """An EPCIS date-time (with Z or an offset) as an aware datetime."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def _import_one(
    actor: Actor,
    cooperative_id: int,
    raw: dict[str, Any],
    context: list[Any] | None,
    result: ImportResult,
    job_id: int | None,
) -> None:
    key = event_key(raw)
    uid = raw.get("eventID") or key
    known = db.session.execute(
        sa.select(ReceivedEvent).where(
            ReceivedEvent.cooperative_id == cooperative_id, ReceivedEvent.event_key == key
        )
    ).scalar_one_or_none()
    if known is not None:
        if (
            "errorDeclaration" in raw
            and known.declaration is None
            and "errorDeclaration" not in known.body
        ):
            apply_declaration(actor, known, raw["errorDeclaration"], context)
            result.declared.append(uid)
        else:
            result.duplicates.append(uid)
        return
    warnings: list[str] = []
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
    db.session.flush()
    result.stored += 1
    lots: list[Lot] = []
    for ident in identifiers(raw):
        lot = lot_for_identifier(ident, cooperative_id)
        if lot is not None and lot not in lots:
            lots.append(lot)
    placed = [lot for lot in lots if _place(actor, lot, raw, received, warnings)]
    if placed:
        result.recorded.append(uid)
    else:
        result.unmatched.append(uid)
    if warnings:
        received.warnings = warnings
        result.warnings.extend({"event": uid, "message": w} for w in warnings)
    if "errorDeclaration" in raw and placed:
        _declare_projections(actor, received, raw["errorDeclaration"])


def _place(
    actor: Actor, lot: Lot, raw: dict[str, Any], received: ReceivedEvent, warnings: list[str]
) -> bool:
    """Record the event on one of our lots (for its history page); False if it could not be."""
    first_q = next(
        (
            q
            for key in ("quantityList", "inputQuantityList", "outputQuantityList")
            for q in raw.get(key) or []
            if isinstance(q, dict)
        ),
        {},
    )
    quantity = first_q.get("quantity")
    if first_q.get("uom") not in UNITS or not isinstance(quantity, int | float) or quantity <= 0:
        first_q = {}  # a partner's unit we cannot convert: the received event keeps it
    uid = raw.get("eventID")
    taken = (
        not isinstance(uid, str)
        or len(uid) > 120
        or db.session.execute(sa.select(TraceEvent.id).where(TraceEvent.event_uid == uid)).first()
    )
    biz_step = raw.get("bizStep") or "other"
    if biz_step not in ev.BIZ_STEPS and not ev.is_uri(biz_step):
        biz_step = "other"
    disposition = raw.get("disposition")
    if (
        disposition is not None
        and disposition not in ev.DISPOSITIONS
        and not ev.is_uri(disposition)
    ):
        disposition = None
    try:
        ev.record_event(
            actor,
            lot,
            origin="import",
            check_step=False,
            warnings=warnings,
            event_uid=f"urn:traceapp:received:{received.id}:lot:{lot.id}" if taken else uid,
            event_type=str(raw.get("type", "ObjectEvent"))[:30],
            action=raw.get("action"),
            biz_step=biz_step[:60],
            disposition=disposition[:60] if disposition else None,
            event_time=received.event_time,
            tz_offset=raw["eventTimeZoneOffset"],
            location=(raw.get("readPoint") or {}).get("id"),
            quantity=first_q.get("quantity"),
            unit=first_q.get("uom"),
            sources=[
                {"type": s.get("type"), "id": s.get("source"), "name": ""}
                for s in raw.get("sourceList") or []
            ],
            destinations=[
                {"type": d.get("type"), "id": d.get("destination"), "name": ""}
                for d in raw.get("destinationList") or []
            ],
            details={"received_id": received.id},
        )
    except ValidationFailed as exc:
        problems = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.errors.items())
        # TRANSLATORS: %(lot)s is a lot code; %(problems)s what our checks found.
        warnings.append(
            _(
                "Kept, but not shown in lot %(lot)s's history: %(problems)s",
                lot=lot.code,
                problems=problems or exc.message,
            )
        )
        return False
    return True


def projections(received: ReceivedEvent) -> list[TraceEvent]:
    """The events recording a received event on our lots."""
    return list(
        db.session.execute(
            sa.select(TraceEvent).where(
                TraceEvent.cooperative_id == received.cooperative_id,
                TraceEvent.origin == "import",
                TraceEvent.details["received_id"].as_integer() == received.id,
            )
        ).scalars()
    )


def apply_declaration(
    actor: Actor, received: ReceivedEvent, declaration: dict[str, Any], context: list[Any] | None
) -> None:
    """A partner declared an event we hold wrong: keep the declaration with the event (the
    export carries it) and strike the event through in our lots' histories."""
    received.declaration = {"errorDeclaration": declaration, "context": context}
    _declare_projections(actor, received, declaration)


def _declare_projections(
    actor: Actor, received: ReceivedEvent, declaration: dict[str, Any]
) -> None:
    reason = str(declaration.get("reason") or "incorrect_data")
    reason = reason.rsplit("ER-", 1)[-1] if "ER-" in reason else reason
    try:
        declared_at = parse_time(str(declaration.get("declarationTime")))
    except ValueError:
        declared_at = None
    for event in projections(received):
        if event.error_declaration is not None:
            continue
        decl = EventErrorDeclaration(
            event_id=event.id,
            reason=reason[:40],
            # TRANSLATORS: shown on a lot's history for an event a partner declared wrong.
            explanation=_("Declared wrong by the partner who sent the event."),
            corrective_event_uids=[
                x for x in declaration.get("correctiveEventIDs") or [] if isinstance(x, str)
            ],
            declared_by_id=getattr(actor, "id", None),
            declared_by_label=getattr(actor, "label", "system"),
        )
        if declared_at is not None:
            decl.declared_at = declared_at
        db.session.add(decl)
        db.session.flush()
        audit.record(
            actor,
            "event.error_declaration",
            decl,
            cooperative_id=received.cooperative_id,
            summary=f"{event.biz_step} on lot {event.lot.code} declared {reason} by a partner",
            changes={"reason": {"before": None, "after": reason}},
        )
        db.session.expire(event, ["error_declaration"])
