"""The zone map on a 360 px phone, in headless Chromium against the live server: a manager
draws a zone by tapping the map, saves it and finds the drawn outline stored and shown; the
household list narrows as she types; without scripts the form is what it always was.

The map (static/js/zone-map.js on the vendored Leaflet) starts on the cooperative's other
zones, which the demo places in Xuân Phước, so the taps below land on the same ground on
every run; what is stored is compared with what the map wrote, not with fixed figures.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.live.support import DEMO_ACCOUNTS, DEMO_PASSWORD, LiveServer, sign_in

pytestmark = [pytest.mark.live, pytest.mark.browser]

WIDTH, HEIGHT = 360, 780
SEE_MS = 15_000
#: Where to tap, as fractions of the map's width and height: a quadrilateral well inside.
TAPS = [(0.25, 0.25), (0.75, 0.3), (0.7, 0.75), (0.3, 0.7)]


def _positions(geometry: dict[str, Any]) -> set[tuple[float, float]]:
    """The distinct corners of a polygon's outer ring, to 6 decimals (a few cm)."""
    ring = geometry["coordinates"][0]
    return {(round(lon, 6), round(lat, 6)) for lon, lat in ring}


def _no_errors(server: LiveServer, start: int) -> None:
    found = server.tracebacks(server.log_text()[start:])
    assert not found, "the server logged errors:\n" + "\n\n".join(found)


def _tap(page: Page, x: float, y: float) -> None:
    box = page.locator(".zone-map").bounding_box()
    assert box, "the map is not on the page"
    page.mouse.click(box["x"] + box["width"] * x, box["y"] + box["height"] * y)


def test_a_manager_draws_a_zone_on_the_map_at_360_px(live_server: LiveServer, chromium: Any):
    start = len(live_server.log_text())
    page = sign_in(chromium, live_server, "manager", width=WIDTH, height=HEIGHT)
    failed: list[str] = []
    page.on("pageerror", lambda e: failed.append(str(e)))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    try:
        page.goto(live_server.url + "/zones/new?lang=en")
        code = f"VN-PYDX-{secrets.randbelow(9000) + 1000}"
        page.fill("input[name=code]", code)
        page.select_option("select[name=kind]", "growing_area")
        page.fill("input[name=name]", "Thửa vẽ trên bản đồ")
        the_map = page.locator(".zone-map")
        # Ready, and centred on the cooperative's other zones (the context layer).
        expect(the_map).to_have_attribute("data-ready", "1", timeout=SEE_MS)
        expect(the_map).to_have_attribute(
            "data-context-features", re.compile(r"^[1-9][0-9]*$"), timeout=SEE_MS
        )
        the_map.scroll_into_view_if_needed()
        box = the_map.bounding_box()
        assert box and box["width"] >= WIDTH - 80 and box["height"] >= 250, box
        field = page.locator("textarea[name=geometry]")
        expect(field).to_have_value("")
        for x, y in [*TAPS, (0.5, 0.5)]:
            _tap(page, x, y)
        expect(page.locator(".map-status")).to_have_text("Corners: 5")
        page.get_by_role("button", name="Undo").click()
        expect(page.locator(".map-status")).to_have_text("Corners: 4")
        # A corner added halfway along a side: the handle between the first two corners.
        before = json.loads(field.input_value())["coordinates"][0]
        page.locator(".leaflet-marker-icon.vertex.mid").first.click()
        expect(page.locator(".map-status")).to_have_text("Corners: 5")
        inserted = json.loads(field.input_value())["coordinates"][0]
        assert inserted[0] == before[0] and inserted[2] == before[1], inserted
        (lon0, lat0), (lon1, lat1) = before[0], before[1]
        assert inserted[1] == pytest.approx([(lon0 + lon1) / 2, (lat0 + lat1) / 2], abs=1e-5)
        page.get_by_role("button", name="Undo").click()
        expect(page.locator(".map-status")).to_have_text("Corners: 4")
        drawn = json.loads(field.input_value())
        assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5, drawn
        lon, lat = drawn["coordinates"][0][0]
        assert 108.5 < lon < 109.5 and 13 < lat < 14, "the map did not start on Phú Yên"
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".flash.success")).to_contain_text(
            f"Zone code {code} saved as a draft.", timeout=SEE_MS
        )
        expect(page.locator("h1")).to_contain_text(code)
        expect(
            page.get_by_text("Drawn from the stored GeoJSON (Polygon), north up.")
        ).to_be_visible()

        # Stored as drawn: the cooperative's GeoJSON export holds the same corners.
        export = page.request.get(live_server.url + "/zones/export.geojson?q=" + code)
        assert export.ok, export.status
        stored = next(f for f in export.json()["features"] if f["properties"]["code"] == code)
        assert _positions(stored["geometry"]) == _positions(drawn)
        assert stored["properties"]["computed_area_ha"] > 0

        # The zone page shows it on the map, the SVG outline left for browsers without scripts.
        shown = page.locator("figure .zone-map")
        expect(shown).to_have_attribute("data-ready", "1", timeout=SEE_MS)
        expect(shown).to_be_visible()
        expect(page.locator("figure .map-fallback svg")).to_be_hidden()
        assert page.locator("figure .zone-map path.zone-shape").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    finally:
        page.context.close()
    assert not failed, failed
    _no_errors(live_server, start)


def test_a_boundary_walked_with_the_phone_becomes_the_zone(live_server: LiveServer, chromium: Any):
    """The phone's positions are recorded as she walks, each with its accuracy; the poor one
    is dropped, and the rest become the outline that is saved."""
    walk = [
        (13.4100, 109.0500, 5),
        (13.4100, 109.0520, 6),
        (13.4112, 109.0521, 40),
        (13.4120, 109.0520, 4),
        (13.4120, 109.0500, 5),
    ]
    page = sign_in(chromium, live_server, "staff", width=WIDTH, height=HEIGHT)
    context = page.context
    try:
        context.grant_permissions(["geolocation"], origin=live_server.url)
        lat, lon, accuracy = walk[0]
        context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": accuracy})
        page.goto(live_server.url + "/zones/new?lang=en")
        code = f"VN-PYDX-{secrets.randbelow(9000) + 1000}"
        page.fill("input[name=code]", code)
        expect(page.locator(".zone-map")).to_have_attribute("data-ready", "1", timeout=SEE_MS)
        page.get_by_role("button", name="Walk the boundary").click()
        count = page.locator(".walk-count")
        expect(count).to_have_text("Points walked: 1", timeout=SEE_MS)
        for n, (lat, lon, accuracy) in enumerate(walk[1:], start=2):
            context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": accuracy})
            expect(count).to_have_text(f"Points walked: {n}", timeout=SEE_MS)
        points = page.locator(".walk-points li")
        expect(points.nth(2)).to_contain_text("±40 m")
        expect(points.nth(2)).to_contain_text("poor accuracy")
        expect(points.nth(3)).to_contain_text("±4 m")
        points.nth(2).get_by_role("button", name="Drop").click()
        expect(count).to_have_text("Points walked: 4")
        page.get_by_role("button", name="Use the walked points").click()
        expect(page.locator(".map-status")).to_have_text("Corners: 4")
        drawn = json.loads(page.locator("textarea[name=geometry]").input_value())
        expected = {(lon, lat) for lat, lon, accuracy in walk if accuracy < 40}
        assert _positions(drawn) == expected
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".flash.success")).to_contain_text(code, timeout=SEE_MS)
        export = page.request.get(live_server.url + "/zones/export.geojson?q=" + code)
        stored = next(f for f in export.json()["features"] if f["properties"]["code"] == code)
        assert _positions(stored["geometry"]) == expected
    finally:
        context.close()


def test_the_household_list_narrows_as_one_types(live_server: LiveServer, chromium: Any):
    page = sign_in(chromium, live_server, "staff", width=WIDTH, height=HEIGHT)
    try:
        page.goto(live_server.url + "/zones/new?lang=en")
        households = page.locator("fieldset.pick-list li")
        total = households.count()
        assert total >= 5, total
        search = page.get_by_label("Find a household (member number or name)")
        # Without its accents, a Vietnamese name is still found.
        search.fill("nguyen thi hoa")
        expect(page.locator("fieldset.pick-list li:visible")).to_have_count(1)
        page.get_by_label("0001 · Nguyễn Thị Hoa").check()
        expect(page.locator(".pick-count")).to_contain_text("Ticked: 1")
        search.fill("0004")
        # The ticked household stays in view beside the match.
        visible = page.locator("fieldset.pick-list li:visible")
        expect(visible).to_have_count(2)
        expect(visible.nth(1)).to_contain_text("0004")
        expect(page.locator(".pick-count")).to_contain_text(f"2 of {total} shown")
        search.press("Enter")  # does not send the form
        assert page.url.endswith("/zones/new?lang=en")
        search.fill("")
        expect(page.locator("fieldset.pick-list li:visible")).to_have_count(total)
    finally:
        page.context.close()


def test_without_scripts_the_form_is_text_and_check_boxes(live_server: LiveServer, chromium: Any):
    context = chromium.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, locale="en-GB", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/login?lang=en")
        page.fill("input[name=email]", DEMO_ACCOUNTS["manager"])
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(live_server.url + "/zones/new")
        expect(page.locator(".zone-map")).to_be_hidden()
        expect(page.locator("textarea[name=geometry]")).to_be_visible()
        expect(page.locator("input[name=geometry_file]")).to_be_visible()
        expect(page.locator("fieldset.pick-list input[type=checkbox]").first).to_be_visible()
        assert page.locator(".pick-filter").count() == 0
    finally:
        context.close()
