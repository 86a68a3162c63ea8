"""Overlaps between zones that claim ground, and the area check shown beside them.

Overlaps are kept between zones of the same kind whose status is submitted, approved or
suspended ("active"): a submitted code is included so the auditor sees a conflicting claim
before deciding, and a suspended one because it can be reinstated without a new check.
Drafts, rejected, revoked and expired codes claim no ground.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import sqlalchemy as sa

from traceapp import tunables
from traceapp.audit import services as audit
from traceapp.extensions import db
from traceapp.zones import geometry as geo
from traceapp.zones.models import (
    Zone,
    ZoneOverlap,
    ZoneStatus,
)
from traceapp.zones.services.status import ACTIVE_STATUSES
from traceapp.zones.services.values import AREA_PLACES, as_decimal_area

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


# An arbitrary constant naming the PostgreSQL advisory lock that serialises overlap checks.
_OVERLAP_LOCK_KEY = 730_100_3


@dataclass(frozen=True)
class Overlap:
    """Another active zone of the same kind sharing ground with this one."""

    zone_id: int
    code: str
    status: ZoneStatus
    cooperative_id: int
    overlap_ha: decimal.Decimal


def _lock_overlaps() -> None:
    # Two requests saving overlapping zones at once must not both miss each other; SQLite's
    # single writer already serialises them.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _OVERLAP_LOCK_KEY}
        )


def _overlap_codes(zone_id: int) -> list[str]:
    return sorted(
        db.session.execute(
            sa.select(Zone.code)
            .join(ZoneOverlap, ZoneOverlap.other_zone_id == Zone.id)
            .where(ZoneOverlap.zone_id == zone_id)
        ).scalars()
    )


def refresh_overlaps(actor: Actor, zone: Zone) -> list[Overlap]:
    """Recompute the zone's overlap flags (both directions) from its geometry and status."""
    _lock_overlaps()
    # A declarative class's __table__ is typed as any FromClause; this one is a Table.
    table = cast(sa.Table, ZoneOverlap.__table__)
    before = _overlap_codes(zone.id)
    db.session.execute(
        sa.delete(table).where(sa.or_(table.c.zone_id == zone.id, table.c.other_zone_id == zone.id))
    )
    rows = []
    if zone.status in ACTIVE_STATUSES and zone.geometry and zone.geometry["type"] != "Point":
        candidates = db.session.execute(
            sa.select(Zone).where(
                Zone.id != zone.id,
                Zone.kind == zone.kind,
                Zone.status.in_([s.value for s in ACTIVE_STATUSES]),
                Zone.min_lon <= zone.max_lon,
                Zone.max_lon >= zone.min_lon,
                Zone.min_lat <= zone.max_lat,
                Zone.max_lat >= zone.min_lat,
            )
        ).scalars()
        for other in candidates:
            if not other.geometry:
                continue
            shared = geo.overlap_ha(zone.geometry, other.geometry)
            if shared > 0:
                amount = max(as_decimal_area(shared) or AREA_PLACES, AREA_PLACES)
                rows.append({"zone_id": zone.id, "other_zone_id": other.id, "overlap_ha": amount})
                rows.append({"zone_id": other.id, "other_zone_id": zone.id, "overlap_ha": amount})
    if rows:
        db.session.execute(sa.insert(table), rows)
    after = _overlap_codes(zone.id)
    if before != after:
        audit.record(
            actor,
            "zone.overlaps",
            zone,
            changes={"overlaps": {"before": before, "after": after}},
            summary=f"{zone.code} overlaps {', '.join(after) or 'no other zone'}",
        )
    return overlaps_of(zone)


def overlaps_of(zone: Zone) -> list[Overlap]:
    """The active zones sharing ground with this one, largest overlap first."""
    rows = db.session.execute(
        sa.select(Zone.id, Zone.code, Zone.status, Zone.cooperative_id, ZoneOverlap.overlap_ha)
        .join(ZoneOverlap, ZoneOverlap.other_zone_id == Zone.id)
        .where(ZoneOverlap.zone_id == zone.id)
        .order_by(ZoneOverlap.overlap_ha.desc(), Zone.code)
    ).all()
    return [
        Overlap(r.id, r.code, ZoneStatus(r.status), r.cooperative_id, decimal.Decimal(r.overlap_ha))
        for r in rows
    ]


def area_check(zone: Zone) -> geo.AreaCheck:
    """Computed vs declared area, and the EU point-or-polygon warning, for display."""
    return geo.check_area(
        zone.geometry,
        zone.declared_area_ha,
        float(tunables.get("area_tolerance")),
        zone.computed_area_ha,
    )
