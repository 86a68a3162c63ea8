"""Zone codes through the JSON API: registration rules, locking, certificates, export, scope."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from shapely.geometry import shape

from tests.conftest import bearer
from tests.zones.conftest import zone_payload
from tests.zones.factories import CertificationFactory, ZoneFactory, square
from traceapp.audit.models import AuditRecord
from traceapp.extensions import db
from traceapp.zones.models import Zone, ZoneStatus


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Zone))


def _post(client, token, **changes):
    return client.post("/api/v1/zones", json=zone_payload(**changes), headers=bearer(token))


def test_a_manager_registers_a_draft_with_computed_area(client, api_token, world):
    members = [m.id for m in world.a.members[:2]]
    r = _post(client, api_token, member_ids=members, code=" vn-pydx-0128 ")
    assert r.status_code == 201, r.json
    body = r.json
    assert body["code"] == "VN-PYDX-0128"
    assert body["status"] == "draft" and body["cooperative_id"] == world.a.coop.id
    assert body["member_ids"] == sorted(members)
    assert abs(body["computed_area_ha"] - 1.2) < 0.02
    assert body["area_mismatch"] is False and body["polygon_required"] is False
    assert body["target_market"] == "china_gacc"
    zone = db.session.get(Zone, body["id"])
    assert zone.min_lon == 109.02 and zone.max_lat == 13.401
    record = db.session.execute(
        sa.select(AuditRecord).where(AuditRecord.action == "zone.create")
    ).scalar_one()
    assert record.changes["code"]["after"] == "VN-PYDX-0128"
    assert record.changes["member_ids"]["after"] == sorted(members)


def test_a_code_off_its_scheme_is_refused_quoting_description_and_example(client, api_token):
    before = _count()
    r = _post(client, api_token, code="PY-0128")
    assert r.status_code == 422
    message = r.json["errors"]["json"]["code"][0]
    assert "growing area code scheme" in message and "VN-PYDX-0128" in message
    assert "plant-protection list" in message
    r = _post(client, api_token, kind="aquaculture_facility", code="VN-PYDX-0128")
    assert "AA-BB-CCCC-DDD" in r.json["errors"]["json"]["code"][0]
    assert "54-TH-0012-001" in r.json["errors"]["json"]["code"][0]
    assert _count() == before


def test_the_scheme_is_a_setting(app, client, api_token, monkeypatch):
    scheme = {"pattern": r"^PUC\d{4}$", "description": "PUC and four digits", "example": "PUC0001"}
    monkeypatch.setitem(app.config, "TRACEAPP_DOMAIN", {"zone_schemes": {"growing_area": scheme}})
    monkeypatch.delitem(app.extensions, "traceapp_tunables", raising=False)
    try:
        assert _post(client, api_token, code="PUC0042").status_code == 201
        r = _post(client, api_token, code="VN-PYDX-0129")
        assert "PUC and four digits" in r.json["errors"]["json"]["code"][0]
    finally:
        app.extensions.pop("traceapp_tunables", None)


def test_codes_are_unique_nationally_without_saying_who_holds_them(
    client, api_token, other_token, world
):
    assert _post(client, api_token).status_code == 201
    r = _post(client, other_token, geometry=square(109.05, 13.42), province="Khánh Hòa")
    assert r.status_code == 422
    message = r.json["errors"]["json"]["code"][0]
    assert message == "The code VN-PYDX-0128 is already registered."
    assert world.a.coop.name not in r.get_data(as_text=True)


def test_bad_input_names_every_field_and_stores_nothing(client, api_token, world):
    before = _count()
    r = _post(client, api_token, code="", province="")
    assert r.status_code == 422 and set(r.json["errors"]["json"]) == {"code", "province"}
    r = _post(
        client,
        api_token,
        code="VN-PYDX-12",
        declared_area_ha=-1,
        valid_from="2025-01-01",
        valid_until="2024-01-01",
        geometry={"type": "Point", "coordinates": [13.4, 109.02]},
        member_ids=[world.b.members[0].id],
    )
    assert r.status_code == 422
    errors = r.json["errors"]["json"]
    assert set(errors) == {"code", "declared_area_ha", "valid_until", "geometry", "member_ids"}
    assert "[longitude, latitude]" in errors["geometry"][0]
    assert errors["member_ids"] == [f"No member {world.b.members[0].id} in this cooperative."]
    assert _count() == before


def test_unknown_and_server_owned_fields_are_rejected(client, api_token):
    r = _post(client, api_token, status="approved")
    assert r.status_code == 422 and "status" in r.json["errors"]["json"]
    r = _post(client, api_token, computed_area_ha=5)
    assert r.status_code == 422 and "computed_area_ha" in r.json["errors"]["json"]
    r = _post(client, api_token, target_market="mars")
    assert r.status_code == 422 and "target_market" in r.json["errors"]["json"]


def test_a_fishing_ground_may_lie_outside_vietnam_s_box(client, api_token):
    ground = {
        "type": "Polygon",
        "coordinates": [
            [[109.6, 12.6], [111.5, 12.5], [111.5, 14.0], [109.7, 14.0], [109.6, 12.6]]
        ],
    }
    r = _post(
        client,
        api_token,
        kind="fishing_ground",
        code="VN-PYOFF-01",
        geometry=ground,
        declared_area_ha=None,
    )
    assert r.status_code == 201, r.json
    r = _post(client, api_token, code="VN-PYDX-0130", geometry=ground)
    assert r.status_code == 422 and "outside Vietnam" in r.json["errors"]["json"]["geometry"][0]


def test_a_mismatched_declared_area_and_a_big_point_are_flagged(client, api_token):
    r = _post(client, api_token, declared_area_ha=2.0)
    assert r.json["area_mismatch"] is True
    r = _post(
        client,
        api_token,
        code="VN-PYDX-0131",
        declared_area_ha=5,
        geometry={"type": "Point", "coordinates": [109.03, 13.41]},
    )
    assert r.status_code == 201
    assert r.json["polygon_required"] is True and r.json["computed_area_ha"] is None


def test_fields_lock_once_submitted_but_households_and_notes_still_change(client, api_token, world):
    zone = ZoneFactory(cooperative=world.a.coop, status=ZoneStatus.SUBMITTED)
    url = f"/api/v1/zones/{zone.id}"
    for change in (
        {"code": "VN-PYDX-0999"},
        {"declared_area_ha": 9},
        {"geometry": square(109.1, 13.1)},
        {"decision_number": "1/QĐ"},
        {"kind": "packing_house"},
    ):
        r = client.patch(url, json=change, headers=bearer(api_token))
        assert r.status_code == 409, change
        assert "can no longer be changed" in r.json["message"]
    r = client.patch(
        url,
        json={"member_ids": [world.a.members[1].id], "notes": "Thêm hộ", "code": zone.code},
        headers=bearer(api_token),
    )
    assert r.status_code == 200, r.json
    assert r.json["member_ids"] == [world.a.members[1].id] and r.json["notes"] == "Thêm hộ"
    db.session.refresh(zone)
    assert zone.code.startswith("VN-PYDX-9")


def test_a_draft_can_be_corrected(client, api_token, world):
    zone = ZoneFactory(cooperative=world.a.coop)
    r = client.patch(
        f"/api/v1/zones/{zone.id}",
        json={"geometry": square(109.03, 13.41, 0.002), "declared_area_ha": 4.8},
        headers=bearer(api_token),
    )
    assert r.status_code == 200, r.json
    assert r.json["computed_area_ha"] > 4.7
    assert db.session.get(Zone, zone.id).min_lon == 109.03


def test_certifications_are_recorded_and_expired_ones_marked(client, api_token, world):
    zone = ZoneFactory(cooperative=world.a.coop, status=ZoneStatus.APPROVED)
    url = f"/api/v1/zones/{zone.id}/certifications"
    r = client.post(
        url,
        json={
            "scheme": "globalgap",
            "number": "GGN 4063061234567",
            "issuer": "Control Union",
            "issued_on": "2021-01-10",
            "expires_on": "2022-01-09",
        },
        headers=bearer(api_token),
    )
    assert r.status_code == 201, r.json
    assert r.json["valid"] is False
    r = client.post(
        url,
        json={
            "scheme": "vietgap",
            "number": "X",
            "issued_on": "2024-02-01",
            "expires_on": "2023-01-01",
        },
        headers=bearer(api_token),
    )
    assert r.status_code == 422 and "expires_on" in r.json["errors"]["json"]
    listed = client.get(url, headers=bearer(api_token)).json
    assert [c["number"] for c in listed] == ["GGN 4063061234567"]
    cert_id = listed[0]["id"]
    r = client.patch(
        f"{url}/{cert_id}", json={"expires_on": "2099-01-09"}, headers=bearer(api_token)
    )
    assert r.status_code == 200 and r.json["valid"] is True


def test_the_geojson_export_is_a_valid_lon_lat_feature_collection(client, api_token, world):
    ZoneFactory(cooperative=world.a.coop, status=ZoneStatus.APPROVED, code="VN-PYDX-0200")
    ZoneFactory(cooperative=world.a.coop, geometry=None, code="VN-PYDX-0201")
    ZoneFactory(cooperative=world.b.coop, province="Khánh Hòa", code="VN-KHCL-0001")
    r = client.get("/api/v1/zones.geojson", headers=bearer(api_token))
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/geo+json")
    doc = r.get_json(force=True)
    assert doc["type"] == "FeatureCollection"
    codes = [f["properties"]["code"] for f in doc["features"]]
    assert codes == ["VN-PYDX-0200", "VN-PYDX-0201"]
    for feature in doc["features"]:
        assert feature["type"] == "Feature" and set(feature) >= {"geometry", "properties"}
        assert feature["properties"]["cooperative"] == world.a.coop.name
    located = doc["features"][0]
    assert located["properties"]["status"] == "approved"
    assert located["properties"]["kind"] == "growing_area"
    assert located["properties"]["crop"] == "đậu phộng"
    geometry = shape(located["geometry"])
    assert geometry.is_valid
    lon, lat = located["geometry"]["coordinates"][0][0]
    assert 102 < lon < 110 and 8 < lat < 24  # [longitude, latitude]
    assert doc["features"][1]["geometry"] is None


def test_listing_filters_by_kind_status_province_and_text(client, api_token, world):
    ZoneFactory(cooperative=world.a.coop, code="VN-PYDX-0300", status=ZoneStatus.APPROVED)
    ZoneFactory(
        cooperative=world.a.coop, code="VN-PYPH-0301", kind="packing_house", crop="lạc nhân"
    )
    ZoneFactory(cooperative=world.a.coop, code="VN-BDTS-0302", province="Bình Định")

    def codes(query):
        r = client.get(f"/api/v1/zones?{query}", headers=bearer(api_token))
        assert r.status_code == 200, r.json
        return [z["code"] for z in r.json]

    assert codes("kind=packing_house") == ["VN-PYPH-0301"]
    assert codes("status=approved") == ["VN-PYDX-0300"]
    assert codes("q=lạc") == ["VN-PYPH-0301"]
    assert codes("province=Gia Lai") == ["VN-BDTS-0302"]  # merged into Gia Lai in 2025
    assert "VN-BDTS-0302" not in codes("province=Phú Yên")
    assert client.get("/api/v1/zones?kind=orchard", headers=bearer(api_token)).status_code == 422


def test_auditors_read_their_province_only_and_cannot_edit(
    client, world, auditor_token, other_auditor_token
):
    zone = ZoneFactory(cooperative=world.a.coop)
    CertificationFactory(zone=zone)
    r = client.get("/api/v1/zones", headers=bearer(auditor_token))
    assert [z["code"] for z in r.json] == [zone.code]
    assert client.get(f"/api/v1/zones/{zone.id}", headers=bearer(auditor_token)).status_code == 200
    r = client.patch(f"/api/v1/zones/{zone.id}", json={"notes": "x"}, headers=bearer(auditor_token))
    assert r.status_code == 403
    r = client.post(
        f"/api/v1/zones/{zone.id}/certifications",
        json={"scheme": "organic", "number": "ORG-1"},
        headers=bearer(auditor_token),
    )
    assert r.status_code == 403
    assert (
        client.post(
            "/api/v1/zones", json=zone_payload(code="VN-PYDX-0777"), headers=bearer(auditor_token)
        ).status_code
        == 403
    )
    assert client.get("/api/v1/zones", headers=bearer(other_auditor_token)).json == []
    for url in (
        f"/api/v1/zones/{zone.id}",
        f"/api/v1/zones/{zone.id}/transitions",
        f"/api/v1/zones/{zone.id}/certifications",
    ):
        assert client.get(url, headers=bearer(other_auditor_token)).status_code == 404
    doc = client.get("/api/v1/zones.geojson", headers=bearer(other_auditor_token)).get_json(
        force=True
    )
    assert doc["features"] == []


def test_the_openapi_document_describes_the_zone_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {
        "/api/v1/zones",
        "/api/v1/zones/{zone_id}",
        "/api/v1/zones/{zone_id}/transitions",
        "/api/v1/zones.geojson",
        "/api/v1/zones/{zone_id}/certifications",
    } <= set(paths)


def test_a_code_taken_by_a_concurrent_request_is_a_field_error_not_a_crash(world, monkeypatch):
    from traceapp.errors import ValidationFailed
    from traceapp.zones import services

    ZoneFactory(cooperative=world.b.coop, code="VN-PYDX-0990")
    # The other request committed after this one's uniqueness check ran.
    monkeypatch.setattr(services.db.session, "execute", _hide_code_clash(services.db.session))
    with pytest.raises(ValidationFailed) as exc:
        services.create_zone(
            world.a.manager,
            world.a.coop.id,
            **zone_payload(code="VN-PYDX-0990", issued_on=None, valid_from=None, valid_until=None),
        )
    assert exc.value.errors == {"code": ["The code VN-PYDX-0990 is already registered."]}
    monkeypatch.undo()
    assert _count() == 1


def _hide_code_clash(session):
    real = session.execute

    def execute(stmt, *args, **kwargs):
        if "zones.code =" in str(stmt) and "SELECT zones.id" in str(stmt):
            return real(sa.select(Zone.id).where(sa.false()))
        return real(stmt, *args, **kwargs)

    return execute
