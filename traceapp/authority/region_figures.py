"""Lots, labels and scans per console region and month, kept by the figures refresh (issue 21).

The statistics page of a province counted its lots, labels and scans over the raw tables:
every contribution and event of the province's zones, the lots made from them, then their
label runs and daily scans, several seconds at the province tier. The refresh that keeps the
flags (the worker's periodic maintenance, ``traceapp figures refresh``) now also works out
once, for the whole platform, which regions each lot falls in, and keeps per region and
month how many lots were produced, labels issued and scans made (``region_months``). The page
then sums a few dozen rows and says when they were made.

A region is what an auditor's scope covers (:class:`~traceapp.authority.scope.Scope`): the
zones whose province (or the province it was merged into) is the auditor's, in the auditor's
country, and, for an auditor of one district, in that district. A lot falls in a region when
it claims one of its zones through a contribution still standing or an event not declared
wrong, or when it was made from a lot that does. Each zone therefore belongs to at most two
province regions (its own and its successor's) and two district regions, and a lot counts
once in each region it falls in, however many of the region's zones it claims.

Until a first refresh nothing is kept, and the page counts over the raw tables as before.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from traceapp.authority.figures import mark_refreshed, refreshed_at
from traceapp.authority.models import RegionMonth
from traceapp.authority.scope import Scope, event_declared_wrong
from traceapp.batches.models import Contribution, Lot, LotInput, TraceEvent
from traceapp.cooperatives.models import Cooperative
from traceapp.core.regions import covering, normalise
from traceapp.database import month_sql, sqlite_begin_mode
from traceapp.extensions import db
from traceapp.labels.models import LabelRun
from traceapp.public.models import ScanMonthlyLot
from traceapp.zones.models import Zone

#: The name of these figures in figures_refreshed.
STATS = "region_stats"
#: The region of the platform administrators: every lot, whether it claims a zone or not.
EVERYWHERE = "*"
#: Rows read from the database at a time while the figures are worked out.
BATCH = 20_000
#: The advisory lock that keeps two refreshes' writes apart ("regions" in ASCII).
_WRITE_LOCK = 0x726567696F6E73


def region_key(scope: Scope) -> str | None:
    """The kept region an auditor's scope covers; :data:`EVERYWHERE` for administrators, None
    for anyone without a console."""
    if scope.mode == "all":
        return EVERYWHERE
    if scope.mode != "region":
        return None
    actor = scope.actor
    key = f"{actor.audit_country}|{normalise(actor.province)}"
    return f"{key}|{normalise(actor.district)}" if actor.district else key


def zone_regions(country: str | None, province_key: str, district_key: str | None) -> set[str]:
    """The regions whose auditors read a zone of this cooperative country, province and
    district (the same rule as ``Zone.visible_to``)."""
    provinces = covering(province_key)
    keys = {f"{country}|{p}" for p in provinces}
    if district_key is not None:
        keys |= {f"{country}|{p}|{district_key}" for p in provinces}
    return keys


@dataclass
class Kept:
    """A region's kept figures: totals since the first lot, and per month."""

    at: dt.datetime
    lots: int
    labels: int
    scans: int
    months: dict[str, tuple[int, int, int]]


def kept_for(scope: Scope) -> Kept | None:
    """The kept figures of the scope's region, or None if no refresh has kept any yet."""
    at = refreshed_at(STATS)
    if at is None:
        return None
    key = region_key(scope)
    rows = (
        db.session.execute(
            sa.select(
                RegionMonth.month, RegionMonth.lots, RegionMonth.labels, RegionMonth.scans
            ).where(RegionMonth.region_key == key)
        ).all()
        if key is not None
        else []
    )
    months = {r.month: (int(r.lots), int(r.labels), int(r.scans)) for r in rows}
    return Kept(
        at,
        sum(m[0] for m in months.values()),
        sum(m[1] for m in months.values()),
        sum(m[2] for m in months.values()),
        months,
    )


# --- the refresh ------------------------------------------------------------------------------


def _stream(stmt: Any) -> Iterable[Any]:
    return db.session.execute(stmt.execution_options(yield_per=BATCH))


def _zones() -> dict[int, frozenset[str]]:
    """Each zone's regions."""
    rows = _stream(
        sa.select(Zone.id, Cooperative.country, Zone.province_key, Zone.district_key).join(
            Cooperative, Cooperative.id == Zone.cooperative_id
        )
    )
    shared: dict[frozenset[str], frozenset[str]] = {}
    out: dict[int, frozenset[str]] = {}
    for zone_id, country, province_key, district_key in rows:
        keys = frozenset(zone_regions(country, province_key, district_key))
        out[zone_id] = shared.setdefault(keys, keys)
    return out


def lot_regions() -> dict[int, frozenset[str]]:
    """Each lot's regions: those of the zones it claims, and those of the lots it was made
    from (all the way up its genealogy). Lots in no region are left out."""
    zones = _zones()
    claims: sa.CompoundSelect[Any] = sa.union(
        sa.select(Contribution.lot_id, Contribution.zone_id).where(
            Contribution.voided_at.is_(None)
        ),
        sa.select(TraceEvent.lot_id, TraceEvent.zone_id).where(
            TraceEvent.zone_id.is_not(None), ~event_declared_wrong()
        ),
    )
    found: dict[int, set[str]] = defaultdict(set)
    for lot_id, zone_id in _stream(claims):
        found[lot_id] |= zones.get(zone_id, frozenset())
    # Down the genealogy: a lot made from others falls in their regions too. The sets only
    # grow, so the walk ends even if the recorded genealogy has a cycle.
    made_into: dict[int, list[int]] = defaultdict(list)
    for input_id, output_id in _stream(sa.select(LotInput.input_lot_id, LotInput.output_lot_id)):
        made_into[input_id].append(output_id)
    todo = [lot for lot in found if lot in made_into]
    while todo:
        lot = todo.pop()
        for output in made_into.get(lot, ()):
            before = len(found[output])
            found[output] |= found[lot]
            if len(found[output]) != before:
                todo.append(output)
    shared: dict[frozenset[str], frozenset[str]] = {}
    out: dict[int, frozenset[str]] = {}
    for lot, keys in found.items():
        if keys:
            frozen = frozenset(keys)
            out[lot] = shared.setdefault(frozen, frozen)
    return out


def compute() -> dict[tuple[str, str], list[int]]:
    """Lots, labels and scans per (region, month) over the whole platform, from the raw
    tables (the refresh's work; reads only)."""
    regions = lot_regions()
    figures: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])

    def add(lot_id: int, month: str, what: int, n: int) -> None:
        figures[(EVERYWHERE, month)][what] += n
        for key in regions.get(lot_id, ()):
            figures[(key, month)][what] += n

    for lot_id, produced in _stream(sa.select(Lot.id, Lot.production_date)):
        add(lot_id, produced.strftime("%Y-%m"), 0, 1)
    month = month_sql(LabelRun.created_at, db.engine.dialect.name, local=True)
    for lot_id, key, n in _stream(
        sa.select(LabelRun.lot_id, month, sa.func.sum(LabelRun.count)).group_by(
            LabelRun.lot_id, month
        )
    ):
        add(lot_id, str(key), 1, int(n or 0))
    # The scan log writer keeps scans per lot and local month in the transaction that writes
    # the scans; those rows are few compared with the daily counts.
    for lot_id, first_day, n in _stream(
        sa.select(
            ScanMonthlyLot.lot_id, ScanMonthlyLot.month, sa.func.sum(ScanMonthlyLot.scans)
        ).group_by(ScanMonthlyLot.lot_id, ScanMonthlyLot.month)
    ):
        add(lot_id, first_day.strftime("%Y-%m"), 2, int(n or 0))
    return figures


def refresh() -> int:
    """Work out every region's figures and keep them, committing; returns how many rows were
    kept. The reading runs in a transaction of its own that, on SQLite, does not take the
    write lock, so scans and forms go on while it reads; the write is one short transaction."""
    db.session.commit()
    with sqlite_begin_mode("DEFERRED"):
        figures = compute()
        db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        # Two refreshes at once (the worker's and a command's) write one after the other.
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _WRITE_LOCK})
    db.session.execute(sa.delete(RegionMonth))
    rows = [
        {"region_key": key, "month": month, "lots": n[0], "labels": n[1], "scans": n[2]}
        for (key, month), n in sorted(figures.items())
    ]
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(RegionMonth), rows[start : start + BATCH])
    mark_refreshed(STATS)
    db.session.commit()
    return len(rows)
