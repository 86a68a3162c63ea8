"""A recall report's parts read as they are written: the recalled lots (with their labels),
the households and zones behind them, and where they were shipped, each a query read in
batches; and the report's CSV written line by line as they are read.

Households and zones come in the order the report has always had (Python's, by code point),
whatever the database's collation: sorted in SQL by a binary collation.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from traceapp.batches.genealogy import tree_ids
from traceapp.batches.models import Contribution, Lot, Recall, TraceEvent
from traceapp.cooperatives.models import Member
from traceapp.csvsafe import lines
from traceapp.extensions import db
from traceapp.units import fmt_plain
from traceapp.zones.models import Zone

#: Rows read at a time, and lines sent at a time.
BATCH = 500
HEADER = ["what", "code", "name", "detail", "more"]


def _read(stmt: sa.Select[Any]) -> Iterator[Any]:
    return iter(db.session.execute(stmt.execution_options(yield_per=BATCH)).scalars())


def _binary(column: Any) -> Any:
    """The column compared by code point, as Python sorts (not by the database's locale)."""
    name = "C" if db.session.get_bind().dialect.name == "postgresql" else "BINARY"
    return sa.collate(column, name)


def _recalled(recall_id: int) -> sa.Select[Any]:
    return sa.select(Lot.id).where(Lot.recall_id == recall_id)


def _given(recall_id: int) -> Any:
    """(member, zone) of every live contribution to a recalled lot or a lot behind one (one
    recursive query back through the whole genealogy)."""
    recalled = _recalled(recall_id)
    back = tree_ids(recalled, forward=False).subquery()
    origins = sa.union(recalled, sa.select(back.c.lot_id)).subquery()
    return (
        sa.select(Contribution.member_id, Contribution.zone_id)
        .where(Contribution.lot_id.in_(sa.select(origins.c[0])), Contribution.voided_at.is_(None))
        .subquery()
    )


def label_counts(lot_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Labels issued and still valid per lot (when the labels package exists)."""
    if not lot_ids or importlib.util.find_spec("traceapp.labels.models") is None:
        return {}
    from traceapp.labels.models import Label

    rows = db.session.execute(
        sa.select(
            Label.lot_id,
            sa.func.count(Label.id),
            sa.func.count(Label.id).filter(Label.voided_at.is_(None)),
        )
        .where(Label.lot_id.in_(lot_ids))
        .group_by(Label.lot_id)
    ).all()
    return {r[0]: {"issued": r[1], "live": r[2]} for r in rows}


def lots(recall_id: int) -> Iterator[tuple[Lot, dict[str, Any]]]:
    """The recalled lots in order, each with its label counts (a query per batch)."""
    stream = _read(
        sa.select(Lot)
        .where(Lot.recall_id == recall_id)
        .options(selectinload(Lot.product))
        .order_by(Lot.id)
    )
    while batch := list(islice(stream, BATCH)):
        counts = label_counts([lot.id for lot in batch])
        for lot in batch:
            yield lot, counts.get(lot.id, {})


def households(recall_id: int) -> Iterator[Member]:
    """The households behind the recalled lots, by member number."""
    given = _given(recall_id)
    return _read(
        sa.select(Member)
        .where(Member.id.in_(sa.select(given.c.member_id)))
        .order_by(_binary(Member.member_number), Member.id)
    )


def zones(recall_id: int) -> Iterator[Zone]:
    """The zones behind the recalled lots, by code."""
    given = _given(recall_id)
    return _read(
        sa.select(Zone)
        .where(Zone.id.in_(sa.select(given.c.zone_id)))
        .order_by(_binary(Zone.code), Zone.id)
    )


def destinations(recall_id: int) -> Iterator[dict[str, Any]]:
    """Where the recalled lots were shipped (shipments not declared wrong), in time order:
    each destination with its lot and the shipment's time."""
    for event in _read(
        sa.select(TraceEvent)
        .where(
            TraceEvent.lot_id.in_(_recalled(recall_id)),
            TraceEvent.biz_step == "shipping",
            ~TraceEvent.error_declaration.has(),
        )
        .order_by(TraceEvent.event_time, TraceEvent.id)
    ):
        for d in event.destinations or []:
            yield {"lot_id": event.lot_id, "event_time": event.event_time, **d}


def _rows(recall: Recall) -> Iterator[list[Any]]:
    yield HEADER
    yield [
        "recall",
        str(recall.id),
        recall.reason,
        recall.decided_by,
        recall.decided_at.isoformat(),
    ]
    codes: dict[int, str] = {}
    for lot, counts in lots(recall.id):
        codes[lot.id] = lot.code
        yield [
            "lot",
            lot.code,
            lot.product.name,
            fmt_plain(lot.quantity, lot.unit),
            f"labels issued {counts.get('issued', 0)}, live {counts.get('live', 0)}",
        ]
    for m in households(recall.id):
        yield ["household", m.member_number, m.full_name, m.village or "", m.phone or ""]
    for zone in zones(recall.id):
        yield ["zone", zone.code, zone.kind.value, zone.commune or "", zone.province]
    for d in destinations(recall.id):
        yield [
            "destination",
            codes.get(d["lot_id"], ""),
            d.get("name", ""),
            d.get("type", ""),
            d["event_time"].isoformat(),
        ]


def csv_chunks(recall_id: int) -> Iterator[bytes]:
    """The recall report as one CSV table (safe against formula injection), written as its
    lines are read: the same text as :func:`recall.report_csv` of the whole report."""
    recall = db.session.get_one(Recall, recall_id)
    yield "\ufeff".encode()
    rows = _rows(recall)
    while batch := list(islice(rows, BATCH)):
        yield lines(batch).encode("utf-8")
