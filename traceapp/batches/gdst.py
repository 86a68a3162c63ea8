"""GDST 1.2 export of a seafood lot: its history as GDST's critical tracking events (fishing,
transshipment, landing, farm harvest, processing, shipping, receiving) with their key data
elements in GDST's code lists, and the master data of products, locations and parties.

Everything comes from what was recorded. A KDE GDST requires that is not recorded is never
filled in: :func:`missing` names it, and :func:`lot_document` refuses (422) until it is.
The document built whole (:func:`lot_document`) is checked against GDST's JSON schema; the
downloads stream the same document (:mod:`gdst_stream`, which says how it is checked).

The groundwork is in :mod:`gdst_base` (its names are importable from here too) and the
events in :mod:`gdst_events`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import gettext as _

from traceapp.batches import epcis
from traceapp.batches.gdst_base import (  # noqa: F401 - re-exported
    CATCH_REQUIRED,
    CODED,
    COMMINGLING,
    FARM_HARVEST,
    FISHING,
    GDST_CONTEXT,
    LABELS,
    LANDING,
    MDA,
    TRANSSHIPMENT,
    VN,
    _imo,
    _made_from_others,
    _members,
    _sources,
    _zones,
    is_seafood,
    production_type,
    schema_problems,
    schema_validator,
)
from traceapp.batches.gdst_events import (
    _gdst_events,
    _port_location,
    _vessel_location,
)
from traceapp.batches.models import Lot
from traceapp.cooperatives.models import Cooperative
from traceapp.core import countries
from traceapp.core import gdst_codes as codes
from traceapp.database import now_utc
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.products.models import Product

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


def located(events: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The read points and business locations the events name, in their order."""
    for item in events:
        for key in ("readPoint", "bizLocation"):
            ident = (item.get(key) or {}).get("id")
            if ident:
                yield ident


def _master_data(lots: list[Lot], places: Iterable[str]) -> list[dict[str, Any]]:
    """Master data of the lots, with the other locations the events name (``places``, in
    the order they first come) after the lots' own."""
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
                (MDA + "countryCode", coop.country),
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
                    (MDA + "countryCode", coop.country),
                    (MDA + "informationProvider", party),
                ]
    known = set(locations)
    for ident in places:
        if ident not in known:
            known.add(ident)
            locations[ident] = [(MDA + "countryCode", _country_of(ident, coops))]
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
                        (MDA + "countryCode", coop.country),
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
    doc = head(lot, located(events))
    doc["epcisBody"]["eventList"] = events
    return doc


def head(lot: Lot, places: Iterable[str]) -> dict[str, Any]:
    """The GDST document of the lot with an empty event list: what comes before and after
    its events (``places``: the locations the events name, in order; see :func:`located`)."""
    return {
        "@context": GDST_CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": now_utc().isoformat(timespec="milliseconds"),
        "epcisHeader": {
            "epcisMasterData": {"vocabularyList": _master_data([lot, *_sources(lot)], places)}
        },
        "epcisBody": {"eventList": []},
    }


def lot_document(lot: Lot) -> dict[str, Any]:
    """The GDST export of a seafood lot, built whole; a 422 naming each missing KDE when it is
    incomplete, or the schema's complaints when what was recorded does not fit GDST. The
    downloads stream it instead (:mod:`gdst_stream`); this is their reference."""
    check(lot)
    doc = build(lot)
    problems = schema_problems(doc)
    if problems:
        raise ValidationFailed(
            _("The GDST export does not pass GDST's schema."), {"gdst.schema": problems}
        )
    return doc


def check(lot: Lot) -> None:
    """Refuse (422) a lot that is not seafood, or lacks a KDE GDST requires."""
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


def _country_of(location: str, coops: dict[int, Cooperative]) -> str:
    """The country of a location URN: that of the cooperative whose URN prefix it carries."""
    for coop in coops.values():
        if location.startswith(epcis.location_id(coop, "")):
            return coop.country
    return countries.DEFAULT
