"""Lists paged by key (issue 21): walking a list forward and back shows every row once and in
order, the API's ``after`` cursor does the same, a huge list says "more than" instead of
counting everything, and the searches (served by trigram indexes on PostgreSQL) find what
they found before, on both engines."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.conftest import bearer
from tests.farm import harvest_lot
from tests.zones.factories import ZoneFactory
from traceapp.core import paging
from traceapp.extensions import db
from traceapp.zones.models import Zone

ZONE_ROW = re.compile(r'href="/zones/(\d+)">([^<]+)</a>')


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)"[^>]*rel="{rel}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _zones(world: Any, n: int, **values: Any) -> list[Zone]:
    zones = [ZoneFactory(cooperative=world.a.coop, **values) for _ in range(n)]
    db.session.commit()
    return zones


def _walk(client: Any, url: str) -> tuple[list[list[str]], list[str]]:
    """The pages from ``url`` following "next", then the pages back following "prev"."""
    forward, urls = [], []
    while url:
        html = client.get(url).get_data(as_text=True)
        forward.append([code for _, code in ZONE_ROW.findall(html)])
        urls.append(url)
        url = _link(html, "next")
    backward = []
    url = _link(client.get(urls[-1]).get_data(as_text=True), "prev")
    while url:
        html = client.get(url).get_data(as_text=True)
        backward.append([code for _, code in ZONE_ROW.findall(html)])
        url = _link(html, "prev")
    return forward, backward


def test_the_zones_list_walks_forward_and_back_by_key(world, manager_client):
    _zones(world, 55)
    forward, backward = _walk(manager_client, "/zones")
    every = [code for page in forward for code in page]
    expected = sorted(
        db.session.scalars(db.select(Zone.code).where(Zone.cooperative_id == world.a.coop.id)).all()
    )
    assert every == expected and len(forward) == 3
    # Back from the last page: the pages before it, the same rows in the same order.
    assert backward == list(reversed(forward[:-1]))
    # A typed page number still shows that page.
    html = manager_client.get("/zones?page=2").get_data(as_text=True)
    assert [code for _, code in ZONE_ROW.findall(html)] == forward[1]
    assert "Page 2 of 3" in html


def test_a_list_past_the_counting_limit_says_more_and_offers_no_last_page(
    world, manager_client, monkeypatch
):
    _zones(world, 30)
    monkeypatch.setattr(paging, "COUNT_LIMIT", 20)
    html = manager_client.get("/zones").get_data(as_text=True)
    assert "more than 20 in all" in html and "Page 1" in html
    assert "Page 1 of" not in html and _link(html, "last") is None
    forward, _ = _walk(manager_client, "/zones")
    assert [len(p) for p in forward] == [25, 5]


def test_the_zones_search_finds_codes_and_vietnamese_names_on_both_engines(world, manager_client):
    _zones(world, 3)
    ZoneFactory(cooperative=world.a.coop, code="VN-PYDX-7777", name="Ruộng Hộ N12 Xuân Lãnh")
    db.session.commit()
    for q in ("Hộ N12", "hộ n12", "7777", "vn-pydx-777"):
        html = manager_client.get("/zones", query_string={"q": q}).get_data(as_text=True)
        assert [code for _, code in ZONE_ROW.findall(html)] == ["VN-PYDX-7777"], q
    html = manager_client.get("/zones", query_string={"q": "Ho N12"}).get_data(as_text=True)
    assert ZONE_ROW.findall(html) == []


def test_the_member_search_still_finds_vietnamese_names(world, manager_client):
    coop = world.a.coop
    html = manager_client.get(
        f"/cooperatives/{coop.id}/members", query_string={"q": "thị alpha"}
    ).get_data(as_text=True)
    assert "Nguyễn Thị Alpha1" in html and "Lê Thị Alpha3" in html
    assert "Trần Văn Alpha2" not in html


def test_the_lot_search_finds_by_code_and_by_product_name(farm, manager_client):
    lot = harvest_lot(farm)
    db.session.commit()
    for q in (lot.code, lot.code.lower(), farm.peanuts.name.upper()[:5]):
        html = manager_client.get("/lots", query_string={"q": q}).get_data(as_text=True)
        assert f'href="/lots/{lot.id}"' in html, q
    html = manager_client.get("/lots", query_string={"q": "no such lot"}).get_data(as_text=True)
    assert f'href="/lots/{lot.id}"' not in html


@pytest.mark.parametrize("path", ["/api/v1/zones"])
def test_the_api_pages_by_the_after_cursor_with_a_next_link(world, api_token, client, path):
    _zones(world, 7)
    seen: list[str] = []
    url = f"{path}?page_size=3"
    pages = 0
    while url:
        response = client.get(url, headers=bearer(api_token))
        assert response.status_code == 200
        seen += [z["code"] for z in response.get_json()]
        meta = json.loads(response.headers["X-Pagination"])
        pages += 1
        link = response.headers.get("Link")
        if "next_after" in meta:
            assert link and 'rel="next"' in link and f"after={meta['next_after']}" in link
            url = link[1 : link.index(">")].replace("http://localhost", "")
        else:
            assert link is None
            url = ""
    expected = sorted(
        db.session.scalars(db.select(Zone.code).where(Zone.cooperative_id == world.a.coop.id))
    )
    assert seen == expected and pages == 3
    # page/page_size keep working for existing clients: page 2 is what the cursor gave second.
    second = client.get(f"{path}?page_size=3&page=2", headers=bearer(api_token))
    assert [z["code"] for z in second.get_json()] == expected[3:6]
    assert json.loads(second.headers["X-Pagination"])["page"] == 2


def test_a_bad_cursor_is_refused_naming_the_field(world, api_token, client):
    response = client.get("/api/v1/zones?after=abc", headers=bearer(api_token))
    assert response.status_code == 422
    assert "after" in json.dumps(response.get_json()["errors"])


def test_the_search_follows_changes_and_short_texts(world, manager_client):
    zone = ZoneFactory(cooperative=world.a.coop, code="VN-PYDX-4242", name="Đồng Cũ")
    db.session.commit()

    def found(q: str) -> list[str]:
        html = manager_client.get("/zones", query_string={"q": q}).get_data(as_text=True)
        return [code for _, code in ZONE_ROW.findall(html)]

    assert found("đồng cũ") == ["VN-PYDX-4242"]
    zone.name = "Bãi Mới"
    db.session.commit()
    assert found("đồng cũ") == [] and found("BÃI MỚI") == ["VN-PYDX-4242"]
    # Two letters are below the trigram index: the rows are read, with the same answer.
    assert "VN-PYDX-4242" in found("ới")
    db.session.delete(zone)
    db.session.commit()
    assert found("bãi mới") == []


def test_the_api_document_describes_the_cursor_and_the_next_link(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    listing = spec["paths"]["/api/v1/batches"]["get"]
    after = [p for p in listing["parameters"] if p["name"] == "after"]
    assert after and after[0]["in"] == "query" and after[0]["schema"]["minimum"] == 1
    assert "Link" in listing["responses"]["200"]["headers"]
    assert "next_after" in spec["components"]["headers"]["X-Pagination"]["description"]


def test_the_next_link_encodes_whatever_the_query_string_held(world, api_token, client):
    _zones(world, 3)
    response = client.get(
        "/api/v1/zones?page_size=2&%11k%F0%A5%A9%A8=v%01%C3%9C&q=",
        headers=bearer(api_token),
    )
    assert response.status_code == 200
    link = response.headers["Link"]
    assert link.isascii() and all(32 <= ord(c) < 127 for c in link)
    assert "%11k%F0%A5%A9%A8=v%01%C3%9C" in link and "page_size=2" in link
