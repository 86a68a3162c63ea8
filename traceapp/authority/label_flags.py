"""Flags about labels and lots: copied labels, recalled lots, serials that were never issued."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from traceapp.authority.flag_text import written
from traceapp.authority.models import Flag
from traceapp.authority.scope import Scope, cooperative_ids
from traceapp.batches.models import Contribution, Lot, LotStatus, Recall
from traceapp.extensions import db
from traceapp.labels.models import Label
from traceapp.public.models import LabelScan

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


def _unknown_in(scope: Scope) -> sa.ColumnElement[bool]:
    """Unknown-serial scans an auditor sees: those made under a product of a cooperative of
    the region, and those that name no product at all (short links: nobody's in particular)."""
    # A literal, not a parameter: the planners then know the partial index
    # ix_label_scans_unknown holds every row asked for.
    clause = LabelScan.outcome == sa.literal_column("'unknown'")
    if scope.mode == "all":
        return clause
    # No cooperative (0) or one of the region's: one condition on the indexed rows, which the
    # planners do not turn into a walk of the cooperative's every scan.
    return sa.and_(
        clause,
        sa.func.coalesce(LabelScan.cooperative_id, 0).in_([0, *cooperative_ids(scope)]),
    )


def unknown_serials(scope: Scope) -> list[Flag]:
    """One flag summing up scans of serials that were never issued."""
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


#: The order of the unknown-serial list: the serial scanned last first (keyset paging).
UNKNOWN_SCANS_ORDER = [
    (sa.func.max(LabelScan.scanned_at), True),
    (LabelScan.unknown_serial, False),
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
    and the product they were scanned under when the link named one. Paged by key: the
    serial of the row the page starts after (or ends before), or else by ``page``."""
    from traceapp.core.paging import keyset_paginate

    def values_of(serial: str) -> tuple[Any, str] | None:
        newest = db.session.scalar(
            sa.select(sa.func.max(LabelScan.scanned_at)).where(
                _unknown_in(scope), LabelScan.unknown_serial == serial
            )
        )
        return None if newest is None else (newest, serial)

    return keyset_paginate(
        unknown_scans_query(scope),
        UNKNOWN_SCANS_ORDER,
        after=after,
        before=before,
        last=last,
        page=page,
        per_page=per_page,
        scalars=False,
        group_key=(values_of, lambda row: row.serial),
    )


def unknown_scans_query(scope: Scope) -> sa.Select[Any]:
    """The query behind :func:`unknown_scans`: one row per serial, newest first."""
    from traceapp.products.models import Product

    stmt: Any = (
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
        .order_by(*[c.desc() if desc else c for c, desc in UNKNOWN_SCANS_ORDER])
    )
    return stmt
