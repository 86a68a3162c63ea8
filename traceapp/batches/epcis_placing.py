"""EPCIS import: placing received events on the cooperative's lots they name, a batch at
a time (one lookup query per batch rather than per event, one flush, the audit records
appended together), and applying a partner's error declarations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.models import Actor
from traceapp.batches import events as ev
from traceapp.batches.epcis_lots import identifiers, lot_for_identifier
from traceapp.batches.models import EventErrorDeclaration, Lot, ReceivedEvent, TraceEvent
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.units import UNITS

if TYPE_CHECKING:
    from traceapp.batches.epcis_import import ImportResult


def parse_time(text: str) -> dt.datetime:
    """An EPCIS date-time (with Z or an offset) as an aware datetime."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


#: Events whose lookups are read together (one query each per batch, not per event).
_BATCH = 500


@dataclass
class Batch:
    """What a batch of events needs from the database, read once: the events already
    received, the lots each identifier names, the event IDs already on lots; and the events
    placed on lots, audited together at the end of the batch."""

    known: dict[str, ReceivedEvent]
    taken: set[str]
    lots: dict[str, Lot | None] = field(default_factory=dict)
    placed: list[TraceEvent] = field(default_factory=list)
    #: Events received in this batch, not yet placed on lots.
    fresh: list[tuple[dict[str, Any], ReceivedEvent]] = field(default_factory=list)

    @classmethod
    def read(cls, cooperative_id: int, keys: list[str], events: list[dict[str, Any]]) -> Batch:
        """The batch's lookups (``keys``: the events' keys), one query each."""
        uids = [u for raw in events if isinstance(u := raw.get("eventID"), str) and len(u) <= 120]
        known = db.session.execute(
            sa.select(ReceivedEvent).where(
                ReceivedEvent.cooperative_id == cooperative_id, ReceivedEvent.event_key.in_(keys)
            )
        ).scalars()
        taken = db.session.execute(
            sa.select(TraceEvent.event_uid).where(TraceEvent.event_uid.in_(uids))
        ).scalars()
        return cls(known={r.event_key: r for r in known}, taken=set(taken))

    def lot(self, ident: str, cooperative_id: int) -> Lot | None:
        """The lot an identifier names (read once per batch)."""
        if ident not in self.lots:
            self.lots[ident] = lot_for_identifier(ident, cooperative_id)
        return self.lots[ident]

    def settle(self, actor: Actor, cooperative_id: int, result: ImportResult) -> None:
        """Write the events received so far (one flush), place them on their lots, and
        append the audit records."""
        if self.fresh:
            db.session.flush()
        for raw, received in self.fresh:
            _place_all(actor, cooperative_id, raw, received, result, self)
        self.fresh.clear()
        self.audit(actor)

    def audit(self, actor: Actor) -> None:
        """The audit records of the events placed so far, in the order they were placed."""
        if not self.placed:
            return
        db.session.flush()
        hashes = audit.stored_event_hashes([e.id for e in self.placed])
        audit.record_many(
            actor,
            [
                {
                    "action": "event.record",
                    "obj": e,
                    "summary": f"{e.biz_step} on lot {e.lot.code}",
                    "changes": {
                        "biz_step": {"before": None, "after": e.biz_step},
                        "lot": {"before": None, "after": e.lot.code},
                    },
                    "event_hash": hashes[e.id],
                }
                for e in self.placed
            ],
        )
        self.placed.clear()


def _place_all(
    actor: Actor,
    cooperative_id: int,
    raw: dict[str, Any],
    received: ReceivedEvent,
    result: ImportResult,
    batch: Batch,
) -> None:
    uid = raw.get("eventID") or received.event_key
    warnings: list[str] = []
    lots: list[Lot] = []
    for ident in identifiers(raw):
        lot = batch.lot(ident, cooperative_id)
        if lot is not None and lot not in lots:
            lots.append(lot)
    placed = [lot for lot in lots if _place(actor, lot, raw, received, warnings, batch)]
    if placed:
        result.recorded.append(uid)
    else:
        result.unmatched.append(uid)
    if warnings:
        received.warnings = warnings
        result.warnings.extend({"event": uid, "message": w} for w in warnings)
    if "errorDeclaration" in raw and placed:
        batch.audit(actor)
        declare_projections(actor, received, raw["errorDeclaration"])


def _place(
    actor: Actor,
    lot: Lot,
    raw: dict[str, Any],
    received: ReceivedEvent,
    warnings: list[str],
    batch: Batch,
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
    taken = not isinstance(uid, str) or len(uid) > 120 or uid in batch.taken
    own_uid = f"urn:traceapp:received:{received.id}:lot:{lot.id}" if taken else str(uid)
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
            event_uid=own_uid,
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
            deferred=batch.placed,
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
    batch.taken.add(own_uid)
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
    declare_projections(actor, received, declaration)


def declare_projections(actor: Actor, received: ReceivedEvent, declaration: dict[str, Any]) -> None:
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
