"""Traceability events (EPCIS 2.0 / CBV 2.0): recording them, with the lot's master data on its
commissioning (declaring one wrong is in traceapp.batches.corrections)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.models import Actor
from traceapp.auth.permissions import scoped_ref
from traceapp.batches.event_inputs import (  # noqa: F401 - re-exported
    TZ_RE,
    clean_parties,
    is_uri,
    new_event_uid,
    offset_text,
)
from traceapp.batches.event_vocab import (  # noqa: F401 - re-exported
    BIZ_STEPS,
    DISPOSITION_WORDS,
    DISPOSITIONS,
    PARTY_LABELS,
    PARTY_TYPES,
    RECALLED_STEPS,
    STEP_LABELS,
    STEPS,
)
from traceapp.batches.models import (
    Lot,
    LotStatus,
    TraceEvent,
)
from traceapp.cooperatives.models import Cooperative
from traceapp.core import countries
from traceapp.core.choices import choice_words
from traceapp.core.inputs import year_in_range, year_range_message
from traceapp.database import now_utc
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.units import (
    UnitError,
    check_unit,
    to_decimal,
)


def lot_zone(lot: Lot) -> str | None:
    """The time zone of a lot's cooperative's country; None for Vietnam (the configured zone)."""
    coop = db.session.get(Cooperative, lot.cooperative_id)
    if coop is None or coop.country == countries.DEFAULT:
        return None
    return countries.get(coop.country).timezone


def local_offset(at: dt.datetime | None = None, zone: str | None = None) -> str:
    """The offset of ``zone`` (the configured one by default) at a moment, as EPCIS has it."""
    if zone is None:
        zone = "Asia/Ho_Chi_Minh"
        if has_app_context():
            zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", zone)
    moment = (at or now_utc()).astimezone(ZoneInfo(zone))
    return offset_text(moment.utcoffset() or dt.timedelta(0))


def default_event_time(day: dt.date, zone: str | None = None) -> dt.datetime:
    """Noon of a calendar day in the configured zone (for events known by their date only);
    for today before noon, the present moment, so a lot recorded in the morning is never
    refused as happening in the future."""
    zone = zone or current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    noon = dt.datetime.combine(day, dt.time(12, 0), tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)
    return min(noon, now_utc())


def record_event(
    actor: Actor,
    lot: Lot,
    *,
    biz_step: str,
    event_type: str = "ObjectEvent",
    action: str | None = "OBSERVE",
    disposition: str | None = None,
    event_time: dt.datetime | None = None,
    tz_offset: str | None = None,
    zone_id: int | None = None,
    location: str | None = None,
    quantity: Any = None,
    unit: str | None = None,
    sources: Any = None,
    destinations: Any = None,
    ilmd: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    origin: str = "local",
    event_uid: str | None = None,
    corrects: TraceEvent | None = None,
    check_step: bool = True,
    warnings: list[str] | None = None,
    deferred: list[TraceEvent] | None = None,
) -> TraceEvent:
    """Append one event to a lot's history after checking it; events are never changed later.

    A partner's imported event (``origin="import"``) is not refused on our own business
    rules (what a step needs, inspection results, times ahead of our clock, recalls): each
    rule it breaks is added to ``warnings`` instead. With ``deferred`` (an import's slice) the
    caller has checked ``event_uid`` is free, and flushes and audits the events it collects.
    """
    from traceapp.zones.models import Zone

    errors: dict[str, list[str]] = {}
    # Our own business rules: errors for events recorded here, warnings for imported ones.
    rules: dict[str, list[str]] = errors if origin != "import" else {}
    step = STEPS.get(biz_step)
    if biz_step not in BIZ_STEPS and not (origin == "import" and is_uri(biz_step)):
        # TRANSLATORS: %(step)s is a CBV business step code as given (e.g. shipping).
        errors["biz_step"] = [_("Unknown business step '%(step)s'.", step=biz_step)]
    elif (
        check_step
        and origin == "local"
        and biz_step not in STEPS
        and biz_step not in ("commissioning", "holding")
    ):
        # TRANSLATORS: %(steps)s lists business step codes (inspecting, packing, ...).
        errors["biz_step"] = [
            _("Steps recorded by hand are: %(steps)s.", steps=", ".join(sorted(STEPS)))
        ]
    if disposition is None and step and origin != "import":
        disposition = step.get("disposition")
    if (
        disposition is not None
        and disposition not in DISPOSITIONS
        and not (origin == "import" and is_uri(disposition))
    ):
        # TRANSLATORS: %(disposition)s is a CBV disposition code as given (e.g. in_transit).
        errors["disposition"] = [
            _("Unknown disposition '%(disposition)s'.", disposition=disposition)
        ]
    if step and step.get("dispositions") and disposition not in step["dispositions"]:
        # TRANSLATORS: %(step)s names the step (Inspection); %(choices)s lists the results in
        # words, each with its code ("conformant (conformant) or not conformant (...)").
        rules["disposition"] = [
            _(
                "For this step (%(step)s), choose %(choices)s.",
                step=step["label"],
                choices=choice_words(
                    (d, DISPOSITION_WORDS.get(d, d)) for d in step["dispositions"]
                ),
            )
        ]
    now = now_utc()
    if event_time is None:
        event_time = now
    elif event_time.tzinfo is None:
        errors["event_time"] = [_("Give the time with its time-zone offset.")]
    elif not year_in_range(event_time):
        # Refused at once: at the ends of the calendar the time cannot even be put in UTC,
        # which the checks below and the database column would do.
        errors["event_time"] = [year_range_message()]
        raise ValidationFailed(_("The event could not be recorded."), errors)
    elif event_time > now + dt.timedelta(minutes=10):
        rules["event_time"] = [_("The event time is in the future.")]
    if tz_offset is None:
        offset = event_time.utcoffset()
        tz_offset = (
            offset_text(offset)
            if event_time.tzinfo and offset and event_time.tzinfo != dt.UTC
            else local_offset(event_time if event_time.tzinfo else None, lot_zone(lot))
        )
    if not TZ_RE.match(tz_offset or ""):
        errors["tz_offset"] = [_("Write the offset as +07:00.")]
    # A zone named here appears as the readPoint of the lot's EPCIS export and public page:
    # only the lot's own cooperative's codes, and a foreign one reads like a missing one.
    zone = (
        scoped_ref(
            Zone,
            zone_id,
            actor,
            "zone_id",
            cooperative_id=lot.cooperative_id,
            message=_("No such zone code in the lot's cooperative."),
            errors=errors,
        )
        if zone_id
        else None
    )
    q = None
    if quantity not in (None, ""):
        try:
            q = to_decimal(quantity)
            if q <= 0:
                errors["quantity"] = [_("Must be more than zero.")]
        except ValueError:
            errors["quantity"] = [_("Enter a number.")]
        try:
            unit = check_unit(unit or lot.unit)
        except UnitError as exc:
            errors["unit"] = [str(exc)]
    else:
        unit = None
    src = clean_parties(sources, "sources", errors, lenient=origin == "import")
    dst = clean_parties(destinations, "destinations", errors, lenient=origin == "import")
    for need in (step or {}).get("needs", ()):
        if need == "destinations" and not dst:
            rules.setdefault("destinations", []).append(
                _("Say where it went: the buyer or the place it was shipped to.")
            )
        if need == "sources" and not src:
            rules.setdefault("sources", []).append(_("Say where it came from."))
    if lot.status == LotStatus.RECALLED and biz_step not in RECALLED_STEPS and corrects is None:
        # TRANSLATORS: %(steps)s lists business step codes (holding, destroying, ...).
        rules.setdefault("biz_step", []).append(
            _(
                "Lot %(code)s is recalled: only these steps may follow: %(steps)s.",
                code=lot.code,
                steps=", ".join(sorted(RECALLED_STEPS)),
            )
        )
    if (
        event_uid
        and deferred is None
        and db.session.execute(
            sa.select(TraceEvent.id).where(TraceEvent.event_uid == event_uid)
        ).first()
    ):
        # TRANSLATORS: %(uid)s is an EPCIS event identifier (urn:uuid:...).
        raise Conflict(_("Event %(uid)s is already recorded.", uid=event_uid))
    if errors:
        raise ValidationFailed(_("The event could not be recorded."), errors)
    if rules and warnings is not None:
        warnings.extend(str(message) for messages in rules.values() for message in messages)
    if rules and origin == "import":
        details = {**(details or {}), "warnings": [str(m) for v in rules.values() for m in v]}
    event = TraceEvent(
        cooperative_id=lot.cooperative_id,
        event_uid=event_uid or new_event_uid(),
        lot_id=lot.id,
        event_type=event_type,
        action=action,
        biz_step=biz_step,
        disposition=disposition,
        event_time=event_time,
        tz_offset=tz_offset,
        zone_id=zone.id if zone else None,
        location=(location or "").strip()[:300] or None,
        quantity=q,
        unit=unit,
        sources=src or None,
        destinations=dst or None,
        ilmd=ilmd or None,
        details=details or None,
        recorded_by_id=getattr(actor, "id", None),
        recorded_by_label=getattr(actor, "label", "system"),
        origin=origin,
        corrects_id=corrects.id if corrects else None,
    )
    db.session.add(event)
    # The lot's public page is cached by the lot's version: a new event makes it stale.
    lot.updated_at = now
    if deferred is not None:
        deferred.append(event)
        return event
    db.session.flush()
    audit.record(
        actor,
        "event.record",
        event,
        summary=f"{biz_step} on lot {lot.code}",
        changes={
            "biz_step": {"before": None, "after": biz_step},
            "lot": {"before": None, "after": lot.code},
        },
        # The event's content is chained through its record: an edit, a deletion or an
        # event with no record shows in `traceapp audit verify`.
        event_hash=audit.stored_event_hash(event.id),
    )
    return event


def _origin(lot: Lot) -> str:
    coop = db.session.get(Cooperative, lot.cooperative_id)
    return coop.country if coop else "VN"


def lot_ilmd(lot: Lot) -> dict[str, Any]:
    """The lot's instance/lot master data, as stored on its commissioning event."""
    data: dict[str, Any] = {
        "lotNumber": lot.code,
        "productionDate": lot.production_date.isoformat(),
        "countryOfOrigin": _origin(lot),
    }
    if lot.best_before:
        data["bestBeforeDate"] = lot.best_before.isoformat()
    if lot.catch_data:
        data["catch"] = dict(lot.catch_data)
    if lot.aquaculture_method:
        data["aquacultureMethod"] = lot.aquaculture_method
    return data


def record_commissioning(
    actor: Actor,
    lot: Lot,
    *,
    event_time: dt.datetime | None = None,
    tz_offset: str | None = None,
    location: str | None = None,
) -> TraceEvent:
    """The harvest or catch: an ObjectEvent ADD, bizStep commissioning, with the lot's ILMD."""
    return record_event(
        actor,
        lot,
        biz_step="commissioning",
        action="ADD",
        disposition="active",
        event_time=event_time or default_event_time(lot.production_date, lot_zone(lot)),
        tz_offset=tz_offset,
        location=location,
        quantity=lot.quantity,
        unit=lot.unit,
        ilmd=lot_ilmd(lot),
        check_step=False,
    )
