"""The scan figures kept beside the daily counts (per cooperative, per lot and month, labels per
day of their last scan) agree with the raw scans and labels, whichever way the scans were
written, and the statistics read from them are those of the raw scans, over every period."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa

from tests.conftest import make_app, scratch_database_url
from traceapp.database import local_date, local_today
from traceapp.extensions import db
from traceapp.labels import scanstats
from traceapp.labels import services as labels
from traceapp.labels.models import Label
from traceapp.public.models import (
    LabelScan,
    ScanDaily,
    ScanDailyCoop,
    ScanLabelDay,
    ScanLabelLotDay,
    ScanMonthlyLot,
)
from traceapp.public.scan import partitions
from traceapp.public.services import record_scan


def _day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _kept() -> dict[str, Counter]:
    """The kept figures as they are stored (rows with nothing left out)."""
    coops = Counter()
    for row in db.session.execute(sa.select(ScanDailyCoop)).scalars():
        key = (row.cooperative_id, _day(row.day), row.product_id, row.lang, row.outcome)
        coops[(*key, row.flagged)] += row.scans
    lots = Counter()
    for row in db.session.execute(sa.select(ScanMonthlyLot)).scalars():
        key = (row.cooperative_id, _day(row.month), row.lot_id, row.product_id)
        lots[(*key, "scans")] += row.scans
        lots[(*key, "flagged")] += row.flagged
    days = Counter()
    for row in db.session.execute(sa.select(ScanLabelDay)).scalars():
        days[(row.cooperative_id, row.product_id, _day(row.day))] += row.labels
    lot_days = Counter()
    for row in db.session.execute(sa.select(ScanLabelLotDay)).scalars():
        lot_days[(row.lot_id, _day(row.day))] += row.labels
    kept = {"coops": coops, "lots": lots, "days": days, "lot_days": lot_days}
    return {k: +v for k, v in kept.items()}


def _raw() -> dict[str, Counter]:
    """The same figures computed from every scan and every label."""
    from traceapp.batches.models import Lot

    coops, lots, days, lot_days = Counter(), Counter(), Counter(), Counter()
    for scan in db.session.execute(sa.select(LabelScan)).scalars():
        day = local_date(scan.scanned_at)
        coop, lot, product = scan.cooperative_id or 0, scan.lot_id or 0, scan.product_id or 0
        coops[(coop, day, product, scan.lang, scan.outcome, scan.flagged)] += 1
        lots[(coop, day.replace(day=1), lot, product, "scans")] += 1
        lots[(coop, day.replace(day=1), lot, product, "flagged")] += int(scan.flagged)
    for coop, product, lot, last in db.session.execute(
        sa.select(Label.cooperative_id, Lot.product_id, Label.lot_id, Label.last_scanned_at)
        .join(Lot, Lot.id == Label.lot_id)
        .where(Label.last_scanned_at.is_not(None))
    ):
        days[(coop, product, local_date(last))] += 1
        lot_days[(lot, local_date(last))] += 1
    raw = {"coops": coops, "lots": lots, "days": days, "lot_days": lot_days}
    return {k: +v for k, v in raw.items()}


def _raw_stats(cooperative_id: int, days: int, product_id=None, lot_id=None):
    """What the statistics page must show, from every scan and label."""
    from traceapp.batches.models import Lot

    start_day, since = scanstats.window(days)
    scans = [
        s
        for s in db.session.execute(
            sa.select(LabelScan).where(LabelScan.cooperative_id == cooperative_id)
        ).scalars()
        if local_date(s.scanned_at) >= start_day
        and (not product_id or s.product_id == product_id)
        and (not lot_id or s.lot_id == lot_id)
    ]
    per_lot, flagged = Counter(), Counter()
    for s in scans:
        if s.lot_id:
            per_lot[s.lot_id] += 1
            flagged[s.lot_id] += int(s.flagged)
    top = sorted(per_lot.items(), key=lambda kv: (-kv[1], kv[0]))[: scanstats.TOP_LOTS]
    label_rows = db.session.execute(
        sa.select(Label.lot_id, Lot.product_id, Label.last_scanned_at)
        .join(Lot, Lot.id == Label.lot_id)
        .where(Label.cooperative_id == cooperative_id, Label.last_scanned_at >= since)
    ).all()
    labels_per_lot = Counter(r[0] for r in label_rows)
    labels_per_product = Counter(
        r[1]
        for r in label_rows
        if (not product_id or r[1] == product_id) and (not lot_id or r[0] == lot_id)
    )
    per_product = Counter(s.product_id for s in scans if s.product_id)
    return {
        "total": len(scans),
        "flagged": sum(s.flagged for s in scans),
        "unknown": sum(s.outcome == "unknown" for s in scans),
        "lots": [(lid, n, labels_per_lot[lid], flagged[lid]) for lid, n in top],
        "products": sorted((pid, n, labels_per_product[pid]) for pid, n in per_product.items()),
        "days": sorted(Counter(local_date(s.scanned_at) for s in scans).items()),
    }


def _shown(stats, start_day):
    return {
        "total": stats.total,
        "flagged": stats.flagged,
        "unknown": stats.unknown,
        "lots": [(r.id, r.scans, r.labels, r.flagged) for r in stats.lots],
        "products": sorted((r.id, r.scans, r.labels) for r in stats.products),
        "days": [(start_day + dt.timedelta(days=i), n) for i, (_, n) in enumerate(stats.days) if n],
    }


def _old_scan(label: Label, product_id: int, at: dt.datetime, **kw) -> LabelScan:
    fields = {"outcome": "ok", "lang": "vi", "flagged": False, **kw}
    return LabelScan(
        scanned_at=at,
        label_id=label.id,
        lot_id=label.lot_id,
        product_id=product_id,
        cooperative_id=label.cooperative_id,
        client_hash="old",
        ua_class="mobile",
        **fields,
    )


@pytest.fixture
def scanned(farm):
    """Two lots of one cooperative with labels scanned now (through the scan page) and over
    the last fourteen months (written through the ORM, as the demo does), a few flagged."""
    from tests.farm import harvest_lot

    actor = farm.world.a.manager
    lot_a = harvest_lot(farm, "100")
    lot_b = harvest_lot(farm, "100")
    run_a = labels.issue_run(actor, lot_a, count=4)
    run_b = labels.issue_run(actor, lot_b, count=3)
    made = {
        run.id: db.session.scalars(
            sa.select(Label).where(Label.run_id == run.id).order_by(Label.seq)
        ).all()
        for run in (run_a, run_b)
    }
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # Old scans on days around the months' edges and the periods' edges, through the ORM;
    # each label's last scan moves as they are written.
    for k, ago in enumerate((400, 370, 364, 200, 95, 89, 60, 31, 29, 8, 6, 1)):
        for j, label in enumerate(made[run_a.id] + made[run_b.id]):
            if (k + j) % 3 == 0:
                continue
            at = now - dt.timedelta(days=ago, hours=j)
            product = lot_a.product_id if label.run_id == run_a.id else lot_b.product_id
            db.session.add(
                _old_scan(label, product, at, flagged=(k + j) % 5 == 0, lang="en" if j else "vi")
            )
            if label.last_scanned_at is None or label.last_scanned_at < at:
                label.last_scanned_at = at
            db.session.flush()
    # And today's scans through the scan page's own writer.
    for label, lang in zip(made[run_a.id][:3] + made[run_b.id][:1], "vvzv", strict=True):
        record_scan(label.serial, address="10.0.0.1", user_agent="Android", lang=lang)
    record_scan("ZZZZ-NOT-A-SERIAL", address="10.0.0.2", user_agent="iPhone", lang="en")
    db.session.expire_all()
    return farm.world.a.coop.id, lot_a, lot_b


def test_the_kept_figures_agree_with_the_raw_scans(scanned):
    assert _kept() == _raw()
    assert _kept()["lots"]  # not vacuously


@pytest.mark.parametrize("days", [7, 30, 90, 365])
def test_the_statistics_are_those_of_the_raw_scans_over_every_period(scanned, days):
    coop_id, lot_a, lot_b = scanned
    start_day, _since = scanstats.window(days)
    for product_id, lot_id in ((None, None), (lot_b.product_id, None), (None, lot_a.id)):
        with db.session.no_autoflush:
            stats = scanstats.compute(coop_id, days, product_id, lot_id)
        expected = _raw_stats(coop_id, days, product_id, lot_id)
        assert _shown(stats, start_day) == expected, (days, product_id, lot_id)
    assert expected["total"] > 0


def test_the_top_lots_cut_whole_months_at_both_edges(scanned, monkeypatch):
    """Whichever side of the first month the statistics read (the month less its early days,
    or the later days alone), the lots' figures are the raw scans'."""
    coop_id, _a, _b = scanned
    for today in (local_today(), local_today().replace(day=3), local_today().replace(day=27)):
        monkeypatch.setattr(scanstats, "local_today", lambda today=today: today)
        for days in (30, 90, 365):
            start_day = today - dt.timedelta(days=days - 1)
            got = scanstats.top_lots(coop_id, start_day, None)
            per_lot = Counter()
            for lot_id, n in db.session.execute(
                sa.select(ScanDaily.lot_id, sa.func.sum(ScanDaily.scans))
                .where(
                    ScanDaily.cooperative_id == coop_id,
                    ScanDaily.day >= start_day,
                    ScanDaily.lot_id != 0,
                )
                .group_by(ScanDaily.lot_id)
            ):
                per_lot[lot_id] = int(n)
            assert sorted((r[0], int(r[3])) for r in got) == sorted(per_lot.items()), (today, days)


def test_the_home_page_counts_the_last_30_days_from_the_kept_figures(scanned, manager_client):
    coop_id, _a, _b = scanned
    start_day, _since = scanstats.window(30)
    expected = sum(
        1
        for s in db.session.execute(
            sa.select(LabelScan.scanned_at).where(LabelScan.cooperative_id == coop_id)
        ).scalars()
        if local_date(s) >= start_day
    )
    html = manager_client.get("/").get_data(as_text=True)
    assert expected > 4  # the old scans of the last 30 days are counted too
    assert f'<span class="num">{expected}</span> scans in the last 30 days' in html


def test_retention_leaves_the_kept_figures(scanned):
    before = _kept()
    if db.engine.dialect.name == "postgresql":
        conn = db.session.connection()
        partitions.ensure_months(conn, local_today())
        partitions.drop_old_months(conn, partitions.month_start(local_today(), -2))
    else:
        partitions.delete_old_rows(
            db.session.connection(), partitions.month_start(local_today(), -2)
        )
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(LabelScan)
            .where(LabelScan.scanned_at < dt.datetime.now(dt.UTC) - dt.timedelta(days=100))
        )
        == 0
    )
    assert _kept() == before


@pytest.mark.parametrize("flush_seconds", [0, 60])
def test_the_batch_writer_keeps_them_too(tmp_path, flush_seconds):
    from tests.public.test_scanlog import _seed
    from traceapp.public.scan.connection import release_connection
    from traceapp.public.scan.log import scan_log

    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path, TRACEAPP_SCAN_FLUSH_SECONDS=flush_seconds)
        serials = _seed(app)
        client = app.test_client()
        for serial in (serials[0], serials[1], serials[0], "ZZZZZZZZZZZZZZZZ"):
            client.get(f"/l/{serial}")
        scan_log.flush()
        for serial in (serials[0], serials[2]):  # a second batch moves serials[0] again
            client.get(f"/l/{serial}")
        scan_log.flush()
        with app.app_context():
            kept, raw = _kept(), _raw()
            assert kept == raw
            assert sum(raw["days"].values()) == 3  # each label counted once
            db.session.remove()
            release_connection()
            db.drop_all()
            db.engine.dispose()
