"""GDST 1.2 groundwork: the context, business steps and KDE labels, the JSON schema check,
and what a lot is made of (production type, sources, members, zones)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from traceapp.batches import epcis
from traceapp.batches.models import Contribution, Lot, LotInput
from traceapp.cooperatives.models import Member
from traceapp.core import gdst_codes as codes
from traceapp.extensions import db
from traceapp.products.models import Product

if TYPE_CHECKING:
    import jsonschema

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
    # Imported here, not at the top: with its format checkers jsonschema takes about two
    # seconds to import, which every `traceapp` command and server start would pay.
    import jsonschema

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


def _imo(value: str | None) -> str | None:
    digits = (value or "").upper().removeprefix("IMO").strip()
    return f"IMO{digits}" if digits.isdigit() and len(digits) in (7, 8) else None
