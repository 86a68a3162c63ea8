"""The zone maps' server side: the context layer (scoped), the map's settings on the pages,
the headers a map page needs, and the household check boxes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.zones.factories import ZoneFactory, square
from traceapp.config import ConfigError, load_config
from traceapp.web import CONTENT_SECURITY_POLICY

TILES = "https://{s}.tiles.example.vn/{z}/{x}/{y}.png"


def _codes(response, layer: str = "zone") -> list[str]:
    assert response.status_code == 200, response.status_code
    assert response.content_type.startswith("application/geo+json")
    data = response.get_json(force=True)
    assert data["type"] == "FeatureCollection"
    return sorted(
        f["properties"]["code"] for f in data["features"] if f["properties"]["layer"] == layer
    )


@pytest.fixture
def zones(world):
    """Two located zones and one without a location of cooperative A, one zone of B."""
    own = ZoneFactory(cooperative=world.a.coop, code="VN-PYDX-0701", geometry=square())
    other = ZoneFactory(
        cooperative=world.a.coop, code="VN-PYDX-0702", geometry=square(109.03, 13.41)
    )
    ZoneFactory(cooperative=world.a.coop, code="VN-PYDX-0703", geometry=None)
    foreign = ZoneFactory(
        cooperative=world.b.coop,
        code="VN-KHCR-0704",
        province="Khánh Hòa",
        geometry=square(109.1, 12.2),
    )
    return own, other, foreign


def test_the_new_zone_map_shows_the_cooperative_s_located_zones(manager_client, zones):
    response = manager_client.get("/zones/map-context.geojson")
    assert _codes(response) == ["VN-PYDX-0701", "VN-PYDX-0702"]
    features = response.get_json(force=True)["features"]
    feature = next(f for f in features if f["properties"]["layer"] == "zone")
    assert feature["geometry"]["type"] == "Polygon"
    props = feature["properties"]
    assert props["layer"] == "zone" and props["url"] == f"/zones/{zones[0].id}"
    assert props["kind"] == "Growing area" and props["status"] == "Draft"
    assert response.headers["Cache-Control"] == "private, no-store"


def _folded(name: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in plain if not unicodedata.combining(c))


def test_the_map_draws_the_provinces_around_the_zones(manager_client, other_client, zones):
    """The administrative outlines shipped with the app are the map's context, named in the
    reader's language: Phú Yên around cooperative A's zones, Khánh Hòa around B's."""
    data = manager_client.get("/zones/map-context.geojson").get_json(force=True)
    provinces = {
        _folded(f["properties"]["name"]): f["geometry"]["type"]
        for f in data["features"]
        if f["properties"]["layer"] == "boundary"
    }
    assert "Phu Yen" in provinces and provinces["Phu Yen"] in ("Polygon", "MultiPolygon")
    assert "Khanh Hoa" not in provinces  # 130 km south of cooperative A's zones
    theirs = other_client.get("/zones/map-context.geojson").get_json(force=True)
    assert "Khanh Hoa" in [_folded(f["properties"]["name"]) for f in theirs["features"]]


def test_a_zone_s_map_shows_the_other_zones_of_its_cooperative(manager_client, zones):
    own, _other, foreign = zones
    assert _codes(manager_client.get(f"/zones/{own.id}/map-context.geojson")) == ["VN-PYDX-0702"]
    assert manager_client.get(f"/zones/{foreign.id}/map-context.geojson").status_code == 404


def test_auditors_see_the_context_of_their_province_only(auditor_client, zones, world):
    own, _other, foreign = zones
    assert _codes(auditor_client.get(f"/zones/{own.id}/map-context.geojson")) == ["VN-PYDX-0702"]
    assert auditor_client.get(f"/zones/{foreign.id}/map-context.geojson").status_code == 404
    # Not a cooperative's user: a new zone's map has no context.
    assert _codes(auditor_client.get("/zones/map-context.geojson")) == []


def test_cooperative_b_gets_its_own_context_only(other_client, zones):
    assert _codes(other_client.get("/zones/map-context.geojson")) == ["VN-KHCR-0704"]


def _data(html: str, element: str, attribute: str) -> dict:
    found = re.search(rf"<{element}[^>]*{attribute}='([^']*)'", html)
    assert found, f"no {attribute} on {element}"
    return json.loads(found.group(1).replace("&#34;", '"').replace("&amp;", "&"))


def test_the_form_carries_its_map_and_check_boxes(manager_client, world, zones):
    response = manager_client.get("/zones/new")
    html = response.get_data(as_text=True)
    settings = _data(html, 'div class="zone-map"', "data-map")
    assert settings == {
        "tiles": "",
        "attribution": "",
        "context": "/zones/map-context.geojson",
    }
    assert 'data-editor="geometry"' in html and "vendor/leaflet/leaflet.js" in html
    assert "<select multiple" not in html and 'name="member_ids"' in html
    member = world.a.members[0]
    assert re.search(rf'<input[^>]*type="checkbox"[^>]*value="{member.id}"', html)
    # The map may ask for the phone's position on the form only, and no tile server is set.
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    edit = manager_client.get(f"/zones/{zones[0].id}/edit").get_data(as_text=True)
    assert _data(edit, 'div class="zone-map"', "data-map")["context"] == (
        f"/zones/{zones[0].id}/map-context.geojson"
    )
    page = manager_client.get(f"/zones/{zones[0].id}")
    assert _data(page.get_data(as_text=True), 'div class="zone-map"', "data-geometry") == (
        zones[0].geometry
    )
    assert "geolocation=()" in page.headers["Permissions-Policy"]
    assert "geolocation=()" in manager_client.get("/zones").headers["Permissions-Policy"]


def test_a_configured_tile_server_is_allowed_on_map_pages_only(app, manager_client, monkeypatch):
    monkeypatch.setitem(app.config, "TRACEAPP_MAP_TILE_URL", TILES)
    monkeypatch.setitem(app.config, "TRACEAPP_MAP_TILE_ATTRIBUTION", "© Sở TN&MT Phú Yên")
    response = manager_client.get("/zones/new")
    assert (
        "img-src 'self' data: https://*.tiles.example.vn;"
        in (response.headers["Content-Security-Policy"])
    )
    settings = _data(response.get_data(as_text=True), 'div class="zone-map"', "data-map")
    assert settings["tiles"] == TILES and settings["attribution"] == "© Sở TN&MT Phú Yên"
    listing = manager_client.get("/zones")
    assert listing.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_the_auditor_s_zone_page_shows_the_zone_on_a_map(app, auditor_client, zones, monkeypatch):
    monkeypatch.setitem(app.config, "TRACEAPP_MAP_TILE_URL", TILES)
    own = zones[0]
    page = auditor_client.get(f"/authority/zones/{own.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _data(html, 'div class="zone-map"', "data-geometry") == own.geometry
    assert _data(html, 'div class="zone-map"', "data-map")["context"] == (
        f"/zones/{own.id}/map-context.geojson"
    )
    assert 'class="map-fallback"><svg' in html
    assert "https://*.tiles.example.vn" in page.headers["Content-Security-Policy"]
    assert "geolocation=()" in page.headers["Permissions-Policy"]


@pytest.mark.parametrize(
    "url",
    ["tiles.example.vn/{z}/{x}/{y}.png", "https://tiles.example.vn/{z}/{x}.png", "javascript:x"],
)
def test_a_tile_url_must_be_an_http_template(url, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("TRACEAPP_MAP_TILE_URL", url)
    with pytest.raises(ConfigError, match="TRACEAPP_MAP_TILE_URL"):
        load_config(tmp_path, {"TRACEAPP_ENV": "testing", "SECRET_KEY": "x" * 32})
    monkeypatch.delenv("TRACEAPP_MAP_TILE_URL")
    assert (
        load_config(tmp_path, {"TRACEAPP_ENV": "testing", "SECRET_KEY": "x" * 32})[
            "TRACEAPP_MAP_TILE_URL"
        ]
        is None
    )
