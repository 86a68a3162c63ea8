"""The officer's pages: record a workshop, fill the sign-in sheet, import one, merge
duplicates, read the reach and download it; cooperatives see the support they received."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from tests.programmes.factories import person
from traceapp.programmes import activities, attendance


def _workshop(officer_client, support, world, **extra):
    data = {
        "kind": "workshop",
        "title": "Bán hàng và tiếp thị",
        "topic": "sales_marketing",
        "module_id": "0",
        "starts_on": "2025-04-02",
        "hours": "3",
        "province": "Phú Yên",
        "commune": "Xuân Phước",
        "cooperative_ids": [str(world.a.coop.id)],
        **extra,
    }
    return officer_client.form_post(f"/programmes/{support.programme.id}/activities/new", data)


def _figures(client, url):
    import re

    page = client.get(url).get_data(as_text=True)
    return {
        label.strip(): value.strip()
        for label, value in re.findall(r'<tr><td>([^<]+)</td><td class="num">([^<]+)</td>', page)
    }


def test_an_officer_records_a_workshop_and_its_sheet_and_sees_people_move(
    officer_client, support, world
):
    r = _workshop(officer_client, support, world)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    sheet_url = r.headers["Location"]
    page = officer_client.get(sheet_url).get_data(as_text=True)
    assert world.a.members[0].full_name in page and 'inputmode="numeric"' in page
    activity_id = int(sheet_url.rstrip("/").rsplit("/", 1)[1])
    r = officer_client.form_post(
        f"/activities/{activity_id}/sheet",
        {
            "member_ids": [str(world.a.members[0].id)],
            "rows-0-full_name": "Lò Thị Xuân",
            "rows-0-gender": "female",
            "rows-0-birth_year": "1988",
            "rows-0-role": "would_be_founder",
        },
    )
    assert r.status_code == 302, __import__("re").findall(
        r'class="(?:flash \w+|error)"[^>]*>(.*?)<', r.get_data(as_text=True)
    )
    reach_url = f"/programmes/{support.programme.id}/reach"
    figures = _figures(officer_client, reach_url)
    assert figures["People reached (each person once)"] == "2"
    assert figures["Attendances"] == "2"
    # The same member at a second workshop: one more attendance, no more people.
    r = _workshop(officer_client, support, world, starts_on="2025-05-02")
    second = int(r.headers["Location"].rsplit("/", 1)[1])
    officer_client.form_post(
        f"/activities/{second}/sheet", {"member_ids": [str(world.a.members[0].id)]}
    )
    figures = _figures(officer_client, reach_url)
    assert (figures["People reached (each person once)"], figures["Attendances"]) == ("2", "3")
    csv = officer_client.get(reach_url + "?format=csv")
    assert "People reached (each person once),2" in csv.get_data(as_text=True)
    xlsx = officer_client.get(reach_url + "?format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    values = {row[0]: row[1] for row in book.active.iter_rows(values_only=True)}
    assert values["People reached (each person once)"] == 2
    assert values["Hours of training delivered"] == 6
    assert b"<svg" in officer_client.get(reach_url).data
    iati = officer_client.get(f"/programmes/{support.programme.id}/iati.xml")
    assert iati.status_code == 200 and b"<iati-activity " in iati.data
    # The member's page lists the trainings she attended (for her cooperative's staff).
    from tests.conftest import login

    manager = officer_client.application.test_client()
    login(manager, world.a.manager.email)
    member_page = manager.get(f"/members/{world.a.members[0].id}").get_data(as_text=True)
    assert member_page.count("Bán hàng và tiếp thị") == 2
    coop_page = manager.get(f"/cooperatives/{world.a.coop.id}").get_data(as_text=True)
    assert "Support received" in coop_page and "Bán hàng và tiếp thị" in coop_page


def test_a_sheet_with_a_bad_row_stores_nothing_and_names_the_field(officer_client, support, world):
    r = _workshop(officer_client, support, world)
    activity_id = int(r.headers["Location"].rsplit("/", 1)[1])
    r = officer_client.form_post(
        f"/activities/{activity_id}/sheet",
        {"rows-0-full_name": "Hà Thị Bé", "rows-0-birth_year": "19x0", "rows-0-gender": "female"},
    )
    assert r.status_code == 422
    assert "Enter a birth year such as 1980." in r.get_data(as_text=True)
    assert "No one signed in yet." in r.get_data(as_text=True)


def test_an_activity_dated_before_the_programme_is_refused_on_the_form(
    officer_client, support, world
):
    r = _workshop(officer_client, support, world, starts_on="2023-01-10")
    assert r.status_code == 422
    assert "before its programme starts" in r.get_data(as_text=True)


def test_an_import_shows_likely_duplicates_before_counting(officer_client, support, world):
    first = activities.create_activity(
        support.officer, support.programme, kind="workshop", title="One",
        starts_on=dt.date(2025, 2, 1), province="Phú Yên",
    )  # fmt: skip
    attendance.record_attendance(
        support.officer, first, [person("Trần Thị Mai", birth_year=1979, commune="An Dân")]
    )
    second = activities.create_activity(
        support.officer, support.programme, kind="workshop", title="Two",
        starts_on=dt.date(2025, 3, 1), province="Phú Yên",
    )  # fmt: skip
    no_name = "name,gender,birth year,commune\nTrần Thị Mai,nữ,1979,An Dân\n,nữ,1990,An Dân\n"
    r = officer_client.form_post(
        f"/activities/{second.id}/import",
        {"file": (io.BytesIO(no_name.encode()), "sheet.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "Line 3, full_name" in r.get_data(as_text=True)
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (
        ("Họ tên", "Giới tính", "Năm sinh", "Xã"),
        ("Trần Thị Mai", "Nữ", 1979, "An Dân"),
        ("Nguyễn Văn Tâm", "Nam", 1965, "An Dân"),
    ):
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    r = officer_client.form_post(
        f"/activities/{second.id}/import",
        {"file": (io.BytesIO(data.getvalue()), "sheet.xlsx")},
        content_type="multipart/form-data",
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Same person as Trần Thị Mai (recorded)" in page
    import re

    import_id = re.search(r'name="import_id" type="hidden" value="(\d+)"', page).group(1)
    (match,) = re.findall(r'<option value="(\d+)" selected>', page)
    r = officer_client.form_post(
        f"/activities/{second.id}/import/confirm",
        {"import_id": import_id, "choice-0": match, "choice-1": "new"},
    )
    assert r.status_code == 302
    figures = _figures(officer_client, f"/programmes/{support.programme.id}/reach")
    assert figures["People reached (each person once)"] == "2"
    assert figures["Attendances"] == "3"


def test_duplicates_are_merged_from_their_page(officer_client, support):
    day = dt.date(2025, 2, 1)
    a = activities.create_activity(
        support.officer, support.programme, kind="seminar", title="A", starts_on=day,
        province="Phú Yên",
    )  # fmt: skip
    b = activities.create_activity(
        support.officer, support.programme, kind="seminar", title="B", starts_on=day,
        province="Phú Yên",
    )  # fmt: skip
    (x,) = attendance.record_attendance(support.officer, a, [person("Mai", phone="0905 1")])
    (y,) = attendance.record_attendance(support.officer, b, [person("Mai", phone="09051")])
    page = officer_client.get(f"/programmes/{support.programme.id}").get_data(as_text=True)
    assert "likely the same person" in page
    r = officer_client.form_post(
        f"/participants/{x.participant_id}/merge", {"other_id": str(y.participant_id)}
    )
    assert r.status_code == 302
    page = officer_client.get(f"/programmes/{support.programme.id}/duplicates")
    assert "No likely duplicates" in page.get_data(as_text=True)


def test_cooperatives_and_other_officers_see_no_programme_pages(app, world, support, other_support):
    from tests.conftest import login

    c = app.test_client()
    login(c, world.a.manager.email)
    assert c.get("/programmes").status_code == 403
    assert c.get(f"/programmes/{support.programme.id}").status_code == 404
    c = app.test_client()
    login(c, other_support.officer.email)
    assert c.get(f"/programmes/{support.programme.id}").status_code == 404
    assert support.programme.code not in c.get("/programmes").get_data(as_text=True)
    c = app.test_client()
    login(c, world.auditor.email)
    assert support.programme.code in c.get("/programmes").get_data(as_text=True)
    assert c.get("/programmes/reach").status_code == 200


def test_an_organisations_reach_counts_only_its_programmes(app, world, support, other_support):
    from tests.conftest import login

    day = dt.date(2025, 2, 1)
    for s, province in ((support, "Phú Yên"), (other_support, "Khánh Hòa")):
        a = activities.create_activity(
            s.officer, s.programme, kind="seminar", title="S", starts_on=day, province=province
        )
        attendance.record_attendance(s.officer, a, [person(f"Người {province}")])
    admin = app.test_client()
    login(admin, world.admin.email)
    everyone = _figures(admin, "/programmes/reach")
    assert everyone["People reached (each person once)"] == "2"
    one = _figures(admin, f"/programmes/reach?organisation={support.org.id}")
    assert one["People reached (each person once)"] == "1"
    csv = admin.get(f"/programmes/reach?organisation={support.org.id}&format=csv")
    assert "People reached (each person once),1" in csv.get_data(as_text=True)
    assert admin.get("/programmes/reach?organisation=987654321").status_code == 404
