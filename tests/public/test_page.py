"""The consumer's page: recall first and uncached, clone cautions, languages, privacy, weight."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from traceapp import tunables
from traceapp.batches import corrections
from traceapp.batches import events as ev
from traceapp.batches.recall import recall_lot
from traceapp.extensions import db
from traceapp.labels.models import Label
from traceapp.public import page_cache


def test_a_genuine_label_says_so_and_counts_scans(client, labelled):
    url = labelled.url(labelled.serials[0])
    first = client.get(url).get_data(as_text=True)
    assert "Genuine label" in first
    assert "first time it has been scanned" in first
    again = client.get(url).get_data(as_text=True)
    assert "scanned 2 times" in again
    label = db.session.execute(
        sa.select(Label).where(Label.serial == labelled.serials[0])
    ).scalar_one()
    assert label.scan_count == 2 and label.flagged_at is None


def test_a_recall_shows_first_and_is_never_cached(client, labelled):
    url = labelled.url(labelled.serials[0])
    assert client.get(url).headers["Cache-Control"] == "private, max-age=60"
    recall_lot(
        labelled.farm.world.a.manager,
        labelled.harvest,
        reason="Aflatoxin B1 above the limit (test 31/2026)",
        instructions="Do not eat. Return the bag to the shop for a refund.",
        decided_by="HTX Xuân Phước",
    )
    r = client.get(url)
    html = r.get_data(as_text=True)
    assert r.headers["Cache-Control"] == "no-store"
    banner = html.index("Recalled: do not use this product")
    assert banner < html.index("<h1>")
    assert "Return the bag to the shop" in html
    # Nothing calls a recalled product genuine or safe, on a scanned label or a new one.
    assert "Genuine label" not in html and "genuine" not in html.lower()
    assert (
        "genuine"
        not in client.get(labelled.url(labelled.serials[3])).get_data(as_text=True).lower()
    )
    lot_page = client.get(f"/01/{labelled.gtin}/10/{labelled.packed.code}")
    assert lot_page.headers["Cache-Control"] == "no-store"
    status = client.get(
        url + "?linkType=gs1:recallStatus",
        follow_redirects=True,
        base_url="https://trace.example.vn",
    ).json
    assert status["recalled"] is True
    assert "Aflatoxin" in status["reason"]


def test_one_client_reloading_never_warns_shoppers_but_staff_see_the_volume(client, labelled):
    """A hundred reloads from one address are no evidence of a copy: the shopper is never
    warned; the volume stays on the label for the cooperative and the auditors."""
    url = labelled.url(labelled.serials[2])
    for _ in range(100):
        html = client.get(url, environ_base={"REMOTE_ADDR": "198.51.100.7"}).get_data(as_text=True)
        assert "Caution" not in html and "Genuine label" in html
    label = db.session.execute(
        sa.select(Label).where(Label.serial == labelled.serials[2])
    ).scalar_one()
    assert label.scan_count == 100
    assert label.flagged_at is not None
    assert label.flag_reason == "more than 20 scans in 24 hours"


def test_one_ipv6_client_rotating_its_addresses_counts_once(client, labelled):
    url = labelled.url(labelled.serials[2])
    limit = tunables.get("clone_rules")["max_distinct_clients"]
    for i in range(limit + 5):
        address = f"2001:db8:1:2:{i:x}::{i + 1:x}"
        html = client.get(url, environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
        assert "Caution" not in html


def test_many_different_clients_flag_the_label(client, labelled):
    url = labelled.url(labelled.serials[3])
    limit = tunables.get("clone_rules")["max_distinct_clients"]
    for i in range(limit):
        r = client.get(url, environ_base={"REMOTE_ADDR": f"10.1.0.{i}"})
        assert "Caution" not in r.get_data(as_text=True)
    r = client.get(url, environ_base={"REMOTE_ADDR": "10.1.9.9"})
    html = r.get_data(as_text=True)
    assert "Caution: this label may have been copied" in html
    # It says what was seen: this many different phones, since the first of their scans.
    assert f"but {limit + 1} different phones have scanned it since" in html
    assert r.headers["Cache-Control"] == "no-store"
    label = db.session.execute(
        sa.select(Label).where(Label.serial == labelled.serials[3])
    ).scalar_one()
    assert label.flag_reason == f"scanned by more than {limit} different clients"
    # Every later scan in the window, a reload of one of them included, still warns.
    again = client.get(url, environ_base={"REMOTE_ADDR": "10.1.0.0"}).get_data(as_text=True)
    assert f"but {limit + 1} different phones have scanned it since" in again


def test_scans_after_best_before_are_flagged_and_explained(client, labelled):
    import datetime as dt

    labelled.packed.best_before = labelled.packed.production_date + dt.timedelta(days=1)
    db.session.flush()
    html = client.get(labelled.url(labelled.serials[4])).get_data(as_text=True)
    assert "Past its best-before date" in html
    reason = db.session.scalar(
        sa.select(Label.flag_reason).where(Label.serial == labelled.serials[4])
    )
    assert reason == "scan after best-before"


def test_the_scan_log_keeps_no_address(client, labelled):
    from traceapp.public.models import LabelScan

    client.get(
        labelled.url(labelled.serials[0]),
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
        headers={"User-Agent": "Mozilla/5.0 (Linux; Android 12)"},
    )
    scan = db.session.scalars(sa.select(LabelScan)).one()
    stored = " ".join(str(v) for v in (scan.client_hash, scan.ua_class, scan.lang))
    assert "203.0.113.77" not in stored
    assert scan.ua_class == "android"
    assert len(scan.client_hash) == 16


def test_rate_limit_per_client_ignores_forged_forwarding_headers(app, client, labelled):
    app.config["TRACEAPP_PUBLIC_RATE_LIMIT"] = "5 per minute"
    try:
        url = labelled.url(labelled.serials[0])
        codes = [
            client.get(url, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
            for i in range(7)
        ]
    finally:
        app.config["TRACEAPP_PUBLIC_RATE_LIMIT"] = "120 per minute"
    assert codes[:5] == [200] * 5
    assert codes[5] == 429


@pytest.mark.parametrize(
    ("how", "expect"),
    [
        ({"query_string": {"lang": "en"}}, "en"),
        ({"headers": {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}}, "fr"),
        ({"headers": {"Accept-Language": "zh-CN,zh;q=0.9"}}, "zh"),
        ({"headers": {"Accept-Language": ""}}, "vi"),
    ],
)
def test_language_choice(client, labelled, how, expect):
    html = client.get(labelled.url(labelled.serials[0]), **how).get_data(as_text=True)
    assert f'<html lang="{expect}">' in html


def test_language_cookie_remembers_the_choice(client, labelled):
    url = labelled.url(labelled.serials[0])
    client.get(url, query_string={"lang": "en"})
    html = client.get(url, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in html


def test_product_names_are_shown_in_the_chosen_language(client, labelled):
    html = client.get(labelled.url(labelled.serials[0]), query_string={"lang": "en"}).get_data(
        as_text=True
    )
    assert "Peanuts 500 g" in html


def test_only_consenting_members_are_named(client, labelled):
    growers = labelled.farm.growers
    growers[0].public_name_consent = True
    growers[1].public_name_consent = False
    db.session.flush()
    page_cache.clear_cache()
    html = client.get(labelled.url(labelled.serials[0])).get_data(as_text=True)
    assert growers[0].full_name in html
    assert growers[1].full_name not in html
    assert "2 member households contributed" in html


def test_cooperative_text_is_escaped(client, labelled):
    coop = labelled.farm.coop
    coop.name = '<script>alert("x")</script> HTX'
    labelled.packed.notes = "<img src=x onerror=alert(1)>"
    ev.record_event(
        labelled.farm.world.a.manager,
        labelled.packed,
        biz_step="storing",
        location='<b onmouseover="alert(1)">Kho</b>',
    )
    db.session.flush()
    page_cache.clear_cache()
    html = client.get(labelled.url(labelled.serials[0])).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<b onmouseover" not in html
    assert "&lt;script&gt;" in html


def test_page_is_light_and_self_contained(client, labelled):
    r = client.get(labelled.url(labelled.serials[0]))
    html = r.get_data(as_text=True)
    assert len(r.data) < 30 * 1024
    assert "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html.replace("https://trace.example.vn", "")
    csp = r.headers["Content-Security-Policy"]
    assert "'sha256-" in csp and "unsafe-inline" not in csp


def test_lot_pages_are_cacheable_with_validators(client, labelled):
    url = f"/01/{labelled.gtin}/10/{labelled.packed.code}"
    first = client.get(url)
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_corrections_show_as_corrections(client, labelled):
    actor = labelled.farm.world.a.manager
    wrong = ev.record_event(
        actor, labelled.packed, biz_step="inspecting", disposition="non_conformant"
    )
    corrections.declare_error(
        actor,
        wrong,
        reason="incorrect_data",
        explanation="wrong sample",
        corrections=[{"biz_step": "inspecting", "disposition": "conformant"}],
    )
    page_cache.clear_cache()
    html = client.get(labelled.url(labelled.serials[0])).get_data(as_text=True)
    assert "<del>Inspection</del>" in html
    assert "(correction)" in html


def test_recall_reaches_the_cached_page_at_once(client, labelled):
    url = labelled.url(labelled.serials[0])
    assert "Recalled" not in client.get(url).get_data(as_text=True)
    recall_lot(
        labelled.farm.world.a.manager,
        labelled.packed,
        reason="Metal piece found",
        instructions="Return it",
        decided_by="HTX",
    )
    assert "Recalled: do not use this product" in client.get(url).get_data(as_text=True)


def test_a_cooperatives_edit_reaches_the_page_once_the_cache_lapses(client, labelled, monkeypatch):
    """Edits that do not touch the lot (a product's name) show after PAGE_TTL, on every path:
    the rendered page must not outlive the page model it was rendered from."""
    url = labelled.url(labelled.serials[0]) + "?lang=vi"  # the name as the cooperative wrote it
    product = labelled.farm.peanuts_packed
    for _ in range(3):  # Flask first, then the fast path's caches
        assert product.name in client.get(url).get_data(as_text=True)
    old_name = product.name
    product.name = "Đậu phộng rang muối Xuân Phước"
    db.session.flush()
    monkeypatch.setattr(page_cache, "PAGE_TTL", 0.0)
    html = client.get(url).get_data(as_text=True)
    assert "Đậu phộng rang muối Xuân Phước" in html
    assert old_name not in html


def test_cached_pages_lapse_at_local_midnight_and_not_all_together(labelled):
    import dataclasses
    import time

    page = page_cache.lot_page(labelled.packed.id, "vi")
    ten_seconds_old = time.monotonic() - 10
    fresh = dataclasses.replace(page, built=ten_seconds_old, spread=1.0, until_midnight=86400)
    assert not page_cache._lapsed(fresh)
    # Built at 23:59:55: a certificate that ended today must not show as valid tomorrow.
    assert page_cache._lapsed(dataclasses.replace(fresh, until_midnight=5))
    assert page_cache._lapsed(dataclasses.replace(fresh, built=time.monotonic() - 400))
    spreads = set()
    for _ in range(8):
        page_cache.clear_cache()
        spreads.add(page_cache.lot_page(labelled.packed.id, "vi").spread)
    assert len(spreads) > 1 and all(0.8 <= s <= 1.2 for s in spreads)


def test_the_share_of_women_shows_only_when_the_cooperative_chooses(
    client, manager_client, labelled
):
    from traceapp.public.scan import response

    url = labelled.url(labelled.serials[2])
    html = client.get(url).get_data(as_text=True)
    assert "member households." in html and "of members are women" not in html
    coop = labelled.farm.coop
    edit = f"/cooperatives/{coop.id}/edit"
    assert "Show the share of women among the members on public pages" in (
        manager_client.get(edit).get_data(as_text=True)
    )
    r = manager_client.form_post(
        edit,
        {
            "name": coop.name,
            "short_code": coop.short_code,
            "province": coop.province,
            "show_women_share": "y",
        },
    )
    assert r.status_code == 302
    db.session.refresh(coop)
    assert coop.show_women_share is True
    # The page model lives a few minutes; a new one shows the share.
    page_cache.clear_cache()
    response.clear_html_cache()
    html = client.get(url).get_data(as_text=True)
    assert "% of members are women." in html
