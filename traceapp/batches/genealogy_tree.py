"""A lot's genealogy as two trees (what it came from, what was made of it), for the lot page.

:func:`traceapp.batches.genealogy.trace` finds every lot both ways and the edges between
them; this arranges them as nested nodes, each with the quantity that passed along its edge
and, at the harvest end, the members' deliveries. A lot reached twice (two outputs of one
lot mixed again) is shown each time, its subtree once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from traceapp.batches.genealogy import Trace
from traceapp.batches.models import Contribution, Lot, LotInput
from traceapp.extensions import db

#: Deepest level drawn (genealogies are shallow; this only bounds a malformed one).
MAX_DEPTH = 50
#: Deliveries listed under each harvest of the tree: a harvest of thousands of households is
#: counted in "Households and zones behind it", not listed here.
DELIVERIES_SHOWN = 20


@dataclass
class Node:
    """One lot in a genealogy tree and the quantity that went along the edge to it."""

    lot: Lot
    quantity: Decimal | None
    unit: str | None
    children: list[Node] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)
    #: Already drawn elsewhere in this tree: its subtree is not repeated.
    repeated: bool = False


def _build(
    root: Lot,
    trace: Trace,
    forward: bool,
) -> list[Node]:
    lots = {root.id: root}
    for lot, _depth in trace.ancestors + trace.descendants:
        lots[lot.id] = lot
    links: dict[int, list[LotInput]] = defaultdict(list)
    for edge in trace.edges:
        links[edge.input_lot_id if forward else edge.output_lot_id].append(edge)
    delivered: dict[int, list[Contribution]] = defaultdict(list)
    for c in trace.contributions if trace.contributions else _first_deliveries(trace):
        delivered[c.lot_id].append(c)
    drawn: set[int] = set()

    def children(lot_id: int, path: frozenset[int], depth: int) -> list[Node]:
        out = []
        for edge in links.get(lot_id, []):
            other = edge.output_lot_id if forward else edge.input_lot_id
            lot = lots.get(other)
            if lot is None or other in path:
                continue
            node = Node(lot=lot, quantity=edge.quantity, unit=edge.unit)
            if other in drawn or depth >= MAX_DEPTH:
                node.repeated = other in drawn
            else:
                drawn.add(other)
                node.children = children(other, path | {other}, depth + 1)
                if not forward:
                    node.contributions = delivered.get(other, [])
            out.append(node)
        return out

    return children(root.id, frozenset({root.id}), 1)


def _first_deliveries(trace: Trace) -> list[Contribution]:
    """The first deliveries into each lot the traced lot came from (a trace made without its
    contributions), at most DELIVERIES_SHOWN per lot, in one query."""
    ids = [lot.id for lot, _depth in trace.ancestors]
    if not ids:
        return []
    rank = (
        sa.func.row_number()
        .over(
            partition_by=Contribution.lot_id,
            order_by=(Contribution.delivered_on, Contribution.id),
        )
        .label("rank")
    )
    first = (
        sa.select(Contribution.id, rank)
        .where(Contribution.lot_id.in_(ids), Contribution.voided_at.is_(None))
        .subquery()
    )
    return list(
        db.session.execute(
            sa.select(Contribution)
            .join(first, first.c.id == Contribution.id)
            .where(first.c.rank <= DELIVERIES_SHOWN)
            .options(selectinload(Contribution.member), selectinload(Contribution.zone))
            .order_by(Contribution.lot_id, Contribution.delivered_on, Contribution.id)
        ).scalars()
    )


def came_from(trace: Trace) -> list[Node]:
    """The lots the traced lot was made from, each with its own inputs, down to harvests."""
    return _build(trace.lot, trace, forward=False)


def went_into(trace: Trace) -> list[Node]:
    """The lots made from the traced lot, each with what was made from it in turn."""
    return _build(trace.lot, trace, forward=True)
