"""Issue 17 item 3: the administrative boundaries shipped with the app, and the locator map
drawn from them with no external request."""

from __future__ import annotations

import re
from pathlib import Path

from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

from traceapp.core import boundaries
from traceapp.core.regions import DEFAULT_MERGES
from traceapp.zones.geometry.context import context_of, locator_svg

#: A demo peanut field in Xuân Phước, Đồng Xuân, Phú Yên.
FIELD = {
    "type": "Polygon",
    "coordinates": [
        [[109.03, 13.42], [109.031, 13.42], [109.031, 13.421], [109.03, 13.421], [109.03, 13.42]]
    ],
}


def test_the_dataset_is_small_and_says_where_it_comes_from():
    folder = boundaries.DATA_DIR
    size = sum(p.stat().st_size for p in folder.glob("*.geojson"))
    assert size < 3_000_000
    source = (folder / "SOURCE.md").read_text()
    assert "Natural Earth" in source and "public" in source.lower()
    assert set(boundaries.available()) >= {("VN", 1), ("KH", 1), ("TR", 1)}


def test_every_province_of_the_three_countries_is_there():
    assert len(boundaries.outlines("VN")) == 63
    assert len(boundaries.outlines("TR")) == 81
    # Tboung Khmum (2013) is still inside Kampong Cham in the source: see SOURCE.md.
    assert len(boundaries.outlines("KH")) == 24
    assert boundaries.outlines("XX") == ()


def test_a_province_is_found_under_any_spelling():
    for name in ("Phú Yên", "Tỉnh Phú Yên", "phu yen", "PHU YEN"):
        assert boundaries.find("VN", name).code == "VN-32"
    assert boundaries.find("VN", "Khánh Hoà").code == boundaries.find("VN", "Khánh Hòa").code
    assert boundaries.find("VN", "TP. Hồ Chí Minh").code == "VN-SG"
    assert boundaries.find("VN", "Atlantis") is None
    assert boundaries.find("TR", "Izmir").code == "TR-35"
    phu_yen = boundaries.find("VN", "Phú Yên")
    assert phu_yen.name_in("zh") == "富安省" and phu_yen.name_in("vi") == "Phú Yên"


def test_every_former_province_of_the_2025_merges_has_an_outline():
    for former, successor in DEFAULT_MERGES.items():
        assert boundaries.find("VN", former) is not None, former
        assert boundaries.find("VN", successor) is not None, successor
    merged = {boundaries.find("VN", o.name, merged=True).code for o in boundaries.outlines("VN")}
    assert len(merged) == 34
    dak_lak = boundaries.find("VN", "Phú Yên", merged=True)
    assert dak_lak.name == "Đắk Lắk" and dak_lak.members == ("Phú Yên",)
    assert dak_lak.shape.area > boundaries.find("VN", "Phú Yên").shape.area


def test_the_outlines_holding_and_around_a_zone():
    assert [o.name for o in boundaries.containing(FIELD)] == ["Phú Yên"]
    near = {o.name for o in boundaries.around(FIELD, km=60, country="VN")}
    assert {"Phú Yên", "Gia Lai", "Bình Định"} <= near
    assert boundaries.containing({"type": "Point", "coordinates": [0, 0]}) == []


def test_the_locator_map_shows_the_zone_in_its_province_with_a_scale(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        svg = locator_svg(FIELD, "VN-PY-1", "Phú Yên", "Đồng Xuân", lang="en")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "Phú Yên, part of Đắk Lắk since 2025" in svg
    assert "stroke-dasharray" in svg  # the merged province
    assert " km</text>" in svg  # the scale bar
    assert "<circle" in svg  # a 1-ha field is a dot at this scale
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert len(svg.encode()) < 8_000
    # A zone whose province is unknown is placed by where it lies; nowhere: no map.
    assert context_of(FIELD, "Nowhere").province.name == "Phú Yên"
    with app.test_request_context():
        assert locator_svg({"type": "Point", "coordinates": [0, 0]}, "X", None, lang="en") == ""


def test_the_zone_code_page_draws_the_map(client, farm):
    from traceapp.extensions import db

    zone = farm.field
    zone.geometry = FIELD
    db.session.flush()
    html = client.get(f"/registry/zones/{zone.code}?lang=zh").get_data(as_text=True)
    assert "富安省" in html and "zone-context" in html
    assert len(html.encode()) < 30_000


def test_the_dataset_is_shipped_with_the_package():
    setup = (Path(__file__).parents[2] / "setup.cfg").read_text()
    assert "data/**/*" in setup


def test_the_districts_of_phu_yen_and_khanh_hoa_are_shipped_under_an_open_licence():
    districts = boundaries.outlines("VN", 2)
    phu_yen, khanh_hoa = boundaries.find("VN", "Phú Yên"), boundaries.find("VN", "Khánh Hòa")
    by_province: dict[str, list[str]] = {}
    for district in districts:
        held = max((phu_yen, khanh_hoa), key=lambda p: p.shape.intersection(district.shape).area)
        # Two datasets, two drawings of the same border: most of the district is inside.
        assert held.shape.intersection(district.shape).area > 0.8 * district.shape.area
        by_province.setdefault(held.name, []).append(district.name)
    assert len(by_province["Phú Yên"]) == 9 and len(by_province["Khánh Hòa"]) == 8
    assert "Đồng Xuân" in by_province["Phú Yên"] and "Nha Trang" in by_province["Khánh Hòa"]
    # Neighbouring districts share their borders: no overlap.
    union = unary_union([d.shape for d in districts])
    assert union.area > 0.99 * sum(d.shape.area for d in districts)
    assert [o.name for o in boundaries.containing(FIELD, 2)] == ["Đồng Xuân"]
    assert boundaries.find("VN", "Huyện Đồng Xuân", 2).name_in("en") == "Dong Xuan"
    assert boundaries.find("VN", "tuy hoa", 2).code == "555"
    source = (boundaries.DATA_DIR / "SOURCE.md").read_text()
    assert "Open Development Mekong" in source and "CC BY-SA 4.0" in source


def _svg_shapes(svg: str, fill: str) -> Polygon:
    """The outline drawn in ``fill`` in a locator map, in its pixels."""
    (d,) = re.findall(rf'<path d="([^"]+)" fill="{fill}"', svg)
    rings = []
    for part in re.findall(r"M([^Z]+)Z", d):
        points = [tuple(map(float, p.split())) for p in part.split("L")]
        rings.append(Polygon(points).buffer(0))
    return unary_union(rings)


def test_the_public_zone_page_draws_the_zone_inside_its_district_and_province(client, farm):
    from traceapp.extensions import db

    zone = farm.field
    zone.geometry = FIELD
    for district in ("Đồng Xuân", None):  # named, or found from where the zone lies
        zone.district = district
        db.session.flush()
        html = client.get(f"/registry/zones/{zone.code}?lang=vi").get_data(as_text=True)
        assert len(html.encode()) < 30_000
        svg = html[html.index('<svg xmlns="http://www.w3.org/2000/svg" class="zone-context"') :]
        svg = svg[: svg.index("</svg>")]
        cx, cy = (float(v) for v in re.search(r'<circle cx="(\d+)" cy="(\d+)" r="5"', svg).groups())
        dot = Point(cx, cy)
        district_px = _svg_shapes(svg, "#e3efe7")
        province_px = _svg_shapes(svg, "#fff")
        assert district_px.contains(dot) and province_px.contains(dot)
        # The district is a part of the province, not the whole of it.
        assert district_px.area < 0.5 * province_px.area
