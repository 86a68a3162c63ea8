"""EPCIS 2.0 JSON-LD export of a lot's history (or a cooperative's, for a period).

Our own events are written from their columns; a partner's events are given back as they
were received (see :mod:`traceapp.batches.epcis_import`), with any error declaration
received for them since. The import and the schema check live beside this module."""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import islice
from typing import Any
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from flask import current_app

from traceapp.batches.event_facts import epcis_extensions
from traceapp.batches.genealogy import ancestors
from traceapp.batches.models import Contribution, Lot, LotInput, ReceivedEvent, TraceEvent
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.database import now_utc
from traceapp.extensions import db
from traceapp.products.models import Product

GS1_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
GDST_NS = "https://traceability-dialogue.org/vocab/"
CANONICAL_DL = "https://id.gs1.org"


# --- identifiers -------------------------------------------------------------------------------


def domain() -> str:
    """The host name that scopes GDST URNs: the public base URL's host."""
    return urlsplit(current_app.config["TRACEAPP_PUBLIC_BASE_URL"]).hostname or "localhost"


def _urn_part(value: str) -> str:
    return quote(value, safe="-_~")


def lot_class_id(product: Product, lot_code: str) -> str:
    """The lot's class-level identifier: a GS1 Digital Link with a GTIN, a GDST URN without."""
    if product.gtin:
        return f"{CANONICAL_DL}/01/{product.gtin}/10/{quote(lot_code, safe='')}"
    coop = db.session.get_one(Cooperative, product.cooperative_id)
    return (
        f"urn:gdst:{domain()}:product:lot:class:{_urn_part(coop.short_code.lower())}."
        f"{_urn_part(product.code)}.{_urn_part(lot_code)}"
    )


def party_id(coop: Cooperative, suffix: str | None = None) -> str:
    """A party URN of the cooperative (or of someone named in its data)."""
    base = f"urn:gdst:{domain()}:party:{_urn_part(coop.short_code.lower())}"
    return f"{base}.{_urn_part(suffix)}" if suffix else f"{base}.0"


def location_id(coop: Cooperative, code: str) -> str:
    """A location URN (a zone code or a named place of the cooperative)."""
    company = _urn_part(coop.short_code.lower())
    return f"urn:gdst:{domain()}:location:loc:{company}.{_urn_part(code)}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "unnamed"


# --- export ------------------------------------------------------------------------------------


def _local_time(at: dt.datetime, offset: str) -> str:
    sign = 1 if offset[0] == "+" else -1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    return at.astimezone(tz).isoformat(timespec="milliseconds")


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral() else float(value)


def _parties(coop: Cooperative, items: list[dict[str, str]] | None, key: str) -> list[dict]:
    out = []
    for item in items or []:
        ident = item.get("id") or party_id(coop, "ext-" + _slug(item.get("name", "")))
        out.append({"type": item.get("type", "owning_party"), key: ident})
    return out


def origin_country(lot: Lot) -> str:
    """The lot's country of origin: its cooperative's country (ISO 3166-1 alpha-2)."""
    coop = db.session.get(Cooperative, lot.cooperative_id)
    return coop.country if coop is not None else "VN"


def _ilmd(lot: Lot, product: Product, public: bool) -> dict[str, Any]:
    from traceapp.batches.services import production_type

    data: dict[str, Any] = {
        "cbvmda:lotNumber": lot.code,
        "cbvmda:countryOfOrigin": origin_country(lot),
        "cbvmda:harvestStartDate": lot.production_date.isoformat(),
    }
    if lot.best_before:
        data["cbvmda:bestBeforeDate"] = lot.best_before.isoformat()
    kind = production_type(product)
    if kind == "capture":
        data["cbvmda:productionMethodForFishAndSeafoodCode"] = "MARINE_FISHERY"
        data["cbvmda:vesselCatchInformationList"] = {
            "cbvmda:vesselCatchInformation": _vessels(lot, public)
        }
    elif kind == "aquaculture":
        data["cbvmda:productionMethodForFishAndSeafoodCode"] = "AQUACULTURE"
        if lot.aquaculture_method:
            data["gdst:aquacultureMethod"] = lot.aquaculture_method
    return data


def _vessels(lot: Lot, public: bool) -> list[dict[str, Any]]:
    catch = lot.catch_data or {}
    members: dict[int, Member] = {}
    for c in db.session.execute(
        sa.select(Contribution).where(
            Contribution.lot_id == lot.id, Contribution.voided_at.is_(None)
        )
    ).scalars():
        members.setdefault(c.member_id, c.member)
    vessels = []
    for member in members.values() or [None]:
        entry: dict[str, Any] = {
            "cbvmda:catchArea": catch.get("catch_area"),
            "cbvmda:fishingGearTypeCode": catch.get("gear_type"),
            "gdst:economicZone": catch.get("economic_zone"),
            "gdst:rfmoArea": catch.get("rfmo_area"),
            "gdst:subnationalPermitArea": catch.get("permit_area"),
            "gdst:vesselTripDate": catch.get("trip_start"),
            "gdst:vesselTripEndDate": catch.get("trip_end"),
            "gdst:landingPort": catch.get("landing_port"),
            "gdst:gpsAvailability": catch.get("gps_available"),
            "gdst:satelliteTrackingAuthority": catch.get("satellite_tracking_authority"),
            "gdst:vesselPublicRegistry": catch.get("vessel_public_registry"),
            "gdst:fisheryImprovementProject": catch.get("fishery_improvement_project"),
        }
        if member is not None:
            entry["cbvmda:vesselName"] = member.vessel_name
            entry["cbvmda:vesselID"] = member.vessel_registration
            entry["cbvmda:vesselFlagState"] = member.flag_state
            entry["gdst:imoNumber"] = member.imo_number
        vessels.append({k: v for k, v in entry.items() if v not in (None, "")})
    return vessels


#: What the public link leaves out of a partner's event (as it does for our own events).
PUBLIC_OMIT = ("destinationList", "bizTransactionList")


def received_json(received: ReceivedEvent, *, public: bool = False) -> dict[str, Any]:
    """A partner's event as it was received, with a declaration received for it since; its
    own namespaces (the partner document's @context) travel with it as an event @context."""
    body = dict(received.body)
    context = list(received.context or [])
    if received.declaration and "errorDeclaration" not in body:
        body["errorDeclaration"] = received.declaration["errorDeclaration"]
        context += [c for c in received.declaration.get("context") or [] if c not in context]
    if "@context" in body:
        own = body.pop("@context")
        context += own if isinstance(own, list) else [own]
    if public:
        for key in PUBLIC_OMIT:
            if key != "bizTransactionList" or body.get("type") != "TransactionEvent":
                body.pop(key, None)  # a TransactionEvent must name its transactions
    return {"@context": context, **body} if context else body


def event_json(event: TraceEvent, *, public: bool = False) -> dict[str, Any]:
    """One stored event as EPCIS 2.0 JSON-LD (without @context: the document carries it)."""
    old = (event.details or {}).get("raw") if event.origin == "import" else None
    if isinstance(old, dict):
        return dict(old)  # imported before events were kept as received
    lot = event.lot
    product = lot.product
    coop = db.session.get_one(Cooperative, lot.cooperative_id)
    out: dict[str, Any] = {
        "type": event.event_type,
        "eventID": event.event_uid,
        "eventTime": _local_time(event.event_time, event.tz_offset),
        "eventTimeZoneOffset": event.tz_offset,
        "recordTime": event.recorded_at.astimezone(dt.UTC).isoformat(timespec="milliseconds"),
    }
    details = event.details or {}
    if event.event_type == "TransformationEvent":
        inputs = details.get("inputs", [])
        outputs = details.get("outputs", [])
        in_lots = {
            x.id: x
            for x in db.session.execute(
                sa.select(Lot).where(Lot.id.in_([i["lot_id"] for i in inputs + outputs]))
            ).scalars()
        }
        out["inputQuantityList"] = [
            {
                "epcClass": lot_class_id(in_lots[i["lot_id"]].product, i["code"]),
                "quantity": _number(Decimal(i["quantity"])),
                "uom": i["unit"],
            }
            for i in inputs
            if i["lot_id"] in in_lots
        ]
        out["outputQuantityList"] = [
            {
                "epcClass": lot_class_id(in_lots[o["lot_id"]].product, o["code"]),
                "quantity": _number(Decimal(o["quantity"])),
                "uom": o["unit"],
            }
            for o in outputs
            if o["lot_id"] in in_lots
        ]
    else:
        out["action"] = event.action or "OBSERVE"
        element: dict[str, Any] = {"epcClass": lot_class_id(product, lot.code)}
        if event.quantity is not None:
            element["quantity"] = _number(event.quantity)
            element["uom"] = event.unit
        out["quantityList"] = [element]
    out["bizStep"] = event.biz_step
    if event.disposition:
        out["disposition"] = event.disposition
    if event.zone is not None:
        out["readPoint"] = {"id": location_id(coop, event.zone.code)}
    elif event.location and not public:
        out["readPoint"] = {"id": location_id(coop, "site-" + _slug(event.location))}
    out["bizLocation"] = {"id": location_id(coop, "site-0")}
    if event.sources:
        out["sourceList"] = _parties(coop, event.sources, "source")
    if event.destinations and not public:
        out["destinationList"] = _parties(coop, event.destinations, "destination")
    if event.biz_step == "commissioning" and (
        event.ilmd or event.event_type == "TransformationEvent"
    ):
        out["ilmd"] = _ilmd(lot, product, public)
    out.update(epcis_extensions(event, public=public))
    out["gdst:productOwner"] = party_id(coop)
    out["cbvmda:informationProvider"] = party_id(coop)
    if not public and event.origin == "import":
        out["traceapp:origin"] = "import"
    if event.error_declaration is not None:
        decl = event.error_declaration
        out["errorDeclaration"] = {
            "declarationTime": decl.declared_at.astimezone(dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "reason": decl.reason,
            "correctiveEventIDs": list(decl.corrective_event_uids or []),
        }
    return out


#: Events read from the database (and partners' events looked up) per batch.
BATCH = 500


def event_dicts(
    events: Iterable[TraceEvent | ReceivedEvent], public: bool = False
) -> Iterator[dict[str, Any]]:
    """The events as EPCIS JSON, one at a time: a partner's event once, however many of our
    lots it names. Read batch by batch, so a long history never sits in memory."""
    seen: set[int] = set()
    # The session forgets an object nobody holds: held here, each event's cooperative is
    # looked up once, not read again for every event.
    coops: dict[int, Cooperative] = {}
    stream = iter(events)
    while batch := list(islice(stream, BATCH)):
        wanted = {
            (e.details or {}).get("received_id")
            for e in batch
            if isinstance(e, TraceEvent) and e.origin == "import"
        } - {None}
        received = (
            {
                r.id: r
                for r in db.session.execute(
                    sa.select(ReceivedEvent).where(ReceivedEvent.id.in_(wanted))
                ).scalars()
            }
            if wanted
            else {}
        )
        for item in batch:
            if isinstance(item, TraceEvent) and item.origin == "import":
                details = item.details or {}
                if "#lot-" in item.event_uid and "raw" in details:
                    continue  # an old import's copy for a further lot
                if "received_id" in details:
                    item = received.get(details["received_id"])  # type: ignore[assignment]
                    if item is None:
                        continue
            if isinstance(item, ReceivedEvent):
                if item.id in seen:
                    continue
                seen.add(item.id)
                yield received_json(item, public=public)
            else:
                if item.cooperative_id not in coops:
                    coops[item.cooperative_id] = db.session.get_one(
                        Cooperative, item.cooperative_id
                    )
                yield event_json(item, public=public)


def head() -> dict[str, Any]:
    """An EPCISDocument with an empty event list: what comes before and after the events."""
    base = current_app.config["TRACEAPP_PUBLIC_BASE_URL"]
    return {
        "@context": [GS1_CONTEXT, {"gdst": GDST_NS, "traceapp": f"{base}/ns/epcis#"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": now_utc().isoformat(timespec="milliseconds"),
        "epcisBody": {"eventList": []},
    }


def document(events: Iterable[Any], *, public: bool = False) -> dict[str, Any]:
    """An EPCISDocument holding these events (ours and partners') in time order."""
    doc = head()
    doc["epcisBody"]["eventList"] = list(event_dicts(events, public))
    return doc


def lot_events_query(lot: Lot, *, include_inputs: bool = True) -> sa.Select[Any]:
    """The query of the lot's events, plus its input lots' (to any depth) when it was made
    from others, in time order."""
    ids = [lot.id]
    if include_inputs:
        ids += [x.id for x, _ in ancestors(lot)]
    inputs_events = sa.select(LotInput.event_id).where(
        LotInput.output_lot_id.in_(ids), LotInput.event_id.is_not(None)
    )
    return (
        sa.select(TraceEvent)
        .where(sa.or_(TraceEvent.lot_id.in_(ids), TraceEvent.id.in_(inputs_events)))
        .order_by(TraceEvent.event_time, TraceEvent.id)
    )


def lot_events(lot: Lot, *, include_inputs: bool = True) -> list[TraceEvent]:
    """The lot's events, plus its input lots' (to any depth) when it was made from others."""
    return list(db.session.execute(lot_events_query(lot, include_inputs=include_inputs)).scalars())


def _streamed(stmt: sa.Select[Any]) -> Iterator[Any]:
    return iter(db.session.execute(stmt.execution_options(yield_per=BATCH)).scalars())


def iter_lot_events(lot: Lot) -> Iterator[TraceEvent]:
    """The lot's events (with its inputs'), read from the database in batches."""
    return _streamed(lot_events_query(lot))


def lot_document(lot: Lot, *, public: bool = False) -> dict[str, Any]:
    """The EPCIS export of one lot's full history (with its inputs' history)."""
    return document(lot_events(lot), public=public)


def cooperative_events(
    cooperative_id: int, start: dt.datetime | None, end: dt.datetime | None
) -> Iterator[TraceEvent | ReceivedEvent]:
    """Every event of a cooperative whose event time lies in [start, end), in time order: our
    own, and every partner event received (whether or not it names one of our lots); both
    read in batches and merged as they come."""
    # A partner's event comes once, from what was received (see event_dicts).
    ours = sa.select(TraceEvent).where(TraceEvent.cooperative_id == cooperative_id)
    theirs = sa.select(ReceivedEvent).where(ReceivedEvent.cooperative_id == cooperative_id)
    if start:
        ours = ours.where(TraceEvent.event_time >= start)
        theirs = theirs.where(ReceivedEvent.event_time >= start)
    if end:
        ours = ours.where(TraceEvent.event_time < end)
        theirs = theirs.where(ReceivedEvent.event_time < end)
    return heapq.merge(
        _streamed(ours.order_by(TraceEvent.event_time, TraceEvent.id)),
        _streamed(theirs.order_by(ReceivedEvent.event_time, ReceivedEvent.id)),
        key=lambda e: (e.event_time, isinstance(e, ReceivedEvent), e.id),
    )


def cooperative_document(
    cooperative_id: int, start: dt.datetime | None, end: dt.datetime | None
) -> dict[str, Any]:
    """The EPCIS export of a cooperative's events in [start, end) (see cooperative_events)."""
    return document(cooperative_events(cooperative_id, start, end))
