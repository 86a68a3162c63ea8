"""Zone geometry rules, as pure functions: each bad input gets a message saying what is wrong."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
import shapely
from flask_babel import force_locale
from shapely.geometry import shape

from tests.zones.factories import square
from traceapp.tunables import DEFAULTS
from traceapp.zones import geometry as geo

DATA = Path(__file__).parent / "data"
VIETNAM = DEFAULTS["vietnam_bbox"]


def _reject(obj, match, bbox=VIETNAM):
    with pytest.raises(geo.GeometryError, match=match):
        geo.normalise(obj, bbox=bbox)


# --- accepted shapes ---------------------------------------------------------------------------


def test_a_clockwise_polygon_is_rounded_and_turned_counter_clockwise():
    ring = [
        [109.020000001, 13.4],
        [109.02, 13.401],
        [109.021, 13.401],
        [109.021, 13.4],
        [109.020000001, 13.4],
    ]
    assert not shapely.is_ccw(shapely.LinearRing(ring))
    result = geo.normalise({"type": "Polygon", "coordinates": [ring]}, bbox=VIETNAM)
    outer = result["coordinates"][0]
    assert shapely.is_ccw(shapely.LinearRing(outer))
    assert outer[0] == [109.02, 13.4]
    assert all(isinstance(v, float) for pos in outer for v in pos)
    assert json.loads(json.dumps(result)) == result


def test_holes_come_back_clockwise_and_positions_keep_seven_decimals():
    outer = square(109.02, 13.40, 0.002)["coordinates"][0]
    hole = [
        [109.0205, 13.4005],
        [109.0210, 13.4005],
        [109.0210, 13.4010],
        [109.0205, 13.4010],
        [109.0205, 13.4005],
    ]  # counter-clockwise, which a hole must not be
    result = geo.normalise({"type": "Polygon", "coordinates": [outer, hole]}, bbox=VIETNAM)
    assert not shapely.is_ccw(shapely.LinearRing(result["coordinates"][1]))
    precise = geo.normalise({"type": "Point", "coordinates": [109.123456789, 13.987654321]})
    assert precise["coordinates"] == [109.1234568, 13.9876543]


def test_a_feature_or_a_one_feature_collection_gives_its_geometry():
    polygon = square()
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": polygon}
    collection = {"type": "FeatureCollection", "features": [feature]}
    assert geo.normalise(feature) == geo.normalise(polygon)
    assert geo.normalise(json.dumps(collection)) == geo.normalise(polygon)
    with pytest.raises(geo.GeometryError, match="has 2 features"):
        geo.normalise({"type": "FeatureCollection", "features": [feature, feature]})


def test_a_multipolygon_of_separate_plots_is_accepted():
    plots = {
        "type": "MultiPolygon",
        "coordinates": [square(109.02, 13.40)["coordinates"], square(109.03, 13.40)["coordinates"]],
    }
    assert geo.normalise(plots, bbox=VIETNAM)["type"] == "MultiPolygon"


def test_an_altitude_is_dropped():
    assert geo.normalise({"type": "Point", "coordinates": [109.02, 13.4, 25]})["coordinates"] == [
        109.02,
        13.4,
    ]


# --- refused shapes ----------------------------------------------------------------------------


def test_swapped_longitude_and_latitude_are_named():
    _reject(
        {"type": "Point", "coordinates": [13.4, 109.02]},
        r"looks like \[latitude, longitude\].*\[109\.02, 13\.4\]",
    )
    ring = [[13.40, 109.02], [13.40, 109.03], [13.41, 109.03], [13.40, 109.02]]
    _reject({"type": "Polygon", "coordinates": [ring]}, "longitude, latitude")


def test_an_open_ring_is_refused():
    ring = square()["coordinates"][0][:-1] + [[109.0205, 13.4001]]
    _reject({"type": "Polygon", "coordinates": [ring]}, "not closed")


def test_a_ring_of_three_positions_is_refused():
    ring = [[109.02, 13.40], [109.021, 13.40], [109.02, 13.40]]
    _reject({"type": "Polygon", "coordinates": [ring]}, "has 3 positions.*at least 4")


def test_a_self_intersecting_bow_tie_is_refused_with_our_sentence_and_the_position(app):
    bow_tie = [
        [109.02, 13.40],
        [109.021, 13.401],
        [109.021, 13.40],
        [109.02, 13.401],
        [109.02, 13.40],
    ]
    _reject(
        {"type": "Polygon", "coordinates": [bow_tie]},
        r"^The outline crosses itself at \[109\.0205, 13\.4005\]\. Edges must not cross",
    )
    with app.test_request_context(), force_locale("vi"), pytest.raises(geo.GeometryError) as exc:
        geo.normalise({"type": "Polygon", "coordinates": [bow_tie]}, bbox=VIETNAM)
    assert "[109.0205, 13.4005]" in str(exc.value)
    assert "Self-intersection" not in str(exc.value) and "outline crosses" not in str(exc.value)


def test_a_hole_outside_its_shell_is_refused():
    hole = square(109.05, 13.45)["coordinates"][0]
    _reject(
        {"type": "Polygon", "coordinates": [square()["coordinates"][0], hole]},
        r"A hole lies outside its outline, at \[109\.05\d*, 13\.45\d*\]",
    )


def test_overlapping_parts_of_a_multipolygon_are_refused():
    parts = [
        square(109.02, 13.40, 0.002)["coordinates"],
        square(109.021, 13.401, 0.002)["coordinates"],
    ]
    _reject(
        {"type": "MultiPolygon", "coordinates": parts}, r"crosses itself at \[109\.021, 13\.402\]"
    )


def test_positions_outside_vietnam_are_refused_unless_no_box_applies():
    offshore = square(111.0, 13.0, 0.5)
    _reject(offshore, r"outside Vietnam \(longitude 102\.1 to 110")
    assert geo.normalise(offshore, bbox=None)["type"] == "Polygon"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_coordinates_are_refused(value):
    _reject({"type": "Point", "coordinates": [109.02, value]}, "finite")


def test_nan_in_json_text_is_refused():
    _reject('{"type": "Point", "coordinates": [NaN, 13.4]}', "finite")


@pytest.mark.parametrize("bad", ["109.02", True, None])
def test_coordinates_must_be_numbers(bad):
    _reject({"type": "Point", "coordinates": [bad, 13.4]}, "must be numbers")


@pytest.mark.parametrize(
    ("obj", "match"),
    [
        ({"type": "LineString", "coordinates": [[109, 13], [109.1, 13.1]]}, "not 'LineString'"),
        ({"type": "Polygon"}, "no coordinates"),
        ({"type": "Feature", "geometry": None}, "no geometry"),
        ([109.02, 13.4], "GeoJSON object"),
        ("{not json", r"not valid JSON: at line 1, column 2, a name in double quotes was"),
        ('{"type": "Point" "coordinates": [1, 2]}', "column 18, a comma was expected"),
        ({"type": "Point", "coordinates": [109.02]}, r"\[longitude, latitude\]"),
        ({"type": "Point", "coordinates": [200, 13.4]}, "longitude 200"),
    ],
)
def test_other_malformed_geojson_is_named(obj, match):
    _reject(obj, match, bbox=None)


def test_an_outline_without_area_is_refused():
    flat = [[109.02, 13.40], [109.021, 13.40], [109.022, 13.40], [109.02, 13.40]]
    _reject({"type": "Polygon", "coordinates": [flat]}, "crosses itself|no area")


# --- KML -------------------------------------------------------------------------------------


def test_a_kml_polygon_with_a_hole_is_read_and_normalised():
    raw = geo.read_file("plot.kml", (DATA / "xuan_phuoc_plot.kml").read_bytes())
    assert raw["type"] == "Polygon" and len(raw["coordinates"]) == 2
    result = geo.normalise(raw, bbox=VIETNAM)
    assert shapely.is_ccw(shapely.LinearRing(result["coordinates"][0]))
    hectares = geo.area_ha(result)
    # 0.0018 x 0.0015 degrees less a 0.0005 x 0.0005 hole, near 13.4 N
    assert 2.9 < hectares < 3.1


def _kml(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document>{body}</Document></kml>"
    ).encode()


def test_kml_points_and_multigeometry():
    point = geo.read_kml(
        _kml("<Placemark><Point><coordinates>109.02,13.40,0</coordinates></Point></Placemark>")
    )
    assert point == {"type": "Point", "coordinates": [109.02, 13.4, 0.0]}
    ring = "109.02,13.40 109.021,13.40 109.021,13.401 109.02,13.401 109.02,13.40"
    ring2 = "109.03,13.40 109.031,13.40 109.031,13.401 109.03,13.401 109.03,13.40"
    poly = (
        "<Polygon><outerBoundaryIs><LinearRing><coordinates>{}</coordinates></LinearRing>"
        "</outerBoundaryIs></Polygon>"
    )
    multi = geo.read_kml(
        _kml(
            f"<Placemark><MultiGeometry>{poly.format(ring)}"
            f"{poly.format(ring2)}</MultiGeometry></Placemark>"
        )
    )
    assert multi["type"] == "MultiPolygon" and len(multi["coordinates"]) == 2


def test_a_kml_without_placemarks_is_a_clear_error():
    with pytest.raises(geo.GeometryError, match="no Placemark"):
        geo.read_kml(_kml("<name>empty</name>"))


def test_a_kml_entity_bomb_is_refused_before_parsing():
    content = (DATA / "billion_laughs.kml").read_bytes()
    with pytest.raises(geo.GeometryError, match="DOCTYPE or ENTITY"):
        geo.read_file("bomb.kml", content)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"<kml><Placemark>", "not well-formed"),
        (b"<gpx></gpx>", "not a KML file"),
        ("<kml>\u00e9</kml>".encode("utf-16"), "UTF-8"),
        (
            _kml(
                "<Placemark><LineString><coordinates>109,13 109.1,13.1</coordinates></LineString>"
                "</Placemark>"
            ),
            "Placemark 1, line has 2 distinct positions",
        ),
        (
            _kml("<Placemark><name>a label only</name></Placemark>"),
            "no Point, Polygon or LineString",
        ),
        (
            _kml("<Placemark><Point><coordinates>109.02;13.40</coordinates></Point></Placemark>"),
            "longitude,latitude",
        ),
        (
            _kml(
                "<Placemark><Point><coordinates>109.02,13.40</coordinates></Point></Placemark>"
                "<Placemark><Point><coordinates>109.03,13.40</coordinates></Point></Placemark>"
            ),
            "2 points",
        ),
    ],
)
def test_bad_kml_is_named(content, match):
    with pytest.raises(geo.GeometryError, match=match):
        geo.read_kml(content)


def test_files_are_read_by_extension():
    text = json.dumps(square()).encode()
    assert geo.read_file("plot.geojson", text)["type"] == "Polygon"
    assert geo.read_file("PLOT.JSON", text)["type"] == "Polygon"
    with pytest.raises(geo.GeometryError, match="unzip"):
        geo.read_file("plot.kmz", b"PK")
    with pytest.raises(geo.GeometryError, match=r"GeoJSON .*, KML .* or GPX"):
        geo.read_file("plot.shp", b"")
    with pytest.raises(geo.GeometryError, match="larger than"):
        geo.read_file("big.geojson", b" " * (geo.MAX_FILE_BYTES + 1))


# --- areas and overlaps ------------------------------------------------------------------------


def _reference_ha(lat: float, size: float) -> float:
    """Area of a small lat/lon square from the WGS84 radii of curvature (independent check)."""
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    phi = math.radians(lat + size / 2)
    w = 1 - e2 * math.sin(phi) ** 2
    meridian = a * (1 - e2) / w**1.5  # metres per radian of latitude
    normal = a / math.sqrt(w)  # metres per radian of longitude, before cos(latitude)
    d = math.radians(size)
    return meridian * d * normal * math.cos(phi) * d / 10_000


@pytest.mark.parametrize(("size", "about_ha"), [(0.001, 1.19), (0.01, 119.9)])
def test_geodesic_area_matches_a_known_figure(size, about_ha):
    hectares = geo.area_ha(square(109.0, 13.3, size))
    assert hectares == pytest.approx(_reference_ha(13.3, size), rel=0.01)
    assert hectares == pytest.approx(about_ha, rel=0.01)


def test_a_point_has_no_area_and_a_hole_is_subtracted():
    assert geo.area_ha({"type": "Point", "coordinates": [109.02, 13.4]}) is None
    assert geo.area_ha(None) is None
    outer = square(109.02, 13.40, 0.002)["coordinates"][0]
    hole = square(109.0205, 13.4005, 0.001)["coordinates"][0][::-1]
    with_hole = geo.area_ha({"type": "Polygon", "coordinates": [outer, hole]})
    assert with_hole == pytest.approx(geo.area_ha(square(109.02, 13.40, 0.002)) * 0.75, rel=0.001)


def test_a_declared_area_beyond_the_tolerance_is_flagged():
    plot = geo.normalise(square(109.0, 13.3))  # about 1.199 ha
    assert geo.check_area(plot, 1.0, 0.10).mismatch  # computed is 19.9% larger
    close = geo.check_area(plot, 1.15, 0.10)
    assert not close.mismatch and close.difference_percent == 4
    assert geo.check_area(plot, 1.15, 0.02).mismatch  # the tolerance is a setting
    assert geo.check_area(plot, 0, 0.10).mismatch
    assert not geo.check_area(plot, None, 0.10).mismatch


def test_a_point_for_a_plot_over_four_hectares_is_flagged_not_refused():
    point = {"type": "Point", "coordinates": [109.02, 13.4]}
    assert geo.check_area(point, 4.5, 0.1).needs_polygon
    assert not geo.check_area(point, 3.9, 0.1).needs_polygon
    assert not geo.check_area(geo.normalise(square(size=0.003)), 10, 0.1).needs_polygon


def test_overlap_needs_shared_area_not_a_shared_edge():
    a = square(109.02, 13.40)
    overlapping = square(109.0205, 13.40)
    touching = square(109.021, 13.40)
    assert geo.overlap_ha(a, overlapping) == pytest.approx(geo.area_ha(a) / 2, rel=0.01)
    assert geo.overlap_ha(a, touching) == 0
    assert geo.overlap_ha(a, square(109.05, 13.45)) == 0
    assert geo.overlap_ha(a, {"type": "Point", "coordinates": [109.0205, 13.4005]}) == 0


# --- the outline -------------------------------------------------------------------------------


def test_the_outline_is_an_accessible_offline_svg():
    outer = square(109.02, 13.40, 0.002)["coordinates"][0]
    hole = square(109.0205, 13.4005, 0.001)["coordinates"][0][::-1]
    svg = geo.svg_outline({"type": "Polygon", "coordinates": [outer, hole]}, 'Zone "<VN>" & co')
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg and 'aria-label="Zone &quot;&lt;VN&gt;&quot; &amp; co"' in svg
    assert 'fill-rule="evenodd"' in svg and svg.count(" Z") == 2
    assert "style=" not in svg and "href" not in svg and "<script" not in svg
    assert re.search(r'viewBox="0 0 320 240"', svg)


def test_the_outline_scales_longitude_by_the_cosine_of_latitude():
    # 0.002 degrees of longitude at 60 N are as long as 0.001 degrees of latitude.
    rect = {
        "type": "Polygon",
        "coordinates": [
            [[10.0, 60.0], [10.002, 60.0], [10.002, 60.001], [10.0, 60.001], [10.0, 60.0]]
        ],
    }
    svg = geo.svg_outline(rect, "rect")
    path = re.search(r'<path d="M([^"]+) Z"', svg).group(1)
    points = [tuple(map(float, p.split())) for p in path.split(" L")]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    assert (max(xs) - min(xs)) == pytest.approx(max(ys) - min(ys), rel=0.01)
    west_south = points[0]
    assert west_south[1] == max(ys)  # north is up: the southern edge is drawn lowest


def test_a_point_is_drawn_as_a_marker():
    svg = geo.svg_outline({"type": "Point", "coordinates": [109.02, 13.4]}, "packing house")
    assert "<circle" in svg and 'role="img"' in svg
    assert "No location" in geo.svg_outline(None, "x", empty_text="No location")
    assert shape(geo.normalise(square())).is_valid
