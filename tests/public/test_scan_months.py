"""Scans counted per label run as they arrive; on PostgreSQL the scan log is partitioned by
month, the coming months are made ahead, and old scans go with the retention setting while
the daily counts stay."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_DATABASE_URL
from traceapp.extensions import db
from traceapp.public.models import LabelScan, ScanDaily
from traceapp.public.scan import partitions

ON_PG = (TEST_DATABASE_URL or "").startswith("postgresql")
pg_only = pytest.mark.skipif(not ON_PG, reason="partitions are PostgreSQL's")


def _old_scan(at: dt.datetime, **kw) -> LabelScan:
    return LabelScan(
        scanned_at=at, outcome="ok", client_hash="old", ua_class="mobile", lang="vi", **kw
    )


def test_the_run_pages_show_the_runs_scans(labelled, client, manager_client):
    for serial in labelled.serials[:2]:
        assert client.get(labelled.url(serial)).status_code == 200
    assert client.get(labelled.url(labelled.serials[0])).status_code == 200
    runs = manager_client.get("/label-runs").get_data(as_text=True)
    row = re.search(rf"#{labelled.run.number}</a>.*?</tr>", runs, re.S).group(0)
    assert '<td class="num">3</td>' in row
    page = manager_client.get(f"/label-runs/{labelled.run.id}").get_data(as_text=True)
    assert "<dt>Scans</dt><dd>3 · 3 in the last 30 days</dd>" in page


@pg_only
def test_the_scan_log_is_partitioned_by_month_with_the_coming_months(session):
    conn = session.connection()
    assert partitions.is_partitioned(conn)
    today = dt.datetime.now(dt.UTC).date()
    made = set(partitions.months(conn))
    assert {partitions.month_start(today, k) for k in range(partitions.AHEAD + 1)} <= made
    # Maintenance in a later month makes that month and the next ones.
    later = partitions.month_start(today, 10)
    created = partitions.ensure_months(conn, later)
    assert f"label_scan_months.m{later:%Y_%m}" in created
    assert partitions.month_start(later, partitions.AHEAD) in partitions.months(conn)
    assert partitions.ensure_months(conn, later) == []  # nothing more to make
    # Before a bulk load of older scans, their months can be made too.
    back = partitions.month_start(today, -14)
    assert f"label_scan_months.m{back:%Y_%m}" in partitions.ensure_months(conn, today, since=back)


@pg_only
def test_retention_drops_an_old_month_and_keeps_the_daily_counts(session):
    conn = session.connection()
    old = dt.datetime(2023, 3, 15, 8, tzinfo=dt.UTC)
    db.session.add_all([_old_scan(old), _old_scan(old + dt.timedelta(days=1))])
    db.session.add(_old_scan(dt.datetime.now(dt.UTC)))
    db.session.flush()
    # The old scans landed in the DEFAULT partition; maintenance gives them their month.
    assert "label_scan_months.m2023_03" in partitions.ensure_months(conn, dt.date.today())
    today = dt.date(2023, 3, 1) + dt.timedelta(days=31 * 14)  # 14 months later
    dropped = partitions.drop_old_months(conn, partitions.cutoff(today, 12))
    assert "label_scan_months.m2023_03" in dropped
    old_left = db.session.scalar(
        sa.select(sa.func.count()).where(
            LabelScan.scanned_at < dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        )
    )
    assert old_left == 0
    assert db.session.scalar(sa.select(sa.func.count(LabelScan.id))) >= 1  # today's stays
    kept = db.session.scalar(
        sa.select(sa.func.sum(ScanDaily.scans)).where(ScanDaily.day < dt.date(2023, 4, 1))
    )
    assert kept == 2


@pytest.mark.skipif(ON_PG, reason="PostgreSQL drops whole months (above)")
def test_retention_deletes_old_scans_in_batches_and_keeps_the_daily_counts(session):
    old = dt.datetime(2023, 3, 15, 8, tzinfo=dt.UTC)
    db.session.add_all([_old_scan(old + dt.timedelta(hours=h)) for h in range(5)])
    db.session.add(_old_scan(dt.datetime.now(dt.UTC)))
    db.session.flush()
    before = partitions.cutoff(dt.date(2024, 6, 10), 12)
    assert before == dt.date(2023, 7, 1)
    assert partitions.delete_old_rows(session.connection(), before, batch=2) == 5
    at = dt.datetime(2023, 7, 1, tzinfo=dt.UTC)
    assert db.session.scalar(sa.select(sa.func.count()).where(LabelScan.scanned_at < at)) == 0
    assert db.session.scalar(sa.select(sa.func.count(LabelScan.id))) >= 1
    kept = db.session.scalar(
        sa.select(sa.func.sum(ScanDaily.scans)).where(ScanDaily.day < dt.date(2023, 4, 1))
    )
    assert kept == 5


def test_the_maintain_command_runs(app):
    # Every month up to AHEAD exists already and nothing is to be removed by default.
    result = app.test_cli_runner().invoke(args=["scans", "maintain"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
