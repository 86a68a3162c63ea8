"""Importing many zone codes from a file (issue 21, item 5): checked in a background job that
names every problem by row and field and writes nothing, imported once confirmed, resumed
after a lost worker without registering a code twice."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import bearer
from tests.zones.conftest import zone_payload
from tests.zones.factories import ZoneFactory, square
from traceapp import workers
from traceapp.audit.models import AuditRecord
from traceapp.extensions import db
from traceapp.media import spool as uploads
from traceapp.zones import import_jobs
from traceapp.zones.models import Zone, ZoneImportJob
from traceapp.zones.services import create_zone, importing

#: The export's properties that belong to the register, not to the file.
_REGISTER_OWN = ("cooperative", "status")


def _upload(client: Any, name: str, body: bytes) -> Any:
    return client.form_post(
        "/zones/import", {"file": (io.BytesIO(body), name)}, content_type="multipart/form-data"
    )


def _job_id(response: Any) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _zones_of(coop_id: int) -> list[Zone]:
    db.session.expire_all()
    stmt = sa.select(Zone).where(Zone.cooperative_id == coop_id).order_by(Zone.code)
    return list(db.session.execute(stmt).scalars())


def _features(client: Any) -> list[dict[str, Any]]:
    return json.loads(client.get("/zones/export.geojson").get_data())["features"]


def test_an_export_imports_into_another_cooperative_as_it_was(world, manager_client, other_client):
    for n in range(3):
        geometry = (
            square(109.02 + 0.01 * n, 13.40)
            if n
            else {"type": "Point", "coordinates": [109.1, 13.5]}
        )
        create_zone(
            world.a.manager,
            world.a.coop.id,
            **zone_payload(code=f"VN-PYDX-{700 + n}", geometry=geometry, name=f"Đồng {n}"),
        )
    db.session.commit()
    exported = _features(manager_client)
    body = json.dumps({"type": "FeatureCollection", "features": exported}).encode()

    # While cooperative A holds the codes, B cannot take them: every row says so, none is kept.
    job_id = _job_id(_upload(other_client, "zones.geojson", body))
    page = other_client.get(f"/zones/import/{job_id}").get_data(as_text=True)
    assert "Problems found in the file: 3. Nothing was saved;" in page
    assert "The code VN-PYDX-701 is already registered." in page
    assert other_client.form_post(f"/zones/import/{job_id}/confirm").status_code == 409
    assert _zones_of(world.b.coop.id) == []

    # The same file in a register where A's codes are gone (another installation).
    for zone in _zones_of(world.a.coop.id):
        db.session.delete(zone)
    db.session.commit()
    job_id = _job_id(_upload(other_client, "zones.geojson", body))
    page = other_client.get(f"/zones/import/{job_id}").get_data(as_text=True)
    assert "The file was checked. New codes: 3; to update: 0; unchanged: 0." in page
    assert _zones_of(world.b.coop.id) == []  # the check writes nothing
    # The file waits in the database (no folder shared by the servers and workers)...
    waiting = db.session.get(ZoneImportJob, job_id).path
    assert waiting.startswith("db:") and uploads.read_all(waiting) == body
    r = other_client.form_post(f"/zones/import/{job_id}/confirm")
    page = other_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Imported. New codes: 3; updated: 0; unchanged: 0." in page
    assert not uploads.exists(waiting)  # ... until the import is done

    def comparable(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                **f,
                "properties": {k: v for k, v in f["properties"].items() if k not in _REGISTER_OWN},
            }
            for f in features
        ]

    assert comparable(_features(other_client)) == comparable(exported)
    # Each registered code is in the audit trail, under the manager who imported it.
    created = db.session.execute(
        sa.select(AuditRecord.object_id, AuditRecord.actor_id).where(
            AuditRecord.action == "zone.create", AuditRecord.cooperative_id == world.b.coop.id
        )
    ).all()
    assert sorted(created) == sorted(
        (str(z.id), world.b.manager.id) for z in _zones_of(world.b.coop.id)
    )
    # Imported again, nothing changes.
    job_id = _job_id(_upload(other_client, "again.geojson", body))
    page = other_client.get(f"/zones/import/{job_id}").get_data(as_text=True)
    assert "The file was checked. New codes: 0; to update: 0; unchanged: 3." in page


def test_a_csv_with_bad_rows_names_row_and_field_and_saves_nothing(world, manager_client):
    ZoneFactory(cooperative=world.a.coop, code="VN-PYDX-0800", name="Old name")
    db.session.commit()
    csv = (
        "code,kind,name,province,declared_area_ha,lat,lon\n"
        "VN-PYDX-0801,growing_area,Đồng A,Phú Yên,1.5,13.40,109.02\n"
        "VN-PYDX-0802,orchard,Đồng B,Phú Yên,1,13.41,109.03\n"
        "VN-PYDX-0803,growing_area,Đồng C,Phú Yên,1,north,109.04\n"
        "VN-PYDX-0800,growing_area,New name,Phú Yên,,,\n"
        "VN-PYDX-0801,growing_area,Đồng A again,Phú Yên,1,13.42,109.05\n"
    ).encode()
    job_id = _job_id(_upload(manager_client, "zones.csv", csv))
    page = manager_client.get(f"/zones/import/{job_id}").get_data(as_text=True)
    assert "Problems found in the file: 3. Nothing was saved;" in page
    job = db.session.get_one(ZoneImportJob, job_id)
    problems = {(p["row"], p["field"]) for p in job.problems}
    assert problems == {(3, "kind"), (4, "lat"), (6, "code")}
    assert "The code VN-PYDX-0801 is also in row 2." in page
    # The good rows are previewed: a new code, and the old → new value of an update.
    assert "Old name → New name" in page
    assert [z.code for z in _zones_of(world.a.coop.id)] == ["VN-PYDX-0800"]
    assert _zones_of(world.a.coop.id)[0].name == "Old name"
    assert manager_client.form_post(f"/zones/import/{job_id}/confirm").status_code == 409


def test_the_zone_list_offers_the_import_and_its_template(manager_client):
    assert 'href="/zones/import"' in manager_client.get("/zones").get_data(as_text=True)
    template = manager_client.get("/zones/import/template.csv").get_data()
    assert template.decode("utf-8-sig").startswith("code,kind,name,crop,province")
    # Its example row is a zone the cooperative could register as it is.
    job_id = _job_id(_upload(manager_client, "zones-template.csv", template))
    page = manager_client.get(f"/zones/import/{job_id}").get_data(as_text=True)
    assert "The file was checked. New codes: 1; to update: 0; unchanged: 0." in page


def test_an_auditor_cannot_import_zones(world, app, session):
    from tests.conftest import _client_for

    auditor = _client_for(app, world.auditor)
    assert auditor.get("/zones/import").status_code == 403


@pytest.fixture
def queued(app, monkeypatch):
    """Requests leave their jobs in the queue, as on a server (tests otherwise run them)."""
    monkeypatch.setitem(app.config, "TRACEAPP_JOBS_INLINE", False)


def _geojson(count: int) -> bytes:
    features = [
        {
            "type": "Feature",
            "geometry": square(109.02 + 0.01 * n, 13.40),
            "properties": {
                "code": f"VN-PYDX-{900 + n}",
                "kind": "growing_area",
                "name": f"Đồng {n}",
                "province": "Phú Yên",
            },
        }
        for n in range(count)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def test_an_import_resumed_after_its_worker_stopped_registers_no_code_twice(
    app, world, client, api_token, queued, monkeypatch
):
    monkeypatch.setattr(import_jobs, "APPLY_SLICE", 2)
    r = client.post(
        "/api/v1/zones/import?format=geojson",
        data=_geojson(5),
        headers=bearer(api_token),
        content_type="application/geo+json",
    )
    assert r.status_code == 202, r.get_json()
    location = r.headers["Location"]
    workers.work(app, once=True)
    job = client.get(location, headers=bearer(api_token)).get_json()
    assert (job["status"], job["result"]["new"], job["problems"]) == ("checked", 5, None)

    r = client.post(f"{location}/confirm", headers=bearer(api_token))
    assert r.status_code == 202 and r.get_json()["status"] == "queued"
    stopping = workers.threading.Event()
    real = importing.apply_rows

    def apply_then_stop(*args: Any, **kwargs: Any) -> Any:
        stopping.set()  # the worker is told to stop while it keeps the first slice
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "apply_rows", apply_then_stop)
    workers.work(app, once=True, stopping=stopping)
    job = client.get(location, headers=bearer(api_token)).get_json()
    assert (job["status"], job["done"]) == ("queued", 2)
    assert len(_zones_of(world.a.coop.id)) == 2

    # The next worker goes on from there; and had the last slice not been recorded (the
    # worker died between the two), the codes already kept are found, not registered again.
    monkeypatch.setattr(importing, "apply_rows", real)
    db.session.get_one(ZoneImportJob, job["id"]).done = 0
    db.session.commit()
    workers.work(app, once=True)
    job = client.get(location, headers=bearer(api_token)).get_json()
    assert job["status"] == "done", job
    assert job["result"] == {"created": 5, "updated": 0, "unchanged": 2}
    assert [z.code for z in _zones_of(world.a.coop.id)] == [f"VN-PYDX-{900 + n}" for n in range(5)]


_KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>VN-PYDX-0851</name><ExtendedData>
  <Data name="kind"><value>growing_area</value></Data>
  <Data name="province"><value>Phú Yên</value></Data></ExtendedData>
  <Point><coordinates>109.05,13.45</coordinates></Point></Placemark>
<Placemark><name>VN-PYDX-0852</name><ExtendedData>
  <Data name="kind"><value>growing_area</value></Data>
  <Data name="province"><value>Phú Yên</value></Data></ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>109.0,13.4 109.001,13.4 109.001,13.401
  109.0,13.4</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Document></kml>"""


def _xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Code", "Kind", "Province", "WKT"])
    sheet.append(["VN-PYDX-0861", "growing_area", "Phú Yên", "POINT (109.06 13.46)"])
    sheet.append(["VN-PYDX-0862", "growing_area", "Phú Yên", "POLYGON ((109 13"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_kml_placemarks_and_xlsx_rows_are_read_as_zones(world, manager_client):
    job_id = _job_id(_upload(manager_client, "zones.kml", _KML.encode()))
    page = manager_client.get(f"/zones/import/{job_id}").get_data(as_text=True)
    assert "The file was checked. New codes: 2; to update: 0; unchanged: 0." in page

    job_id = _job_id(_upload(manager_client, "zones.xlsx", _xlsx()))
    job = db.session.get_one(ZoneImportJob, job_id)
    assert [(p["row"], p["field"]) for p in job.problems] == [(3, "wkt")]
    assert job.result["new"] == 1


def test_an_xlsx_declaring_entities_is_refused_before_it_is_opened(manager_client):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("xl/sharedStrings.xml", '<!DOCTYPE x [<!ENTITY a "aaaa">]><sst/>')
    job_id = _job_id(_upload(manager_client, "zones.xlsx", out.getvalue()))
    page = manager_client.get(f"/zones/import/{job_id}").get_data(as_text=True)
    assert "The import failed: The XLSX file cannot be read." in page
