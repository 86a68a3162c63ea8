"""Figures for the province: cooperatives, members and women, zones, lots, labels and scans."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup

from traceapp import charts
from traceapp.authority.region_figures import Kept, kept_for
from traceapp.authority.scope import Scope, cooperative_ids
from traceapp.authority.services import Overview, overview
from traceapp.batches.models import Lot
from traceapp.cooperatives.models import Gender, Member
from traceapp.csvsafe import lines
from traceapp.dashboard.models import CoopCount
from traceapp.database import local_today, local_zone_name, month_sql
from traceapp.extensions import db
from traceapp.labels.models import LabelRun
from traceapp.public.models import ScanDaily
from traceapp.zones.models import STATUS_LABELS, ZoneStatus

#: How many months the monthly table covers at most.
MAX_MONTHS = 60


@dataclass
class Month:
    """One calendar month's activity."""

    month: str  # YYYY-MM
    lots: int = 0
    labels: int = 0
    scans: int = 0


@dataclass
class Stats:
    """Everything on the statistics page."""

    cooperatives: int
    members: int
    women: int
    zones: Overview
    lots: int
    labels: int
    scans: int
    months: list[Month] = field(default_factory=list)
    #: When the kept lots, labels and scans were counted (None: counted for this request).
    as_of: dt.datetime | None = None

    @property
    def women_share(self) -> decimal.Decimal:
        """Women among current members, in percent with one decimal."""
        if not self.members:
            return decimal.Decimal(0)
        return (decimal.Decimal(self.women * 100) / self.members).quantize(decimal.Decimal("0.1"))


def _month_keys(today: dt.date, months: int) -> list[str]:
    keys = []
    year, month = today.year, today.month
    for _i in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(keys))


def _by_month(
    column: Any, value: Any, where: list[Any], start: Any, local: bool = False
) -> dict[str, int]:
    """``value`` per calendar month of ``column`` from ``start``; timestamps (``local``) are
    counted in the month it was where the cooperatives are, not in UTC."""
    key = month_sql(column, db.engine.dialect.name, local)
    rows = db.session.execute(
        sa.select(key, value).where(*where, column >= start).group_by(key)
    ).all()
    return {str(k): int(n or 0) for k, n in rows}


@dataclass
class Region:
    """What every figure of a region starts from, as SQL made once from the reader's scope
    (a CSV written as it is sent no longer has the reader's objects)."""

    today: dt.date
    months: int
    coop_ids: list[int]
    zones: sa.ColumnElement[bool]
    lots: sa.ColumnElement[bool]
    lot_ids: sa.Select[Any]
    #: The region's lots, labels and scans as the figures refresh kept them, if it has run.
    kept: Kept | None = None

    def zone_clause(self) -> sa.ColumnElement[bool]:
        """The zones in scope (what :func:`overview` asks a scope for)."""
        return self.zones


def region(scope: Scope, months: int = 12, today: dt.date | None = None) -> Region:
    """The region of a reader's scope, for the figures of the last ``months`` months."""
    months = max(1, min(MAX_MONTHS, int(months)))
    return Region(
        today or local_today(),
        months,
        cooperative_ids(scope),
        scope.zone_clause(),
        scope.lot_clause(),
        scope.lot_ids(),
        kept_for(scope),
    )


def _people(r: Region) -> tuple[int, int]:
    """Current members of the region's cooperatives, and the women among them: those with no
    leaving date, as the database keeps them per cooperative (``coop_counts``, the home page's
    figures), and those leaving on a later day, who are members still and few (read through
    the index on the leaving date)."""
    if not r.coop_ids:
        return 0, 0
    kept = dict(
        db.session.execute(
            sa.select(CoopCount.figure, sa.func.sum(CoopCount.n))
            .where(
                CoopCount.cooperative_id.in_(r.coop_ids),
                CoopCount.figure.in_(("members", "women")),
            )
            .group_by(CoopCount.figure)
        ).all()
    )
    leaving, leaving_women = db.session.execute(
        sa.select(
            sa.func.count(Member.id),
            sa.func.count(Member.id).filter(Member.gender == Gender.FEMALE),
        ).where(Member.left_on >= r.today, Member.cooperative_id.in_(r.coop_ids))
    ).one()
    return (
        int(kept.get("members") or 0) + int(leaving),
        int(kept.get("women") or 0) + int(leaving_women),
    )


def _lots(r: Region) -> int:
    if r.kept is not None:
        return r.kept.lots
    return int(db.session.scalar(sa.select(sa.func.count(Lot.id)).where(r.lots)) or 0)


def _labels(r: Region) -> int:
    if r.kept is not None:
        return r.kept.labels
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LabelRun.count), 0)).where(
                LabelRun.lot_id.in_(r.lot_ids)
            )
        )
        or 0
    )


def _scans(r: Region) -> int:
    if r.kept is not None:
        return r.kept.scans
    # Scans from the daily counts the scan log keeps, not from every scan.
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(ScanDaily.scans), 0)).where(
                ScanDaily.lot_id.in_(r.lot_ids)
            )
        )
        or 0
    )


def _monthly(r: Region) -> list[Month]:
    keys = _month_keys(r.today, r.months)
    if r.kept is not None:
        kept = r.kept.months
        return [Month(k, *kept.get(k, (0, 0, 0))) for k in keys]
    start = dt.date.fromisoformat(keys[0] + "-01")
    start_at = dt.datetime.combine(start, dt.time(), tzinfo=ZoneInfo(local_zone_name()))
    per_lot = _by_month(Lot.production_date, sa.func.count(Lot.id), [r.lots], start)
    per_label = _by_month(
        LabelRun.created_at,
        sa.func.sum(LabelRun.count),
        [LabelRun.lot_id.in_(r.lot_ids)],
        start_at,
        local=True,
    )
    # ScanDaily's days are already local days.
    per_scan = _by_month(
        ScanDaily.day, sa.func.sum(ScanDaily.scans), [ScanDaily.lot_id.in_(r.lot_ids)], start
    )
    return [Month(k, per_lot.get(k, 0), per_label.get(k, 0), per_scan.get(k, 0)) for k in keys]


def compute(scope: Scope, months: int = 12, today: dt.date | None = None) -> Stats:
    """The region's figures, and its activity over the last ``months`` months."""
    r = region(scope, months, today)
    members, women = _people(r)
    return Stats(
        cooperatives=len(r.coop_ids),
        members=members,
        women=women,
        zones=overview(r, r.today),  # type: ignore[arg-type]
        lots=_lots(r),
        labels=_labels(r),
        scans=_scans(r),
        months=_monthly(r),
        as_of=r.kept.at if r.kept is not None else None,
    )


HEADER = ["section", "item", "count", "hectares"]


def _csv_rows(stats: Stats) -> Iterator[list[Any]]:
    yield HEADER
    yield from _region_rows(stats)
    yield from _zone_rows(stats.zones)
    yield from _month_rows(stats.months)


def _region_rows(stats: Stats) -> Iterator[list[Any]]:
    yield ["region", "cooperatives", stats.cooperatives, ""]
    yield ["region", "members", stats.members, ""]
    yield ["region", "women members", stats.women, ""]
    yield ["region", "women share percent", stats.women_share, ""]
    yield ["region", "lots", stats.lots, ""]
    yield ["region", "labels issued", stats.labels, ""]
    yield ["region", "scans", stats.scans, ""]


def _zone_rows(zones: Overview) -> Iterator[list[Any]]:
    for status, (n, ha) in zones.by_status.items():
        yield ["zones by status", status, n, ha]
    for kind, (n, ha) in zones.by_kind.items():
        yield ["zones by kind", kind, n, ha]


def _month_rows(months: list[Month]) -> Iterator[list[Any]]:
    for m in months:
        yield ["lots per month", m.month, m.lots, ""]
        yield ["labels per month", m.month, m.labels, ""]
        yield ["scans per month", m.month, m.scans, ""]


def csv_chunks(stats: Stats) -> Iterator[bytes]:
    """The same figures as the page, as a CSV document (section, item, count, hectares),
    of figures already counted."""
    yield "\ufeff".encode()
    for row in _csv_rows(stats):
        yield lines([row]).encode("utf-8")


def streamed_csv(r: Region) -> Iterator[bytes]:
    """:func:`csv_chunks` of :func:`compute` for the :func:`region` ``r``, written as it is
    sent: the head goes at once, then each figure as soon as it is counted."""
    yield "\ufeff".encode() + lines([HEADER]).encode("utf-8")
    members, women = _people(r)
    # The region's figures in their own order, each counted as its line is due.
    yield lines([["region", "cooperatives", len(r.coop_ids), ""]]).encode("utf-8")
    yield lines([["region", "members", members, ""]]).encode("utf-8")
    yield lines([["region", "women members", women, ""]]).encode("utf-8")
    share = Stats(0, members, women, Overview(), 0, 0, 0).women_share
    yield lines([["region", "women share percent", share, ""]]).encode("utf-8")
    for item, count in (("lots", _lots), ("labels issued", _labels), ("scans", _scans)):
        yield lines([["region", item, count(r), ""]]).encode("utf-8")
    yield lines(list(_zone_rows(overview(r, r.today)))).encode("utf-8")  # type: ignore[arg-type]
    yield lines(list(_month_rows(_monthly(r)))).encode("utf-8")


def stats_csv(stats: Stats) -> str:
    """The CSV document of :func:`csv_chunks`, whole."""
    return b"".join(csv_chunks(stats)).decode("utf-8")


def charts_for(figures: Any) -> dict[str, Markup]:
    """The statistics page's SVG charts: lots, labels and scans per month, hectares by status."""
    labels = [charts.month_label(m.month) for m in figures.months]
    return {
        "lots": charts.bar_chart(
            list(zip(labels, [m.lots for m in figures.months], strict=True)), _("Lots per month")
        ),
        "labels": charts.bar_chart(
            list(zip(labels, [m.labels for m in figures.months], strict=True)),
            _("Labels issued per month"),
        ),
        "scans": charts.bar_chart(
            list(zip(labels, [m.scans for m in figures.months], strict=True)), _("Scans per month")
        ),
        "hectares": charts.hbar_chart(
            [
                (str(STATUS_LABELS[ZoneStatus(s)]), ha)
                for s, (_n, ha) in figures.zones.by_status.items()
            ],
            _("Hectares by status"),
            unit="ha",
        ),
    }
