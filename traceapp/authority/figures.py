"""Figures the console keeps instead of computing them per request: the flags of the whole
platform, recomputed by a refresh (the worker's periodic maintenance, ``traceapp figures
refresh``, or a test) and read through the reader's scope, with the time they were made.

Until a first refresh there is nothing kept, and the console computes the flags itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from traceapp.authority.flag_text import message
from traceapp.authority.label_flags import _lot_filter
from traceapp.authority.models import FLAG_KINDS, FiguresRefreshed, Flag, FlagRow
from traceapp.authority.scope import Scope, cooperative_ids, event_declared_wrong
from traceapp.batches.models import Contribution, LotInput, TraceEvent
from traceapp.database import now_utc
from traceapp.extensions import db
from traceapp.zones.models import Zone

#: The name of the kept flags in figures_refreshed.
FLAGS = "flags"
#: Rules read from the raw tables on each request: scans of never-issued serials are few
#: and read through a partial index (and a region's sum of distinct serials is not a sum
#: of kept per-cooperative figures).
LIVE_KINDS = frozenset({"unknown_serials"})
KEPT_KINDS = tuple(k for k in FLAG_KINDS if k not in LIVE_KINDS)
LOT_KINDS = frozenset({"cloned_labels", "recalled_lot"})


def refreshed_at(name: str) -> dt.datetime | None:
    """When the figures called ``name`` were last made, or None if never."""
    row = db.session.get(FiguresRefreshed, name)
    return row.refreshed_at if row is not None else None


def mark_refreshed(name: str, at: dt.datetime | None = None) -> dt.datetime:
    """Note that the figures called ``name`` were made now (flushes only)."""
    at = at or now_utc()
    row = db.session.get(FiguresRefreshed, name)
    if row is None:
        db.session.add(FiguresRefreshed(name=name, refreshed_at=at))
    else:
        row.refreshed_at = at
    db.session.flush()
    return at


def store_flags(found: list[Flag]) -> int:
    """Replace the kept flags with ``found`` (computed over the whole platform, overlaps from
    both sides) and note the time; flushes only."""
    db.session.execute(sa.delete(FlagRow))
    rows = [
        {
            "kind": f.kind,
            "position": i,
            "zone_id": f.zone_id,
            "zone_code": f.zone_code,
            "lot_id": f.lot_id,
            "lot_code": f.lot_code,
            "cooperative_id": f.cooperative_id,
            "since": f.since,
            "details": f.details,
            "extra": f.extra,
        }
        for i, f in enumerate(found)
    ]
    if rows:
        db.session.execute(sa.insert(FlagRow), rows)
    mark_refreshed(FLAGS)
    return len(rows)


def _where(scope: Scope, zone: Zone | None, kind: str) -> sa.ColumnElement[bool]:
    """The kept flags of one rule the reader may see (as compute_flags scopes each rule)."""
    lot_zone_ids = [zone.id] if zone is not None else None
    if kind in LOT_KINDS:
        if zone is None:
            return _flagged_lots_in(scope)
        return _lot_filter(scope, lot_zone_ids, FlagRow.lot_id)
    if kind == "shopper_reports":
        if zone is not None:
            return _lot_filter(scope, lot_zone_ids, FlagRow.lot_id)
        if scope.mode == "all":
            return sa.true()
        return FlagRow.cooperative_id.in_(cooperative_ids(scope))
    zone_ids: Any = [zone.id] if zone is not None else scope.zone_ids()
    return FlagRow.zone_id.in_(zone_ids)


def _flagged_lots_in(scope: Scope) -> sa.ColumnElement[bool]:
    """The kept lot flags whose lot is in the reader's scope: the lot, or a lot it was made
    from, claimed a zone of the region (as :meth:`Scope.lot_ids` has it). Walked up from the
    few flagged lots rather than down through every lot of the region."""
    if scope.mode == "all":
        return sa.true()
    start = sa.select(FlagRow.lot_id.label("lot_id"), FlagRow.lot_id.label("flagged")).where(
        FlagRow.kind.in_(sorted(LOT_KINDS)), FlagRow.lot_id.is_not(None)
    )
    up = start.cte("flagged_lots", recursive=True)
    # UNION (not UNION ALL) drops repeats, so the walk ends even on odd genealogies.
    up = up.union(
        sa.select(LotInput.input_lot_id, up.c.flagged).join(
            up, LotInput.output_lot_id == up.c.lot_id
        )
    )
    zones = sa.select(Zone.id).where(scope.zone_clause())
    claimed = sa.or_(
        sa.exists().where(
            Contribution.lot_id == up.c.lot_id,
            Contribution.voided_at.is_(None),
            Contribution.zone_id.in_(zones.where(Zone.id == Contribution.zone_id)),
        ),
        sa.exists().where(
            TraceEvent.lot_id == up.c.lot_id,
            TraceEvent.zone_id.in_(zones.where(Zone.id == TraceEvent.zone_id)),
            ~event_declared_wrong(),
        ),
    )
    return FlagRow.lot_id.in_(sa.select(up.c.flagged).where(claimed))


def kept_flags(scope: Scope, zone: Zone | None, kinds: list[str]) -> list[Flag]:
    """The kept flags of these rules in the reader's scope, with sentences in the reader's
    language, in the rules' order."""
    out: list[Flag] = []
    for kind in kinds:
        rows = db.session.scalars(
            sa.select(FlagRow)
            .where(FlagRow.kind == kind, _where(scope, zone, kind))
            .order_by(FlagRow.position)
        ).all()
        seen: set[frozenset[int | None]] = set()
        for row in rows:
            if kind == "overlap":
                pair = frozenset((row.zone_id, row.extra.get("other_zone_id")))
                if pair in seen:
                    continue  # kept from both sides; list each pair once
                seen.add(pair)
            out.append(flag_of(row))
    return out


#: The order of the kept flags (the rules' order): for paging by key.
KEPT_ORDER = [(FlagRow.position, False), (FlagRow.id, False)]


def kept_rows(scope: Scope, kinds: list[str]) -> sa.Select[Any]:
    """The kept flag rows of these rules the reader sees, as :func:`kept_flags` lists them
    (an overlap kept from both sides once, from the side listed first), for paging by
    :data:`KEPT_ORDER`; :func:`flag_of` makes them flags."""
    # The lot rules share one scope condition (one "scope_lots" in the statement).
    lot_kinds = [k for k in kinds if k in LOT_KINDS]
    shown = [
        sa.and_(FlagRow.kind == k, _where(scope, None, k)) for k in kinds if k not in lot_kinds
    ]
    if lot_kinds:
        shown.append(sa.and_(FlagRow.kind.in_(lot_kinds), _where(scope, None, lot_kinds[0])))
    stmt = sa.select(FlagRow).where(sa.or_(sa.false(), *shown))
    if "overlap" in kinds:
        twin = aliased(FlagRow)
        other, twin_other = (r.extra["other_zone_id"].as_integer() for r in (FlagRow, twin))
        stmt = stmt.where(
            ~sa.exists().where(
                FlagRow.kind == "overlap",
                twin.kind == "overlap",
                twin.position < FlagRow.position,
                twin.zone_id.in_(scope.zone_ids()),
                sa.or_(
                    sa.and_(twin.zone_id == FlagRow.zone_id, twin_other == other),
                    sa.and_(twin.zone_id == other, twin_other == FlagRow.zone_id),
                ),
            )
        )
    return stmt.order_by(FlagRow.position, FlagRow.id)


def flag_of(row: FlagRow) -> Flag:
    """The flag a kept row holds, its sentence in the reader's language."""
    flag = Flag(
        row.kind,
        "",
        zone_id=row.zone_id,
        zone_code=row.zone_code,
        lot_id=row.lot_id,
        lot_code=row.lot_code,
        cooperative_id=row.cooperative_id,
        since=row.since,
        details=dict(row.details),
        extra=dict(row.extra),
    )
    flag.message = message(flag)
    return flag
