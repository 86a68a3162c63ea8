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
from traceapp.public.models import LabelScan


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
    or one lot)."""
    start_day, since = window(days)
    where = [LabelScan.cooperative_id == cooperative_id, LabelScan.scanned_at >= since]
    if product_id:
        where.append(LabelScan.product_id == product_id)
    if lot_id:
        where.append(LabelScan.lot_id == lot_id)
    day = _local_day(LabelScan.scanned_at)
    per_day = {
        str(d): n
        for d, n in db.session.execute(sa.select(day, sa.func.count()).where(*where).group_by(day))
    }
    series = []
    locale = get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]
    for i in range(days):
        d = start_day + dt.timedelta(days=i)
        # Day and month as the reader writes them (3/11 in Vietnam, 11/3 in China).
        series.append((format_skeleton("Md", d, locale=locale), per_day.get(d.isoformat(), 0)))
    languages = [
        (lang, n)
        for lang, n in db.session.execute(
            sa.select(LabelScan.lang, sa.func.count())
            .where(*where)
            .group_by(LabelScan.lang)
            .order_by(sa.func.count().desc())
        )
    ]
    products = db.session.execute(
        sa.select(
            Product.id,
            Product.name,
            sa.func.count(LabelScan.id).label("scans"),
            sa.func.count(sa.distinct(LabelScan.label_id)).label("labels"),
            sa.func.count(LabelScan.id).filter(LabelScan.flagged).label("flagged"),
        )
        .join(Product, Product.id == LabelScan.product_id)
        .where(*where)
        .group_by(Product.id, Product.name)
        .order_by(sa.func.count(LabelScan.id).desc())
    ).all()
    lots = db.session.execute(
        sa.select(
            Lot.id,
            Lot.code,
            Product.name.label("product"),
            sa.func.count(LabelScan.id).label("scans"),
            sa.func.count(sa.distinct(LabelScan.label_id)).label("labels"),
            sa.func.count(LabelScan.id).filter(LabelScan.flagged).label("flagged"),
        )
        .join(Lot, Lot.id == LabelScan.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .where(*where)
        .group_by(Lot.id, Lot.code, Product.name)
        .order_by(sa.func.count(LabelScan.id).desc())
        .limit(50)
    ).all()
    total, flagged, unknown, recalled = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(LabelScan.flagged),
            sa.func.count().filter(LabelScan.outcome == "unknown"),
            sa.func.count().filter(LabelScan.outcome == "recalled"),
        ).where(*where)
    ).one()
    return ScanStats(
        days=series,
        languages=languages,
        products=list(products),
        lots=list(lots),
        total=total,
        flagged=flagged,
        unknown=unknown,
        recalled=recalled,
    )
