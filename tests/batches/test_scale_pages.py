"""Big lots and long lists a page at a time (issue 21): what a user sees of the pages and
where the links lead."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from tests.farm import HARVEST, harvest_lot
from traceapp.batches import services
from traceapp.batches.models import Contribution, Lot, TraceEvent
from traceapp.extensions import db


def _link(html: str, rel: str) -> str:
    found = re.search(rf'<a href="([^"]+)"[^>]*rel="{rel}"', html)
    assert found, f"no {rel} link"
    return found.group(1).replace("&amp;", "&")


def test_a_lot_with_many_contributions_shows_them_a_page_at_a_time(farm, manager_client):
    lot = harvest_lot(farm, quantity="250", close=False)
    db.session.add_all(
        Contribution(
            cooperative_id=lot.cooperative_id,
            lot_id=lot.id,
            member_id=farm.growers[i % 2].id,
            zone_id=farm.field.id,
            quantity=Decimal("1"),
            unit="KGM",
            delivered_on=HARVEST,
            notes=f"delivery {i}",
        )
        for i in range(149)
    )
    db.session.add_all(
        TraceEvent(
            cooperative_id=lot.cooperative_id,
            event_uid=f"urn:uuid:test-{lot.id}-{i}",
            lot_id=lot.id,
            event_type="ObjectEvent",
            action="OBSERVE",
            biz_step="storing",
            event_time=dt.datetime(2026, 3, 11, tzinfo=dt.UTC) + dt.timedelta(minutes=i),
            tz_offset="+07:00",
            recorded_by_label="test",
        )
        for i in range(120)
    )
    db.session.commit()
    html = manager_client.get(f"/lots/{lot.id}").get_data(as_text=True)
    # Totals counted over every row, rows shown a hundred at a time.
    assert "1 to 100 of 150" in html
    assert "1 to 100 of 121" in html
    assert html.count('name="v-reason"') == 100
    assert "Contributions: 399 kg of 250 kg" in html.replace("\u202f", " ").replace(",", "")
    nxt = _link(html, "next")
    assert "c_after=" in nxt
    second = manager_client.get(nxt).get_data(as_text=True)
    assert "101 to 150 of 150" in second
    assert second.count('name="v-reason"') == 50
    # The events' pager still starts at the first event on that page.
    assert "1 to 100 of 121" in second
    events = re.findall(r'<a href="([^"]+e_after=[^"]+)"', second)[0].replace("&amp;", "&")
    third = manager_client.get(events).get_data(as_text=True)
    assert "101 to 121 of 121" in third and "101 to 150 of 150" in third


def test_the_lot_list_pages_by_key_and_reaches_the_last_page(farm, manager_client):
    for i in range(60):
        services.create_lot(
            farm.world.a.manager,
            product_id=farm.peanuts.id,
            production_date=HARVEST - dt.timedelta(days=i % 7),
            quantity="5",
            unit="KGM",
        )
    db.session.commit()
    total = db.session.query(Lot).filter_by(cooperative_id=farm.coop.id).count()
    first = manager_client.get("/lots").get_data(as_text=True)
    assert f"Page 1 of {-(-total // 25)}" in first
    seen = re.findall(r'href="/lots/(\d+)"', first)
    second_url = _link(first, "next")
    assert "after=" in second_url
    second = manager_client.get(second_url).get_data(as_text=True)
    assert "Page 2 of" in second
    seen2 = re.findall(r'href="/lots/(\d+)"', second)
    assert len(seen2) == 25 and not set(seen) & set(seen2)
    # Back from the second page is the first page again.
    back = manager_client.get(_link(second, "prev")).get_data(as_text=True)
    assert re.findall(r'href="/lots/(\d+)"', back) == seen
    last = manager_client.get(_link(first, "last")).get_data(as_text=True)
    shown_last = re.findall(r'href="/lots/(\d+)"', last)
    assert len(shown_last) == total - 25 * (-(-total // 25) - 1)
    assert 'rel="next"' not in last
    # Newest first across all pages, with no lot twice.
    every = list(seen)
    url = second_url
    while True:
        html = manager_client.get(url).get_data(as_text=True)
        every += re.findall(r'href="/lots/(\d+)"', html)
        if 'rel="next"' not in html:
            break
        url = _link(html, "next")
    assert len(every) == len(set(every)) == total
    dates = [db.session.get(Lot, int(i)).production_date for i in every]
    assert dates == sorted(dates, reverse=True)


def test_the_event_form_takes_a_typed_zone_code_and_offers_only_the_lots_zones(
    farm, manager_client
):
    lot = harvest_lot(farm, quantity="250")  # delivered from farm.field
    page = manager_client.get(f"/lots/{lot.id}").get_data(as_text=True)
    offered = re.search(r'<datalist id="e-zones">(.*?)</datalist>', page, re.S)
    assert offered and f'value="{farm.field.code}"' in offered.group(1)
    # the cooperative's other zones are not listed on the page (a province has thousands)
    assert farm.packing.code not in page
    base = {"e-biz_step": "storing", "e-unit": "KGM", "e-party_type": "owning_party"}
    r = manager_client.form_post(f"/lots/{lot.id}/events", {**base, "e-zone_code": "VN-NO-0000"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    error = re.search(r'<small class="error" id="e-zone_code-err">([^<]*)<', html)
    assert error and "No such zone code" in error.group(1)
    assert db.session.query(TraceEvent).filter_by(lot_id=lot.id, biz_step="storing").count() == 0
    # any of the cooperative's codes may be typed, in any case
    r = manager_client.form_post(
        f"/lots/{lot.id}/events", {**base, "e-zone_code": farm.packing.code.lower()}
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    event = db.session.query(TraceEvent).filter_by(lot_id=lot.id, biz_step="storing").one()
    assert event.zone_id == farm.packing.id


def test_a_big_cooperatives_delivery_form_takes_typed_codes(farm, manager_client, monkeypatch):
    from traceapp.batches import forms_lot_page

    monkeypatch.setattr(forms_lot_page, "LISTED", 1)  # as if it had thousands of members
    lot = harvest_lot(farm, quantity="250", close=False)
    page = manager_client.get(f"/lots/{lot.id}").get_data(as_text=True)
    assert 'name="c-member_number"' in page and 'name="c-member_id"' not in page
    assert farm.growers[1].full_name not in page  # only who delivered already is offered
    base = {"c-quantity": "10", "c-unit": "KGM", "c-delivered_on": HARVEST.isoformat()}
    r = manager_client.form_post(
        f"/lots/{lot.id}/contributions",
        {**base, "c-member_number": "NO-SUCH", "c-zone_code": "VN-NO-0000"},
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert re.search(r'id="c-member_number-err">[^<]*not a member', html)
    assert re.search(r'id="c-zone_code-err">No such zone code', html)
    r = manager_client.form_post(
        f"/lots/{lot.id}/contributions",
        {
            **base,
            "c-member_number": farm.growers[1].member_number,
            "c-zone_code": farm.field.code,
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    kept = db.session.query(Contribution).filter_by(lot_id=lot.id, member_id=farm.growers[1].id)
    assert kept.one().zone_id == farm.field.id
