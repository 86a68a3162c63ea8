"""Members through the web UI and the API: validation, numbering, import, scoping."""

from __future__ import annotations

import io

import openpyxl
import sqlalchemy as sa

from tests.conftest import bearer
from traceapp.audit.models import AuditRecord
from traceapp.cooperatives.models import Member
from traceapp.extensions import db


def _count(coop_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Member).where(Member.cooperative_id == coop_id)
    )


def test_manager_registers_a_member_in_the_web_ui(manager_client, world):
    coop = world.a.coop
    response = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/new",
        {
            "full_name": "Võ Thị Sen",
            "gender": "female",
            "role": "household",
            "birth_year": "1979",
            "village": "Phú Xuân",
            "phone": "0905 123 456",
        },
    )
    assert response.status_code == 302
    member = db.session.execute(
        sa.select(Member).where(Member.full_name == "Võ Thị Sen")
    ).scalar_one()
    assert member.member_number == "0001" or member.member_number not in {"0002", "0003"}
    assert member.public_name_consent is False
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Võ Thị Sen" in page
    audit = (
        db.session.execute(sa.select(AuditRecord).where(AuditRecord.action == "member.create"))
        .scalars()
        .all()
    )
    assert any(r.changes["full_name"]["after"] == "Võ Thị Sen" for r in audit)


def test_member_numbers_are_allocated_without_clashing(client, api_token, world):
    coop = world.a.coop
    numbers = []
    for name in ("Một", "Hai", "Ba"):
        r = client.post(
            f"/api/v1/cooperatives/{coop.id}/members",
            json={"full_name": name},
            headers=bearer(api_token),
        )
        assert r.status_code == 201, r.json
        numbers.append(r.json["member_number"])
    existing = {"0001", "0002", "0003"}
    assert len(set(numbers)) == 3
    assert not set(numbers) & existing


def test_bad_member_input_names_each_field_and_stores_nothing(manager_client, world):
    coop = world.a.coop
    before = _count(coop.id)
    response = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/new",
        {
            "full_name": "Người Thử",
            "gender": "female",
            "role": "fisher",
            "member_number": "0001",
            "imo_number": "1234568",
            "flag_state": "V1",
            "joined_on": "2020-05-01",
            "left_on": "2019-01-01",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Member number 0001 is already in use." in html
    assert "valid check digit" in html
    assert "The leaving date is before the joining date." in html
    assert "ISO 3166" in html
    assert _count(coop.id) == before


def test_api_rejects_unknown_and_server_owned_fields(client, api_token, world):
    url = f"/api/v1/cooperatives/{world.a.coop.id}/members"
    r = client.post(
        url, json={"full_name": "X", "cooperative_id": world.b.coop.id}, headers=bearer(api_token)
    )
    assert r.status_code == 422
    assert "cooperative_id" in r.json["errors"]["json"]
    r = client.post(
        url, json={"full_name": "X", "favourite_colour": "blue"}, headers=bearer(api_token)
    )
    assert r.status_code == 422
    assert r.json["errors"]["json"]["favourite_colour"]
    r = client.post(
        url,
        json={"full_name": "X", "imo_number": "9074729", "flag_state": "VNM"},
        headers=bearer(api_token),
    )
    assert r.status_code == 201
    assert r.json["imo_number"] == "9074729"


def test_api_patch_keeps_other_fields(client, api_token, world):
    member = world.a.members[0]
    r = client.patch(
        f"/api/v1/members/{member.id}", json={"phone": "+84 905 000 111"}, headers=bearer(api_token)
    )
    assert r.status_code == 200
    assert r.json["phone"] == "+84 905 000 111"
    assert r.json["full_name"] == member.full_name
    assert r.json["gender"] == "female"


def test_member_search_and_pagination(manager_client, world, factories):
    coop = world.a.coop
    for i in range(30):
        factories.MemberFactory(
            cooperative=coop,
            member_number=f"9{i:03d}",
            full_name=f"Hộ Thử {i}",
            village="Tân Phước",
        )
    page1 = manager_client.get(f"/cooperatives/{coop.id}/members").get_data(as_text=True)
    assert "Page 1 of 2" in page1
    found = manager_client.get(f"/cooperatives/{coop.id}/members?q=thử 7").get_data(as_text=True)
    assert "Hộ Thử 7" in found
    assert "Hộ Thử 8" not in found


CSV_OK = (
    "Mã hội viên,Họ và tên,Giới tính,Năm sinh,Thôn,Số điện thoại,Đồng ý công khai tên\n"
    "A-01,Nguyễn Thị Một,Nữ,1970,Phú Xuân,0905111222,có\n"
    "A-02,Trần Văn Hai,Nam,1965,Phú Xuân,,không\n"
)
CSV_BAD = (
    "Mã hội viên,Họ và tên,Giới tính,Năm sinh,Ngày gia nhập\n"
    "B-01,Lê Thị Ba,Nữ,1970,2020-01-01\n"
    "B-02,,Nam,19x5,31/02/2020\n"
    "0001,Trần Văn Trùng,Nam,1960,\n"
    "B-01,Lê Thị Bốn,gà,1970,\n"
)


def test_import_dry_run_lists_every_problem_and_imports_nothing(client, api_token, world):
    coop = world.a.coop
    before = _count(coop.id)
    r = client.post(
        f"/api/v1/cooperatives/{coop.id}/members/import",
        data={"file": (io.BytesIO(CSV_BAD.encode()), "members.csv")},
        headers=bearer(api_token),
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    assert r.json["ok"] is False
    problems = {(row["line"], p["column"]) for row in r.json["rows"] for p in row["problems"]}
    assert (3, "Họ và tên") in problems
    assert (3, "Năm sinh") in problems
    assert (3, "Ngày gia nhập") in problems
    # Line 4 names a registered member: an update, shown, not a problem.
    assert (4, "Mã hội viên") not in problems
    assert r.json["updates"] == [
        {
            "line": 4,
            "member_number": "0001",
            "changes": {
                "full_name": {"before": "Nguyễn Thị Alpha1", "after": "Trần Văn Trùng"},
                "gender": {"before": "female", "after": "male"},
                "birth_year": {"before": None, "after": 1960},
            },
        }
    ]
    assert (5, "Giới tính") in problems
    assert (5, "Mã hội viên") in problems
    r = client.post(
        f"/api/v1/cooperatives/{coop.id}/members/import?dry_run=false",
        data={"file": (io.BytesIO(CSV_BAD.encode()), "members.csv")},
        headers=bearer(api_token),
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert _count(coop.id) == before


def test_import_in_the_web_ui_previews_then_imports_all(manager_client, world):
    coop = world.a.coop
    before = _count(coop.id)
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [line.split(",") for line in CSV_OK.strip().splitlines()]:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import",
        {"file": (io.BytesIO(buf.getvalue()), "hoi-vien.xlsx")},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "2 members found." in html and "No problems." in html
    assert _count(coop.id) == before
    import re

    import_id = re.search(r'name="import_id" type="hidden" value="(\d+)"', html).group(1)
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import/confirm", {"import_id": import_id}
    )
    assert r.status_code == 302
    assert _count(coop.id) == before + 2
    one = db.session.execute(sa.select(Member).where(Member.member_number == "A-01")).scalar_one()
    assert one.public_name_consent is True
    assert one.gender.value == "female"
    again = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import/confirm",
        {"import_id": import_id},
        follow_redirects=True,
    )
    assert "already imported" in again.get_data(as_text=True)
    assert _count(coop.id) == before + 2


def test_staff_cannot_edit_the_cooperative_but_can_add_members(staff_client, world):
    coop = world.a.coop
    assert staff_client.get(f"/cooperatives/{coop.id}/edit").status_code == 403
    assert staff_client.get(f"/cooperatives/{coop.id}/members/new").status_code == 200


def test_auditor_cannot_change_cooperative_data(auditor_client, world):
    coop = world.a.coop
    assert auditor_client.get(f"/cooperatives/{coop.id}").status_code == 200
    assert auditor_client.get(f"/cooperatives/{coop.id}/edit").status_code == 403
    r = auditor_client.form_post(f"/cooperatives/{coop.id}/members/new", {"full_name": "X"})
    assert r.status_code == 403
