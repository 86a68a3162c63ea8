"""Flags about labels and lots: copied labels, recalled lots, serials that were never issued."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from traceapp.authority.flag_text import written
from traceapp.authority.models import Flag
from traceapp.authority.scope import Scope, cooperative_ids
from traceapp.batches.models import Contribution, Lot, LotStatus, Recall
from traceapp.extensions import db
from traceapp.labels.models import Label
from traceapp.public.models import UnknownSerial, UnknownSerialCooperative, UnknownSerialTotal

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


def cloned(scope: Scope, zone_ids: Any) -> list[Flag]:
    """Lots with labels flagged as copied (and not cleared)."""
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
        written(
            Flag(
                "cloned_labels",
                "",
                lot_id=lid,
                lot_code=code,
                cooperative_id=coop,
                since=first.date() if first else None,
                details={"labels": count, "example_reason": reason},
            )
        )
        for lid, code, coop, count, first, reason in rows
    ]


def recalled(scope: Scope, zone_ids: Any) -> list[Flag]:
    """Lots that were recalled."""
    rows = db.session.execute(
        sa.select(Lot.id, Lot.code, Lot.cooperative_id, Recall.decided_at)
        .outerjoin(Recall, Recall.id == Lot.recall_id)
        .where(Lot.status == LotStatus.RECALLED, _lot_filter(scope, zone_ids, Lot.id))
        .order_by(Lot.code)
    ).all()
    return [
        written(
            Flag(
                "recalled_lot",
                "",
                lot_id=lid,
                lot_code=code,
                cooperative_id=coop,
                since=at.date() if at else None,
            )
        )
        for lid, code, coop, at in rows
    ]


def shopper_reports(scope: Scope, zone_ids: Any) -> list[Flag]:
    """Problems shoppers reported that the cooperative has not marked handled: one flag per
    lot (or per cooperative, for codes that name no lot), with the kinds reported."""
    from traceapp.cooperatives.models import Cooperative
    from traceapp.reports.models import ProblemReport

    where: list[sa.ColumnElement[bool]] = [ProblemReport.handled_at.is_(None)]
    if zone_ids is not None:
        where.append(_lot_filter(scope, zone_ids, ProblemReport.lot_id))
    elif scope.mode != "all":
        where.append(ProblemReport.cooperative_id.in_(cooperative_ids(scope)))
    rows = db.session.execute(
        sa.select(
            ProblemReport.cooperative_id,
            Cooperative.name,
            ProblemReport.lot_id,
            Lot.code,
            sa.func.count(ProblemReport.id),
            sa.func.min(ProblemReport.created_at),
        )
        .join(Cooperative, Cooperative.id == ProblemReport.cooperative_id)
        .outerjoin(Lot, Lot.id == ProblemReport.lot_id)
        .where(*where)
        .group_by(ProblemReport.cooperative_id, Cooperative.name, ProblemReport.lot_id, Lot.code)
        .order_by(Cooperative.name, Lot.code)
    ).all()
    return [
        written(
            Flag(
                "shopper_reports",
                "",
                lot_id=lot_id,
                lot_code=lot_code,
                cooperative_id=coop_id,
                since=first.date() if first else None,
                details={"reports": count},
                extra={"cooperative": coop},
            )
        )
        for coop_id, coop, lot_id, lot_code, count, first in rows
    ]


def _kept_in(scope: Scope) -> Any:
    """Which kept rows of unknown-serial scans an auditor sees, as a condition on a
    cooperative column (0: codes that named no product): those made under a product of a
    cooperative of the region, and those that name no product at all (short links: nobody's
    in particular)."""
    if scope.mode == "all":
        return lambda _column: sa.true()
    shown = [0, *cooperative_ids(scope)]
    return lambda column: column.in_(shown)


def unknown_counts(scope: Scope) -> tuple[int, int, Any, Any]:
    """(scans, distinct serials, first scan, last scan) of serials never issued that the
    reader sees, from the kept totals of the region's cooperatives: a few rows, whatever
    the number of scans."""
    kept_in = _kept_in(scope)
    total = UnknownSerialTotal
    scans, serials, first, last = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(total.scans), 0),
            sa.func.coalesce(sa.func.sum(total.serials), 0),
            sa.func.min(total.first_seen),
            sa.func.max(total.last_seen),
        ).where(kept_in(total.cooperative_id))
    ).one()
    if not scans:
        return 0, 0, None, None
    # A serial scanned under several of the region's cooperatives (or under one and under
    # none) is one serial: the few such serials are found through a partial index.
    pair = UnknownSerialCooperative
    rows, shared = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(pair.serial)))
        .join(UnknownSerial, UnknownSerial.serial == pair.serial)
        .where(UnknownSerial.cooperatives > sa.literal_column("1"), kept_in(pair.cooperative_id))
    ).one()
    return int(scans), int(serials) - (rows - shared), first, last


def unknown_serials(scope: Scope) -> list[Flag]:
    """One flag summing up scans of serials that were never issued."""
    scans, serials, first, last = unknown_counts(scope)
    if not scans:
        return []
    return [
        written(
            Flag(
                "unknown_serials",
                "",
                since=first.date() if first else None,
                details={
                    "scans": scans,
                    "serials": serials,
                    "last_scanned_at": last.isoformat() if last else None,
                },
            )
        )
    ]


def unknown_scans(
    scope: Scope,
    page: int = 1,
    per_page: int = 50,
    *,
    after: str | None = None,
    before: str | None = None,
    last: bool = False,
) -> Any:
    """Serials scanned that were never issued: how often, first and last seen, newest first,
    and the product of the last scan when its code named one. Paged by key: the serial of
    the row the page starts after (or ends before), or else by ``page``; counted from the
    kept totals."""
    from traceapp.core.paging import keyset_paginate

    stmt = unknown_scans_query(scope)
    rows = stmt.selected_columns
    return keyset_paginate(
        stmt,
        [(rows["last"], True), (rows["serial"], False)],
        after=after,
        before=before,
        last=last,
        page=page,
        per_page=per_page,
        scalars=False,
        total=unknown_counts(scope)[1],
        row_key=lambda row: row.serial,
    )


def unknown_scans_query(scope: Scope) -> sa.Select[Any]:
    """The query behind :func:`unknown_scans`, one row per serial, newest first, from the
    kept rows per serial and cooperative: each serial's row is its newest one in scope (read
    in the order of their index), with the scans and first scan of all its rows in scope."""
    from traceapp.products.models import Product

    kept_in = _kept_in(scope)
    pair = UnknownSerialCooperative
    other = aliased(UnknownSerialCooperative)
    same = [other.serial == pair.serial, kept_in(other.cooperative_id)]
    newer = sa.exists().where(
        *same,
        sa.or_(
            other.last_seen > pair.last_seen,
            sa.and_(other.last_seen == pair.last_seen, other.cooperative_id < pair.cooperative_id),
        ),
    )
    rows = (
        sa.select(
            pair.serial.label("serial"),
            sa.select(sa.func.sum(other.scans)).where(*same).scalar_subquery().label("scans"),
            sa.select(sa.func.min(other.first_seen)).where(*same).scalar_subquery().label("first"),
            pair.last_seen.label("last"),
            Product.name.label("product"),
        )
        .outerjoin(Product, Product.id == pair.product_id)
        .where(kept_in(pair.cooperative_id), ~newer)
        .subquery("unknown")
    )
    return sa.select(rows).order_by(rows.c.last.desc(), rows.c.serial)


def unknown_rows(stmt: sa.Select[Any], batch: int = 1000) -> Iterator[Any]:
    """The rows of :func:`unknown_scans_query` ``stmt``, read a page at a time by key (each
    page through the index, so the first rows leave before the last are read)."""
    cols = stmt.selected_columns
    after: tuple[Any, str] | None = None
    while True:
        q = stmt
        if after is not None:
            # The bound on its own as well as inside the OR: the database starts the page's
            # index walk at it instead of walking every row already sent.
            q = q.where(
                cols["last"] <= after[0],
                sa.or_(
                    cols["last"] < after[0],
                    sa.and_(cols["last"] == after[0], cols["serial"] > after[1]),
                ),
            )
        rows = db.session.execute(q.limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        after = (rows[-1].last, rows[-1].serial)
