"""The member import's template, and a file that updates registered members by member
number: every change shown (recorded → in the file) before it is applied, nothing
overwritten that changed since the check."""

from __future__ import annotations

import io
import re

import openpyxl

from tests.downloads import rows


def _xlsx(table: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for line in table:
        book.active.append(line)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _check(client, coop_id: int, body: bytes, name: str = "members.xlsx"):
    return client.form_post(
        f"/cooperatives/{coop_id}/members/import?lang=en",
        {"file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )


def _import_id(html: str) -> str:
    return re.search(r'name="import_id" type="hidden" value="(\d+)"', html).group(1)


def test_the_template_has_translated_headings_and_reads_back(manager_client, world):
    coop = world.a.coop
    url = f"/cooperatives/{coop.id}/members/import/template"
    vi = rows(manager_client.get(f"{url}.xlsx?lang=vi"))
    en = rows(manager_client.get(f"{url}.csv?lang=en"))
    fr = rows(manager_client.get(f"{url}.xlsx?lang=fr"))
    assert vi[0][:3] == ["Mã thành viên", "Họ và tên", "Giới tính"]
    assert en[0][:3] == ["Member number", "Full name", "Gender"]
    assert len(vi) == len(en) == len(fr) == 2  # the headings and one example line
    assert vi[1][2] == "Nữ" and en[1][2] == "female"
    # The template, filled in any language, is read back without a problem.
    for table in (vi, en, fr):
        html = _check(manager_client, coop.id, _xlsx(table)).get_data(as_text=True)
        assert "No problems." in html and "1 new member." in html, html[-3000:]


def test_a_file_updates_registered_members_after_showing_each_change(manager_client, world):
    coop = world.a.coop
    first, second = world.a.members[0], world.a.members[1]
    old_name = first.full_name
    table = [
        ["Member number", "Full name", "Village", "Gender"],
        [first.member_number, "Nguyễn Thị Mới", "Thôn Hai", ""],  # gender left blank: kept
        [second.member_number, second.full_name, "", ""],  # nothing changes
        ["0100", "Đỗ Văn Mười", "Thôn Ba", "male"],
    ]
    r = _check(manager_client, coop.id, _xlsx(table))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "1 new member." in html
    assert "1 registered member changed." in html
    assert "1 registered member unchanged." in html
    assert f"<td>{old_name}</td><td>→ Nguyễn Thị Mới</td>" in html
    assert "<td>→ Thôn Hai</td>" in html
    assert "Gender" not in html.split("Changes to registered members")[1].split("</table>")[0]
    # Nothing is applied before the confirmation.
    assert first.full_name == old_name
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import/confirm", {"import_id": _import_id(html)}
    )
    assert r.status_code == 302
    assert first.full_name == "Nguyễn Thị Mới" and first.village == "Thôn Hai"
    assert first.gender.value == "female"
    members = rows(manager_client.get(f"/cooperatives/{coop.id}/members.csv?variant=machine"))
    assert "Đỗ Văn Mười" in [line[1] for line in members]


def test_a_member_changed_after_the_check_is_not_overwritten(manager_client, world):
    from traceapp.extensions import db

    coop = world.a.coop
    first = world.a.members[0]
    table = [["Mã thành viên", "Họ và tên"], [first.member_number, "Tên Trong Tệp"]]
    html = _check(manager_client, coop.id, _xlsx(table)).get_data(as_text=True)
    first.full_name = "Tên Sửa Tay"
    db.session.flush()
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import/confirm",
        {"import_id": _import_id(html)},
        follow_redirects=True,
    )
    assert "changed since the file was checked" in r.get_data(as_text=True)
    assert first.full_name == "Tên Sửa Tay"
