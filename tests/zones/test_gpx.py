"""GPX and KML files from phone GPS apps: walked tracks, routes and waypoints become a zone's
outline or point, and what cannot is refused naming where the problem lies."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.zones.test_web import FORM
from traceapp.extensions import db
from traceapp.zones import geometry as geo
from traceapp.zones.models import Zone

#: Corners of a walked plot in Xuân Phước, about 195 m × 166 m (3.24 ha).
WALK = [(109.0200, 13.4000), (109.0218, 13.4000), (109.0218, 13.4015), (109.0200, 13.4015)]


def _gpx(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="OsmAnd" xmlns="http://www.topografix.com/GPX/1/1">'
        f"{body}</gpx>"
    ).encode()


def _points(tag: str, corners=WALK) -> str:
    return "".join(
        f'<{tag} lat="{lat}" lon="{lon}"><ele>12</ele><time>2026-12-05T07:0{i}:00Z</time></{tag}>'
        for i, (lon, lat) in enumerate(corners)
    )


def _track(*segments: list[tuple[float, float]]) -> str:
    inner = "".join(f"<trkseg>{_points('trkpt', s)}</trkseg>" for s in segments)
    return f"<trk><name>Ranh thửa 12</name>{inner}</trk>"


def test_a_walked_track_closes_into_a_polygon_that_passes_the_checks():
    # The phone stood still at the first corner: the repeated position is dropped.
    raw = geo.read_file("walk.GPX", _gpx(_track([WALK[0], *WALK])))
    assert raw["type"] == "Polygon"
    ring = raw["coordinates"][0]
    assert ring[0] == ring[-1] == [109.02, 13.4] and len(ring) == 5
    checked = geo.normalise(raw)
    assert geo.area_ha(checked) == pytest.approx(3.235, abs=0.01)


def test_routes_segments_and_waypoints():
    route = geo.read_gpx(_gpx(f"<rte>{_points('rtept')}</rte>"))
    assert route["type"] == "Polygon" and len(route["coordinates"][0]) == 5
    moved = [(lon + 0.01, lat) for lon, lat in WALK]
    two = geo.read_gpx(_gpx(_track(WALK, moved)))
    assert two["type"] == "MultiPolygon" and len(two["coordinates"]) == 2
    assert geo.normalise(two)["type"] == "MultiPolygon"
    point = geo.read_gpx(_gpx('<wpt lat="13.4005" lon="109.0205"><name>Giếng</name></wpt>'))
    assert point == {"type": "Point", "coordinates": [109.0205, 13.4005]}
    corners = geo.read_gpx(_gpx(_points("wpt")))
    assert corners["type"] == "Polygon" and len(corners["coordinates"][0]) == 5
    # A track with a start waypoint: the track is the zone.
    both = geo.read_gpx(_gpx('<wpt lat="13.4" lon="109.02"/>' + _track(WALK)))
    assert both["type"] == "Polygon"


def test_a_kml_line_from_a_phone_app_closes_into_a_polygon():
    coords = " ".join(f"{lon},{lat},0" for lon, lat in WALK)
    kml = (
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><LineString>'
        f"<coordinates>{coords}</coordinates></LineString></Placemark></kml>"
    ).encode()
    raw = geo.read_file("walk.kml", kml)
    assert raw["type"] == "Polygon" and raw["coordinates"][0][0] == raw["coordinates"][0][-1]
    assert geo.normalise(raw)["type"] == "Polygon"


def test_a_google_gx_track_closes_into_a_polygon():
    coords = "".join(f"<gx:coord>{lon} {lat} 12</gx:coord>" for lon, lat in WALK)
    kml = (
        '<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">'
        f"<Placemark><gx:Track><when>2026-12-05T07:00:00Z</when>{coords}</gx:Track></Placemark>"
        "</kml>"
    ).encode()
    raw = geo.read_kml(kml)
    assert raw["type"] == "Polygon" and len(raw["coordinates"][0]) == 5
    bad = kml.replace(b"109.0218 13.4", b"109.0218;13.4", 1)
    with pytest.raises(geo.GeometryError, match="Placemark 1, line: .* 'longitude latitude'"):
        geo.read_kml(bad)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (_gpx(_track(WALK[:2])), "Track 1, segment 1 has 2 distinct positions"),
        (_gpx(f"<rte>{_points('rtept', [WALK[0]] * 4)}</rte>"), "Route 1 has 1 distinct"),
        (
            _gpx('<trk><trkseg><trkpt lat="13.4" lon="east"/></trkseg></trk>'),
            "Track 1, segment 1, point 1: lon='east' is not a number",
        ),
        (_gpx('<wpt lat="nan" lon="109"/>'), "Waypoint 1: lat='nan' is not a number"),
        (_gpx(_points("wpt", WALK[:2])), "2 waypoints"),
        (_gpx("<metadata><name>empty</name></metadata>"), "no track, route or waypoint"),
        (b"<kml></kml>", "not a GPX file"),
        (b"<gpx><trk>", "GPX file is not well-formed"),
        (b"", "not well-formed"),
        ('<gpx name="\u00e9"/>'.encode("utf-16"), "GPX file must be UTF-8"),
        (
            b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaa">]><gpx>&a;</gpx>',
            "GPX files with a DOCTYPE or ENTITY",
        ),
    ],
)
def test_bad_gpx_is_named(content, match):
    with pytest.raises(geo.GeometryError, match=match):
        geo.read_file("phone.gpx", content)


def test_gpx_limits_are_the_outline_limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "TRACEAPP_GEOMETRY_MAX_POSITIONS", 10)
    monkeypatch.setitem(app.config, "TRACEAPP_GEOMETRY_MAX_ELEMENTS", 20)
    monkeypatch.setitem(app.config, "TRACEAPP_GEOMETRY_MAX_BYTES", 1000)
    many = [(109.02 + i * 0.0001, 13.40 + (i % 2) * 0.0001) for i in range(11)]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(geo.GeometryError, match="more than 10 positions"):
            geo.read_gpx(_gpx("".join(f'<wpt lat="{lat}" lon="{lon}"/>' for lon, lat in many)))
        with pytest.raises(geo.GeometryError, match="GPX file has more than 20 elements"):
            geo.read_gpx(_gpx("<extensions>" + "<x/>" * 30 + "</extensions>"))
        with pytest.raises(geo.GeometryError, match="larger than"):
            geo.read_file("walk.gpx", _gpx(_track(WALK * 3)))
        assert geo.read_gpx(_gpx(_track(WALK)))["type"] == "Polygon"


def _zone(code: str) -> Zone | None:
    return db.session.execute(sa.select(Zone).where(Zone.code == code)).scalar_one_or_none()


def test_a_gpx_upload_on_the_zone_form_becomes_its_outline(manager_client):
    upload = (io.BytesIO(_gpx(_track(WALK))), "ranh-thua-12.gpx")
    response = manager_client.form_post(
        "/zones/new",
        FORM | {"geometry_file": upload, "declared_area_ha": "3"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    zone = _zone(FORM["code"])
    assert zone is not None and zone.geometry["type"] == "Polygon"
    assert float(zone.computed_area_ha) == pytest.approx(3.235, abs=0.01)


def test_a_bad_gpx_is_a_translated_error_on_the_upload_field(manager_client):
    upload = (io.BytesIO(_gpx(_track(WALK[:2]))), "ranh.gpx")
    response = manager_client.form_post(
        "/zones/new",
        FORM | {"geometry_file": upload},
        content_type="multipart/form-data",
        headers={"Accept-Language": "vi"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="geometry_file-err"' in html
    error = html.split('id="geometry_file-err">', 1)[1].split("</small>", 1)[0]
    assert "Track" not in error and "2" in error, error
    assert _zone(FORM["code"]) is None
