"""Statistics for the province: the figures, the CSV, and the SVG charts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

from tests.authority.conftest import labels_for
from tests.conftest import bearer
from tests.farm import harvest_lot
from traceapp import charts
from traceapp.authority import services, stats
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.public.models import LabelScan


def test_the_figures_of_the_province(farm, world):
    lot = harvest_lot(farm, "1000")
    labels = labels_for(lot, count=4)
    for label in labels[:3]:
        db.session.add(
            LabelScan(
                label_id=label.id,
                lot_id=lot.id,
                cooperative_id=lot.cooperative_id,
                outcome="ok",
                client_hash="c",
                ua_class="mobile",
                lang="vi",
            )
        )
    db.session.flush()
    figures = stats.compute(services.scope_for(world.auditor), months=12)
    # cooperative A (B's is in Khánh Hòa): three members and the farm's fisher; two women
    assert (figures.cooperatives, figures.members, figures.women) == (1, 4, 2)
    assert figures.women_share == Decimal("50.0")
    assert figures.zones.by_status["approved"][0] == 5
    assert figures.zones.by_status["approved"][1] == Decimal("3.50")
    assert (figures.lots, figures.labels, figures.scans) == (1, 4, 3)
    this_month = local_today().strftime("%Y-%m")
    month = next(m for m in figures.months if m.month == this_month)
    assert (month.labels, month.scans) == (4, 3)
    assert sum(m.lots for m in figures.months if m.month == "2026-03") == 1
    assert len(figures.months) == 12
    other = stats.compute(services.scope_for(world.other_auditor))
    assert (other.cooperatives, other.members, other.lots, other.scans) == (1, 3, 0, 0)


def test_the_page_and_the_csv_show_the_same_figures(farm, auditor_client, client, auditor_token):
    harvest_lot(farm, "1000")
    page = auditor_client.get("/authority/stats").get_data(as_text=True)
    assert page.count('role="img"') >= 3 and "style=" not in page
    assert "50.0" in page
    body = auditor_client.get("/authority/stats.csv").get_data(as_text=True)
    reader = csv.DictReader(io.StringIO(body.lstrip("\ufeff")))
    rows = {(r["section"], r["item"]): r for r in reader}
    assert rows[("region", "members")]["count"] == "4"
    assert rows[("region", "women share percent")]["count"] == "50.0"
    assert rows[("zones by status", "approved")]["hectares"] == "3.50"
    assert rows[("lots per month", "2026-03")]["count"] == "1"
    api = client.get("/api/v1/authority/stats?months=24", headers=bearer(auditor_token))
    data = api.get_json()
    assert data["women_share"] == "50.0" and len(data["months"]) == 24
    assert data["zones_by_status"]["approved"] == {"count": 5, "hectares": "3.50"}


def test_charts_are_accessible_svg_without_script_or_style():
    svg = str(charts.bar_chart([("1/26", 3), ("2/26", 0), ("3/26", 12)], "Lots <per> month"))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-label="Lots &lt;per&gt; month"' in svg
    assert "<title>Lots &lt;per&gt; month</title>" in svg
    assert "style=" not in svg and "<script" not in svg
    assert 'viewBox="0 0 320 ' in svg
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert heights[1] == 0 and heights[2] > heights[0] > 0
    many = str(charts.bar_chart([(f"{m}/26", m) for m in range(1, 25)], "Two years"))
    labels = re.findall(r'font-size="9" text-anchor="middle"[^>]*>([^<]+)<', many)
    assert 0 < len(labels) < 24  # thinned so they do not collide on a phone
    bars = str(
        charts.hbar_chart([("Approved", Decimal("3.5")), ("Suspended", 1)], "Hectares", unit="ha")
    )
    assert "3.5 ha" in bars and 'role="img"' in bars
    assert charts.month_label("2026-03") == "3/26"
    empty = str(charts.bar_chart([], "Nothing"))
    assert "<title>Nothing</title>" in empty


def test_a_fishing_ground_does_not_drown_the_hectares_of_land(farm, world, auditor_client):
    farm.ground.declared_area_ha = Decimal("120000")
    db.session.flush()
    figures = services.overview(services.scope_for(world.auditor))
    assert figures.hectares == Decimal("3.50")
    assert figures.sea_hectares == Decimal("120000.00")
    assert figures.by_status["approved"] == (5, Decimal("3.50"))
    assert figures.by_kind["fishing_ground"] == (1, Decimal("120000.00"))
    db.session.commit()
    page = auditor_client.get("/authority/stats").get_data(as_text=True)
    assert "120,000.00 ha of sea" in page
    console = auditor_client.get("/authority").get_data(as_text=True)
    assert "3.50 ha of land and farm water" in console
    assert "further 120,000.00 ha of sea" in console


def test_months_are_counted_where_the_cooperatives_are(farm, world):
    """A scan at 06:00 on 1 March in Vietnam is 23:00 on 28 February in UTC: it is March's."""
    lot = harvest_lot(farm, "1000")
    [label] = labels_for(lot, count=1)
    morning = dt.datetime(2026, 2, 28, 23, 0, tzinfo=dt.UTC)  # 06:00 on 1 March, UTC+7
    evening = dt.datetime(2026, 2, 28, 16, 0, tzinfo=dt.UTC)  # 23:00 on 28 February
    for when in (morning, evening):
        db.session.add(
            LabelScan(
                label_id=label.id,
                lot_id=lot.id,
                scanned_at=when,
                cooperative_id=lot.cooperative_id,
                outcome="ok",
                client_hash="c",
                ua_class="mobile",
                lang="vi",
            )
        )
    db.session.flush()
    figures = stats.compute(
        services.scope_for(world.auditor), months=12, today=dt.date(2026, 3, 15)
    )
    by_month = {m.month: m.scans for m in figures.months}
    assert (by_month["2026-02"], by_month["2026-03"]) == (1, 1)


def test_the_streamed_csv_sends_its_head_first_and_the_same_figures(farm, world, auditor_client):
    lot = harvest_lot(farm, "1000")
    labels_for(lot, count=4)
    db.session.commit()
    for user in (world.auditor, world.other_auditor, world.admin):
        scope = services.scope_for(user)
        whole = b"".join(stats.csv_chunks(stats.compute(scope, months=6)))
        chunks = stats.streamed_csv(stats.region(scope, months=6))
        first = next(chunks)
        assert first == "\ufeffsection,item,count,hectares\r\n".encode()
        assert first + b"".join(chunks) == whole
    # Through the page: the head arrives as the first chunk of the download.
    response = auditor_client.get("/authority/stats.csv", buffered=False)
    assert next(iter(response.response)).startswith("\ufeffsection,item".encode())
    response.close()


def test_members_leaving_later_still_count_and_those_who_left_do_not(farm, world):
    from traceapp.cooperatives.models import Gender

    scope = services.scope_for(world.auditor)
    before = stats.compute(scope)
    today = local_today()
    women = [m for m in world.a.members if m.gender == Gender.FEMALE]
    men = [m for m in world.a.members if m.gender != Gender.FEMALE]
    women[0].left_on = today + dt.timedelta(days=30)  # leaving next month: a member still
    men[0].left_on = today - dt.timedelta(days=1)  # left yesterday
    db.session.flush()
    after = stats.compute(scope)
    assert (after.members, after.women) == (before.members - 1, before.women)
    women[0].left_on = today - dt.timedelta(days=1)
    db.session.flush()
    gone = stats.compute(scope)
    assert (gone.members, gone.women) == (before.members - 2, before.women - 1)
