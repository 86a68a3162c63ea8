"""Exports: the register as formula-safe CSV, valid GeoJSON and KML; the dossier as a PDF."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own output

import pytest
import sqlalchemy as sa

from tests.audit.test_chain import _tamper
from tests.conftest import bearer
from tests.farm import harvest_lot
from tests.zones.factories import ZoneFactory
from traceapp.audit import services as audit
from traceapp.audit.models import AuditHead, AuditRecord
from traceapp.auth.models import SYSTEM
from traceapp.authority import services
from traceapp.extensions import db
from traceapp.zones.models import ZoneStatus

KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture
def odd_zone(world):
    """A zone whose text would run as a formula in a spreadsheet, or break naive XML."""
    return ZoneFactory(
        cooperative=world.a.coop,
        status=ZoneStatus.APPROVED,
        name='=HYPERLINK("http://evil.example","bấm")',
        crop="+cmd|' /C calc'!A0",
        commune='Xuân <Phước> & "Đông"',
    )


def test_register_csv_is_safe_against_formula_injection(odd_zone, client, auditor_token):
    response = client.get("/api/v1/authority/zones.csv", headers=bearer(auditor_token))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    row = next(r for r in rows if r["code"] == odd_zone.code)
    assert row["name"].startswith("'=") and row["crop_or_species"].startswith("'+")
    assert row["commune"] == 'Xuân <Phước> & "Đông"'
    assert row["status"] == "approved" and row["declared_area_ha"] == "1.2000"


def test_register_geojson_is_a_valid_feature_collection(odd_zone, client, auditor_token):
    response = client.get("/api/v1/authority/zones.geojson", headers=bearer(auditor_token))
    body = json.loads(response.get_data(as_text=True))
    assert body["type"] == "FeatureCollection"
    feature = next(f for f in body["features"] if f["properties"]["code"] == odd_zone.code)
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Polygon"
    ring = feature["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) >= 4
    lon, lat = ring[0]
    assert 102 < lon < 110 and 8 < lat < 24  # [longitude, latitude], inside Vietnam


def test_register_kml_parses_and_escapes(odd_zone, auditor_client):
    response = auditor_client.get("/authority/zones.kml")
    assert response.status_code == 200
    root = ET.fromstring(response.data)  # noqa: S314 - our own document
    marks = {m.findtext(f"{KML}name"): m for m in root.iter(f"{KML}Placemark")}
    mark = marks[odd_zone.code]
    data = {d.get("name"): d.findtext(f"{KML}value") for d in mark.iter(f"{KML}Data")}
    assert data["commune"] == 'Xuân <Phước> & "Đông"' and data["status"] == "approved"
    coords = mark.findtext(f".//{KML}outerBoundaryIs/{KML}LinearRing/{KML}coordinates")
    lon, lat = (float(v) for v in coords.split()[0].split(","))
    assert lon > 100 and lat < 25


def test_exports_follow_the_filters(odd_zone, farm, auditor_client):
    body = auditor_client.get("/authority/zones.geojson?kind=fishing_ground").get_json(force=True)
    assert [f["properties"]["code"] for f in body["features"]] == ["VN-PYOFF-01"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_the_dossier_pdf_holds_decisions_inspections_and_volumes(
    farm, world, auditor_client, client, auditor_token
):
    lot = harvest_lot(farm, "9500", confirm="weighed twice at the station")
    client.post(
        f"/api/v1/zones/{farm.field.id}/inspections",
        headers=bearer(auditor_token),
        json={
            "inspected_on": "2026-03-02",
            "inspector_name": "Trần Minh Quân",
            "boundaries_match": True,
            "farm_diary_kept": False,
            "permitted_inputs_only": True,
            "residue_result": "not_sampled",
            "gap_certificate_valid": True,
            "result": "conditional",
            "findings": "Nhật ký canh tác chưa đầy đủ",
        },
    )
    services.decide(world.auditor, farm.field, "suspended", "Sản lượng khai báo vượt 105%")
    response = auditor_client.get(f"/authority/zones/{farm.field.id}/dossier.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode()
    for expected in (
        "VN-TEST-0001",
        "Sản lượng khai báo vượt 105%",
        "Trần Minh Quân",
        "Nhật ký canh tác chưa đầy đủ",
        lot.code,
        "9,500.0",
        "9,000.0",
        world.a.coop.name,
    ):
        assert expected in text, expected
    api = client.get(
        f"/api/v1/authority/zones/{farm.field.id}/dossier.pdf", headers=bearer(auditor_token)
    )
    assert api.status_code == 200 and api.headers["Content-Type"] == "application/pdf"


def _records(count: int) -> None:
    for i in range(count):
        audit.record(SYSTEM, "test.write", object_type="thing", object_id=str(i))
    db.session.commit()


def test_each_export_prints_the_audit_chain_head(odd_zone, client, auditor_token, auditor_client):
    _records(3)
    seq, digest = audit.head_hash()
    printed = f"#{seq} {digest}"
    csv_answer = client.get("/api/v1/authority/zones.csv", headers=bearer(auditor_token))
    lines = list(csv.reader(io.StringIO(csv_answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[-1] == ["# audit chain head", printed]
    assert csv_answer.headers["X-Audit-Chain-Head"] == printed
    geojson = auditor_client.get("/authority/zones.geojson")
    assert geojson.get_json(force=True)["audit_chain_head"] == printed
    assert geojson.headers["X-Audit-Chain-Head"] == printed
    root = ET.fromstring(auditor_client.get("/authority/zones.kml").data)  # noqa: S314
    document = root.find(f"{KML}Document")
    data = {d.get("name"): d.findtext(f"{KML}value") for d in document.findall(f".//{KML}Data")}
    assert data["audit_chain_head"] == printed
    dossier = auditor_client.get(f"/authority/zones/{odd_zone.id}/dossier.pdf")
    assert dossier.headers["X-Audit-Chain-Head"] == printed


def test_a_truncation_since_an_export_is_named_by_verify_with_its_head(
    odd_zone, app, client, auditor_token, tmp_path
):
    _records(4)
    csv_answer = client.get("/api/v1/authority/zones.csv", headers=bearer(auditor_token))
    printed = list(csv.reader(io.StringIO(csv_answer.get_data(as_text=True))))[-1][1]
    seq = int(printed.split()[0].lstrip("#"))
    # Cut the last two records, rewind the head, and lose the anchor file with them.
    keep = seq - 2
    kept_hash = db.session.scalar(sa.select(AuditRecord.hash).where(AuditRecord.seq == keep))
    _tamper(f"DELETE FROM audit_records WHERE seq > {keep}")
    db.session.execute(
        sa.update(AuditHead).where(AuditHead.id == 1).values(seq=keep, hash=kept_hash)
    )
    app.config["TRACEAPP_AUDIT_ANCHOR_FILE"] = str(tmp_path / "lost-anchor.log")
    db.session.expire_all()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # the chain alone holds
    caught = runner.invoke(args=["audit", "verify", "--head", printed])
    assert caught.exit_code == 2
    assert f"BROKEN at record #{keep + 1} (truncated)" in caught.output
    assert f"an export printed the head #{seq}" in caught.output
    # A head that was never printed by an export is refused, naming the option.
    wrong = runner.invoke(args=["audit", "verify", "--head", "#12 not-a-hash"])
    assert wrong.exit_code == 2 and "--head" in wrong.output
