"""GDST 1.2 critical tracking events of a lot's recorded events: fishing, transshipment,
landing, farm harvest, processing, shipping and receiving, with their KDEs."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from traceapp.batches import epcis
from traceapp.batches.gdst_base import (
    COMMINGLING,
    FARM_HARVEST,
    FISHING,
    LANDING,
    TRANSSHIPMENT,
    VN,
    _imo,
    _members,
    _protein_source,
    _zones,
    production_type,
)
from traceapp.batches.models import Lot, TraceEvent
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.core import countries
from traceapp.core import gdst_codes as codes
from traceapp.extensions import db

# --- events -------------------------------------------------------------------------------------


def _uid(event: TraceEvent, part: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{event.event_uid}#{part}')}"


def _day_time(day: str | dt.date, coop: Cooperative | None = None) -> str:
    date = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
    zone = ZoneInfo(countries.get(coop.country).timezone) if coop is not None else VN
    return dt.datetime.combine(date, dt.time(0, 0), tzinfo=zone).isoformat()


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
                "gdst:vesselTripDate": _day_time(catch["trip_start"], coop),
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
        "eventTime": _day_time(catch.get("trip_end") or catch["trip_start"], coop),
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
        "cbvmda:countryOfOrigin": coop.country,
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
        "cbvmda:harvestStartDate": _day_time(lot.production_date, coop),
        "cbvmda:countryOfOrigin": coop.country,
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
            "cbvmda:productionDate": _day_time(lot.production_date, coop),
            "cbvmda:countryOfOrigin": coop.country,
        }
        if lot.best_before:
            ilmd["cbvmda:itemExpirationDate"] = _day_time(lot.best_before, coop)
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
