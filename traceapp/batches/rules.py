"""What a lot's own facts must be: quantities and units, the production type of its product,
the GDST catch data of a fishing lot, and why a lot that is no longer open refuses a change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from traceapp import tunables
from traceapp.batches.models import Lot, LotStatus
from traceapp.core import gdst_codes
from traceapp.products.models import Product
from traceapp.units import (
    UnitError,
    check_unit,
    to_decimal,
)
from traceapp.zones.models import ZoneKind

#: Longest name of a source or destination party, kept in an event's JSON (no column bounds it).
PARTY_NAME_MAX = 200

#: GDST catch data: field -> (required, label as a reader sees it). Trip dates are ISO dates.
CATCH_FIELDS: dict[str, tuple[bool, Any]] = {
    "catch_area": (True, _l("FAO major fishing area")),
    "economic_zone": (True, _l("Economic zone")),
    "gear_type": (True, _l("Fishing gear type")),
    "trip_start": (True, _l("Trip start date")),
    "trip_end": (True, _l("Trip end date")),
    "landing_port": (True, _l("Landing port")),
    # TRANSLATORS: RFMO: regional fisheries management organisation (keep the acronym).
    "rfmo_area": (False, _l("RFMO area")),
    "permit_area": (False, _l("Subnational permit area")),
    "gps_available": (False, _l("GPS available on board")),
    "satellite_tracking_authority": (False, _l("Satellite tracking authority")),
    "vessel_public_registry": (False, _l("Vessel public registry")),
    "fishery_improvement_project": (False, _l("Fishery improvement project")),
}
#: What to say when a required catch data field is missing.
CATCH_MISSING = {
    "catch_area": _l("Enter the FAO major fishing area (e.g. 71)."),
    "economic_zone": _l("Enter the economic zone (e.g. VNM EEZ, or high seas)."),
    # TRANSLATORS: ISSCFG is the FAO gear classification; LHP is its code for hand lines.
    "gear_type": _l("Enter the fishing gear type (ISSCFG, e.g. LHP hand lines and poles)."),
    "trip_start": _l("Enter the trip start date."),
    "trip_end": _l("Enter the trip end date."),
    "landing_port": _l("Enter the landing port."),
}


def not_open_message(lot: Lot, action: str) -> str:
    """Why a closed or recalled lot refuses to take, withdraw or close contributions."""
    closed = lot.status == LotStatus.CLOSED
    if action == "contribute":
        if closed:
            return _("Lot %(code)s is closed: it takes no more contributions.", code=lot.code)
        return _("Lot %(code)s is recalled: it takes no more contributions.", code=lot.code)
    if action == "void":
        if closed:
            return _("Lot %(code)s is closed: its contributions are final.", code=lot.code)
        return _("Lot %(code)s is recalled: its contributions are final.", code=lot.code)
    if closed:
        return _("Lot %(code)s is already closed.", code=lot.code)
    return _("Lot %(code)s is recalled: it cannot be closed.", code=lot.code)


def catch_facts(catch: dict[str, Any] | None) -> list[tuple[Any, str]]:
    """A lot's catch data for a reader: (label, value) pairs, dates in the reader's locale."""
    catch = catch or {}
    out: list[tuple[Any, str]] = []
    for key, (_required, label) in CATCH_FIELDS.items():
        value = catch.get(key)
        if value in (None, ""):
            continue
        if key in ("trip_start", "trip_end"):
            try:
                value = format_date(dt.date.fromisoformat(str(value)))
            except ValueError:
                value = str(value)
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif key in gdst_codes.URN_PREFIX and gdst_codes.to_urn(key, value):
            value = gdst_codes.label(key, str(gdst_codes.to_urn(key, value)))
        out.append((label, str(value)))
    return out


def production_type(product: Product) -> str:
    """crop, aquaculture or capture, from the product's category (tunables "categories")."""
    category = tunables.get("categories").get(product.category) or {}
    return category.get("production", "crop")


def zone_kinds_for(product: Product) -> list[str]:
    """The zone kinds a lot of this product may come from."""
    category = tunables.get("categories").get(product.category) or {}
    return list(category.get("zone_kinds") or [k.value for k in ZoneKind])


def quantity_field(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    """A positive quantity to three decimals, or None with the problem added under ``field``."""
    try:
        q = to_decimal(value)
    except ValueError:
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    if q <= 0:
        errors.setdefault(field, []).append(_("Must be more than zero."))
        return None
    if q >= Decimal("1e11"):
        errors.setdefault(field, []).append(_("This quantity is too large."))
        return None
    return q.quantize(Decimal("0.001"))


def unit_field(value: Any, field: str, errors: dict[str, list[str]]) -> str | None:
    """A known unit code, or None with the problem added under ``field``."""
    try:
        return check_unit(value)
    except UnitError as exc:
        errors.setdefault(field, []).append(str(exc))
        return None


def clean_catch_data(data: dict[str, Any] | None, errors: dict[str, list[str]]) -> dict[str, Any]:
    """Check the GDST catch data of a fishing lot; return the cleaned dict."""
    data = dict(data or {})
    unknown = sorted(set(data) - set(CATCH_FIELDS))
    for key in unknown:
        errors.setdefault(f"catch_data.{key}", []).append(_("Unknown catch data field."))
    out: dict[str, Any] = {}
    for key, (required, _label) in CATCH_FIELDS.items():
        value = data.get(key)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            if required:
                errors.setdefault(f"catch_data.{key}", []).append(str(CATCH_MISSING[key]))
            continue
        if key in ("trip_start", "trip_end"):
            try:
                value = dt.date.fromisoformat(str(value)).isoformat()
            except ValueError:
                errors.setdefault(f"catch_data.{key}", []).append(
                    # TRANSLATORS: YYYY-MM-DD is the ISO date form the API takes; keep it.
                    _("Write the date as YYYY-MM-DD.")
                )
                continue
        elif key == "gps_available":
            value = (
                value
                if isinstance(value, bool)
                else str(value).lower() in ("1", "yes", "true", "có", "co")
            )
        else:
            value = str(value)[:200]
        out[key] = value
    if out.get("trip_start") and out.get("trip_end") and out["trip_end"] < out["trip_start"]:
        errors.setdefault("catch_data.trip_end", []).append(_("The trip ends before it starts."))
    return out
