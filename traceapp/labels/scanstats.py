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
from traceapp.public.models import LabelScan, ScanDaily, ScanDailyRun


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
    or one lot), read from the daily counts the scan log keeps (ScanDaily), and the labels
    scanned from the labels' own last-scan times (a label was scanned in the window exactly
    when its last scan is in it)."""
    start_day, since = window(days)
    where = [ScanDaily.cooperative_id == cooperative_id, ScanDaily.day >= start_day]
    if product_id:
        where.append(ScanDaily.product_id == product_id)
    if lot_id:
        where.append(ScanDaily.lot_id == lot_id)
    scans = sa.func.coalesce(sa.func.sum(ScanDaily.scans), 0)
    flagged_scans = sa.func.coalesce(
        sa.func.sum(sa.case((ScanDaily.flagged, ScanDaily.scans), else_=0)), 0
    )
    per_day = {
        str(d): int(n)
        for d, n in db.session.execute(
            sa.select(ScanDaily.day, scans).where(*where).group_by(ScanDaily.day)
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
            sa.select(ScanDaily.lang, scans)
            .where(*where)
            .group_by(ScanDaily.lang)
            .order_by(scans.desc())
        )
    ]
    labels = _labels_scanned(cooperative_id, since, product_id, lot_id)
    products = [
        _Row(id=pid, name=name, scans=int(n), labels=labels["product"].get(pid, 0), flagged=int(f))
        for pid, name, n, f in db.session.execute(
            sa.select(Product.id, Product.name, scans, flagged_scans)
            .join(Product, Product.id == ScanDaily.product_id)
            .where(*where)
            .group_by(Product.id, Product.name)
            .order_by(scans.desc())
        )
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
        for lid, code, name, n, f in db.session.execute(
            sa.select(Lot.id, Lot.code, Product.name, scans, flagged_scans)
            .join(Lot, Lot.id == ScanDaily.lot_id)
            .join(Product, Product.id == Lot.product_id)
            .where(*where)
            .group_by(Lot.id, Lot.code, Product.name)
            .order_by(scans.desc())
            .limit(50)
        )
    ]
    total, flagged, unknown, recalled = db.session.execute(
        sa.select(
            scans,
            flagged_scans,
            sa.func.coalesce(
                sa.func.sum(sa.case((ScanDaily.outcome == "unknown", ScanDaily.scans), else_=0)),
                0,
            ),
            sa.func.coalesce(
                sa.func.sum(sa.case((ScanDaily.outcome == "recalled", ScanDaily.scans), else_=0)),
                0,
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


class _Row(dict[str, Any]):
    """A row of the products or lots table, read by attribute like a result row."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _labels_scanned(
    cooperative_id: int, since: dt.datetime, product_id: int | None, lot_id: int | None
) -> dict[str, dict[int, int]]:
    """How many distinct labels were scanned since ``since``, per lot and per product."""
    from traceapp.labels.models import Label

    stmt = (
        sa.select(Label.lot_id, Lot.product_id, sa.func.count())
        .join(Lot, Lot.id == Label.lot_id)
        .where(Label.cooperative_id == cooperative_id, Label.last_scanned_at >= since)
        .group_by(Label.lot_id, Lot.product_id)
    )
    if product_id:
        stmt = stmt.where(Lot.product_id == product_id)
    if lot_id:
        stmt = stmt.where(Label.lot_id == lot_id)
    per_lot: dict[int, int] = {}
    per_product: dict[int, int] = {}
    for lid, pid, n in db.session.execute(stmt):
        per_lot[lid] = n
        per_product[pid] = per_product.get(pid, 0) + n
    return {"lot": per_lot, "product": per_product}
