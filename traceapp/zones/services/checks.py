"""Every check of a zone's data before it is saved, raised together with each field's problem."""

from __future__ import annotations

import decimal
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _

from traceapp.auth.permissions import scoped_refs
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.core import countries
from traceapp.core.choices import choice_words
from traceapp.core.columns import max_length
from traceapp.core.inputs import blank_to_none
from traceapp.database import local_today
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.zones import geometry as geo
from traceapp.zones.models import (
    ISSUE_FIELDS,
    MARKET_LABELS,
    TargetMarket,
    Zone,
    ZoneKind,
)
from traceapp.zones.services.values import (
    MAX_AREA_HA,
    as_decimal_area,
    date_format_hint,
    normalise_geometry,
    off_scheme,
    scheme_for,
    to_area,
    to_date,
)

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


ZONE_FIELDS = (
    "code",
    "kind",
    "name",
    "crop",
    *ISSUE_FIELDS,
    "declared_area_ha",
    "geometry",
    "member_ids",
    "notes",
)


#: What a cooperative may still change once a code is submitted (certifications have their
#: own service and may change too).
EDITABLE_WHEN_LOCKED = frozenset({"member_ids", "notes"})


#: What each text field may hold, read from its column (the notes, a TEXT column, declare
#: their bound in the column's info).
_MAX_LENGTHS = {
    key: max_length(getattr(Zone, key))
    for key in (
        "code",
        "name",
        "crop",
        "province",
        "district",
        "commune",
        "issuing_authority",
        "decision_number",
        "notes",
    )
}


def coerce(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Typed values from API/form input, and the problems of those that cannot be read."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, raw in data.items():
        if key not in ZONE_FIELDS:
            continue
        value = raw if key in ("geometry", "member_ids") else blank_to_none(raw)
        try:
            if key == "code" and value is not None:
                value = str(value).upper()
            elif key == "kind" and value is not None:
                value = ZoneKind(value)
            elif key == "target_market" and value is not None:
                value = TargetMarket(value)
            elif key in ("issued_on", "valid_from", "valid_until"):
                value = to_date(value)
            elif key == "declared_area_ha":
                value = to_area(value)
            elif key == "member_ids":
                value = sorted({int(v) for v in (value or [])})
        except (ValueError, TypeError, decimal.InvalidOperation):
            errors[key] = [_unreadable(key)]
            continue
        values[key] = value
    return values, errors


def _unreadable(key: str) -> str:
    """What to enter in a field whose value could not be read."""
    if key == "kind":
        return _("Choose growing area, packing house, aquaculture facility or fishing ground.")
    if key == "target_market":
        # TRANSLATORS: %(names)s lists the markets in words, each with the code the API
        # accepts: "Domestic (domestic), China (GACC) (china_gacc) or ...".
        return _(
            "Choose %(names)s.",
            names=choice_words((m.value, MARKET_LABELS.get(m, m.value)) for m in TargetMarket),
        )
    if key == "declared_area_ha":
        return _("Enter the area in hectares as a number, e.g. 2.5.")
    if key == "member_ids":
        return _("Choose members of the cooperative.")
    return date_format_hint()


def check_zone(
    actor: Actor,
    values: dict[str, Any],
    cooperative_id: int,
    existing: Zone | None,
    errors: dict[str, list[str]],
    registered: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Every problem of the merged zone data, raised together; returns derived columns.

    ``registered``: the ids of the zones holding the codes checked, when the caller (an
    import) has read them for many zones at once; otherwise each check asks the database."""

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    for key, limit in _MAX_LENGTHS.items():
        value = values.get(key)
        if isinstance(value, str) and len(value) > limit:
            add(key, _("At most %(n)d characters.", n=limit))
    kind = values.get("kind")
    code = values.get("code")
    coop = db.session.get(Cooperative, cooperative_id)
    country = coop.country if coop is not None else countries.DEFAULT
    if kind is None and "kind" not in errors:
        add("kind", _("Choose the kind of zone."))
    if not code:
        add("code", _("Enter the code as issued."))
    elif kind is not None and "code" not in errors:
        scheme = scheme_for(kind, country)
        if not re.fullmatch(scheme["pattern"], code):
            add("code", off_scheme(ZoneKind(kind), code, scheme))
        else:
            if registered is not None:
                holder = registered.get(code)
            else:
                holder = db.session.execute(sa.select(Zone.id).where(Zone.code == code)).scalar()
            if holder is not None and (existing is None or holder != existing.id):
                add("code", already_registered(code))
    if not values.get("province"):
        add("province", _("Enter the province named in the decision."))
    elif "province" in values and not countries.province_ok(country, values["province"]):
        add(
            "province",
            _(
                "%(name)s is not a province of %(country)s.",
                name=values["province"],
                country=countries.get(country).name(str(get_locale() or "")),
            ),
        )
    today = local_today()
    issued = values.get("issued_on")
    if issued and issued > today:
        add("issued_on", _("The issue date is in the future."))
    start, end = values.get("valid_from"), values.get("valid_until")
    if start and end and end < start:
        add("valid_until", _("The code cannot expire before its validity starts."))
    area = values.get("declared_area_ha")
    if area is not None and "declared_area_ha" not in errors:
        if area < 0:
            add("declared_area_ha", _("The area cannot be negative."))
        elif area > MAX_AREA_HA:
            add("declared_area_ha", _("The area is implausibly large."))
    derived: dict[str, Any] = {}
    if "geometry" not in errors and "kind" not in errors:
        try:
            shape = normalise_geometry(values.get("geometry"), kind, country)
        except ValidationFailed as exc:
            add("geometry", exc.message)
        else:
            derived["geometry"] = shape
            hectares = geo.area_ha(shape)
            if hectares is not None and hectares > float(MAX_AREA_HA):
                add("geometry", _("The outline is implausibly large for a zone."))
            derived["computed_area_ha"] = as_decimal_area(hectares)
            box = geo.bounds(shape) if shape else (None, None, None, None)
            derived.update(zip(("min_lon", "min_lat", "max_lon", "max_lat"), box, strict=True))
    if "member_ids" in values and "member_ids" not in errors:
        derived["members"] = _members(actor, values["member_ids"], cooperative_id, existing, errors)
    if errors:
        raise ValidationFailed(_("The zone code could not be saved."), errors)
    return derived


def already_registered(code: str) -> str:
    """The refusal of a code another zone holds."""
    return _("The code %(code)s is already registered.", code=code)


def _members(
    actor: Actor,
    ids: list[int],
    cooperative_id: int,
    existing: Zone | None,
    errors: dict[str, list[str]],
) -> list[Member]:
    """The cooperative's members with these ids; unknown ids and leavers are named."""
    found = scoped_refs(
        Member,
        ids,
        actor,
        "member_ids",
        errors,
        cooperative_id=cooperative_id,
        # The same words for another cooperative's member and a missing id.
        # TRANSLATORS: %(id)d is the member's number in the database, as sent.
        message=lambda ident: _("No member %(id)d in this cooperative.", id=ident),
    )
    already = {m.id for m in existing.members} if existing is not None else set()
    today = local_today()
    for ident in ids:
        member = found.get(ident)
        if member is not None and ident not in already and not member.is_member_on(today):
            errors.setdefault("member_ids", []).append(
                _("%(name)s is no longer a member.", name=member.full_name)
            )
    return [found[i] for i in ids if i in found]


def check_locked_zone(
    actor: Actor, values: dict[str, Any], zone: Zone, errors: dict[str, list[str]]
) -> dict[str, Any]:
    """Check the households and notes of a locked zone."""

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    notes = values.get("notes")
    if notes and len(notes) > _MAX_LENGTHS["notes"]:
        add("notes", _("At most %(n)d characters.", n=_MAX_LENGTHS["notes"]))
    derived: dict[str, Any] = {}
    if "member_ids" in values and "member_ids" not in errors:
        derived["members"] = _members(
            actor, values["member_ids"], zone.cooperative_id, zone, errors
        )
    if errors:
        raise ValidationFailed(_("The zone code could not be saved."), errors)
    return derived
