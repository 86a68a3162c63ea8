"""The products API: create, search, patch, OCOP history, refusals and tenant scoping."""

from __future__ import annotations

import datetime as dt
import io
import json

import sqlalchemy as sa
from PIL import Image

from tests.conftest import bearer
from tests.products.factories import MarkFactory, OcopRecordFactory, ProductFactory
from traceapp.auth.services import create_token
from traceapp.extensions import db
from traceapp.products.models import OcopLevel, Product

BODY = {
    "code": "XP-500",
    "name": "Đậu phộng Xuân Phước túi 500 g",
    "category": "peanuts",
    "unit_of_trade": "bag",
    "net_quantity": 500,
    "net_unit": "GRM",
    "gtin": "893 4567 89012 0",
    "names": {"en": "Xuan Phuoc peanuts 500 g bag"},
}


def _post(client, token, body, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(
        f"/api/v1/products{'?' + query if query else ''}", json=body, headers=bearer(token)
    )


def test_create_returns_gtin_14_short_form_mark_and_no_stars(client, api_token, world):
    mark = MarkFactory(cooperative=world.a.coop, name="Đậu phộng Xuân Phước")
    r = _post(client, api_token, BODY | {"mark_id": mark.id})
    assert r.status_code == 201, r.json
    assert r.json["gtin"] == "08934567890120"
    assert r.json["gtin_display"] == "8934567890120"
    assert r.json["mark_name"] == "Đậu phộng Xuân Phước"
    assert r.json["ocop_stars"] is None
    assert r.json["net_quantity"] == "500"
    assert r.json["cooperative_id"] == world.a.coop.id
    got = client.get(f"/api/v1/products/{r.json['id']}", headers=bearer(api_token))
    assert got.json["names"] == {"en": "Xuan Phuoc peanuts 500 g bag"}


def test_everything_works_without_a_gtin(client, api_token):
    body = {k: v for k, v in BODY.items() if k != "gtin"}
    r = _post(client, api_token, body)
    assert r.status_code == 201
    assert r.json["gtin"] is None and r.json["gtin_display"] is None


def test_bad_gtins_get_a_clear_message_in_the_envelope(client, api_token, other_token):
    r = _post(client, api_token, BODY | {"gtin": "8934567890128"})
    assert r.status_code == 422
    assert r.json["errors"]["json"]["gtin"] == [
        "Invalid GTIN check digit for 8934567890128: Expected 0, got 8."
    ]
    r = _post(client, api_token, BODY | {"gtin": "89345678901x0"})
    assert r.json["errors"]["json"]["gtin"] == ["A GTIN has digits only."]
    # Digits that are not 0-9 (superscript, Arabic-Indic, full-width) are not GTIN digits.
    for odd in ("89345678901²0", "٨٩٣٤٥٦٧٨٩٠١٢٠", "８９３４５６７８９０１２０"):
        r = _post(client, api_token, BODY | {"gtin": odd})
        assert r.status_code == 422, odd
        assert r.json["errors"]["json"]["gtin"] == ["A GTIN has digits only."]
    assert _post(client, other_token, BODY).status_code == 201
    r = _post(client, api_token, BODY)
    assert r.status_code == 422
    assert "already registered to another product" in r.json["errors"]["json"]["gtin"][0]


def test_unknown_and_server_owned_fields_are_refused(client, api_token, world):
    for field, value in [
        ("colour", "red"),
        ("id", 5),
        ("cooperative_id", world.b.coop.id),
        ("gtin_display", "123"),
        ("ocop_stars", 5),
        ("mark_name", "X"),
        ("created_at", "2024-01-01T00:00:00+00:00"),
    ]:
        r = _post(client, api_token, BODY | {field: value})
        assert r.status_code == 422, field
        assert field in r.json["errors"]["json"], field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0


def test_mark_of_another_cooperative_is_refused(client, api_token, world):
    foreign = MarkFactory(cooperative=world.b.coop)
    r = _post(client, api_token, BODY | {"mark_id": foreign.id})
    assert r.status_code == 422
    assert r.json["errors"]["json"]["mark_id"] == ["Choose a collective mark of this cooperative."]


def test_search_by_name_code_gtin_and_filter_by_category(client, api_token, world):
    coop = world.a.coop
    ProductFactory(cooperative=coop, code="XP-500", name="Đậu phộng túi", gtin="08934567890120")
    ProductFactory(cooperative=coop, code="CN-185", name="Cá ngừ hộp", category="tuna")
    ProductFactory(cooperative=world.b.coop, code="B-1", name="Đậu phộng của B")

    def codes(query):
        r = client.get(f"/api/v1/products?{query}", headers=bearer(api_token))
        assert r.status_code == 200
        return [p["code"] for p in r.json]

    assert codes("") == ["CN-185", "XP-500"]
    assert codes("q=phộng") == ["XP-500"]
    assert codes("q=cn-185") == ["CN-185"]
    assert codes("q=8934567890120") == ["XP-500"]
    assert codes("category=tuna") == ["CN-185"]
    r = client.get("/api/v1/products?page_size=1", headers=bearer(api_token))
    assert json.loads(r.headers["X-Pagination"])["total"] == 2


def test_patch_changes_only_what_is_sent(client, api_token, world):
    product = ProductFactory(cooperative=world.a.coop, gtin="08934567890120", shelf_life_days=90)
    url = f"/api/v1/products/{product.id}"
    r = client.patch(url, json={"name": "Tên mới", "is_active": False}, headers=bearer(api_token))
    assert r.status_code == 200, r.json
    assert r.json["name"] == "Tên mới" and r.json["is_active"] is False
    assert r.json["gtin"] == "08934567890120" and r.json["shelf_life_days"] == 90
    r = client.patch(url, json={"gtin": "123"}, headers=bearer(api_token))
    assert r.status_code == 422 and "gtin" in r.json["errors"]["json"]
    r = client.patch(url, json={"stars": 5}, headers=bearer(api_token))
    assert r.status_code == 422


def test_ocop_history_and_current_stars(client, api_token, world):
    product = ProductFactory(cooperative=world.a.coop)
    url = f"/api/v1/products/{product.id}/ocop"
    r = client.post(
        url,
        json={
            "scheme": "148/2023",
            "score_a": 32,
            "score_b": "20.5",
            "score_c": 25,
            "decided_on": "2025-06-15",
            "decision_number": "1023/QĐ-UBND",
            "certificate_number": "PY-OCOP-2025-014",
        },
        headers=bearer(api_token),
    )
    assert r.status_code == 201, r.json
    assert r.json["total"] == "77.5" and r.json["stars"] == 4
    assert r.json["level"] == "province"
    assert r.json["valid_until"] == "2028-06-15"
    assert r.json["status"] == "valid"
    r = client.post(
        url,
        json={
            "scheme": "148/2023",
            "score_a": 10,
            "score_b": 10,
            "score_c": 20,
            "decided_on": "2025-07-01",
        },
        headers=bearer(api_token),
    )
    assert r.status_code == 201 and r.json["status"] == "not_certified" and r.json["level"] is None
    listing = client.get(url, headers=bearer(api_token)).json
    assert [x["stars"] for x in listing] == [2, 4]
    got = client.get(f"/api/v1/products/{product.id}", headers=bearer(api_token)).json
    assert got["ocop_stars"] == 4


def test_ocop_refusals(client, api_token, world):
    product = ProductFactory(cooperative=world.a.coop)
    url = f"/api/v1/products/{product.id}/ocop"
    base = {
        "scheme": "1048/2019",
        "score_a": 30,
        "score_b": 20,
        "score_c": 30,
        "decided_on": "2024-01-10",
        "decision_number": "55/QĐ-UBND",
    }
    r = client.post(url, json=base | {"score_a": 35.5}, headers=bearer(api_token))
    assert r.status_code == 422
    assert r.json["errors"]["json"]["score_a"] == [
        "Part A has at most 35 points under decision 1048/2019."
    ]
    for field in ("stars", "total", "valid_until", "status", "product_id"):
        r = client.post(url, json=base | {field: 1}, headers=bearer(api_token))
        assert r.status_code == 422 and field in r.json["errors"]["json"], field
    assert product.ocop_records == []


def test_an_expired_certificate_shows_no_stars(client, api_token, world):
    product = ProductFactory(cooperative=world.a.coop)
    OcopRecordFactory(product=product, stars=3, decided_on=dt.date(2022, 5, 10))
    got = client.get(f"/api/v1/products/{product.id}", headers=bearer(api_token)).json
    assert got["ocop_stars"] is None
    history = client.get(f"/api/v1/products/{product.id}/ocop", headers=bearer(api_token)).json
    assert history[0]["status"] == "expired"


def test_scoping_by_role(client, api_token, other_token, admin_token, world):
    product = ProductFactory(cooperative=world.a.coop)
    OcopRecordFactory(product=product, level=OcopLevel.PROVINCE)
    url = f"/api/v1/products/{product.id}"
    assert client.get(url, headers=bearer(other_token)).status_code == 404
    assert client.get(url + "/ocop", headers=bearer(other_token)).status_code == 404
    assert client.patch(url, json={"name": "x"}, headers=bearer(other_token)).status_code == 404
    assert client.get("/api/v1/products", headers=bearer(other_token)).json == []
    staff = create_token(world.a.staff, world.a.staff, "t")[1]
    assert client.get(url, headers=bearer(staff)).status_code == 200
    assert client.patch(url, json={"name": "x"}, headers=bearer(staff)).status_code == 403
    assert _post(client, staff, BODY).status_code == 403
    auditor = create_token(world.auditor, world.auditor, "t")[1]
    assert client.get(url, headers=bearer(auditor)).status_code == 404
    assert client.get("/api/v1/products", headers=bearer(auditor)).json == []
    r = _post(client, admin_token, BODY)
    assert r.status_code == 422 and "cooperative_id" in r.json["errors"]["json"]
    r = _post(client, admin_token, BODY, cooperative_id=world.b.coop.id)
    assert r.status_code == 201 and r.json["cooperative_id"] == world.b.coop.id


def test_image_upload_through_the_api(client, api_token, world):
    product = ProductFactory(cooperative=world.a.coop)
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 150, 60)).save(buf, format="PNG")
    r = client.post(
        f"/api/v1/products/{product.id}/image",
        data={"image": (io.BytesIO(buf.getvalue()), "bag.png")},
        headers=bearer(api_token),
        content_type="multipart/form-data",
    )
    assert r.status_code == 200, r.json
    assert client.get(r.json["image_url"]).status_code == 200
    r = client.post(
        f"/api/v1/products/{product.id}/image",
        data={"image": (io.BytesIO(b"%!PS-Adobe-3.0 EPSF"), "bag.eps")},
        headers=bearer(api_token),
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "image" in r.json["errors"]["json"]
