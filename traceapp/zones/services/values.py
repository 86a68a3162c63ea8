"""Reading a zone's input: dates, areas, the code scheme of each kind and the geometry as sent."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import TYPE_CHECKING, Any

from flask_babel import get_locale
from flask_babel import gettext as _

from traceapp import tunables
from traceapp.core import countries
from traceapp.errors import ValidationFailed
from traceapp.zones import geometry as geo
from traceapp.zones.models import (
    KIND_LABELS,
    ZoneKind,
)

if TYPE_CHECKING:
    pass


MAX_AREA_HA = decimal.Decimal("99999999")


AREA_PLACES = decimal.Decimal("0.0001")


def to_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime or ISO text (ValueError otherwise)."""
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value))


def to_area(value: Any) -> decimal.Decimal | None:
    """An area in hectares as a Decimal of four places (ValueError for a bool or non-finite)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError
    number = decimal.Decimal(str(value))
    if not number.is_finite():
        raise ValueError
    return number.quantize(AREA_PLACES, rounding=decimal.ROUND_HALF_UP)


def as_decimal_area(hectares: float | None) -> decimal.Decimal | None:
    """A computed area (float hectares) as stored: a Decimal of four places."""
    if hectares is None:
        return None
    return decimal.Decimal(str(round(hectares, 4))).quantize(AREA_PLACES)


def scheme_for(kind: ZoneKind | str, country: str | None = None) -> dict[str, Any]:
    """The code scheme (pattern, description, example) of a kind: the country profile's
    (``core/countries.py``) when it has one for the kind, else the domain settings'."""
    key = ZoneKind(kind).value
    own = countries.get(country).zone_schemes.get(key) if country else None
    if not own:
        return tunables.get("zone_schemes")[key]
    description = own.get("description") or ""
    if isinstance(description, dict):
        language = str(get_locale() or "")
        description = description.get(language) or description.get("en") or ""
    return {**own, "description": description}


def kind_label(kind: ZoneKind | str) -> str:
    """A kind in words, in the reader's language."""
    return str(KIND_LABELS[ZoneKind(kind)])


def off_scheme(kind: ZoneKind, code: str, scheme: dict[str, Any]) -> str:
    """Why a code does not fit its kind's scheme: one whole sentence per kind."""
    # A description from the settings file is shown as written; the defaults are translated.
    values = {"code": code, "description": str(scheme["description"]), "example": scheme["example"]}
    if kind == ZoneKind.PACKING_HOUSE:
        return _(
            "%(code)s does not follow the packing house code scheme: %(description)s "
            "(for example %(example)s).",
            **values,
        )
    if kind == ZoneKind.AQUACULTURE_FACILITY:
        return _(
            "%(code)s does not follow the aquaculture facility code scheme: "
            "%(description)s (for example %(example)s).",
            **values,
        )
    if kind == ZoneKind.FISHING_GROUND:
        return _(
            "%(code)s does not follow the fishing ground code scheme: %(description)s "
            "(for example %(example)s).",
            **values,
        )
    # TRANSLATORS: %(code)s is the code as typed; %(description)s explains the scheme (from
    # the settings) and %(example)s is a code that fits it.
    return _(
        "%(code)s does not follow the growing area code scheme: %(description)s "
        "(for example %(example)s).",
        **values,
    )


def bbox_for(kind: ZoneKind | str | None, country: str | None = None) -> list[float] | None:
    """Where a zone of this kind may lie: its country's box (Vietnam's from the settings),
    or anywhere for a fishing ground."""
    if kind is not None and ZoneKind(kind) == ZoneKind.FISHING_GROUND:
        return None
    profile = countries.get(country)
    if profile.code != countries.DEFAULT and profile.bbox:
        return list(profile.bbox)
    return list(tunables.get("vietnam_bbox"))


def normalise_geometry(
    value: Any, kind: ZoneKind | str | None, country: str | None = None
) -> dict[str, Any] | None:
    """The checked, rounded, oriented geometry (or None); ValidationFailed names 'geometry'."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return geo.normalise(value, bbox=bbox_for(kind, country))
    except geo.GeometryError as exc:
        raise ValidationFailed.field("geometry", str(exc)) from None


def read_geometry_upload(
    filename: str, content: bytes, field: str = "geometry_file"
) -> dict[str, Any]:
    """The geometry in an uploaded GeoJSON or KML file (checked later with the zone's kind)."""
    try:
        return geo.read_file(filename, content)
    except geo.GeometryError as exc:
        raise ValidationFailed.field(field, str(exc)) from None


def date_format_hint() -> str:
    # TRANSLATORS: the date format the API and the date fields read (year-month-day): keep
    # the example date as it is.
    """What to type in a date field, in the reader's language."""
    return _("Enter a date as 2025-03-31.")
