"""GDST 1.2 export of a seafood lot: its history as GDST's critical tracking events (fishing,
transshipment, landing, farm harvest, processing, shipping, receiving) with their key data
elements in GDST's code lists, and the master data of products, locations and parties.

Everything comes from what was recorded. A KDE GDST requires that is not recorded is never
filled in: :func:`missing` names it, and :func:`lot_document` refuses (422) until it is.
Every document is checked against GDST's JSON schema before it leaves.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from traceapp.batches import epcis
from traceapp.batches.models import Contribution, Lot, LotInput, TraceEvent
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.core import gdst_codes as codes
from traceapp.database import now_utc
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.products.models import Product

GDST_CONTEXT: list[Any] = [
    epcis.GS1_CONTEXT,
    {"gdst": "https://traceability-dialogue.org/epcis"},
    {"cbvmda": "urn:epcglobal:cbv:mda"},
]
FISHING = "urn:gdst:bizStep:fishingEvent"
LANDING = "urn:gdst:bizStep:landing"
TRANSSHIPMENT = "urn:gdst:bizStep:transshipment"
FARM_HARVEST = "urn:gdst:bizStep:farmHarvest"
COMMINGLING = "urn:gdst:bizStep:commingling"
MDA = "urn:epcglobal:cbv:mda#"
VN = ZoneInfo("Asia/Ho_Chi_Minh")

#: What each KDE is called when it is missing.
LABELS: dict[str, Any] = {
    "catch_area": _l("FAO major fishing area"),
    "economic_zone": _l("Economic zone"),
    "gear_type": _l("Fishing gear type"),
    "rfmo_area": _l("RFMO area"),
    "trip_start": _l("Trip start date"),
    "landing_port": _l("Landing port"),
    "permit_area": _l("Subnational permit area"),
    "gps_available": _l("GPS available on board"),
    "satellite_tracking_authority": _l("Satellite tracking authority"),
    "vessel_public_registry": _l("Vessel public registry"),
    "fishery_improvement_project": _l("Fishery improvement project"),
    "aquaculture_method": _l("Aquaculture method"),
    "fao_species": _l("FAO species code (3-alpha)"),
    "human_welfare_policy": _l("Human welfare policy"),
    "vessel_name": _l("Vessel name"),
    "vessel_registration": _l("Vessel registration"),
    "flag_state": _l("Flag state (2 letters)"),
    "imo_number": _l("IMO number"),
    "vessels": _l("Vessels (contributions of fishers with a vessel)"),
}
CATCH_REQUIRED = (
    "catch_area",
    "economic_zone",
    "gear_type",
    "rfmo_area",
    "trip_start",
    "landing_port",
    "permit_area",
    "gps_available",
    "satellite_tracking_authority",
    "vessel_public_registry",
    "fishery_improvement_project",
)
CODED = ("catch_area", "economic_zone", "gear_type", "rfmo_area")


@lru_cache(maxsize=1)
def schema_validator() -> jsonschema.Draft7Validator:
    """GDST's JSON schema (OpenTraceability's), with formats checked."""
    schema = json.loads((codes.DATA_DIR / "gdst_json_schema.json").read_text("utf-8"))
    return jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def schema_problems(doc: dict[str, Any]) -> list[str]:
    """What GDST's schema finds wrong in a document: "path: message" lines."""
    out = []
    for error in schema_validator().iter_errors(doc):
        path = "/".join(str(p) for p in error.absolute_path) or "(document)"
        out.append(f"{path}: {error.message}")
    return sorted(out)


def production_type(product: Product) -> str:
    from traceapp.batches.services import production_type as kind_of

    return str(kind_of(product))


def is_seafood(lot: Lot) -> bool:
    """Whether the lot is a catch or farmed seafood, or made from one."""
    if production_type(lot.product) in ("capture", "aquaculture"):
        return True
    return any(production_type(x.product) in ("capture", "aquaculture") for x in _sources(lot))


def _sources(lot: Lot) -> list[Lot]:
    from traceapp.batches.genealogy import ancestors

    return [x for x, _ in ancestors(lot)]


def _made_from_others(lot: Lot) -> bool:
    return (
        db.session.execute(
            sa.select(LotInput.id).where(LotInput.output_lot_id == lot.id).limit(1)
        ).first()
        is not None
    )


def _protein_source(lot: Lot) -> str:
    """Where the protein of a processed lot comes from: its origin lots' production."""
    kinds = {production_type(x.product) for x in [lot, *_sources(lot)]}
    if "aquaculture" in kinds and "capture" in kinds:
        return "wild caught and farmed"
    return "farmed" if "aquaculture" in kinds else "wild caught"


def _members(lot: Lot) -> list[Member]:
    out: dict[int, Member] = {}
    for c in db.session.execute(
        sa.select(Contribution)
        .where(Contribution.lot_id == lot.id, Contribution.voided_at.is_(None))
        .order_by(Contribution.id)
    ).scalars():
        out.setdefault(c.member_id, c.member)
    return list(out.values())


def _zones(lot: Lot) -> list[Any]:
    out: dict[int, Any] = {}
    for c in db.session.execute(
        sa.select(Contribution)
        .where(Contribution.lot_id == lot.id, Contribution.voided_at.is_(None))
        .order_by(Contribution.id)
    ).scalars():
        out.setdefault(c.zone_id, c.zone)
    return list(out.values())


# --- what is missing ----------------------------------------------------------------------------


def _lot_missing(lot: Lot) -> list[tuple[str, str]]:
    """(field, label) of the KDEs GDST requires of this lot's origin that are not recorded."""
    out: list[tuple[str, str]] = []
    kind = production_type(lot.product)
    catch = lot.catch_data or {}
    if _made_from_others(lot):
        return out  # its origin is its inputs': they are checked in turn
    if kind == "capture":
        for key in CATCH_REQUIRED:
            value = catch.get(key)
            if value in (None, ""):
                out.append((f"catch_data.{key}", str(LABELS[key])))
            elif key in CODED and codes.to_urn(key, value) is None:
                out.append(
                    (
                        f"catch_data.{key}",
                        _(
                            "%(field)s: %(value)s is not in GDST's list",
                            field=LABELS[key],
                            value=value,
                        ),
                    )
                )
        vessels = [m for m in _members(lot) if m.vessel_name or m.vessel_registration]
        if not vessels:
            out.append(("vessels", str(LABELS["vessels"])))
        for m in vessels:
            for key in ("vessel_name", "vessel_registration", "flag_state", "imo_number"):
                value = getattr(m, key)
                bad = value in (None, "")
                if key == "flag_state" and not bad:
                    bad = len(value) != 2 or not value.isalpha()
                if key == "imo_number" and not bad:
                    bad = _imo(value) is None
                if bad:
                    out.append(
                        (
                            f"members.{m.member_number}.{key}",
                            f"{m.member_number} · {m.full_name}: {LABELS[key]}",
                        )
                    )
    elif kind == "aquaculture" and codes.aquaculture_method(lot.aquaculture_method) is None:
        out.append(("aquaculture_method", str(LABELS["aquaculture_method"])))
    return out


def missing(lot: Lot) -> dict[str, list[str]]:
    """Every KDE the lot's GDST export needs and lacks: field -> what to record, by lot."""
    out: dict[str, list[str]] = {}
    lots = [lot, *_sources(lot)]
    coops: dict[int, Cooperative] = {}
    for item in lots:
        coop = coops.setdefault(
            item.cooperative_id, db.session.get_one(Cooperative, item.cooperative_id)
        )
        for field, label in _lot_missing(item):
            out.setdefault(f"{item.code}.{field}", []).append(label)
        product = item.product
        if production_type(product) in ("capture", "aquaculture") and (
            product.fao_species not in codes.SPECIES
        ):
            out.setdefault(f"products.{product.code}.fao_species", [str(LABELS["fao_species"])])
        if production_type(product) in ("capture", "aquaculture") and (
            coop.human_welfare_policy not in codes.HUMAN_WELFARE_POLICIES
        ):
            out.setdefault(
                f"cooperatives.{coop.short_code}.human_welfare_policy",
                [str(LABELS["human_welfare_policy"])],
            )
    return out


def _imo(value: str | None) -> str | None:
    digits = (value or "").upper().removeprefix("IMO").strip()
    return f"IMO{digits}" if digits.isdigit() and len(digits) in (7, 8) else None


# --- events -------------------------------------------------------------------------------------


def _uid(event: TraceEvent, part: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{event.event_uid}#{part}')}"


def _day_time(day: str | dt.date) -> str:
    date = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
    return dt.datetime.combine(date, dt.time(0, 0), tzinfo=VN).isoformat()


def _certs(coop: Cooperative) -> dict[str, Any]:
    items = []
    for cert in coop.certifications or []:
        entry = {
            "gdst:certificationType": cert.get("type"),
            "certificationAgency": cert.get("agency"),
            "certificationStandard": cert.get("standard"),
            "certificationValue": cert.get("value"),
            "certificationIdentification": cert.get("identification"),
        }
        items.append({k: v for k, v in entry.items() if v not in (None, "")})
    return {"cbvmda:certificationList": {"certification": items}} if items else {}


def _vessel_location(coop: Cooperative, member: Member) -> str:
    return epcis.location_id(coop, "vessel-" + epcis._slug(member.vessel_registration or ""))


def _port_location(coop: Cooperative, port: str) -> str:
    return epcis.location_id(coop, "port-" + epcis._slug(port))


def _owner(base: dict[str, Any], coop: Cooperative) -> None:
    base["gdst:productOwner"] = epcis.party_id(coop)
    base["cbvmda:informationProvider"] = epcis.party_id(coop)


def _capture_events(event: TraceEvent, base: dict[str, Any], coop: Cooperative) -> list[dict]:
    lot = event.lot
    catch = lot.catch_data or {}
    vessels = [m for m in _members(lot) if m.vessel_name or m.vessel_registration]
    infos = []
    for m in vessels:
        infos.append(
            {
                "cbvmda:vesselName": m.vessel_name,
                "cbvmda:vesselID": m.vessel_registration,
                "cbvmda:vesselFlagState": (m.flag_state or "").upper(),
                "gdst:imoNumber": _imo(m.imo_number),
                "cbvmda:catchArea": codes.to_urn("catch_area", catch.get("catch_area")),
                "cbvmda:economicZone": codes.to_urn("economic_zone", catch.get("economic_zone")),
                "cbvmda:fishingGearTypeCode": codes.to_urn("gear_type", catch.get("gear_type")),
                "gdst:rfmoArea": codes.to_urn("rfmo_area", catch.get("rfmo_area")),
                "gdst:subnationalPermitArea": catch.get("permit_area"),
                "gdst:vesselTripDate": _day_time(catch["trip_start"]),
                "gdst:gpsAvailability": bool(catch.get("gps_available")),
                "gdst:satelliteTrackingAuthority": catch.get("satellite_tracking_authority"),
                "gdst:vesselPublicRegistry": catch.get("vessel_public_registry"),
                "gdst:fisheryImprovementProject": catch.get("fishery_improvement_project"),
            }
        )
    zones = _zones(lot)
    fishing = {
        "type": "ObjectEvent",
        "eventID": _uid(event, "fishing"),
        "eventTime": _day_time(catch.get("trip_end") or catch["trip_start"]),
        "eventTimeZoneOffset": "+07:00",
        "action": "ADD",
        "bizStep": FISHING,
        "disposition": "active",
        "quantityList": base["quantityList"],
    }
    if zones:
        fishing["readPoint"] = {"id": epcis.location_id(coop, zones[0].code)}
    if vessels:
        fishing["bizLocation"] = {"id": _vessel_location(coop, vessels[0])}
    fishing["ilmd"] = {
        "cbvmda:productionMethodForFishAndSeafoodCode": "MARINE_FISHERY",
        "cbvmda:lotNumber": lot.code,
        "cbvmda:countryOfOrigin": "VN",
        "cbvmda:vesselCatchInformationList": {"cbvmda:vesselCatchInformation": infos},
        **_certs(coop),
    }
    fishing["gdst:humanWelfarePolicy"] = coop.human_welfare_policy
    _owner(fishing, coop)
    port = str(catch.get("landing_port"))
    landing = {
        "type": "ObjectEvent",
        "eventID": _uid(event, "landing"),
        "eventTime": base["eventTime"],
        "eventTimeZoneOffset": base["eventTimeZoneOffset"],
        "action": "OBSERVE",
        "bizStep": LANDING,
        "disposition": "active",
        "quantityList": base["quantityList"],
        "readPoint": {"id": _port_location(coop, port)},
        "bizLocation": {"id": _port_location(coop, port)},
        "cbvmda:unloadingPort": port,
        "gdst:humanWelfarePolicy": coop.human_welfare_policy,
    }
    _owner(landing, coop)
    return [fishing, landing]


def _harvest_event(event: TraceEvent, base: dict[str, Any], coop: Cooperative) -> dict:
    lot = event.lot
    out: dict[str, Any] = {
        k: base[k]
        for k in ("type", "eventID", "eventTime", "eventTimeZoneOffset", "quantityList")
        if k in base
    }
    out.update(action="ADD", bizStep=FARM_HARVEST, disposition="active")
    zones = _zones(lot)
    if zones:
        out["readPoint"] = {"id": epcis.location_id(coop, zones[0].code)}
        out["bizLocation"] = {"id": epcis.location_id(coop, zones[0].code)}
    out["ilmd"] = {
        "cbvmda:productionMethodForFishAndSeafoodCode": "AQUACULTURE",
        "gdst:aquacultureMethod": codes.aquaculture_method(lot.aquaculture_method),
        "cbvmda:lotNumber": lot.code,
        "cbvmda:harvestStartDate": _day_time(lot.production_date),
        "cbvmda:countryOfOrigin": "VN",
        **_certs(coop),
    }
    out["gdst:humanWelfarePolicy"] = coop.human_welfare_policy
    _owner(out, coop)
    return out


def _processing_events(event: TraceEvent, base: dict[str, Any], coop: Cooperative) -> list[dict]:
    """One TransformationEvent per output lot, each with that lot's number: a grading that
    makes three lots is three events (the inputs' quantities are given when there is one
    output, since how much of each input went into which output is not recorded)."""
    details = event.details or {}
    outputs = details.get("outputs", [])
    lots = {
        x.id: x
        for x in db.session.execute(
            sa.select(Lot).where(Lot.id.in_([o["lot_id"] for o in outputs]))
        ).scalars()
    }
    step = COMMINGLING if details.get("kind") == "commingling" else "commissioning"
    out = []
    for output, element in zip(outputs, base.get("outputQuantityList", []), strict=False):
        lot = lots[output["lot_id"]]
        inputs = base.get("inputQuantityList", [])
        if len(outputs) > 1:
            inputs = [{"epcClass": i["epcClass"]} for i in inputs]
        ilmd: dict[str, Any] = {
            "gdst:proteinSource": _protein_source(lot),
            "cbvmda:lotNumber": lot.code,
            "cbvmda:productionDate": _day_time(lot.production_date),
            "cbvmda:countryOfOrigin": "VN",
        }
        if lot.best_before:
            ilmd["cbvmda:itemExpirationDate"] = _day_time(lot.best_before)
        item: dict[str, Any] = {
            "type": "TransformationEvent",
            "eventID": base["eventID"] if len(outputs) == 1 else _uid(event, f"out-{lot.id}"),
            "eventTime": base["eventTime"],
            "eventTimeZoneOffset": base["eventTimeZoneOffset"],
            "inputQuantityList": inputs,
            "outputQuantityList": [element],
            "bizStep": step,
            "disposition": "active",
        }
        for key in ("readPoint", "bizLocation"):
            if key in base:
                item[key] = base[key]
        item["ilmd"] = {**ilmd, **_certs(coop)}
        item["gdst:humanWelfarePolicy"] = coop.human_welfare_policy
        _owner(item, coop)
        out.append(item)
    return out


def _gdst_events(event: TraceEvent) -> list[dict[str, Any]]:
    base = epcis.event_json(event)
    lot = event.lot
    coop = db.session.get_one(Cooperative, lot.cooperative_id)
    kind = production_type(lot.product)
    if event.event_type == "TransformationEvent":
        return _processing_events(event, base, coop)
    if event.biz_step == "commissioning" and kind == "capture":
        return _capture_events(event, base, coop)
    if event.biz_step == "commissioning" and kind == "aquaculture":
        return [_harvest_event(event, base, coop)]
    out = dict(base)
    out.pop("recordTime", None)
    out.pop("ilmd", None)
    if event.biz_step in (FISHING, LANDING, TRANSSHIPMENT, FARM_HARVEST):
        out["gdst:humanWelfarePolicy"] = coop.human_welfare_policy
    if event.biz_step in ("shipping", "receiving"):
        certs = _certs(coop)
        if certs:
            out.update(certs)
    _owner(out, coop)
    return [out]


# --- master data --------------------------------------------------------------------------------


def _attrs(pairs: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": k, "attribute": v} for k, v in pairs if v not in (None, "")]


def product_class_id(product: Product) -> str:
    if product.gtin:
        return f"{epcis.CANONICAL_DL}/01/{product.gtin}"
    coop = db.session.get_one(Cooperative, product.cooperative_id)
    return (
        f"urn:gdst:{epcis.domain()}:product:class:{epcis._urn_part(coop.short_code.lower())}."
        f"{epcis._urn_part(product.code)}"
    )


def _master_data(lots: list[Lot], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    coops = {x.cooperative_id: db.session.get_one(Cooperative, x.cooperative_id) for x in lots}
    products = {x.product_id: x.product for x in lots}
    classes = []
    for product in products.values():
        coop = coops[product.cooperative_id]
        scientific, english, _vi = codes.SPECIES.get(product.fao_species or "", (None, None, None))
        classes.append(
            {
                "id": product_class_id(product),
                "attributes": _attrs(
                    [
                        (MDA + "descriptionShort", (product.names or {}).get("en") or product.name),
                        (MDA + "speciesForFisheryStatisticsPurposesCode", product.fao_species),
                        (MDA + "speciesForFisheryStatisticsPurposesName", scientific),
                        ("urn:gdst:kde#speciesCommonName", english),
                        (MDA + "informationProvider", epcis.party_id(coop)),
                        ("urn:epcglobal:cbv:owning_party", epcis.party_id(coop)),
                    ]
                ),
            }
        )
    locations: dict[str, list[tuple[str, Any]]] = {}
    for lot in lots:
        coop = coops[lot.cooperative_id]
        party = epcis.party_id(coop)
        for zone in _zones(lot):
            locations[epcis.location_id(coop, zone.code)] = [
                (MDA + "name", zone.name or zone.code),
                (MDA + "countryCode", "VN"),
                ("urn:gdst:kde#locationKind", str(zone.kind)),
                (
                    "urn:gdst:kde#aquacultureMethod",
                    codes.aquaculture_method(lot.aquaculture_method),
                ),
                ("urn:epcglobal:cbv:owning_party", party),
                (MDA + "informationProvider", party),
            ]
        if production_type(lot.product) == "capture":
            for m in _members(lot):
                if not (m.vessel_name or m.vessel_registration):
                    continue
                locations[_vessel_location(coop, m)] = [
                    (MDA + "name", m.vessel_name),
                    (MDA + "vesselName", m.vessel_name),
                    (MDA + "vesselID", m.vessel_registration),
                    (MDA + "vesselFlagState", (m.flag_state or "").upper()),
                    ("urn:gdst:kde#imoNumber", _imo(m.imo_number)),
                    (MDA + "countryCode", (m.flag_state or "").upper()),
                    ("urn:epcglobal:cbv:owning_party", party),
                    (MDA + "informationProvider", party),
                ]
            port = (lot.catch_data or {}).get("landing_port")
            if port:
                locations[_port_location(coop, port)] = [
                    (MDA + "name", port),
                    (MDA + "countryCode", "VN"),
                    (MDA + "informationProvider", party),
                ]
    known = set(locations)
    for item in events:
        for key in ("readPoint", "bizLocation"):
            ident = (item.get(key) or {}).get("id")
            if ident and ident not in known:
                known.add(ident)
                locations[ident] = [(MDA + "countryCode", "VN")]
    parties = []
    for coop in coops.values():
        parties.append(
            {
                "id": epcis.party_id(coop),
                "attributes": _attrs(
                    [
                        (MDA + "name", coop.name),
                        (MDA + "streetAddressOne", coop.address),
                        (MDA + "state", coop.province),
                        (MDA + "countryCode", "VN"),
                        ("urn:gdst:kde#humanWelfarePolicy", coop.human_welfare_policy),
                        (MDA + "informationProvider", epcis.party_id(coop)),
                        ("urn:epcglobal:cbv:owning_party", epcis.party_id(coop)),
                    ]
                ),
            }
        )
    return [
        {"type": "urn:epcglobal:epcis:vtype:EPCClass", "vocabularyElementList": classes},
        {
            "type": "urn:epcglobal:epcis:vtype:Location",
            "vocabularyElementList": [
                {"id": k, "attributes": _attrs(v)} for k, v in locations.items()
            ],
        },
        {"type": "urn:epcglobal:epcis:vtype:Party", "vocabularyElementList": parties},
    ]


# --- the document -------------------------------------------------------------------------------


def build(lot: Lot) -> dict[str, Any]:
    """The GDST document of the lot, whatever it lacks (see :func:`lot_document`)."""
    events: list[dict[str, Any]] = []
    for event in epcis.lot_events(lot):
        if event.origin == "import" or event.error_declaration is not None:
            continue  # partners' events travel in the EPCIS export, as received
        events.extend(_gdst_events(event))
    events.sort(key=lambda e: dt.datetime.fromisoformat(e["eventTime"]))
    return {
        "@context": GDST_CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": now_utc().isoformat(timespec="milliseconds"),
        "epcisHeader": {
            "epcisMasterData": {"vocabularyList": _master_data([lot, *_sources(lot)], events)}
        },
        "epcisBody": {"eventList": events},
    }


def lot_document(lot: Lot) -> dict[str, Any]:
    """The GDST export of a seafood lot; a 422 naming each missing KDE when it is incomplete,
    or the schema's complaints when what was recorded does not fit GDST."""
    if not is_seafood(lot):
        raise ValidationFailed.field("lot", _("GDST export is for seafood lots only."))
    lacking = missing(lot)
    if lacking:
        raise ValidationFailed(
            _(
                "The GDST export needs data that is not recorded yet: %(fields)s.",
                fields=", ".join(sorted(lacking)),
            ),
            {f"gdst.{k}": v for k, v in lacking.items()},
        )
    doc = build(lot)
    problems = schema_problems(doc)
    if problems:
        raise ValidationFailed(
            _("The GDST export does not pass GDST's schema."), {"gdst.schema": problems}
        )
    return doc
