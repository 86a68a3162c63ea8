"""One step back, one step forward, to any depth: what a lot came from and what was made of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from traceapp.batches.models import Contribution, Lot, LotInput, TraceEvent
from traceapp.cooperatives.models import Member
from traceapp.extensions import db
from traceapp.zones.models import Zone


def tree_ids(
    start: int | Iterable[int] | sa.Select[Any], *, forward: bool
) -> sa.Select[tuple[int, int]]:
    """One recursive query (WITH RECURSIVE, on SQLite and PostgreSQL): ``(lot_id, depth)`` of
    every lot reachable through lot_inputs from the start lots (not the start lots themselves,
    unless a path leads back to them), forward (made from them) or backward (what they were
    made from), each at its nearest depth.

    ``start`` is a lot id, ids, or a SELECT of ids; the result is a SELECT to run or to use
    as a subquery (``sa.select(q.subquery().c.lot_id)``), so a set-based UPDATE or a report
    can take the whole tree without loading it."""
    near, far = (
        (LotInput.input_lot_id, LotInput.output_lot_id)
        if forward
        else (LotInput.output_lot_id, LotInput.input_lot_id)
    )
    if isinstance(start, int):
        first = near == start
    elif isinstance(start, sa.Select):
        first = near.in_(start)
    else:
        first = near.in_(list(start))
    tree = (
        sa.select(far.label("lot_id"), sa.literal(1).label("depth"))
        .where(first)
        .cte("tree", recursive=True)
    )
    tree = tree.union(
        sa.select(far, tree.c.depth + 1)
        .join(tree, near == tree.c.lot_id)
        .where(tree.c.depth < 50)  # a guard; genealogies are shallow and acyclic
    )
    return sa.select(tree.c.lot_id, sa.func.min(tree.c.depth).label("depth")).group_by(
        tree.c.lot_id
    )


def _walk(lot_id: int, forward: bool) -> list[tuple[int, int]]:
    """(lot id, depth) of every lot reachable through lot_inputs, nearest first."""
    q = tree_ids(lot_id, forward=forward).subquery()
    rows = db.session.execute(
        sa.select(q.c.lot_id, q.c.depth).order_by(q.c.depth, q.c.lot_id)
    ).all()
    return [(r.lot_id, r.depth) for r in rows]


def ancestors(lot: Lot) -> list[tuple[Lot, int]]:
    """Every lot this one was made from, with its depth (1 = direct input)."""
    return _load(_walk(lot.id, forward=False))


def descendants(lot: Lot) -> list[tuple[Lot, int]]:
    """Every lot made from this one, with its depth (1 = made directly from it)."""
    return _load(_walk(lot.id, forward=True))


def _load(pairs: list[tuple[int, int]]) -> list[tuple[Lot, int]]:
    if not pairs:
        return []
    lots = {
        lot.id: lot
        for lot in db.session.execute(
            sa.select(Lot).where(Lot.id.in_([p[0] for p in pairs]))
        ).scalars()
    }
    return [(lots[i], d) for i, d in pairs if i in lots]


def edges(lot_ids: list[int]) -> list[LotInput]:
    """The genealogy edges touching these lots."""
    if not lot_ids:
        return []
    return list(
        db.session.execute(
            sa.select(LotInput)
            .where(sa.or_(LotInput.output_lot_id.in_(lot_ids), LotInput.input_lot_id.in_(lot_ids)))
            .order_by(LotInput.id)
        ).scalars()
    )


@dataclass
class Trace:
    """Who grew or caught a lot, where, when, what happened since, and where it went."""

    lot: Lot
    ancestors: list[tuple[Lot, int]]
    descendants: list[tuple[Lot, int]]
    edges: list[LotInput]
    contributions: list[Contribution]
    shipments: list[TraceEvent] = field(default_factory=list)

    @property
    def origin_lots(self) -> list[Lot]:
        """The lot itself and its ancestors: where the contributions are."""
        return [self.lot] + [lot for lot, _ in self.ancestors]

    def households(self) -> list[Member]:
        """Distinct members who contributed to the lot or to anything it was made from."""
        seen: dict[int, Member] = {}
        for c in self.contributions:
            seen.setdefault(c.member_id, c.member)
        return list(seen.values())

    def zones(self) -> list[Zone]:
        """Distinct zones the contributions came from."""
        seen: dict[int, Zone] = {}
        for c in self.contributions:
            seen.setdefault(c.zone_id, c.zone)
        return list(seen.values())


def trace(lot: Lot, *, contributions: bool = True) -> Trace:
    """The full genealogy of a lot, both ways, with the contributions and shipments in it
    (``contributions=False``: without the contributions, which a page counts instead, see
    :func:`origin_people`)."""
    back = ancestors(lot)
    forward = descendants(lot)
    origin_ids = [lot.id] + [x.id for x, _ in back]
    given = list(
        db.session.execute(
            sa.select(Contribution)
            .where(Contribution.lot_id.in_(origin_ids), Contribution.voided_at.is_(None))
            .options(selectinload(Contribution.member), selectinload(Contribution.zone))
            .order_by(Contribution.delivered_on, Contribution.id)
        ).scalars()
        if contributions
        else []
    )
    all_ids = origin_ids + [x.id for x, _ in forward]
    shipments = list(
        db.session.execute(
            sa.select(TraceEvent)
            .where(
                TraceEvent.lot_id.in_([lot.id] + [x.id for x, _ in forward]),
                TraceEvent.biz_step == "shipping",
            )
            .order_by(TraceEvent.event_time)
        ).scalars()
    )
    return Trace(
        lot=lot,
        ancestors=back,
        descendants=forward,
        edges=edges(all_ids),
        contributions=given,
        shipments=shipments,
    )


def origin_people(t: Trace, limit: int = 200) -> dict[str, Any]:
    """The households and zones behind a lot (its own contributions and its ancestors'),
    the first ``limit`` of each by number and code, with how many there are in all: counted
    and sorted by the database, for a page that must not load every contribution."""
    origin_ids = [lot.id for lot in t.origin_lots]
    given = (
        sa.select(Contribution.member_id, Contribution.zone_id)
        .where(Contribution.lot_id.in_(origin_ids), Contribution.voided_at.is_(None))
        .subquery()
    )
    members = sa.select(Member).where(Member.id.in_(sa.select(given.c.member_id)))
    zones = sa.select(Zone).where(Zone.id.in_(sa.select(given.c.zone_id)))
    # Counted on the contributions' own index (every contribution names an existing member
    # and zone): reading every member or zone of the cooperative would grow with it.
    totals = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(given.c.member_id)),
            sa.func.count(sa.distinct(given.c.zone_id)),
        )
    ).one()
    return {
        "households": list(
            db.session.execute(members.order_by(Member.member_number).limit(limit)).scalars()
        ),
        "households_total": totals[0],
        "zones": list(db.session.execute(zones.order_by(Zone.code).limit(limit)).scalars()),
        "zones_total": totals[1],
    }


def as_dict(t: Trace) -> dict[str, Any]:
    """The trace as plain data for the API."""

    def lot_dict(lot: Lot, depth: int = 0) -> dict[str, Any]:
        return {
            "id": lot.id,
            "code": lot.code,
            "product_id": lot.product_id,
            "product": lot.product.name,
            "status": lot.status.value,
            "depth": depth,
            "quantity": str(lot.quantity),
            "unit": lot.unit,
            "production_date": lot.production_date.isoformat(),
        }

    return {
        "lot": lot_dict(t.lot),
        "backward": [lot_dict(lot, d) for lot, d in t.ancestors],
        "forward": [lot_dict(lot, d) for lot, d in t.descendants],
        "edges": [
            {
                "input": e.input_lot_id,
                "output": e.output_lot_id,
                "quantity": str(e.quantity),
                "unit": e.unit,
            }
            for e in t.edges
        ],
        "contributions": [
            {
                "lot_id": c.lot_id,
                "member_id": c.member_id,
                "member_number": c.member.member_number,
                "zone_id": c.zone_id,
                "zone_code": c.zone.code,
                "quantity": str(c.quantity),
                "unit": c.unit,
                "delivered_on": c.delivered_on.isoformat(),
            }
            for c in t.contributions
        ],
        "shipments": [
            {
                "event_id": e.event_uid,
                "lot_id": e.lot_id,
                "event_time": e.event_time.isoformat(),
                "destinations": e.destinations or [],
            }
            for e in t.shipments
        ],
    }
