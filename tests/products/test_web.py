"""Product pages: list, detail badges, forms with field errors, photo, OCOP form, navigation."""

from __future__ import annotations

import datetime as dt
import io
import re

import sqlalchemy as sa
from PIL import Image

from tests.products.factories import MarkFactory, OcopRecordFactory, ProductFactory
from traceapp.extensions import db
from traceapp.products.models import OcopLevel, OcopRecord, Product

FORM = {
    "code": "XP-500",
    "name": "Đậu phộng túi 500 g",
    "name_en": "Peanuts 500 g bag",
    "category": "peanuts",
    "unit_of_trade": "bag",
    "net_quantity": "500",
    "net_unit": "GRM",
    "gtin": "8934567890120",
    "mark_id": "",
    "is_active": "y",
}


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (48, 48), (30, 120, 60)).save(buf, format="PNG")
    return buf.getvalue()


def _products() -> list[Product]:
    return list(db.session.execute(sa.select(Product)).scalars())


def test_manager_registers_a_product_with_photo_and_mark(manager_client, world):
    mark = MarkFactory(cooperative=world.a.coop, name="Đậu phộng Xuân Phước")
    MarkFactory(cooperative=world.b.coop, name="Nhãn của hợp tác xã khác")
    form = manager_client.get("/products/new").get_data(as_text=True)
    assert "Đậu phộng Xuân Phước" in form
    assert "Nhãn của hợp tác xã khác" not in form
    r = manager_client.form_post(
        "/products/new",
        FORM | {"mark_id": str(mark.id), "image": (io.BytesIO(_png()), "bag.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    [product] = _products()
    assert product.gtin == "08934567890120" and product.image
    page = manager_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "8934567890120" in page
    assert "Đậu phộng Xuân Phước" in page
    assert "Peanuts 500 g bag" in page
    assert f"/media/{product.image}" in page
    assert "No OCOP evaluation recorded." in page


def test_bad_form_input_shows_field_errors_and_stores_nothing(manager_client, world):
    r = manager_client.form_post(
        "/products/new",
        FORM
        | {"gtin": "8934567890128", "net_quantity": "-3", "category": "durian", "code": "XP 500"},
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Expected 0, got 8" in html
    assert "The net quantity must be more than zero." in html
    assert "Choose a category" in html
    assert "1 to 40 letters, digits, dots or dashes." in html
    assert _products() == []


def test_an_svg_photo_is_refused(manager_client, world):
    product = ProductFactory(cooperative=world.a.coop)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    r = manager_client.form_post(
        f"/products/{product.id}/image",
        {"image": (io.BytesIO(svg), "x.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "SVG, EPS and others are not" in r.get_data(as_text=True)
    assert db.session.get(Product, product.id).image is None
    r = manager_client.form_post(
        f"/products/{product.id}/image",
        {"image": (io.BytesIO(_png()), "x.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert db.session.get(Product, product.id).image


def test_edit_form_is_filled_and_saves(manager_client, world):
    product = ProductFactory(
        cooperative=world.a.coop,
        code="XP-250",
        name="Đậu rang",
        names={"fr": "Arachides grillées"},
        gtin="08934567890120",
    )
    page = manager_client.get(f"/products/{product.id}/edit").get_data(as_text=True)
    assert 'value="Arachides grillées"' in page
    assert 'value="500"' in page
    r = manager_client.form_post(
        f"/products/{product.id}/edit",
        FORM | {"code": "XP-250", "name": "Đậu phộng rang muối", "gtin": "", "name_en": ""},
    )
    assert r.status_code == 302
    db.session.refresh(product)
    assert product.name == "Đậu phộng rang muối" and product.gtin is None
    assert product.names == {}


def test_list_has_search_category_filter_and_pagination(manager_client, world):
    coop = world.a.coop
    for i in range(30):
        ProductFactory(cooperative=coop, code=f"XP-{i:03d}", name=f"Đậu phộng số {i}")
    ProductFactory(cooperative=coop, code="CN-185", name="Cá ngừ ngâm dầu", category="tuna")
    page = manager_client.get("/products").get_data(as_text=True)
    assert "Page 1 of 2" in page
    found = manager_client.get("/products?q=số 7").get_data(as_text=True)
    assert "Đậu phộng số 7<" in found and "Đậu phộng số 8<" not in found
    tuna = manager_client.get("/products?category=tuna").get_data(as_text=True)
    assert "Cá ngừ ngâm dầu" in tuna and "Đậu phộng số 1<" not in tuna


def test_detail_badges_valid_expired_and_not_certified(manager_client, world):
    product = ProductFactory(cooperative=world.a.coop)
    OcopRecordFactory(product=product, stars=4, decided_on=dt.date(2025, 6, 15))
    OcopRecordFactory(product=product, stars=3, decided_on=dt.date(2022, 5, 10))
    OcopRecordFactory(
        product=product, stars=2, level=None, decision_number=None, decided_on=dt.date(2021, 1, 4)
    )
    page = manager_client.get(f"/products/{product.id}").get_data(as_text=True)
    badges = re.findall(r'<span class="badge (\w*)">(.*?)</span>', page, re.S)
    assert ("ok", "valid until 15 Jun 2028") in badges  # dates in the user's language
    assert ("bad", "expired on 10 May 2025") in badges
    assert ("warn", "not certified (2 stars)") in badges
    listing = manager_client.get("/products").get_data(as_text=True)
    assert "★★★★<" in listing


def test_the_ocop_form_records_and_refuses(manager_client, world):
    product = ProductFactory(cooperative=world.a.coop)
    url = f"/products/{product.id}/ocop/new"
    assert "1048/2019" in manager_client.get(url).get_data(as_text=True)
    data = {
        "scheme": "1048/2019",
        "score_a": "36",
        "score_b": "20",
        "score_c": "30",
        "decided_on": "2024-04-02",
        "decision_number": "88/QĐ-UBND",
        "level": "",
        "supersedes_id": "",
    }
    r = manager_client.form_post(url, data)
    assert r.status_code == 422
    assert "Part A has at most 35 points under decision 1048/2019." in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OcopRecord)) == 0
    r = manager_client.form_post(url, data | {"score_a": "30,5"})
    assert r.status_code == 302
    record = db.session.execute(sa.select(OcopRecord)).scalar_one()
    assert record.stars == 4 and record.level == OcopLevel.PROVINCE


def test_staff_read_auditors_see_nothing(app, staff_client, auditor_client, world):
    product = ProductFactory(cooperative=world.a.coop, name="Sản phẩm thử nghiệm")
    listing = staff_client.get("/products").get_data(as_text=True)
    assert "Sản phẩm thử nghiệm" in listing
    assert "Register a product" not in listing
    assert ">Products<" in listing
    assert staff_client.get(f"/products/{product.id}").status_code == 200
    assert staff_client.get("/products/new").status_code == 403
    assert staff_client.get(f"/products/{product.id}/edit").status_code == 403
    assert staff_client.get(f"/products/{product.id}/ocop/new").status_code == 403
    assert auditor_client.get("/products").status_code == 403
    assert auditor_client.get(f"/products/{product.id}").status_code == 404
    assert ">Products<" not in auditor_client.get("/").get_data(as_text=True)


def test_admin_picks_the_cooperative_first(admin_client, world):
    chooser = admin_client.get("/products/new").get_data(as_text=True)
    assert world.a.coop.name in chooser and world.b.coop.name in chooser
    url = f"/products/new?cooperative_id={world.b.coop.id}"
    assert world.b.coop.name in admin_client.get(url).get_data(as_text=True)
    r = admin_client.form_post(url, FORM)
    assert r.status_code == 302
    assert _products()[0].cooperative_id == world.b.coop.id


def test_a_manager_cannot_register_for_another_cooperative(manager_client, world):
    r = manager_client.form_post(f"/products/new?cooperative_id={world.b.coop.id}", FORM)
    assert r.status_code == 302
    assert _products()[0].cooperative_id == world.a.coop.id
