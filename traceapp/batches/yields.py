"""Yield plausibility: how much a zone can give in a season, against what lots declared."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from traceapp import tunables
from traceapp.batches.models import Contribution, Lot
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


def lot_warnings(lot: Lot) -> list[YieldCheck]:
    """Zones behind this lot whose season volume exceeds what their area can yield."""
    checks = []
    seen: set[tuple[int, dt.date]] = set()
    for c in db.session.execute(
        sa.select(Contribution).where(
            Contribution.lot_id == lot.id, Contribution.voided_at.is_(None)
        )
    ).scalars():
        result = check_zone(c.zone, c.delivered_on)
        if result is None or (c.zone_id, result.season_start) in seen:
            continue
        seen.add((c.zone_id, result.season_start))
        if result.exceeded:
            checks.append(result)
    return checks


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
