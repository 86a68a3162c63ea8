"""Hostile outlines: each is refused by a limit that holds before it is parsed, with a 422
naming the limit, no zone stored, and less than 100 MB of memory spent on it."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.conftest import bearer
from tests.cooperatives.bounded import MEMORY_LIMIT, peak_memory
from tests.cooperatives.test_bombs import messages, multipart
from tests.zones.conftest import zone_payload
from tests.zones.test_web import FORM
from traceapp.extensions import db
from traceapp.zones.models import Zone

VERTICES = 600_000


def _zones() -> int:
    return db.session.scalar(sa.select(sa.func.count(Zone.id)))


def _many_vertices(surveyed: bool = False) -> dict:
    """A polygon of 600,000 positions. Surveyed, with decimals, it is 11 MB of JSON and over
    100 MB once parsed; with one-digit numbers it is 3.6 MB, under the size limit, so the
    count of positions has to refuse it."""
    if surveyed:
        ring = [[108 + i % 1000 / 1e4, 13 + i // 1000 / 1e4] for i in range(VERTICES - 1)]
    else:
        ring = [[i % 10, i // 10 % 10] for i in range(VERTICES - 1)]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _compact(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _kml(placemark_body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
        f"<Document><Placemark>{placemark_body}</Placemark></Document></kml>"
    ).encode()


def _upload(manager_client, filename: str, content: bytes):
    """The zone form with an outline file, as a browser sends it."""
    fields = FORM | {"csrf_token": manager_client.csrf_token()}
    body, content_type = multipart("geometry_file", filename, content)
    boundary = content_type.split("boundary=")[1]
    parts = b"".join(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
        for name, value in fields.items()
    )
    return manager_client.post("/zones/new", data=parts + body, content_type=content_type)


def _refused_upload(manager_client, filename: str, content: bytes, *words: str) -> None:
    before = _zones()
    with peak_memory() as peak:
        r = _upload(manager_client, filename, content)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'id="geometry_file-err"' in html
    for word in words:
        assert word in html
    assert _zones() == before
    assert peak.bytes < MEMORY_LIMIT, f"{peak.bytes / 2**20:.0f} MB"


@pytest.mark.parametrize(
    ("surveyed", "words"),
    [(True, "The zone is larger than 5.1 MB"), (False, "more than 50,000 positions")],
)
def test_a_600k_vertex_geojson_body_is_refused_before_it_is_parsed(
    client, api_token, world, surveyed, words
):
    body = _compact(zone_payload(geometry=_many_vertices(surveyed)))
    assert len(body) < 16 * 1024 * 1024  # within the request limit: the outline's own limit acts
    before = _zones()
    with peak_memory() as peak:
        r = client.post(
            "/api/v1/zones",
            data=body,
            headers=bearer(api_token),
            content_type="application/json",
        )
    assert r.status_code == 422, r.json
    assert words in messages(r)
    assert list(r.json["errors"]["json"]) == ["geometry"]
    assert _zones() == before
    assert peak.bytes < MEMORY_LIMIT, f"{peak.bytes / 2**20:.0f} MB"


def test_a_zone_body_past_the_outline_size_limit_is_refused(client, api_token, world, app):
    app.config["TRACEAPP_GEOMETRY_MAX_BYTES"] = 64 * 1024
    try:
        padded = zone_payload(notes="x" * 200_000)
        r = client.post("/api/v1/zones", json=padded, headers=bearer(api_token))
    finally:
        app.config["TRACEAPP_GEOMETRY_MAX_BYTES"] = 5 * 1024 * 1024
    assert r.status_code == 422
    assert "larger than 0.1 MB" in messages(r)


def test_a_600k_vertex_geojson_file_is_refused_before_it_is_parsed(manager_client):
    content = _compact(_many_vertices())
    assert len(content) < 5 * 1024 * 1024
    _refused_upload(manager_client, "plot.geojson", content, "more than 50,000 positions")


def test_a_geojson_file_nested_100000_deep_is_refused(manager_client):
    content = b"[" * 100_000 + b"]" * 100_000
    _refused_upload(manager_client, "plot.geojson", content, "nested more than 64 levels")


def test_a_600k_vertex_kml_is_refused_before_its_positions_are_read(manager_client):
    coordinates = " ".join(f"{i % 10},{i // 10 % 10}" for i in range(VERTICES))  # 2.4 MB
    content = _kml(
        "<Polygon><outerBoundaryIs><LinearRing><coordinates>"
        f"{coordinates}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
    )
    _refused_upload(manager_client, "plot.kml", content, "more than 50,000 positions")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("<a/>" * 1_000_000, "more than 20,000 elements"),
        ("<a>" * 10_000 + "</a>" * 10_000, "more than 64 levels deep"),
    ],
)
def test_a_kml_flood_of_elements_is_refused_while_it_is_read(manager_client, body, words):
    _refused_upload(manager_client, "plot.kml", _kml(body), words)
