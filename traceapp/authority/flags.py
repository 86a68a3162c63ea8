"""Flags for the authority: each rule is one query over the console scope, nothing is stored.

A flag names its zone and/or lot, so the console links it to its evidence. "Unknown serial"
scans are the exception: a serial that never existed names no lot, cooperative or province,
so every console user sees the same list of them (it reveals no cooperative's data).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date, format_decimal, format_number, format_percent, ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from traceapp import tunables
from traceapp.authority.scope import Scope, cooperative_ids, event_declared_wrong
from traceapp.batches import yields
from traceapp.batches.models import Contribution, Lot, LotStatus, Recall, TraceEvent
from traceapp.database import local_date, local_today
from traceapp.extensions import db
from traceapp.labels.models import Label
from traceapp.public.clone import describe_flag
from traceapp.public.models import LabelScan
from traceapp.units import UNITS, convert
from traceapp.zones import services as zones
from traceapp.zones.models import (
    SCHEME_LABELS,
    CertificationScheme,
    Zone,
    ZoneCertification,
    ZoneOverlap,
)

#: Every rule, in the order the list shows them.
FLAG_KINDS = (
    "overclaimed",
    "borrowed_code",
    "overlap",
    "area_mismatch",
    "certification_expired",
    "cloned_labels",
    "unknown_serials",
    "recalled_lot",
)
#: Rules about a zone: a zone with one of these counts as "flagged" in the register.
ZONE_KINDS = frozenset(
    {"overclaimed", "borrowed_code", "overlap", "area_mismatch", "certification_expired"}
)


@dataclass
class Flag:
    """One thing an auditor should look at, with what it is about and the figures behind it."""

    kind: str
    message: str
    zone_id: int | None = None
    zone_code: str | None = None
    lot_id: int | None = None
    lot_code: str | None = None
    cooperative_id: int | None = None
    since: dt.date | None = None
    details: dict[str, Any] = field(default_factory=dict)


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


def _overclaimed(scope: Scope, zone_ids: Any) -> list[Flag]:
    out = []
    for check in yield_checks(zone_ids):
        if not check.exceeded:
            continue
        zone = check.zone
        out.append(
            Flag(
                "overclaimed",
                # TRANSLATORS: %(share)s is the declared volume as a percentage of what the area
                # can yield, already formatted ("163%").
                _(
                    "%(code)s: %(declared)s kg declared in the season from %(start)s, but its area "
                    "can yield about %(capacity)s kg (%(share)s).",
                    code=zone.code,
                    declared=format_decimal(check.declared_kg, format="#,##0"),
                    capacity=format_decimal(check.capacity_kg, format="#,##0"),
                    start=format_date(check.season_start),
                    share=format_percent(check.ratio),
                ),
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
            )
        )
    return out


# --- codes claimed by another cooperative -------------------------------------------------------


def _borrowed(scope: Scope, zone_ids: Any) -> list[Flag]:
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
        Flag(
            "borrowed_code",
            _(
                "%(code)s was claimed by lot %(lot)s of a cooperative that does not hold the code.",
                code=zcode,
                lot=lcode,
            ),
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
        for (zid, zcode, zcoop, lid, lcode, lcoop), (first, through) in sorted(
            claims.items(), key=lambda item: (item[0][1], item[0][4])
        )
    ]


# --- overlaps -----------------------------------------------------------------------------------


def _overlaps(scope: Scope, zone_ids: Any) -> list[Flag]:
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
        if pair in seen:
            continue  # stored in both directions; list each pair once
        seen.add(pair)
        out.append(
            Flag(
                "overlap",
                _(
                    "%(code)s and %(other)s share %(ha)s ha of ground.",
                    code=code,
                    other=other_code,
                    ha=format_decimal(decimal.Decimal(str(ha)), format="#,##0.0000"),
                ),
                zone_id=zid,
                zone_code=code,
                cooperative_id=coop,
                since=detected.date() if detected else None,
                details={
                    "other_zone_code": other_code,
                    "overlap_ha": str(decimal.Decimal(str(ha))),
                },
            )
        )
    return out


# --- area ---------------------------------------------------------------------------------------


def _area(scope: Scope, zone_ids: Any) -> list[Flag]:
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
            Flag(
                "area_mismatch",
                _(
                    "%(code)s is declared as %(declared)s ha; its outline measures "
                    "%(computed)s ha.",
                    code=code,
                    declared=format_decimal(dec, format="#,##0.00"),
                    computed=format_decimal(comp, format="#,##0.00"),
                ),
                zone_id=zid,
                zone_code=code,
                cooperative_id=coop,
                details={"declared_ha": str(dec), "computed_ha": str(comp)},
            )
        )
    return out


# --- certifications -----------------------------------------------------------------------------


def _certifications(scope: Scope, zone_ids: Any, today: dt.date) -> list[Flag]:
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
        Flag(
            "certification_expired",
            # TRANSLATORS: %(scheme)s names the certification scheme: VietGAP,
            # GlobalGAP, "Organic" or "Other" (translated on its own).
            _(
                "%(code)s: certificate %(number)s (%(scheme)s) expired on %(date)s.",
                code=code,
                number=number,
                scheme=SCHEME_LABELS[CertificationScheme(getattr(scheme, "value", scheme))],
                date=format_date(expires),
            ),
            zone_id=zid,
            zone_code=code,
            cooperative_id=coop,
            since=expires,
            details={"scheme": getattr(scheme, "value", scheme), "number": number},
        )
        for zid, code, coop, scheme, number, expires in rows
    ]


# --- labels and lots ----------------------------------------------------------------------------


def _lot_filter(scope: Scope, zone_ids: Any, column: Any) -> sa.ColumnElement[bool]:
    if zone_ids is None:
        return column.in_(scope.lot_ids()) if scope.mode != "all" else sa.true()
    # Lots of particular zones: claimants of those zones (a zone's own page).
    return column.in_(
        sa.select(Contribution.lot_id).where(
            Contribution.zone_id.in_(zone_ids), Contribution.voided_at.is_(None)
        )
    )


def _cloned(scope: Scope, zone_ids: Any) -> list[Flag]:
    rows = db.session.execute(
        sa.select(
            Lot.id,
            Lot.code,
            Lot.cooperative_id,
            sa.func.count(Label.id),
            sa.func.min(Label.flagged_at),
            sa.func.min(Label.flag_reason),
        )
        .join(Label, Label.lot_id == Lot.id)
        .where(Label.flag_open_clause(), _lot_filter(scope, zone_ids, Lot.id))
        .group_by(Lot.id, Lot.code, Lot.cooperative_id)
        .order_by(Lot.code)
    ).all()
    return [
        Flag(
            "cloned_labels",
            # TRANSLATORS: %(count)s is the number of labels; %(reason)s is a sentence
            # saying why one of them was flagged, e.g. "Scanned by more than 8 different
            # clients."
            ngettext(
                "Lot %(lot)s: %(count)s label flagged by the scan checks. %(reason)s",
                "Lot %(lot)s: %(count)s labels flagged by the scan checks. %(reason)s",
                count,
                lot=code,
                count=format_number(count),
                reason=describe_flag(reason),
            ).strip(),
            lot_id=lid,
            lot_code=code,
            cooperative_id=coop,
            since=first.date() if first else None,
            details={"labels": count, "example_reason": reason},
        )
        for lid, code, coop, count, first, reason in rows
    ]


def _recalled(scope: Scope, zone_ids: Any) -> list[Flag]:
    rows = db.session.execute(
        sa.select(Lot.id, Lot.code, Lot.cooperative_id, Recall.decided_at)
        .outerjoin(Recall, Recall.id == Lot.recall_id)
        .where(Lot.status == LotStatus.RECALLED, _lot_filter(scope, zone_ids, Lot.id))
        .order_by(Lot.code)
    ).all()
    return [
        Flag(
            "recalled_lot",
            _("Lot %(lot)s was recalled.", lot=code),
            lot_id=lid,
            lot_code=code,
            cooperative_id=coop,
            since=at.date() if at else None,
        )
        for lid, code, coop, at in rows
    ]


def _unknown_in(scope: Scope) -> sa.ColumnElement[bool]:
    """Unknown-serial scans an auditor sees: those made under a product of a cooperative of
    the region, and those that name no product at all (short links: nobody's in particular)."""
    clause = LabelScan.outcome == "unknown"
    if scope.mode == "all":
        return clause
    return sa.and_(
        clause,
        sa.or_(
            LabelScan.cooperative_id.is_(None), LabelScan.cooperative_id.in_(cooperative_ids(scope))
        ),
    )


def _unknown_message(scans: int, serials: int) -> str:
    """How many scans of how many never-issued serials, in whole sentences."""
    if serials == 1:
        return ngettext(
            "%(count)s scan of a serial that was never issued: the label may be counterfeit.",
            "%(count)s scans of a serial that was never issued: the label may be counterfeit.",
            scans,
            count=format_number(scans),
        )
    # Two serials or more, so two scans or more: both numbers are plural in every language
    # the catalogs hold.
    return _(
        "%(scans)s scans of %(serials)s serials that were never issued: labels may be counterfeit.",
        scans=format_number(scans),
        serials=format_number(serials),
    )


def _unknown_serials(scope: Scope) -> list[Flag]:
    row = db.session.execute(
        sa.select(
            sa.func.count(LabelScan.id),
            sa.func.count(sa.distinct(LabelScan.unknown_serial)),
            sa.func.min(LabelScan.scanned_at),
            sa.func.max(LabelScan.scanned_at),
        ).where(_unknown_in(scope))
    ).one()
    scans, serials, first, last = row
    if not scans:
        return []
    return [
        Flag(
            "unknown_serials",
            _unknown_message(scans, serials),
            since=first.date() if first else None,
            details={
                "scans": scans,
                "serials": serials,
                "last_scanned_at": last.isoformat() if last else None,
            },
        )
    ]


# --- together -----------------------------------------------------------------------------------


def compute_flags(
    scope: Scope, *, zone: Zone | None = None, kinds: Any = None, today: dt.date | None = None
) -> list[Flag]:
    """Every flag in scope (or about one zone), rule by rule, in FLAG_KINDS order."""
    if not scope.is_console_user:
        return []
    today = today or local_today()
    wanted = set(kinds or FLAG_KINDS)
    zone_ids: Any = [zone.id] if zone is not None else scope.zone_ids()
    lot_zone_ids = [zone.id] if zone is not None else None
    rules = {
        "overclaimed": lambda: _overclaimed(scope, zone_ids),
        "borrowed_code": lambda: _borrowed(scope, zone_ids),
        "overlap": lambda: _overlaps(scope, zone_ids),
        "area_mismatch": lambda: _area(scope, zone_ids),
        "certification_expired": lambda: _certifications(scope, zone_ids, today),
        "cloned_labels": lambda: _cloned(scope, lot_zone_ids),
        "unknown_serials": lambda: [] if zone is not None else _unknown_serials(scope),
        "recalled_lot": lambda: _recalled(scope, lot_zone_ids),
    }
    out: list[Flag] = []
    for kind in FLAG_KINDS:
        if kind in wanted:
            out.extend(rules[kind]())
    return out


def flagged_zone_ids(scope: Scope, today: dt.date | None = None) -> list[int]:
    """Ids of zones in scope with at least one zone flag (the register's "flagged" filter)."""
    return sorted(
        {
            f.zone_id
            for f in compute_flags(scope, kinds=ZONE_KINDS, today=today)
            if f.zone_id is not None
        }
    )


def counts_by_kind(flags: list[Flag]) -> dict[str, int]:
    """How many flags of each kind, in FLAG_KINDS order (kinds without any left out)."""
    counts: dict[str, int] = defaultdict(int)
    for f in flags:
        counts[f.kind] += 1
    return {k: counts[k] for k in FLAG_KINDS if counts.get(k)}


def unknown_scans(scope: Scope, page: int = 1, per_page: int = 50) -> Any:
    """Serials scanned that were never issued: how often, first and last seen, newest first,
    and the product they were scanned under when the link named one."""
    from traceapp.products.models import Product
    from traceapp.web import paginate

    stmt = (
        sa.select(
            LabelScan.unknown_serial.label("serial"),
            sa.func.count(LabelScan.id).label("scans"),
            sa.func.min(LabelScan.scanned_at).label("first"),
            sa.func.max(LabelScan.scanned_at).label("last"),
            sa.func.max(Product.name).label("product"),
        )
        .outerjoin(Product, Product.id == LabelScan.product_id)
        .where(_unknown_in(scope))
        .group_by(LabelScan.unknown_serial)
        .order_by(sa.func.max(LabelScan.scanned_at).desc(), LabelScan.unknown_serial)
    )
    return paginate(stmt, page, per_page, scalars=False)
