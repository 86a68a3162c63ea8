"""EPCIS 2.0 JSON-LD: export a lot's history (or a cooperative's, for a period); import a
partner's document onto the matching lots. Both are checked against GS1's JSON schema."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import logging
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from traceapp.auth.models import Actor
from traceapp.batches.genealogy import ancestors
from traceapp.batches.models import Contribution, Lot, LotInput, TraceEvent
from traceapp.config import PROJECT_ROOT
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.core.inputs import NOT_TEXT_MESSAGE, NOT_TEXT_SUMMARY, first_not_text
from traceapp.database import now_utc
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.products.models import Product

log = logging.getLogger(__name__)

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


def _ilmd(lot: Lot, product: Product, public: bool) -> dict[str, Any]:
    from traceapp.batches.services import production_type

    data: dict[str, Any] = {
        "cbvmda:lotNumber": lot.code,
        "cbvmda:countryOfOrigin": "VN",
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


def event_json(event: TraceEvent, *, public: bool = False) -> dict[str, Any]:
    """One stored event as EPCIS 2.0 JSON-LD (without @context: the document carries it)."""
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


def document(events: list[TraceEvent], *, public: bool = False) -> dict[str, Any]:
    """An EPCISDocument holding these events in time order."""
    base = current_app.config["TRACEAPP_PUBLIC_BASE_URL"]
    return {
        "@context": [GS1_CONTEXT, {"gdst": GDST_NS, "traceapp": f"{base}/ns/epcis#"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": now_utc().isoformat(timespec="milliseconds"),
        "epcisBody": {"eventList": [event_json(e, public=public) for e in events]},
    }


def lot_events(lot: Lot, *, include_inputs: bool = True) -> list[TraceEvent]:
    """The lot's events, plus its input lots' (to any depth) when it was made from others."""
    ids = [lot.id]
    if include_inputs:
        ids += [x.id for x, _ in ancestors(lot)]
    inputs_events = (
        db.session.execute(
            sa.select(LotInput.event_id).where(
                LotInput.output_lot_id.in_(ids), LotInput.event_id.is_not(None)
            )
        )
        .scalars()
        .all()
    )
    return list(
        db.session.execute(
            sa.select(TraceEvent)
            .where(sa.or_(TraceEvent.lot_id.in_(ids), TraceEvent.id.in_(inputs_events)))
            .order_by(TraceEvent.event_time, TraceEvent.id)
        ).scalars()
    )


def lot_document(lot: Lot, *, public: bool = False) -> dict[str, Any]:
    """The EPCIS export of one lot's full history (with its inputs' history)."""
    return document(lot_events(lot), public=public)


def cooperative_document(
    cooperative_id: int, start: dt.datetime | None, end: dt.datetime | None
) -> dict[str, Any]:
    """Every event of a cooperative whose event time lies in [start, end)."""
    stmt = sa.select(TraceEvent).where(TraceEvent.cooperative_id == cooperative_id)
    if start:
        stmt = stmt.where(TraceEvent.event_time >= start)
    if end:
        stmt = stmt.where(TraceEvent.event_time < end)
    return document(
        list(db.session.execute(stmt.order_by(TraceEvent.event_time, TraceEvent.id)).scalars())
    )


# --- schema ------------------------------------------------------------------------------------


def schema_path() -> Path | None:
    """Where GS1's EPCIS JSON schema is: TRACEAPP_EPCIS_SCHEMA, else ../shared/epcis/."""
    candidates = [
        os.environ.get("TRACEAPP_EPCIS_SCHEMA"),
        current_app.config.get("TRACEAPP_EPCIS_SCHEMA"),
        str(PROJECT_ROOT.parent / "shared" / "epcis" / "EPCIS-JSON-Schema.json"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def format_checker() -> Any:
    """jsonschema's format checker, except that a JSON-LD blank node ("_:document1", as in
    GS1's own examples) counts as a URI."""
    import jsonschema

    checker = jsonschema.FormatChecker()
    strict_uri = checker.checkers["uri"][0] if "uri" in checker.checkers else None

    @checker.checks("uri", raises=ValueError)
    def _uri(value: object) -> bool:
        if isinstance(value, str) and re.fullmatch(r"_:[A-Za-z0-9_.-]+", value):
            return True
        return strict_uri(value) if strict_uri else True

    return checker


@lru_cache(maxsize=2)
def _validator(path: str) -> Any:
    import jsonschema

    with open(path, encoding="utf-8") as fh:
        schema = json.load(fh)
    return jsonschema.Draft7Validator(schema, format_checker=format_checker())


def schema_errors(doc: Any, limit: int = 20) -> list[str]:
    """Where the document breaks GS1's schema: one line per error, with its JSON path."""
    path = schema_path()
    if path is None:
        raise ValidationFailed.field(
            "document",
            _(
                "GS1's EPCIS JSON schema is not installed on this server: set "
                "TRACEAPP_EPCIS_SCHEMA to the path of EPCIS-JSON-Schema.json."
            ),
        )
    validator = _validator(str(path))
    errors = []
    for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))[:limit]:
        where = "$" + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path
        )
        errors.append(f"{where}: {error.message[:300]}")
    return errors


# --- import ------------------------------------------------------------------------------------

_DL_RE = re.compile(r"^https?://[^/]+/01/(\d{14})/10/([^/?#]+)")
_DL_SERIAL_RE = re.compile(r"^https?://[^/]+/01/(\d{14})(?:/10/([^/?#]+))?/21/([^/?#]+)")
_URN_RE = re.compile(r"^urn:gdst:[^:]+:product:lot:class:([^.]+)\.(.+)\.([^.]+)$")


@dataclass
class ImportResult:
    """What an import did."""

    recorded: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def _lot_for_identifier(ident: str, cooperative_id: int) -> Lot | None:
    match = _DL_RE.match(ident)
    if match:
        gtin, code = match.group(1), unquote(match.group(2))
        return db.session.execute(
            sa.select(Lot)
            .join(Product, Product.id == Lot.product_id)
            .where(Product.gtin == gtin, Lot.code == code, Lot.cooperative_id == cooperative_id)
        ).scalar_one_or_none()
    match = _DL_SERIAL_RE.match(ident)
    if match:
        if importlib.util.find_spec("traceapp.labels.models") is None:
            return None
        from traceapp.labels.models import Label

        serial = unquote(match.group(3))
        return db.session.execute(
            sa.select(Lot)
            .join(Label, Label.lot_id == Lot.id)
            .where(Label.serial == serial, Lot.cooperative_id == cooperative_id)
        ).scalar_one_or_none()
    match = _URN_RE.match(ident)
    if match:
        coop_code, product_code, code = (unquote(g) for g in match.groups())
        return db.session.execute(
            sa.select(Lot)
            .join(Product, Product.id == Lot.product_id)
            .join(Cooperative, Cooperative.id == Lot.cooperative_id)
            .where(
                sa.func.lower(Cooperative.short_code) == coop_code.lower(),
                Product.code == product_code,
                Lot.code == code,
                Lot.cooperative_id == cooperative_id,
            )
        ).scalar_one_or_none()
    return None


def _identifiers(event: dict[str, Any]) -> list[str]:
    ids: list[str | None] = []
    for key in ("epcList", "inputEPCList", "outputEPCList", "childEPCs"):
        ids += [x for x in event.get(key) or [] if isinstance(x, str)]
    for key in ("quantityList", "inputQuantityList", "outputQuantityList", "childQuantityList"):
        ids += [q.get("epcClass") for q in event.get(key) or [] if isinstance(q, dict)]
    if isinstance(event.get("parentID"), str):
        ids.append(event["parentID"])
    return [i for i in ids if i]


def _parse_time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def import_document(actor: Actor, cooperative_id: int, doc: Any) -> ImportResult:
    """Validate a partner's EPCIS document and record each event on the lots it names.

    Events naming none of the cooperative's lots are reported, not recorded; an event already
    recorded (same eventID) is skipped, so importing twice is harmless.
    """
    from traceapp.auth.permissions import require
    from traceapp.batches import events as ev

    require(
        actor.can_write_cooperative(cooperative_id), _("You cannot import for this cooperative.")
    )
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
    result = ImportResult()
    for i, raw in enumerate(doc["epcisBody"]["eventList"]):
        uid = raw.get("eventID") or f"urn:traceapp:import:{i}:{now_utc().timestamp()}"
        if db.session.execute(sa.select(TraceEvent.id).where(TraceEvent.event_uid == uid)).first():
            result.duplicates.append(uid)
            continue
        lots: list[Lot] = []
        for ident in _identifiers(raw):
            lot = _lot_for_identifier(ident, cooperative_id)
            if lot is not None and lot not in lots:
                lots.append(lot)
        if not lots:
            result.unmatched.append(uid)
            continue
        from traceapp.units import UNITS

        first_q = next(
            (
                q
                for key in ("quantityList", "inputQuantityList", "outputQuantityList")
                for q in raw.get(key) or []
                if isinstance(q, dict)
            ),
            {},
        )
        if first_q.get("uom") not in UNITS or first_q.get("quantity") is None:
            first_q = {}  # a partner's unit we cannot convert: the raw event keeps it
        for n, lot in enumerate(lots):
            ev.record_event(
                actor,
                lot,
                origin="import",
                check_step=False,
                event_uid=uid if n == 0 else f"{uid}#lot-{lot.id}",
                event_type=raw.get("type", "ObjectEvent"),
                action=raw.get("action"),
                biz_step=raw.get("bizStep") or "other",
                disposition=raw.get("disposition"),
                event_time=_parse_time(raw["eventTime"]),
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
                details={"raw": raw},
            )
        result.recorded.append(uid)
    return result
