"""Flags about zone codes: yields over what a zone can grow, codes claimed by another
cooperative, overlaps, declared areas that do not match, expired certificates."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from traceapp import tunables
from traceapp.authority.flag_text import written
from traceapp.authority.models import Flag
from traceapp.authority.scope import Scope, event_declared_wrong
from traceapp.batches import yields
from traceapp.batches.models import Contribution, Lot, TraceEvent
from traceapp.database import local_date
from traceapp.extensions import db
from traceapp.units import UNITS, convert
from traceapp.zones import services as zones
from traceapp.zones.models import (
    Zone,
    ZoneCertification,
    ZoneOverlap,
)

# --- yield ------------------------------------------------------------------------------------


def yield_checks(zone_ids: list[int] | sa.Select[Any] | None) -> list[yields.YieldCheck]:
    """Every (zone, season) yield check for these zones from ONE grouped query.

    The same figures as :func:`traceapp.batches.yields.check_zone`, without a query per zone
    and season.
    """
    stmt = (
        sa.select(
            Contribution.zone_id,
            Contribution.delivered_on,
            Contribution.unit,
            Lot.code,
            sa.func.sum(Contribution.quantity),
        )
        .join(Lot, Lot.id == Contribution.lot_id)
        .where(Contribution.voided_at.is_(None))
        .group_by(Contribution.zone_id, Contribution.delivered_on, Contribution.unit, Lot.code)
        .order_by(Contribution.delivered_on, Lot.code)
    )
    if zone_ids is not None:
        stmt = stmt.where(Contribution.zone_id.in_(zone_ids))
    rows = db.session.execute(stmt).all()
    if not rows:
        return []
    zone_map = {
        z.id: z
        for z in db.session.execute(
            sa.select(Zone).where(Zone.id.in_({r[0] for r in rows}))
        ).scalars()
    }
    checks: dict[tuple[int, dt.date], yields.YieldCheck] = {}
    for zone_id, day, unit, code, quantity in rows:
        zone = zone_map[zone_id]
        rule = yields.yield_rule(zone.crop)
        area = yields.zone_area_ha(zone)
        if rule is None or area is None or area <= 0:
            continue
        start, end = yields.season(day, rule.get("season_months", 12))
        check = checks.get((zone_id, start))
        if check is None:
            per_ha = decimal.Decimal(str(rule["max_kg_per_ha"]))
            check = yields.YieldCheck(
                zone=zone,
                season_start=start,
                season_end=end,
                declared_kg=decimal.Decimal(0),
                capacity_kg=(area * per_ha).quantize(decimal.Decimal("0.1")),
                max_kg_per_ha=per_ha,
                lot_codes=[],
            )
            checks[(zone_id, start)] = check
        if UNITS.get(unit, ("",))[0] != "mass":
            continue  # pieces cannot be judged by weight per hectare
        check.declared_kg += convert(decimal.Decimal(str(quantity)), unit, "KGM")
        if code not in check.lot_codes:
            check.lot_codes.append(code)
    return list(checks.values())


def overclaimed(scope: Scope, zone_ids: Any) -> list[Flag]:
    """Zones whose lots claim more in a season than the zone can yield."""
    out = []
    for check in yield_checks(zone_ids):
        if not check.exceeded:
            continue
        zone = check.zone
        out.append(
            written(
                Flag(
                    "overclaimed",
                    "",
                    zone_id=zone.id,
                    zone_code=zone.code,
                    cooperative_id=zone.cooperative_id,
                    since=check.season_start,
                    details={
                        "season_start": check.season_start.isoformat(),
                        "season_end": check.season_end.isoformat(),
                        "declared_kg": str(check.declared_kg.quantize(decimal.Decimal("0.001"))),
                        "capacity_kg": str(check.capacity_kg),
                        "lots": check.lot_codes,
                    },
                    extra={"declared": str(check.declared_kg), "ratio": str(check.ratio)},
                )
            )
        )
    return out


# --- codes claimed by another cooperative -------------------------------------------------------


def borrowed(scope: Scope, zone_ids: Any) -> list[Flag]:
    """Zone codes in scope that lots of another cooperative claim."""
    # A lot claims a code through a member's contribution from the zone, or through an event
    # that names it as where the event took place (the readPoint of the lot's EPCIS history and
    # public page). The services refuse another cooperative's code in both; data imported or
    # recorded before that still can hold one. Voided contributions and events declared wrong
    # claim nothing.
    columns = (Zone.id, Zone.code, Zone.cooperative_id, Lot.id, Lot.code, Lot.cooperative_id)
    borrowed = Lot.cooperative_id != Zone.cooperative_id
    by_contribution = db.session.execute(
        sa.select(*columns, sa.func.min(Contribution.delivered_on))
        .join(Contribution, Contribution.zone_id == Zone.id)
        .join(Lot, Lot.id == Contribution.lot_id)
        .where(Zone.id.in_(zone_ids), Contribution.voided_at.is_(None), borrowed)
        .group_by(*columns)
    ).all()
    by_event = db.session.execute(
        sa.select(*columns, sa.func.min(TraceEvent.event_time))
        .join(TraceEvent, TraceEvent.zone_id == Zone.id)
        .join(Lot, Lot.id == TraceEvent.lot_id)
        .where(Zone.id.in_(zone_ids), ~event_declared_wrong(), borrowed)
        .group_by(*columns)
    ).all()
    claims: dict[tuple[Any, ...], tuple[dt.date, list[str]]] = {}
    for *key, first in by_contribution:
        claims[tuple(key)] = (first, ["contributions"])
    for *key, first_time in by_event:
        first = local_date(first_time)
        earlier, through = claims.get(tuple(key), (first, []))
        claims[tuple(key)] = (min(first, earlier), [*through, "events"])
    return [
        written(
            Flag(
                "borrowed_code",
                "",
                zone_id=zid,
                zone_code=zcode,
                lot_id=lid,
                lot_code=lcode,
                cooperative_id=lcoop,
                since=first,
                details={
                    "holder_cooperative_id": zcoop,
                    "claimant_cooperative_id": lcoop,
                    "through": through,
                },
            )
        )
        for (zid, zcode, zcoop, lid, lcode, lcoop), (first, through) in sorted(
            claims.items(), key=lambda item: (item[0][1], item[0][4])
        )
    ]


# --- overlaps -----------------------------------------------------------------------------------


def overlaps(scope: Scope, zone_ids: Any, both_ways: bool = False) -> list[Flag]:
    """Zones whose outline overlaps another zone's (each pair once, or ``both_ways``: from
    each zone's side, as kept figures need to list it for whichever zone is in scope)."""
    other = aliased(Zone)
    rows = db.session.execute(
        sa.select(
            Zone.id,
            Zone.code,
            Zone.cooperative_id,
            other.code,
            ZoneOverlap.other_zone_id,
            ZoneOverlap.overlap_ha,
            ZoneOverlap.detected_at,
        )
        .join(ZoneOverlap, ZoneOverlap.zone_id == Zone.id)
        .join(other, other.id == ZoneOverlap.other_zone_id)
        .where(Zone.id.in_(zone_ids))
        .order_by(Zone.code, other.code)
    ).all()
    seen: set[frozenset[int]] = set()
    out = []
    for zid, code, coop, other_code, other_id, ha, detected in rows:
        pair = frozenset((zid, other_id))
        if pair in seen and not both_ways:
            continue  # stored in both directions; list each pair once
        seen.add(pair)
        out.append(
            written(
                Flag(
                    "overlap",
                    "",
                    zone_id=zid,
                    zone_code=code,
                    cooperative_id=coop,
                    since=detected.date() if detected else None,
                    details={
                        "other_zone_code": other_code,
                        "overlap_ha": str(decimal.Decimal(str(ha))),
                    },
                    extra={"other_zone_id": other_id},
                )
            )
        )
    return out


# --- area ---------------------------------------------------------------------------------------


def area_mismatches(scope: Scope, zone_ids: Any) -> list[Flag]:
    """Zones whose declared area differs from their outline's beyond the tolerance."""
    tolerance = decimal.Decimal(str(tunables.get("area_tolerance")))
    declared, computed = Zone.declared_area_ha, Zone.computed_area_ha
    # The same rule as zones.geometry.check_area, in SQL: beyond the tolerance of a positive
    # declared area, or any area where zero was declared.
    rows = db.session.execute(
        sa.select(Zone.id, Zone.code, Zone.cooperative_id, declared, computed)
        .where(
            Zone.id.in_(zone_ids),
            declared.is_not(None),
            computed.is_not(None),
            sa.or_(
                sa.and_(declared > 0, sa.func.abs(computed - declared) > declared * tolerance),
                sa.and_(declared == 0, computed > 0),
            ),
        )
        .order_by(Zone.code)
    ).all()
    out = []
    for zid, code, coop, dec, comp in rows:
        dec, comp = decimal.Decimal(str(dec)), decimal.Decimal(str(comp))
        out.append(
            written(
                Flag(
                    "area_mismatch",
                    "",
                    zone_id=zid,
                    zone_code=code,
                    cooperative_id=coop,
                    details={"declared_ha": str(dec), "computed_ha": str(comp)},
                )
            )
        )
    return out


# --- certifications -----------------------------------------------------------------------------


def certifications_expired(scope: Scope, zone_ids: Any, today: dt.date) -> list[Flag]:
    """Zones whose certificate expired without a renewal of the same scheme."""
    renewed = aliased(ZoneCertification)
    rows = db.session.execute(
        sa.select(
            Zone.id,
            Zone.code,
            Zone.cooperative_id,
            ZoneCertification.scheme,
            ZoneCertification.number,
            ZoneCertification.expires_on,
        )
        .join(ZoneCertification, ZoneCertification.zone_id == Zone.id)
        .where(
            Zone.id.in_(zone_ids),
            Zone.status.in_([s.value for s in zones.ACTIVE_STATUSES]),
            ZoneCertification.expires_on.is_not(None),
            ZoneCertification.expires_on < today,
            # a renewal recorded as a new certificate of the same scheme clears the flag
            ~sa.exists().where(
                renewed.zone_id == Zone.id,
                renewed.scheme == ZoneCertification.scheme,
                sa.or_(renewed.expires_on.is_(None), renewed.expires_on >= today),
            ),
        )
        .order_by(Zone.code, ZoneCertification.expires_on)
    ).all()
    return [
        written(
            Flag(
                "certification_expired",
                "",
                zone_id=zid,
                zone_code=code,
                cooperative_id=coop,
                since=expires,
                details={"scheme": getattr(scheme, "value", scheme), "number": number},
            )
        )
        for zid, code, coop, scheme, number, expires in rows
    ]
