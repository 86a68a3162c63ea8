"""The zone-code register: what a buyer or an importer sees of a code, and what stays hidden."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.registry.conftest import PRIVATE
from traceapp.auth.models import SYSTEM
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.zones import services as zones


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_buyer_checks_an_approved_code_in_english_and_vietnamese(client, register):
    r = client.get("/registry/zones/VN-PYDX-0501")
    assert r.status_code == 200
    html = _text(r)
    assert "Valid today" in html
    assert "This code is approved and valid on" in html
    for fact in (
        "Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Phú Yên",  # issuing authority
        register.approved.decision_number,
        "May 14, 2024",  # issued and valid from
        "May 13, 2099",  # valid until
        "China (GACC)",
        "đậu phộng",
        "Growing area",
        "Xuân Phước, Đồng Xuân, Phú Yên",
        "Hợp tác xã Alpha",
    ):
        assert fact in html, fact
    assert f'href="/registry/cooperatives/{register.world.a.coop.id}"' in html
    vi = _text(client.get("/registry/zones/VN-PYDX-0501", headers={"Accept-Language": "vi"}))
    assert '<html lang="vi">' in vi
    assert "Còn hiệu lực hôm nay" in vi
    assert "Mã số này đã được phê duyệt và có hiệu lực vào ngày" in vi
    assert "Trung Quốc (GACC)" in vi and "Vùng trồng" in vi and "Đơn vị được cấp mã" in vi
    assert "Valid today" not in vi and "China (GACC)" not in vi


@pytest.mark.parametrize(
    ("code", "heading", "sentence"),
    [
        ("VN-PYDX-0502", "Suspended: not valid today", "The authority suspended this code on"),
        ("VN-PYPH-0503", "Revoked: no longer valid", "The authority revoked this code on"),
        ("VN-PYDX-0504", "Expired: no longer valid", "This code was valid until"),
    ],
)
def test_a_code_that_is_not_valid_says_so_plainly(client, register, code, heading, sentence):
    html = _text(client.get(f"/registry/zones/{code}"))
    assert heading in html and sentence in html
    assert "Valid today" not in html
    # The authority's reason may name a household: it is never shown.
    assert "thuốc cấm" not in html and "ngừng hoạt động" not in html


def test_the_suspension_date_and_the_expiry_follow_today(client, register):
    html = _text(client.get("/registry/zones/VN-PYDX-0502"))
    today = local_today()
    assert f"suspended this code on {today:%B} {today.day}, {today.year}" in html
    # An approved code past its end date is expired today, recorded or not.
    zones.expire_due_zones(SYSTEM, today)
    html = _text(client.get("/registry/zones/VN-PYDX-0504"))
    assert "Expired: no longer valid" in html


@pytest.mark.parametrize(
    "code", ["VN-PYDX-0505", "VN-PYDX-0506", "VN-PYDX-0507", "VN-PYDX-0508", "VN-XX-404"]
)
def test_applications_and_unknown_codes_are_not_in_the_register(client, register, code):
    r = client.get(f"/registry/zones/{code}")
    assert r.status_code == 404
    assert "Not in the public register" in _text(r)
    assert r.headers["Cache-Control"] == "no-store"
    listed = _text(client.get("/registry/zones", query_string={"q": code}))
    assert f"/registry/zones/{code}" not in listed
    assert "No code of the register matches this search." in listed
    assert client.get("/registry/zones.json", query_string={"code": code}).json["zones"] == []
    assert code not in _text(client.get("/registry/zones.csv"))


def test_the_register_lists_issued_codes_only_and_filters_them(client, register, other_province):
    html = _text(client.get("/registry/zones"))
    listed = set(re.findall(r"/registry/zones/([\w-]+)\"", html))
    assert listed == {
        "VN-PYDX-0501",
        "VN-PYDX-0502",
        "VN-PYPH-0503",
        "VN-PYDX-0504",
        "54-TH-0077-001",
    }
    assert "5 codes found." in html

    def codes(**args: str) -> set[str]:
        body = client.get("/registry/zones.json", query_string=args).json
        return {z["code"] for z in body["zones"]}

    assert codes(province="Khánh Hòa") == {"54-TH-0077-001"}
    assert codes(kind="packing_house") == {"VN-PYPH-0503"}
    assert codes(market="domestic") == {"VN-PYDX-0504"}
    assert codes(status="suspended") == {"VN-PYDX-0502"}
    assert codes(status="expired") == {"VN-PYDX-0504"}
    assert codes(q="tôm hùm") == {"54-TH-0077-001"}
    assert codes(q="VN-PYDX-05") == {"VN-PYDX-0501", "VN-PYDX-0502", "VN-PYDX-0504"}
    # Provinces merged in 2025: the successor's name finds the codes issued under the former.
    assert codes(province="Đắk Lắk") == {
        "VN-PYDX-0501",
        "VN-PYDX-0502",
        "VN-PYPH-0503",
        "VN-PYDX-0504",
    }
    # The zone's own name is not public, so it cannot be searched for either.
    assert codes(q="nhà bà Hoa") == set()
    form = _text(client.get("/registry/zones", query_string={"province": "Khánh Hòa"}))
    assert '<option value="Khánh Hòa" selected>' in form and "1 code found." in form


def test_a_code_typed_in_full_opens_its_page(client, register):
    r = client.get("/registry/zones", query_string={"q": " vn-pydx-0501 "})
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/registry/zones/VN-PYDX-0501")
    # Lower case in the address finds the code too; an application's code opens nothing.
    assert client.get("/registry/zones/vn-pydx-0501").status_code == 200
    assert client.get("/registry/zones", query_string={"q": "VN-PYDX-0505"}).status_code == 200


def test_the_register_as_json(client, register):
    r = client.get("/registry/zones.json", query_string={"code": "VN-PYDX-0502"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.headers["Cache-Control"] == "public, max-age=60"
    body = r.json
    assert body["status_on"] == local_today().isoformat()
    assert body["total"] == 1 and body["next"] is None
    [entry] = body["zones"]
    assert entry.pop("url") == "https://trace.example.vn/registry/zones/VN-PYDX-0502"
    assert entry == {
        "code": "VN-PYDX-0502",
        "kind": "growing_area",
        "crop_or_species": "đậu phộng",
        "status": "suspended",
        "valid": False,
        "province": "Phú Yên",
        "district": "Đồng Xuân",
        "commune": "Xuân Phước",
        "issuing_authority": "Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Phú Yên",
        "decision_number": register.suspended.decision_number,
        "issued_on": "2024-05-14",
        "valid_from": "2024-05-14",
        "valid_until": "2099-05-13",
        "target_market": "china_gacc",
        "declared_area_ha": "1.2",
        "cooperative": {"id": register.world.a.coop.id, "name": "Hợp tác xã Alpha"},
        "certifications": [],
    }


def test_json_pages_and_refuses_a_filter_it_does_not_know(client, register):
    first = client.get("/registry/zones.json", query_string={"per_page": "2"}).json
    assert first["total"] == 4 and len(first["zones"]) == 2
    assert first["next"].startswith("https://trace.example.vn/registry/zones.json?")
    assert "page=2" in first["next"] and "per_page=2" in first["next"]
    second = client.get(first["next"].removeprefix("https://trace.example.vn")).json
    assert second["next"] is None
    seen = [z["code"] for z in first["zones"] + second["zones"]]
    assert sorted(seen) == seen and len(set(seen)) == 4
    bad = client.get("/registry/zones.json", query_string={"kind": "garden"})
    assert bad.status_code == 400
    assert bad.json["errors"] == {"query": {"kind": ["Unknown value of the kind filter."]}}
    # A status no public code can have is refused too, not answered with nothing.
    assert client.get("/registry/zones.json?status=draft").status_code == 400
    # The HTML page ignores such a choice instead.
    assert client.get("/registry/zones?kind=garden").status_code == 200


def test_the_register_as_csv_is_safe_in_a_spreadsheet(client, register):
    register.approved.crop = '=HYPERLINK("http://evil.example")'
    db.session.flush()
    r = client.get("/registry/zones.csv")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in r.headers["Content-Disposition"]
    assert r.headers["X-Total-Count"] == "4"
    rows = list(csv.DictReader(io.StringIO(_text(r).lstrip("\ufeff"))))
    by_code = {row["code"]: row for row in rows}
    assert set(by_code) == {"VN-PYDX-0501", "VN-PYDX-0502", "VN-PYPH-0503", "VN-PYDX-0504"}
    assert by_code["VN-PYDX-0501"]["crop_or_species"].startswith("'=")
    assert by_code["VN-PYDX-0502"]["status"] == "suspended"
    assert by_code["VN-PYDX-0502"]["valid"] == "no"
    assert by_code["VN-PYDX-0504"]["status"] == "expired"
    assert by_code["VN-PYDX-0501"]["valid"] == "yes"
    assert by_code["VN-PYDX-0501"]["status_on"] == local_today().isoformat()
    assert by_code["VN-PYDX-0501"]["cooperative"] == "Hợp tác xã Alpha"
    paged = client.get("/registry/zones.csv?per_page=3")
    assert "page=2" in paged.headers["Link"] and 'rel="next"' in paged.headers["Link"]


def test_no_household_data_on_any_register_answer(client, register, other_province):
    answers = [
        client.get("/registry/"),
        client.get("/registry/zones"),
        client.get("/registry/zones.json"),
        client.get("/registry/zones.csv"),
        *[client.get(f"/registry/zones/{z.code}") for z in (register.approved, register.suspended)],
        client.get(f"/registry/cooperatives/{register.world.a.coop.id}"),
    ]
    for r in answers:
        assert r.status_code == 200
        text = _text(r)
        for private in PRIVATE:
            assert private not in text, (r.request.path, private)
        assert "Cánh đồng thử" not in text  # the zone's own name


def test_pages_are_light_cached_briefly_and_make_no_foreign_request(client, register):
    for path in (
        "/registry/",
        "/registry/zones",
        "/registry/zones/VN-PYDX-0501",
        f"/registry/cooperatives/{register.world.a.coop.id}",
    ):
        r = client.get(path)
        html = _text(r)
        assert len(r.data) < 30_000, path
        assert r.headers["Cache-Control"] == "public, max-age=60"
        assert r.headers["Vary"] == "Accept-Language, Cookie"
        assert "sha256-" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Frame-Options"] == "DENY"
        assert "<script" not in html
        assert not re.search(r'(src|href)="(https?:)?//', html), path
        again = client.get(path, headers={"If-None-Match": r.headers["ETag"]})
        assert again.status_code == 304


def test_a_surveyed_outline_of_thousands_of_points_stays_light(client, register):
    import math

    ring = [
        [
            109.02 + 0.01 * math.cos(2 * math.pi * i / 4000),
            13.4 + 0.01 * math.sin(2 * math.pi * i / 4000),
        ]
        for i in range(4000)
    ]
    register.approved.geometry = {"type": "Polygon", "coordinates": [ring + [ring[0]]]}
    db.session.flush()
    r = client.get("/registry/zones/VN-PYDX-0501")
    assert r.status_code == 200 and len(r.data) < 30_000
    assert "<path d=" in _text(r)


def test_the_language_switcher_keeps_the_search(client, register):
    html = _text(client.get("/registry/zones", query_string={"q": "đậu", "kind": "growing_area"}))
    assert 'href="?q=%C4%91%E1%BA%ADu&amp;kind=growing_area&amp;lang=fr"' in html
    fr = _text(client.get("/registry/zones?q=đậu&kind=growing_area&lang=fr"))
    assert "Registre des codes de zone" in fr and '<html lang="fr">' in fr


def test_certificates_show_with_their_validity(client, register):
    from tests.zones.factories import CertificationFactory

    today = local_today()
    CertificationFactory(zone=register.approved, number="VG-1", expires_on=today)
    CertificationFactory(
        zone=register.approved, number="VG-0", expires_on=today.replace(year=today.year - 1)
    )
    db.session.flush()
    [entry] = client.get("/registry/zones.json?code=VN-PYDX-0501").json["zones"]
    assert [(c["number"], c["valid"]) for c in entry["certifications"]] == [
        ("VG-0", False),
        ("VG-1", True),
    ]
    html = _text(client.get("/registry/zones/VN-PYDX-0501"))
    assert "VietGAP VG-1" in html and "VG-0" in html
    assert html.count('class="tag st-bad">expired<') == 1
    text = _text(client.get("/registry/zones.csv?code=VN-PYDX-0501")).lstrip("\ufeff")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["certifications"] == f"vietgap:VG-1:{today.isoformat()}"


def test_one_client_cannot_read_the_register_without_limit(app, client, register):
    app.config["TRACEAPP_PUBLIC_RATE_LIMIT"] = "3 per minute"
    try:
        paths = ["/registry/zones", "/registry/zones.json", "/registry/zones/VN-PYDX-0501"] * 2
        codes = [client.get(path).status_code for path in paths]
        other = client.get("/registry/zones", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    finally:
        app.config["TRACEAPP_PUBLIC_RATE_LIMIT"] = "120 per minute"
    # The pages share one allowance per client, and another client has its own.
    assert codes == [200, 200, 200, 429, 429, 429]
    assert other.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/registry/zones/" + "X" * 500,
        "/registry/zones/%25_%5C",
        "/registry/zones?q=%25_%5C&province=" + "P" * 300 + "&page=99999999999",
        "/registry/zones.json?per_page=0&page=abc&q=" + "đ" * 300,
        "/registry/zones.csv?per_page=999999",
        "/registry/?q=%25&page=-1",
    ],
)
def test_odd_input_is_answered_not_crashed(client, register, path):
    r = client.get(path)
    assert r.status_code in (200, 404)
    if "zones?" in path or "zones." in path:
        assert "VN-PYDX-0505" not in r.get_data(as_text=True)
