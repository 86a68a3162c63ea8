"""What cooperative and member pages say: import problems by field, figures in the locale."""

from __future__ import annotations

import io
import re

import pytest
from flask_babel import force_locale

from tests.conftest import bearer
from traceapp.cooperatives import services
from traceapp.errors import ValidationFailed

CSV_BAD = "Mã hội viên,Họ và tên,Giới tính,Năm sinh\nB-01,Lê Thị Ba,Nữ,1970\nB-02,,Nam,19x5\n"
CSV_OK = "Mã hội viên,Họ và tên\nC-01,Đỗ Thị Một\nC-02,Đỗ Văn Hai\n"


def _upload(text: str, name: str = "members.csv") -> dict:
    return {"file": (io.BytesIO(text.encode()), name)}


def test_a_refused_import_keys_errors_by_field_and_names_line_and_column(client, api_token, world):
    r = client.post(
        f"/api/v1/cooperatives/{world.a.coop.id}/members/import?dry_run=false",
        data=_upload(CSV_BAD),
        headers=bearer(api_token),
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert r.json["message"] == "Nothing was imported: the file has problems."
    errors = r.json["errors"]["json"]
    assert set(errors) == {"full_name", "birth_year"}  # field names, never translated
    assert errors["full_name"] == ["Line 3, column “Họ và tên”: Enter the member's full name."]
    assert errors["birth_year"] == ["Line 3, column “Năm sinh”: Write the year as four digits."]


def test_file_problems_name_the_columns_and_the_field(session, world):
    text = "Họ và tên,Họ tên\nA,B\n"
    preview = services.preview_member_import(
        world.a.manager, world.a.coop.id, "m.csv", text.encode()
    )
    assert preview.file_problems == [
        "The columns “Họ và tên” and “Họ tên” are both for “Full name”."
    ]
    assert preview.errors() == {"file": preview.file_problems}
    with pytest.raises(ValidationFailed) as exc:
        services.preview_member_import(world.a.manager, world.a.coop.id, "m.ods", b"x")
    assert exc.value.errors == {"file": ["Upload a .csv or .xlsx file."]}
    with pytest.raises(ValidationFailed, match="cannot be read"):
        services.preview_member_import(world.a.manager, world.a.coop.id, "m.xlsx", b"not zip")


def test_a_confirmed_import_that_went_stale_names_line_and_field(session, world):
    coop = world.a.coop
    preview = services.preview_member_import(world.a.manager, coop.id, "m.csv", CSV_OK.encode())
    assert preview.ok
    services.create_member(world.a.manager, coop.id, full_name="Chen Ngang", member_number="C-02")
    with pytest.raises(ValidationFailed) as exc:
        services.commit_member_import(world.a.manager, coop.id, preview.import_id)
    assert exc.value.message == "Nothing was imported: some rows are no longer valid."
    assert exc.value.errors == {
        "member_number": ["Line 3, column “Member number”: Member number C-02 is already in use."]
    }


def test_the_web_confirmation_flashes_whole_messages(manager_client, world):
    coop = world.a.coop
    html = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import",
        _upload(CSV_OK),
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "2 members found." in html and "No problems." in html
    assert "Apply: 2 new, 0 changed" in html
    import_id = re.search(r'name="import_id" type="hidden" value="(\d+)"', html).group(1)
    manager_client.form_post(
        f"/cooperatives/{coop.id}/members/new",
        {
            "full_name": "Chen Ngang",
            "member_number": "C-01",
            "gender": "female",
            "role": "household",
        },
    )
    page = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import/confirm",
        {"import_id": import_id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Line 2, column “Member number”: Member number C-01 is already in use." in page
    assert "member_number:" not in page


def test_years_in_messages_are_never_grouped_like_amounts(session, world):
    from traceapp.database import local_today

    this_year = local_today().year
    errors = services.check_member({"full_name": "X", "birth_year": 1850}, world.a.coop.id)
    assert errors["birth_year"] == [f"Enter a year between 1900 and {this_year}."]
    with force_locale("vi"):
        vi = services.check_member({"full_name": "X", "birth_year": 1850}, world.a.coop.id)
    assert "1900" in vi["birth_year"][0] and "1.900" not in vi["birth_year"][0]


def test_cooperative_figures_follow_the_readers_locale(manager_client, world):
    coop = world.a.coop
    english = manager_client.get(f"/cooperatives/{coop.id}").get_data(as_text=True)
    assert "2 women (67%)" in english
    french = manager_client.get(f"/cooperatives/{coop.id}?lang=fr").get_data(as_text=True)
    assert re.search(r"67[\u00a0\u202f]%", french)
