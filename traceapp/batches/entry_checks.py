"""Checks at entry: what a contribution is checked against the moment it is typed.

Two kinds of finding. A *blocking* problem (a packing house named as where a harvest came
from, a member not registered on the zone) is refused with its reason, like the rules of
``contributions.contribution_problems`` (zone status and validity, membership, grant of use
of the mark). An *implausible* one (more than the zone's area typically yields in a season)
is recorded only once the person entering it confirms it with a reason; the contribution
keeps what was found and the reason, and the auditors see it among their flags
(``authority/entry_flags.py``, kind "implausible_entry").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from traceapp.batches import yields
from traceapp.batches.models import Lot
from traceapp.batches.rules import zone_kinds_for
from traceapp.cooperatives.models import Member
from traceapp.errors import ValidationFailed
from traceapp.products.models import Product
from traceapp.units import UNITS, convert
from traceapp.zones.models import KIND_LABELS, Zone, ZoneKind

#: The zone kinds a harvest or a catch can come from; a packing house only handles produce.
HARVEST_ORIGIN_KINDS = (
    ZoneKind.GROWING_AREA.value,
    ZoneKind.AQUACULTURE_FACILITY.value,
    ZoneKind.FISHING_GROUND.value,
)
#: Shortest reason accepted with a confirmation.
REASON_MIN = 5
REASON_MAX = 1000


def origin_kinds(product: Product) -> list[str]:
    """The zone kinds a member's delivery of this product may come from."""
    return [k for k in zone_kinds_for(product) if k in HARVEST_ORIGIN_KINDS]


def origin_problems(member: Member | None, zone: Zone | None) -> dict[str, list[str]]:
    """Blocking problems of a delivery's origin: the zone's kind, the member's registration."""
    errors: dict[str, list[str]] = {}
    if zone is None:
        return errors
    if zone.kind.value not in HARVEST_ORIGIN_KINDS:
        # TRANSLATORS: %(kind)s is the zone's kind (Packing house).
        errors["zone_id"] = [
            _(
                "Zone %(code)s is a %(kind)s, not where a harvest or catch comes from: choose "
                "a growing area, an aquaculture facility or a fishing ground.",
                code=zone.code,
                kind=str(KIND_LABELS.get(zone.kind, zone.kind.value)).lower(),
            )
        ]
        return errors
    if member is not None and all(m.id != member.id for m in zone.members):
        errors["member_id"] = [
            _(
                "%(name)s is not registered on zone %(code)s: add the household to the zone, "
                "or choose one of the member's zones.",
                name=member.full_name,
                code=zone.code,
            )
        ]
    return errors


def _kg(quantity: Decimal, unit: str) -> Decimal | None:
    if UNITS.get(unit, ("",))[0] != "mass":
        return None  # pieces cannot be judged by weight per hectare
    return convert(quantity, unit, "KGM")


def yield_warning(zone: Zone, quantity: Decimal, unit: str, day: dt.date) -> dict[str, Any] | None:
    """The finding when this delivery takes the zone's season beyond area x typical yield."""
    rule = yields.yield_rule(zone.crop)
    area = yields.zone_area_ha(zone)
    kg = _kg(quantity, unit)
    if rule is None or area is None or area <= 0 or kg is None:
        return None
    check = yields.check_zone(zone, day)
    already = check.declared_kg if check is not None else Decimal(0)
    per_ha = Decimal(str(rule.get("typical_kg_per_ha") or rule["max_kg_per_ha"]))
    capacity = (area * per_ha).quantize(Decimal("0.1"))
    total = already + kg
    if total <= capacity:
        return None
    start, end = yields.season(day, rule.get("season_months", 12))
    return {
        "code": "yield",
        "zone_code": zone.code,
        "area_ha": str(area),
        "kg_per_ha": str(per_ha),
        "capacity_kg": str(capacity),
        "season_start": start.isoformat(),
        "season_end": end.isoformat(),
        "declared_kg": str(total.quantize(Decimal("0.001"))),
        "entry_kg": str(kg.quantize(Decimal("0.001"))),
    }


def implausible(
    lot: Lot, zone: Zone, quantity: Decimal, unit: str, day: dt.date
) -> list[dict[str, Any]]:
    """Every implausible finding of a delivery (empty when nothing needs a confirmation)."""
    # The lot's own quantity is not judged here: closing refuses a lot whose contributions do
    # not add up to it (closing.py), and a weighing station fills a lot before it is counted.
    found = [yield_warning(zone, quantity, unit, day)]
    return [w for w in found if w is not None]


def describe(warning: dict[str, Any]) -> str:
    """A finding as a sentence in the reader's language."""
    if warning.get("code") == "yield":
        # TRANSLATORS: the area is in hectares; kg figures are already formatted.
        return _(
            "Zone %(code)s would then have %(declared)s kg in the season %(start)s - %(end)s, "
            "more than its %(area)s ha typically yield (%(capacity)s kg at %(per_ha)s kg/ha).",
            code=warning["zone_code"],
            declared=format_decimal(Decimal(warning["declared_kg"]), format="#,##0"),
            start=format_date(dt.date.fromisoformat(warning["season_start"])),
            end=format_date(dt.date.fromisoformat(warning["season_end"]) - dt.timedelta(days=1)),
            area=format_decimal(Decimal(warning["area_ha"]), format="#,##0.##"),
            capacity=format_decimal(Decimal(warning["capacity_kg"]), format="#,##0"),
            per_ha=format_decimal(Decimal(warning["kg_per_ha"]), format="#,##0"),
        )
    return str(warning.get("code", ""))


def confirmed(warnings: list[dict[str, Any]], confirm: bool, reason: str | None) -> str | None:
    """The confirmation's reason when the findings are confirmed; raises 422 otherwise.

    The error names the quantity (what was found) and the confirmation fields (what to do).
    """
    if not warnings:
        return None
    reason = (reason or "").strip()
    if confirm and len(reason) >= REASON_MIN:
        return reason[:REASON_MAX]
    errors: dict[str, list[str]] = {"quantity": [describe(w) for w in warnings]}
    if not confirm:
        errors["confirm_implausible"] = [
            _("Check the quantity; if it is right, confirm it and say why.")
        ]
    if len(reason) < REASON_MIN:
        errors["confirmation_reason"] = [
            _(
                "Say why this quantity is right (at least %(n)d characters): the auditors "
                "will read it.",
                n=REASON_MIN,
            )
        ]
    raise ValidationFailed(
        _("This quantity looks implausible: confirm it with a reason, or correct it."), errors
    )
