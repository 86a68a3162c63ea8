"""Zone codes in the web UI: forms with field errors, the zone page, decisions, list, export."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import sqlalchemy as sa

from tests.zones.factories import CertificationFactory, ZoneFactory, square
from traceapp.extensions import db
from traceapp.zones import services
from traceapp.zones.models import Zone, ZoneStatus

DATA = Path(__file__).parent / "data"

FORM = {
    "code": "VN-PYDX-0610",
    "kind": "growing_area",
    "name": "Đồng Gò Sỏi",
    "crop": "đậu phộng",
    "province": "Phú Yên",
    "district": "Đồng Xuân",
    "commune": "Xuân Phước",
    "issuing_authority": "Chi cục Trồng trọt và BVTV tỉnh Phú Yên",
    "decision_number": "610/QĐ-TTBVTV",
    "issued_on": "2024-05-14",
    "valid_from": "2024-05-14",
    "valid_until": "2029-05-13",
    "target_market": "eu",
    "declared_area_ha": "1.2",
}


def _zone(code):
    return db.session.execute(sa.select(Zone).where(Zone.code == code)).scalar_one_or_none()


def test_a_manager_registers_a_zone_with_pasted_geojson(manager_client, world):
    member = world.a.members[0]
    response = manager_client.form_post(
        "/zones/new", FORM | {"geometry": json.dumps(square()), "member_ids": str(member.id)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    zone = _zone("VN-PYDX-0610")
    assert zone.status == ZoneStatus.DRAFT and [m.id for m in zone.members] == [member.id]
    assert zone.target_market == "eu"
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "VN-PYDX-0610" in page and member.full_name in page
    assert "<svg" in page and 'role="img"' in page and 'aria-label="Outline of zone' in page
    assert "matches the declared area" in page
    assert "style=" not in page


def test_a_kml_upload_becomes_the_zone_s_outline(manager_client):
    upload = (io.BytesIO((DATA / "xuan_phuoc_plot.kml").read_bytes()), "thua-12.kml")
    response = manager_client.form_post(
        "/zones/new",
        FORM | {"geometry_file": upload, "declared_area_ha": "3"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    zone = _zone("VN-PYDX-0610")
    assert zone.geometry["type"] == "Polygon" and len(zone.geometry["coordinates"]) == 2
    assert 2.9 < float(zone.computed_area_ha) < 3.1


def test_bad_geometry_gets_a_field_error_and_nothing_is_stored(manager_client):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [
                [109.02, 13.40],
                [109.021, 13.401],
                [109.021, 13.40],
                [109.02, 13.401],
                [109.02, 13.40],
            ]
        ],
    }
    response = manager_client.form_post(
        "/zones/new", FORM | {"geometry": json.dumps(bow_tie), "code": "PYDX 610"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="geometry-err"' in html and "The outline crosses itself at [" in html
    assert 'id="code-err"' in html and "VN-PYDX-0128" in html
    bomb = (io.BytesIO((DATA / "billion_laughs.kml").read_bytes()), "bomb.kml")
    response = manager_client.form_post(
        "/zones/new", FORM | {"geometry_file": bomb}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="geometry_file-err"' in html and "DOCTYPE or ENTITY" in html
    outside = (io.BytesIO(json.dumps(square(120.0, 13.0)).encode()), "plot.geojson")
    response = manager_client.form_post(
        "/zones/new", FORM | {"geometry_file": outside}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "outside Vietnam" in response.get_data(as_text=True)
    assert _zone("VN-PYDX-0610") is None


def test_the_zone_page_shows_flags_certificates_households_and_history(manager_client, world):
    zone = ZoneFactory(
        cooperative=world.a.coop,
        declared_area_ha=2,
        members=world.a.members[:1],
        notes="Đất cát pha ven sông Kỳ Lộ",
    )
    CertificationFactory(
        zone=zone, number="VG-OLD", expires_on=dt.date(2023, 1, 1), issued_on=dt.date(2020, 1, 1)
    )
    CertificationFactory(zone=zone, number="VG-NEW")
    services.transition(world.a.manager, zone, "submitted")
    services.transition(world.auditor, zone, "rejected", "Diện tích khai báo không khớp bản đồ.")
    db.session.commit()
    html = manager_client.get(f"/zones/{zone.id}").get_data(as_text=True)
    assert "differs by" in html and "more than 10%" in html
    old_row = html[html.index("VG-OLD") : html.index("VG-NEW")]
    assert "expired" in old_row
    assert world.a.members[0].full_name in html
    assert "Diện tích khai báo không khớp bản đồ." in html  # the cooperative sees why
    assert "Return to draft" in html and "Đất cát pha" in html


def test_a_manager_submits_and_the_province_auditor_decides_in_the_ui(
    manager_client, auditor_client, world
):
    zone = ZoneFactory(cooperative=world.a.coop)
    db.session.commit()
    url = f"/zones/{zone.id}"
    assert "Submit for approval" in manager_client.get(url).get_data(as_text=True)
    response = manager_client.form_post(f"{url}/transition", {"to_status": "submitted"})
    assert response.status_code == 302
    page = auditor_client.get(url).get_data(as_text=True)
    assert "Record the decision" in page and "Edit" not in page.split("<main")[1][:600]
    response = auditor_client.form_post(f"{url}/transition", {"to_status": "approved"})
    assert response.status_code == 422
    assert "Give the reason for this decision." in response.get_data(as_text=True)
    assert db.session.get(Zone, zone.id).status == ZoneStatus.SUBMITTED
    response = auditor_client.form_post(
        f"{url}/transition", {"to_status": "approved", "reason": "Hồ sơ hợp lệ."}
    )
    assert response.status_code == 302
    assert db.session.get(Zone, zone.id).status == ZoneStatus.APPROVED
    assert "Hồ sơ hợp lệ." in manager_client.get(url).get_data(as_text=True)
    response = manager_client.form_post(
        f"{url}/transition", {"to_status": "suspended", "reason": "Tự đình chỉ"}
    )
    assert response.status_code == 403


def test_the_zone_page_chooses_no_decision_and_a_revocation_needs_confirming(auditor_client, world):
    zone = ZoneFactory(cooperative=world.a.coop, status=ZoneStatus.APPROVED)
    db.session.commit()
    url = f"/zones/{zone.id}"
    page = auditor_client.get(url).get_data(as_text=True)
    select = page[page.index('name="to_status"') :]
    select = select[: select.index("</select>")]
    assert "selected" not in select
    assert select.index('value=""') < select.index('value="revoked"')
    body = {"to_status": "revoked", "reason": "Mã bị dùng cho hàng của cơ sở khác"}
    response = auditor_client.form_post(f"{url}/transition", body)
    assert response.status_code == 422
    assert "A revocation is final: tick the box to confirm it." in response.get_data(as_text=True)
    assert db.session.get(Zone, zone.id).status == ZoneStatus.APPROVED
    response = auditor_client.form_post(f"{url}/transition", body | {"confirm_revoke": "y"})
    assert response.status_code == 302
    assert db.session.get(Zone, zone.id).status == ZoneStatus.REVOKED


def test_a_submitted_zone_offers_only_households_and_notes(manager_client, world):
    zone = ZoneFactory(cooperative=world.a.coop, status=ZoneStatus.SUBMITTED)
    db.session.commit()
    form = manager_client.get(f"/zones/{zone.id}/edit").get_data(as_text=True)
    assert 'name="notes"' in form and 'name="member_ids"' in form
    assert 'name="code"' not in form and 'name="geometry"' not in form
    response = manager_client.form_post(
        f"/zones/{zone.id}/edit",
        {"notes": "Bổ sung hộ", "member_ids": [str(m.id) for m in world.a.members[1:]]},
    )
    assert response.status_code == 302
    zone = db.session.get(Zone, zone.id)
    assert zone.notes == "Bổ sung hộ" and len(zone.members) == 2


def test_overlaps_show_on_both_zones_pages(manager_client, world):
    first = ZoneFactory(
        cooperative=world.a.coop,
        status=ZoneStatus.APPROVED,
        geometry=square(109.3, 13.2),
        code="VN-PYDX-0701",
    )
    second = ZoneFactory(
        cooperative=world.b.coop,
        status=ZoneStatus.SUBMITTED,
        geometry=square(109.3005, 13.2),
        code="VN-PYDX-0702",
    )
    services.refresh_overlaps(world.a.manager, second)
    db.session.commit()
    page = manager_client.get(f"/zones/{first.id}").get_data(as_text=True)
    assert "VN-PYDX-0702" in page and "held by another cooperative" in page
    assert world.b.coop.name not in page
    assert f'href="/zones/{second.id}"' not in page  # B's zone stays out of A's reach
    assert services.overlaps_of(second)[0].code == "VN-PYDX-0701"


def test_the_list_searches_filters_and_pages(manager_client, world):
    for n in range(27):
        ZoneFactory(cooperative=world.a.coop, code=f"VN-PYDX-{800 + n:04d}")
    ZoneFactory(
        cooperative=world.a.coop, code="VN-PYPH-0900", kind="packing_house", crop="lạc nhân"
    )
    db.session.commit()
    first = manager_client.get("/zones").get_data(as_text=True)
    assert "Page 1 of 2" in first and "VN-PYDX-0800" in first
    assert "VN-PYPH-0900" in manager_client.get("/zones?page=2").get_data(as_text=True)
    by_kind = manager_client.get("/zones?kind=packing_house").get_data(as_text=True)
    assert "VN-PYPH-0900" in by_kind and "VN-PYDX-0800" not in by_kind
    by_text = manager_client.get("/zones?q=0826").get_data(as_text=True)
    assert "VN-PYDX-0826" in by_text and "VN-PYDX-0825" not in by_text
    assert manager_client.get("/zones?status=nonsense&kind=x").status_code == 200
    assert 'href="/zones/export.geojson?kind=packing_house"' in by_kind


def test_the_export_link_downloads_the_cooperative_s_zones(manager_client, world):
    ZoneFactory(cooperative=world.a.coop, code="VN-PYDX-0950")
    ZoneFactory(cooperative=world.b.coop, code="VN-PYDX-0951")
    db.session.commit()
    response = manager_client.get("/zones/export.geojson")
    assert response.headers["Content-Type"].startswith("application/geo+json")
    assert "attachment" in response.headers["Content-Disposition"]
    doc = json.loads(response.get_data(as_text=True))
    assert [f["properties"]["code"] for f in doc["features"]] == ["VN-PYDX-0950"]


def test_auditors_see_their_province_s_zones_in_the_ui_and_others_do_not(
    app, auditor_client, world
):
    from tests.conftest import login

    zone = ZoneFactory(cooperative=world.a.coop, code="VN-PYDX-0960")
    db.session.commit()
    listing = auditor_client.get("/zones").get_data(as_text=True)
    assert "VN-PYDX-0960" in listing and "Zone codes" in listing
    assert "Register a zone code" not in listing
    assert auditor_client.get(f"/zones/{zone.id}").status_code == 200
    assert auditor_client.get(f"/zones/{zone.id}/edit").status_code == 403
    other = app.test_client()
    login(other, world.other_auditor.email)
    assert "VN-PYDX-0960" not in other.get("/zones").get_data(as_text=True)
    assert other.get(f"/zones/{zone.id}").status_code == 404
