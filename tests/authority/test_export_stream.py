"""The register's exports (CSV, GeoJSON, KML) and the zone lists' GeoJSON are streamed, a
batch of zones at a time, and say what the documents built whole say."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - our own output
from typing import Any

import pytest
import sqlalchemy as sa

from tests.authority.test_exports import odd_zone  # noqa: F401 - a fixture
from tests.conftest import bearer
from traceapp.audit import services as audit
from traceapp.authority import exports
from traceapp.csvsafe import to_csv
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.zones import services as zones
from traceapp.zones.models import Zone

pytestmark = pytest.mark.usefixtures("odd_zone")


def _streamed(response: Any, content_type: str) -> bytes:
    assert response.status_code == 200
    assert response.is_streamed and "Content-Length" not in response.headers
    assert response.headers["Content-Type"] == content_type
    body = response.get_data()
    response.close()
    return body


def _whole_kml(stmt: Any, head: str) -> bytes:
    """The register's KML built as one tree, as it was before it streamed."""
    kml = exports.KML_NS
    root = ET.Element(f"{{{kml}}}kml")
    document = ET.SubElement(root, f"{{{kml}}}Document")
    ET.SubElement(document, f"{{{kml}}}name").text = f"traceapp zones {local_today().isoformat()}"
    for zone in zones.iter_zones(stmt):
        document.append(exports._placemark(zone, local_today()))
    data = ET.SubElement(ET.SubElement(document, f"{{{kml}}}ExtendedData"), f"{{{kml}}}Data")
    data.set("name", "audit_chain_head")
    ET.SubElement(data, f"{{{kml}}}value").text = head
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def test_the_register_exports_are_streamed_and_unchanged(
    farm, client, auditor_token, auditor_client, monkeypatch
):
    monkeypatch.setattr(exports, "BATCH", 2)  # several batches of the few zones
    everything = sa.select(Zone)
    head = audit.printed_head()
    kml = _streamed(
        auditor_client.get("/authority/zones.kml", buffered=False),
        "application/vnd.google-earth.kml+xml",
    )
    assert kml == _whole_kml(everything, head)
    assert kml.count(f'xmlns="{exports.KML_NS}"'.encode()) == 1
    api = client.get("/api/v1/authority/zones.kml", headers=bearer(auditor_token), buffered=False)
    assert _streamed(api, "application/vnd.google-earth.kml+xml") == kml
    geojson = auditor_client.get("/authority/zones.geojson", buffered=False)
    body = _streamed(geojson, "application/geo+json; charset=utf-8")
    whole = {**zones.feature_collection(everything), "audit_chain_head": head}
    assert body.decode() == json.dumps(whole, ensure_ascii=False)
    assert len(whole["features"]) >= 3
    assert geojson.headers["X-Audit-Chain-Head"] == head
    assert geojson.headers["Content-Disposition"].endswith('.geojson"')
    api = client.get(
        "/api/v1/authority/zones.geojson", headers=bearer(auditor_token), buffered=False
    )
    assert _streamed(api, "application/geo+json; charset=utf-8") == body
    csv_answer = client.get(
        "/api/v1/authority/zones.csv", headers=bearer(auditor_token), buffered=False
    )
    text = _streamed(csv_answer, "text/csv; charset=utf-8").decode()
    from traceapp.authority import flags, services

    scope = services.console_scope(db.session.merge(farm.world.auditor))
    by_zone: dict[int, list[str]] = {}
    for f in flags.compute_flags(scope, kinds=flags.ZONE_KINDS):
        if f.zone_id is not None and f.kind not in by_zone.get(f.zone_id, []):
            by_zone.setdefault(f.zone_id, []).append(f.kind)
    rows = [
        exports._csv_row(z, local_today(), by_zone.get(z.id, []))
        for z in zones.iter_zones(everything)
    ]
    assert text == to_csv(exports.REGISTER_COLUMNS, [*rows, [exports.HEAD_LABEL, head]])


def test_the_zone_lists_geojson_is_streamed(world, manager_client, client, api_token):
    mine = sa.select(Zone).where(Zone.cooperative_id == world.a.coop.id)
    whole = json.dumps(zones.feature_collection(mine), ensure_ascii=False)
    page = manager_client.get("/zones/export.geojson", buffered=False)
    assert _streamed(page, "application/geo+json; charset=utf-8").decode() == whole
    assert page.headers["Content-Disposition"].startswith("attachment")
    api = client.get("/api/v1/zones.geojson", headers=bearer(api_token), buffered=False)
    assert _streamed(api, "application/geo+json; charset=utf-8").decode() == whole


def test_the_statistics_csv_is_streamed_and_unchanged(farm, client, auditor_token, auditor_client):
    from traceapp.authority import services, stats

    page = auditor_client.get("/authority/stats.csv?months=3", buffered=False)
    text = _streamed(page, "text/csv; charset=utf-8").decode()
    api = client.get(
        "/api/v1/authority/stats.csv?months=3", headers=bearer(auditor_token), buffered=False
    )
    assert _streamed(api, "text/csv; charset=utf-8").decode() == text
    scope = services.console_scope(db.session.merge(farm.world.auditor))
    header, *rows = stats._csv_rows(stats.compute(scope, 3))
    assert text == to_csv(header, rows)  # as the document was built whole
    assert "region,members,4" in text and text.count("lots per month,") == 3
