"""Collective marks through the web UI and the API: rules of use, validation, logo, access."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from tests.brands.factories import MarkFactory, days_ago
from tests.conftest import bearer
from traceapp.audit.models import AuditRecord
from traceapp.brands.models import CollectiveMark, MarkStatus
from traceapp.extensions import db


def _marks(coop_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CollectiveMark)
        .where(CollectiveMark.cooperative_id == coop_id)
    )


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 20)).save(buf, format="PNG")
    return buf.getvalue()


MARK_FORM = {
    "name": "Đậu phộng Xuân Phước",
    "status": "registered",
    "certificate_number": "4-0285634-000",
    "certificate_date": "2019-08-12",
    "valid_until": "2027-10-05",
    "product_scope": "Đậu phộng nhân, đậu phộng rang",
    "geographic_scope": "Xã Xuân Phước, huyện Đồng Xuân",
    "owner_name": "HTX Nông nghiệp Xuân Phước",
    "owner_address": "Thôn Phú Xuân",
    "founding_basis": "Giấy chứng nhận đăng ký HTX số 4407A0012",
    "membership_criteria": "Hộ trồng đậu phộng tại xã Xuân Phước",
    "conditions_of_use": "Chỉ thành viên được cấp quyền",
    "violation_measures": "Đình chỉ, thu hồi quyền sử dụng",
    "rules_adopted_on": "2017-09-20",
}


def test_manager_registers_a_mark_with_its_rules_of_use(manager_client, world):
    r = manager_client.form_post("/brands/new", MARK_FORM)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    mark = db.session.execute(
        sa.select(CollectiveMark).where(CollectiveMark.name == "Đậu phộng Xuân Phước")
    ).scalar_one()
    assert mark.cooperative_id == world.a.coop.id
    assert mark.status == MarkStatus.REGISTERED
    page = manager_client.get(r.headers["Location"]).get_data(as_text=True)
    for text in (
        "4-0285634-000",
        "Hộ trồng đậu phộng tại xã Xuân Phước",
        "Chỉ thành viên được cấp quyền",
        "Đình chỉ, thu hồi quyền sử dụng",
        "Giấy chứng nhận đăng ký HTX số 4407A0012",
        "Registered",
    ):
        assert text in page
    record = (
        db.session.execute(sa.select(AuditRecord).where(AuditRecord.action == "mark.create"))
        .scalars()
        .one()
    )
    assert record.changes["name"]["after"] == "Đậu phộng Xuân Phước"
    assert record.cooperative_id == world.a.coop.id


def test_bad_mark_input_names_each_field_and_stores_nothing(manager_client, world):
    MarkFactory(cooperative=world.a.coop, name="Tôm hùm Sông Cầu")
    before = _marks(world.a.coop.id)
    r = manager_client.form_post(
        "/brands/new",
        {
            "name": "Tôm hùm Sông Cầu",
            "status": "registered",
            "certificate_date": "2020-05-01",
            "valid_until": "2019-01-01",
            "rules_adopted_on": days_ago(-3).isoformat(),
        },
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "The cooperative already has a mark of this name." in html
    assert "A registered mark needs the certificate number." in html
    assert "The mark cannot expire before its certificate date." in html
    assert "The rules cannot be adopted in the future." in html
    assert _marks(world.a.coop.id) == before


def test_manager_edits_a_mark_and_the_change_is_audited(manager_client, world):
    mark = MarkFactory(cooperative=world.a.coop)
    r = manager_client.form_post(
        f"/brands/{mark.id}/edit",
        {
            **dict.fromkeys(MARK_FORM, ""),
            "name": mark.name,
            "status": "suspended",
            "certificate_number": mark.certificate_number,
            "certificate_date": mark.certificate_date.isoformat(),
            "conditions_of_use": "Điều kiện mới",
        },
    )
    assert r.status_code == 302
    db.session.refresh(mark)
    assert mark.status == MarkStatus.SUSPENDED
    assert mark.conditions_of_use == "Điều kiện mới"
    assert mark.valid_until is None
    record = (
        db.session.execute(sa.select(AuditRecord).where(AuditRecord.action == "mark.update"))
        .scalars()
        .one()
    )
    assert record.changes["status"] == {"before": "registered", "after": "suspended"}


def test_staff_read_marks_but_cannot_register_or_edit(staff_client, world):
    mark = MarkFactory(cooperative=world.a.coop, conditions_of_use="Quy chế sử dụng")
    assert "Quy chế sử dụng" in staff_client.get(f"/brands/{mark.id}").get_data(as_text=True)
    assert staff_client.get("/brands/new").status_code == 403
    assert staff_client.get(f"/brands/{mark.id}/edit").status_code == 403
    r = staff_client.form_post(f"/brands/{mark.id}/edit", {"name": "Đổi tên"})
    assert r.status_code == 403
    db.session.refresh(mark)
    assert mark.name != "Đổi tên"


def test_auditors_read_nothing_here(auditor_client, world):
    mark = MarkFactory(cooperative=world.a.coop)
    assert auditor_client.get("/brands").status_code == 403
    assert auditor_client.get(f"/brands/{mark.id}").status_code == 404
    assert "Collective marks" not in auditor_client.get("/account").get_data(as_text=True)


def test_navigation_offers_collective_marks_to_cooperative_users(staff_client, world):
    assert "Collective marks" in staff_client.get("/account").get_data(as_text=True)


def test_list_searches_and_paginates(manager_client, world):
    for i in range(27):
        MarkFactory(cooperative=world.a.coop, name=f"Nhãn thử {i:02d}")
    MarkFactory(cooperative=world.a.coop, name="Đậu phộng Xuân Phước")
    MarkFactory(cooperative=world.b.coop, name="Nhãn của Beta")
    first = manager_client.get("/brands").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert "Nhãn của Beta" not in first
    found = manager_client.get("/brands?q=Đậu phộng").get_data(as_text=True)
    assert "Đậu phộng Xuân Phước" in found
    assert "Nhãn thử 01" not in found
    found = manager_client.get("/brands?q=nhãn thử 2").get_data(as_text=True)
    assert "Nhãn thử 20" in found and "Nhãn thử 10" not in found
    MarkFactory(cooperative=world.a.coop, name="Nhãn đang chờ", status=MarkStatus.PENDING)
    pending = manager_client.get("/brands?status=pending").get_data(as_text=True)
    assert "Nhãn đang chờ" in pending and "Đậu phộng Xuân Phước" not in pending


def test_a_mark_past_its_validity_shows_as_expired(manager_client, client, api_token, world):
    mark = MarkFactory(cooperative=world.a.coop, valid_until=days_ago(1))
    assert mark.status == MarkStatus.REGISTERED
    page = manager_client.get(f"/brands/{mark.id}").get_data(as_text=True)
    assert "it counts as expired" in page
    listing = manager_client.get("/brands?q=" + mark.name).get_data(as_text=True)
    assert "Expired" in listing
    r = client.get(f"/api/v1/brands/{mark.id}", headers=bearer(api_token))
    assert r.json["status"] == "registered"
    assert r.json["effective_status"] == "expired"


def test_logo_upload_accepts_images_and_refuses_svg(manager_client, world):
    mark = MarkFactory(cooperative=world.a.coop)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    r = manager_client.form_post(
        f"/brands/{mark.id}/logo",
        {"logo": (io.BytesIO(svg), "logo.svg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "SVG" in r.get_data(as_text=True)
    db.session.refresh(mark)
    assert mark.logo is None
    r = manager_client.form_post(
        f"/brands/{mark.id}/logo",
        {"logo": (io.BytesIO(_png()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    db.session.refresh(mark)
    assert mark.logo
    assert manager_client.get(f"/media/{mark.logo}").status_code == 200
    assert f"/media/{mark.logo}" in manager_client.get(f"/brands/{mark.id}").get_data(as_text=True)


# --- API --------------------------------------------------------------------------------------


def test_api_creates_reads_and_patches_a_mark(client, api_token, world):
    body = {
        "name": "Cá ngừ đại dương Phú Yên",
        "status": "registered",
        "certificate_number": "4-0401127-000",
        "certificate_date": "2021-09-27",
        "membership_criteria": "Chủ tàu cá",
    }
    r = client.post("/api/v1/brands", json=body, headers=bearer(api_token))
    assert r.status_code == 201, r.json
    mark_id = r.json["id"]
    assert r.json["cooperative_id"] == world.a.coop.id
    assert r.json["effective_status"] == "registered"
    r = client.patch(
        f"/api/v1/brands/{mark_id}", json={"valid_until": "2030-03-02"}, headers=bearer(api_token)
    )
    assert r.status_code == 200
    assert r.json["valid_until"] == "2030-03-02"
    assert r.json["membership_criteria"] == "Chủ tàu cá"
    assert r.json["status"] == "registered"
    r = client.get("/api/v1/brands?q=cá ngừ", headers=bearer(api_token))
    assert [m["id"] for m in r.json] == [mark_id]


def test_api_rejects_unknown_and_server_owned_fields(client, api_token, world):
    before = _marks(world.a.coop.id)
    r = client.post(
        "/api/v1/brands", json={"name": "X", "colour": "red"}, headers=bearer(api_token)
    )
    assert r.status_code == 422
    assert "colour" in r.json["errors"]["json"]
    for field, value in (
        ("cooperative_id", world.b.coop.id),
        ("effective_status", "registered"),
        ("logo_url", "/media/x"),
        ("id", 5),
    ):
        r = client.post(
            "/api/v1/brands", json={"name": "X", field: value}, headers=bearer(api_token)
        )
        assert r.status_code == 422, field
        assert field in r.json["errors"]["json"]
    r = client.post(
        "/api/v1/brands", json={"name": "X", "status": "registered"}, headers=bearer(api_token)
    )
    assert r.status_code == 422
    assert set(r.json["errors"]["json"]) == {"certificate_number", "certificate_date"}
    assert _marks(world.a.coop.id) == before


def test_api_staff_read_but_cannot_write(client, world):
    from traceapp.auth.services import create_token

    mark = MarkFactory(cooperative=world.a.coop)
    token = create_token(world.a.staff, world.a.staff, "staff")[1]
    assert client.get(f"/api/v1/brands/{mark.id}", headers=bearer(token)).status_code == 200
    r = client.post("/api/v1/brands", json={"name": "Y"}, headers=bearer(token))
    assert r.status_code == 403
    r = client.patch(f"/api/v1/brands/{mark.id}", json={"name": "Y"}, headers=bearer(token))
    assert r.status_code == 403


def test_admin_names_the_cooperative_of_a_new_mark(client, admin_token, world):
    r = client.post("/api/v1/brands", json={"name": "Z"}, headers=bearer(admin_token))
    assert r.status_code == 422
    assert "cooperative_id" in r.json["errors"]["json"]
    r = client.post(
        f"/api/v1/brands?cooperative_id={world.b.coop.id}",
        json={"name": "Z"},
        headers=bearer(admin_token),
    )
    assert r.status_code == 201
    assert r.json["cooperative_id"] == world.b.coop.id
    assert r.json["status"] == "pending"


def test_a_manager_cannot_register_a_mark_for_another_cooperative(client, api_token, world):
    r = client.post(
        f"/api/v1/brands?cooperative_id={world.b.coop.id}",
        json={"name": "Z"},
        headers=bearer(api_token),
    )
    assert r.status_code == 404
    assert _marks(world.b.coop.id) == 0


def test_admin_registers_a_mark_for_a_chosen_cooperative_in_the_web_ui(admin_client, world):
    form = admin_client.get("/brands/new").get_data(as_text=True)
    assert world.b.coop.name in form
    r = admin_client.form_post(
        "/brands/new",
        {"cooperative_id": world.b.coop.id, "name": "Yến sào Khánh Hòa", "status": "pending"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    mark = db.session.execute(
        sa.select(CollectiveMark).where(CollectiveMark.name == "Yến sào Khánh Hòa")
    ).scalar_one()
    assert mark.cooperative_id == world.b.coop.id
    listing = admin_client.get("/brands").get_data(as_text=True)
    assert world.b.coop.name in listing and "Yến sào Khánh Hòa" in listing


def test_a_manager_form_has_no_cooperative_choice(manager_client, world):
    form = manager_client.get("/brands/new").get_data(as_text=True)
    assert 'name="cooperative_id"' not in form
    assert world.b.coop.name not in form
