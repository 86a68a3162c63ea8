"""Scan statistics for a cooperative: scans per day, by language, per product and per lot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask import current_app
from flask_babel import get_locale

from traceapp.batches.models import Lot
from traceapp.database import local_time_sql, local_today, local_zone_name
from traceapp.extensions import db
from traceapp.products.models import Product
from traceapp.public.models import (
    LabelScan,
    ScanDaily,
    ScanDailyCoop,
    ScanDailyRun,
    ScanLabelDay,
    ScanLabelLotDay,
    ScanMonthlyLot,
)


def run_scans(run_ids: list[int], since: dt.date | None = None) -> dict[int, int]:
    """Scans of each label run's labels (from ``since``, a local day), from the daily counts
    kept as scans arrive; runs never scanned are left out."""
    if not run_ids:
        return {}
    where: list[sa.ColumnElement[bool]] = [ScanDailyRun.run_id.in_(run_ids)]
    if since is not None:
        where.append(ScanDailyRun.day >= since)
    rows = db.session.execute(
        sa.select(ScanDailyRun.run_id, sa.func.sum(ScanDailyRun.scans))
        .where(*where)
        .group_by(ScanDailyRun.run_id)
    ).all()
    return {run_id: int(n or 0) for run_id, n in rows}


def _local_day(column: Any) -> Any:
    """The calendar day of a timestamp in the configured zone, as SQL."""
    return sa.func.date(local_time_sql(column, db.engine.dialect.name))


@dataclass
class ScanStats:
    """The figures of one statistics page."""

    days: list[tuple[str, int]]
    languages: list[tuple[str, int]]
    products: list[Any]
    lots: list[Any]
    total: int
    flagged: int
    unknown: int
    #: Scans of labels of a recalled lot (the shopper was shown the recall).
    recalled: int = 0


def window(days: int) -> tuple[dt.date, dt.datetime]:
    """The first local day of the last ``days`` days (today included), and its first moment in
    UTC: "the last 30 days" means the same on every page."""
    start_day = local_today() - dt.timedelta(days=days - 1)
    zone = ZoneInfo(local_zone_name())
    return start_day, dt.datetime.combine(start_day, dt.time.min, tzinfo=zone).astimezone(dt.UTC)


def scan_log(
    cooperative_id: int, days: int = 30, product_id: int | None = None, lot_id: int | None = None
) -> sa.Select[Any]:
    """The scans behind the statistics (same window and filters), newest first, each with its
    serial, lot code and product name: the scan log a cooperative downloads."""
    from traceapp.labels.models import Label

    _start_day, since = window(days)
    stmt: Any = (
        sa.select(LabelScan, Label.serial, Lot.code, Product.name)
        .outerjoin(Label, Label.id == LabelScan.label_id)
        .outerjoin(Lot, Lot.id == LabelScan.lot_id)
        .outerjoin(Product, Product.id == LabelScan.product_id)
        .where(LabelScan.cooperative_id == cooperative_id, LabelScan.scanned_at >= since)
    )
    if product_id:
        stmt = stmt.where(LabelScan.product_id == product_id)
    if lot_id:
        stmt = stmt.where(LabelScan.lot_id == lot_id)
    return stmt.order_by(LabelScan.scanned_at.desc(), LabelScan.id.desc())


def compute(
    cooperative_id: int, days: int = 30, product_id: int | None = None, lot_id: int | None = None
) -> ScanStats:
    """Scans of the cooperative's labels over the last ``days`` days (optionally one product
    or one lot), from figures the scan log writer keeps as scans arrive: the daily counts per
    cooperative (ScanDailyCoop), or one lot's own daily counts (ScanDaily, through its lot
    index), the top lots from whole months (ScanMonthlyLot) and the days at the period's edge,
    and the labels scanned from the days of the labels' last scans (ScanLabelDay; a label was
    scanned in the window exactly when its last scan is in it)."""
    start_day, since = window(days)
    # One lot's figures are its own rows of the daily counts; otherwise the roll-up without
    # the lot, a few dozen rows a day whatever the number of lots.
    daily: Any = ScanDaily if lot_id else ScanDailyCoop
    where = [daily.cooperative_id == cooperative_id, daily.day >= start_day]
    if product_id:
        where.append(daily.product_id == product_id)
    if lot_id:
        where.append(ScanDaily.lot_id == lot_id)
    scans = sa.func.coalesce(sa.func.sum(daily.scans), 0)
    flagged_scans = sa.func.coalesce(sa.func.sum(sa.case((daily.flagged, daily.scans), else_=0)), 0)
    per_day = {
        str(d): int(n)
        for d, n in db.session.execute(
            sa.select(daily.day, scans).where(*where).group_by(daily.day)
        )
    }
    series = []
    locale = get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]
    for i in range(days):
        d = start_day + dt.timedelta(days=i)
        # Day and month as the reader writes them (3/11 in Vietnam, 11/3 in China).
        series.append((format_skeleton("Md", d, locale=locale), per_day.get(d.isoformat(), 0)))
    languages = [
        (lang, int(n))
        for lang, n in db.session.execute(
            sa.select(daily.lang, scans)
            .where(*where)
            .group_by(daily.lang)
            .order_by(scans.desc(), daily.lang)
        )
    ]
    product_rows = db.session.execute(
        sa.select(Product.id, Product.name, scans, flagged_scans)
        .join(Product, Product.id == daily.product_id)
        .where(*where)
        .group_by(Product.id, Product.name)
        .order_by(scans.desc(), Product.id)
    ).all()
    if lot_id:
        lot_rows = db.session.execute(
            sa.select(Lot.id, Lot.code, Product.name, scans, flagged_scans)
            .join(Lot, Lot.id == ScanDaily.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .where(*where)
            .group_by(Lot.id, Lot.code, Product.name)
        ).all()
    else:
        lot_rows = top_lots(cooperative_id, start_day, product_id)
    labels = _labels_scanned(
        cooperative_id, start_day, product_id, lot_id, [row[0] for row in lot_rows]
    )
    products = [
        _Row(id=pid, name=name, scans=int(n), labels=labels["product"].get(pid, 0), flagged=int(f))
        for pid, name, n, f in product_rows
    ]
    lots = [
        _Row(
            id=lid,
            code=code,
            product=name,
            scans=int(n),
            labels=labels["lot"].get(lid, 0),
            flagged=int(f),
        )
        for lid, code, name, n, f in lot_rows
    ]
    total, flagged, unknown, recalled = db.session.execute(
        sa.select(
            scans,
            flagged_scans,
            sa.func.coalesce(
                sa.func.sum(sa.case((daily.outcome == "unknown", daily.scans), else_=0)), 0
            ),
            sa.func.coalesce(
                sa.func.sum(sa.case((daily.outcome == "recalled", daily.scans), else_=0)), 0
            ),
        ).where(*where)
    ).one()
    return ScanStats(
        days=series,
        languages=languages,
        products=products,
        lots=lots,
        total=int(total),
        flagged=int(flagged),
        unknown=int(unknown),
        recalled=int(recalled),
    )


#: Lots listed on the statistics page, most scanned first.
TOP_LOTS = 50


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def top_lots(cooperative_id: int, start_day: dt.date, product_id: int | None) -> list[Any]:
    """The most scanned lots from ``start_day`` on, with (id, code, product name, scans,
    flagged scans), exactly as the daily counts would give them, but read from the monthly
    counts per lot and the daily counts of the few days where the period cuts a month: the
    month of ``start_day`` either counted whole less its days before ``start_day``, or left
    out and its days from ``start_day`` added, whichever reads fewer days (or the daily
    counts alone when the period is shorter than either)."""
    first = start_day.replace(day=1)
    following = _next_month(start_day)
    # (days of ScanDaily read, months from, the days' range, their sign)
    choices: list[tuple[int, dt.date | None, dt.date, dt.date | None, int]] = [
        ((start_day - first).days, first, first, start_day, -1),
        ((following - start_day).days, following, start_day, following, 1),
        # The daily counts alone, from start_day on.
        ((local_today() - start_day).days + 1, None, start_day, None, 1),
    ]
    _days, months_from, lo, hi, sign = min(choices, key=lambda c: c[0])
    parts: list[Any] = []
    if months_from is not None:
        where = [
            ScanMonthlyLot.cooperative_id == cooperative_id,
            ScanMonthlyLot.month >= months_from,
            ScanMonthlyLot.lot_id != 0,
        ]
        if product_id:
            where.append(ScanMonthlyLot.product_id == product_id)
        parts.append(
            sa.select(
                ScanMonthlyLot.lot_id.label("lot_id"),
                ScanMonthlyLot.scans.label("scans"),
                ScanMonthlyLot.flagged.label("flagged"),
            ).where(*where)
        )
    if hi is None or lo < hi:
        where = [
            ScanDaily.cooperative_id == cooperative_id,
            ScanDaily.day >= lo,
            ScanDaily.lot_id != 0,
        ]
        if hi is not None:
            where.append(ScanDaily.day < hi)
        if product_id:
            where.append(ScanDaily.product_id == product_id)
        parts.append(
            sa.select(
                ScanDaily.lot_id.label("lot_id"),
                (ScanDaily.scans * sign).label("scans"),
                sa.case((ScanDaily.flagged, ScanDaily.scans * sign), else_=0).label("flagged"),
            ).where(*where)
        )
    counted = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    n = sa.func.sum(counted.c.scans)
    per_lot = (
        sa.select(
            counted.c.lot_id.label("lot_id"),
            n.label("scans"),
            sa.func.sum(counted.c.flagged).label("flagged"),
        )
        .group_by(counted.c.lot_id)
        .having(n > 0)
        .order_by(n.desc(), counted.c.lot_id)
        .limit(TOP_LOTS)
        .subquery()
    )
    return list(
        db.session.execute(
            sa.select(Lot.id, Lot.code, Product.name, per_lot.c.scans, per_lot.c.flagged)
            .join(Lot, Lot.id == per_lot.c.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .order_by(per_lot.c.scans.desc(), Lot.id)
        ).all()
    )


class _Row(dict[str, Any]):
    """A row of the products or lots table, read by attribute like a result row."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _labels_scanned(
    cooperative_id: int,
    start_day: dt.date,
    product_id: int | None,
    lot_id: int | None,
    lot_ids: list[int],
) -> dict[str, dict[int, int]]:
    """How many distinct labels were scanned from ``start_day`` on (their last scan is in the
    period), per product and for the lots listed, from the kept days of the labels' last
    scans (per product, and per lot for the lots listed or the one lot asked for)."""
    per_lot: dict[int, int] = {}
    per_product: dict[int, int] = {}
    if lot_ids:
        for lid, pid, n in db.session.execute(
            sa.select(ScanLabelLotDay.lot_id, Lot.product_id, sa.func.sum(ScanLabelLotDay.labels))
            .join(Lot, Lot.id == ScanLabelLotDay.lot_id)
            .where(ScanLabelLotDay.lot_id.in_(lot_ids), ScanLabelLotDay.day >= start_day)
            .group_by(ScanLabelLotDay.lot_id, Lot.product_id)
        ):
            per_lot[lid] = int(n or 0)
            if lot_id:
                per_product[pid] = per_product.get(pid, 0) + int(n or 0)
    if lot_id:
        return {"lot": per_lot, "product": per_product}
    where = [ScanLabelDay.cooperative_id == cooperative_id, ScanLabelDay.day >= start_day]
    if product_id:
        where.append(ScanLabelDay.product_id == product_id)
    for pid, n in db.session.execute(
        sa.select(ScanLabelDay.product_id, sa.func.sum(ScanLabelDay.labels))
        .where(*where)
        .group_by(ScanLabelDay.product_id)
    ):
        per_product[pid] = int(n or 0)
    return {"lot": per_lot, "product": per_product}
