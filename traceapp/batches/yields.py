"""Yield plausibility: how much a zone can give in a season, against what lots declared."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from traceapp import tunables
from traceapp.batches.models import Contribution, Lot, ZoneYearMass
from traceapp.extensions import db
from traceapp.units import UNITS, convert
from traceapp.zones.models import Zone


def _norm(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").strip().lower())


def yield_rule(crop: str | None) -> dict[str, Any] | None:
    """The configured typical maximum yield for a crop or species name, if any."""
    name = _norm(crop)
    if not name:
        return None
    for key, rule in tunables.get("yields").items():
        names = {_norm(key)} | {_norm(n) for n in rule.get("names", [])}
        if name in names:
            return {"key": key, **rule}
    return None


def season(day: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The season containing ``day``: calendar-year blocks of ``months`` months [start, end)."""
    months = max(1, min(12, int(months)))
    index = (day.month - 1) // months
    start = dt.date(day.year, index * months + 1, 1)
    end_month = index * months + months + 1
    end = dt.date(day.year + 1, 1, 1) if end_month > 12 else dt.date(day.year, end_month, 1)
    return start, end


def zone_area_ha(zone: Zone) -> Decimal | None:
    """The area the yield is judged on: the declared area, else the computed one."""
    return zone.declared_area_ha if zone.declared_area_ha is not None else zone.computed_area_ha


@dataclass
class YieldCheck:
    """A zone's declared volume in one season against what its area can typically yield."""

    zone: Zone
    season_start: dt.date
    season_end: dt.date
    declared_kg: Decimal
    capacity_kg: Decimal
    max_kg_per_ha: Decimal
    lot_codes: list[str]

    @property
    def exceeded(self) -> bool:
        """True when more was declared than the area can yield."""
        return self.declared_kg > self.capacity_kg

    @property
    def ratio(self) -> Decimal:
        """Declared over capacity."""
        return (self.declared_kg / self.capacity_kg) if self.capacity_kg else Decimal(0)


def check_zone(zone: Zone, day: dt.date) -> YieldCheck | None:
    """The yield check of a zone for the season containing ``day`` (None if not applicable)."""
    rule = yield_rule(zone.crop)
    area = zone_area_ha(zone)
    if rule is None or area is None or area <= 0:
        return None
    start, end = season(day, rule.get("season_months", 12))
    rows = db.session.execute(
        sa.select(Contribution.quantity, Contribution.unit, Lot.code)
        .join(Lot, Lot.id == Contribution.lot_id)
        .where(
            Contribution.zone_id == zone.id,
            Contribution.voided_at.is_(None),
            Contribution.delivered_on >= start,
            Contribution.delivered_on < end,
        )
    ).all()
    total = Decimal(0)
    codes: list[str] = []
    for quantity, unit, code in rows:
        if UNITS.get(unit, ("",))[0] != "mass":
            continue  # pieces cannot be judged by weight per hectare
        total += convert(quantity, unit, "KGM")
        if code not in codes:
            codes.append(code)
    max_per_ha = Decimal(str(rule["max_kg_per_ha"]))
    return YieldCheck(
        zone=zone,
        season_start=start,
        season_end=end,
        declared_kg=total,
        capacity_kg=(area * max_per_ha).quantize(Decimal("0.1")),
        max_kg_per_ha=max_per_ha,
        lot_codes=codes,
    )


#: The area a yield is judged on (see :func:`zone_area_ha`), in SQL.
_AREA = sa.func.coalesce(Zone.declared_area_ha, Zone.computed_area_ha)


def lot_warnings(lot: Lot) -> list[YieldCheck]:
    """Zones behind this lot whose season volume exceeds what their area can yield.

    Set-based: the lot's (zone, season) pairs, then every zone's declared volume per season
    summed in one query; only the seasons that come near their capacity are checked in
    detail (:func:`check_zone`, which names the lots)."""
    candidates = _candidate_zones(lot)
    if not candidates:
        return []
    # Each (zone, delivery day) once, with what the check needs of the zone (not its outline);
    # of the candidate zones only, unless they are too many to name (the detailed check
    # below then sorts them out).
    only = Contribution.zone_id.in_(candidates) if len(candidates) <= 500 else sa.true()
    pairs = db.session.execute(
        sa.select(Contribution.zone_id, Contribution.delivered_on, Zone.crop, _AREA.label("area"))
        .join(Zone, Zone.id == Contribution.zone_id)
        .where(Contribution.lot_id == lot.id, Contribution.voided_at.is_(None), only)
        .group_by(Contribution.zone_id, Contribution.delivered_on, Zone.crop, _AREA)
        .order_by(Contribution.zone_id, Contribution.delivered_on)
    ).all()
    rules = {crop: yield_rule(crop) for crop in {crop for _, _, crop, _ in pairs}}
    wanted: dict[tuple[int, dt.date], dt.date] = {}
    capacity: dict[int, Decimal] = {}
    for zone_id, day, crop, area in pairs:
        rule = rules[crop]
        if rule is None or area is None or area <= 0:
            continue
        start, end = season(day, rule.get("season_months", 12))
        wanted.setdefault((zone_id, start), end)
        capacity[zone_id] = Decimal(str(area)) * Decimal(str(rule["max_kg_per_ha"]))
    if not wanted:
        return []
    declared = _declared_kg(wanted)
    near = [
        (zone_id, start)
        for zone_id, start in wanted
        # A margin: the sums of a database without decimal arithmetic (SQLite) may be a
        # hair off; the detailed check decides.
        if declared.get((zone_id, start), Decimal(0)) >= capacity[zone_id] * Decimal("0.999")
    ]
    zones = _zones({zone_id for zone_id, _ in near})
    checks = []
    for zone_id, start in near:
        result = check_zone(zones[zone_id], start)
        if result is not None and result.exceeded:
            checks.append(result)
    return checks


def _candidate_zones(lot: Lot) -> list[int]:
    """The lot's zones that may have a season over capacity: those whose declared kilograms
    (all lots together) over the calendar years of the lot's deliveries reach their
    capacity for one season. A season lies within a calendar year, so no other zone can
    exceed; the database sums one figure per zone and returns only these few, whatever the
    number of the lot's deliveries."""
    given = sa.and_(Contribution.lot_id == lot.id, Contribution.voided_at.is_(None))
    lot_zones = sa.select(Contribution.zone_id).where(given)
    crops = db.session.execute(
        sa.select(Zone.crop).where(Zone.id.in_(lot_zones)).distinct()
    ).scalars()
    rules = {crop: rule for crop in crops if (rule := yield_rule(crop)) is not None}
    if not rules:
        return []
    first, last = db.session.execute(
        sa.select(
            sa.func.min(Contribution.delivered_on), sa.func.max(Contribution.delivered_on)
        ).where(given)
    ).one()
    if first is None:
        return []
    if isinstance(first, str):  # a bare aggregate on SQLite is not typed
        first, last = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    # The kept kilograms per zone and calendar year (batches/zone_mass.py), summed over the
    # years of the lot's deliveries: a few rows per zone, whatever the number of deliveries.
    declared = (
        sa.select(
            ZoneYearMass.zone_id.label("zone_id"),
            sa.func.sum(ZoneYearMass.milligrams).label("mg"),
        )
        .where(
            ZoneYearMass.zone_id.in_(lot_zones),
            ZoneYearMass.year >= first.year,
            ZoneYearMass.year <= last.year,
        )
        .group_by(ZoneYearMass.zone_id)
        .subquery()
    )
    max_per_ha = sa.case(
        *[(Zone.crop == crop, Decimal(str(rule["max_kg_per_ha"]))) for crop, rule in rules.items()],
        else_=None,
    )
    return list(
        db.session.execute(
            sa.select(declared.c.zone_id)
            .join(Zone, Zone.id == declared.c.zone_id)
            # The same margin as below (the capacity's area may be a binary float on SQLite);
            # in milligrams.
            .where(declared.c.mg >= _AREA * max_per_ha * Decimal("999000"))
            .order_by(declared.c.zone_id)
        ).scalars()
    )


def _zones(ids: set[int]) -> dict[int, Zone]:
    found: dict[int, Zone] = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), 500):
        found.update(
            (z.id, z)
            for z in db.session.execute(
                sa.select(Zone).where(Zone.id.in_(ordered[i : i + 500]))
            ).scalars()
        )
    return found


def _declared_kg(wanted: dict[tuple[int, dt.date], dt.date]) -> dict[tuple[int, dt.date], Decimal]:
    """Kilograms declared per (zone, season start) for the wanted seasons, summed by the
    database per zone, day and unit."""
    starts = {key: key[1] for key in wanted}
    low = min(starts.values())
    high = max(wanted.values())
    zone_ids = sorted({zone_id for zone_id, _ in wanted})
    bounds: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for (zone_id, start), end in wanted.items():
        bounds.setdefault(zone_id, []).append((start, end))
    totals: dict[tuple[int, dt.date], Decimal] = {}
    for i in range(0, len(zone_ids), 500):
        rows = db.session.execute(
            sa.select(
                Contribution.zone_id,
                Contribution.delivered_on,
                Contribution.unit,
                sa.func.sum(Contribution.quantity),
            )
            .where(
                Contribution.zone_id.in_(zone_ids[i : i + 500]),
                Contribution.voided_at.is_(None),
                Contribution.delivered_on >= low,
                Contribution.delivered_on < high,
            )
            .group_by(Contribution.zone_id, Contribution.delivered_on, Contribution.unit)
        ).all()
        for zone_id, day, unit, quantity in rows:
            if UNITS.get(unit, ("",))[0] != "mass" or quantity is None:
                continue
            for start, end in bounds[zone_id]:
                if start <= day < end:
                    key = (zone_id, start)
                    kg = convert(Decimal(str(quantity)), unit, "KGM")
                    totals[key] = totals.get(key, Decimal(0)) + kg
    return totals


def overclaimed(zone_ids: list[int] | None = None) -> list[YieldCheck]:
    """Every (zone, season) whose declared volume exceeds its capacity, optionally for some
    zones only (the authority's scope)."""
    stmt = (
        sa.select(Contribution.zone_id, Contribution.delivered_on)
        .where(Contribution.voided_at.is_(None))
        .distinct()
    )
    if zone_ids is not None:
        if not zone_ids:
            return []
        stmt = stmt.where(Contribution.zone_id.in_(zone_ids))
    found: dict[tuple[int, dt.date], YieldCheck] = {}
    zones: dict[int, Zone] = {}
    for zone_id, day in db.session.execute(stmt).all():
        zone = zones.get(zone_id) or db.session.get_one(Zone, zone_id)
        zones[zone_id] = zone
        rule = yield_rule(zone.crop)
        if rule is None:
            continue
        start, _ = season(day, rule.get("season_months", 12))
        if (zone_id, start) in found:
            continue
        result = check_zone(zone, day)
        if result is not None:
            found[(zone_id, start)] = result
    return [r for r in found.values() if r.exceeded]
