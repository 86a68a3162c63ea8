"""Issue 17: the product's story on the label page, from what the cooperative recorded, in
words a shopper understands."""

from __future__ import annotations

from decimal import Decimal

from traceapp.extensions import db
from traceapp.public.wording import gear_name, net_text
from traceapp.zones.models import TargetMarket


def test_the_page_tells_the_products_story(client, labelled):
    product = labelled.farm.peanuts_packed
    product.description = "Red-skinned peanuts grown on the sandy banks of the Kỳ Lộ."
    product.ingredients = "Peanuts in shell (100%)."
    product.allergens = "Peanuts"
    coop = labelled.farm.world.a.coop
    coop.phone, coop.email = "0257 3 861 234", "htx@example.vn"
    labelled.farm.field.target_market = TargetMarket.CHINA_GACC
    db.session.flush()
    r = client.get(labelled.url(labelled.serials[0]), query_string={"lang": "en"})
    html = r.get_data(as_text=True)
    assert "Red-skinned peanuts grown on the sandy banks" in html
    assert "<dt>Ingredients</dt><dd>Peanuts in shell (100%).</dd>" in html
    assert "<dt>Allergens</dt><dd><strong>Peanuts</strong></dd>" in html
    assert "Code status: Approved" in html and "market: China (GACC)" in html
    assert 'href="tel:0257 3 861 234"' in html and "htx@example.vn" in html
    assert "china_gacc" not in html and ">approved<" not in html
    assert len(r.data) < 30_000
    vi = client.get(labelled.url(labelled.serials[0]), query_string={"lang": "vi"})
    text = vi.get_data(as_text=True)
    assert "<dt>Chất gây dị ứng</dt>" in text and "Trạng thái mã: " in text


def test_net_quantity_in_the_unit_it_is_sold_in(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert net_text("bag", Decimal("500"), "GRM") == "500 g"
        # A lobster sold by weight has no fixed net quantity, and "1 piece" says nothing.
        assert net_text("kg", Decimal("1"), "H87") is None
        assert net_text("piece", Decimal("1"), "H87") is None
        assert net_text("box", Decimal("12"), "H87") is not None


def test_gear_codes_are_said_in_words(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert gear_name("LHP") == "hand lines and pole-and-lines"
        assert gear_name("lhp") == "hand lines and pole-and-lines"
        assert gear_name("XYZ") == "XYZ"
        assert gear_name(None) is None


def test_a_product_sold_by_weight_says_so(client, labelled):
    product = labelled.farm.peanuts_packed
    product.unit_of_trade = "kg"
    db.session.flush()
    html = client.get(labelled.url(labelled.serials[0]), query_string={"lang": "en"}).get_data(
        as_text=True
    )
    assert "Sold by weight: weighed when you buy it" in html
    assert "1 piece" not in html


def test_the_product_form_asks_for_ingredients_and_allergens(manager_client, labelled, client):
    product = labelled.farm.peanuts_packed
    form = manager_client.get(f"/products/{product.id}/edit").get_data(as_text=True)
    assert 'name="ingredients"' in form and 'name="allergens"' in form
    r = manager_client.form_post(
        f"/products/{product.id}/edit",
        {
            "code": product.code,
            "name": product.name,
            "category": product.category,
            "unit_of_trade": product.unit_of_trade,
            "net_quantity": "500",
            "net_unit": "GRM",
            "gtin": product.gtin,
            "mark_id": str(product.mark_id or ""),
            "is_active": "y",
            "ingredients": "Peanuts (100%)",
            "allergens": "Peanuts",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    assert "Peanuts (100%)" in manager_client.get(f"/products/{product.id}").get_data(as_text=True)
    too_long = manager_client.form_post(
        f"/products/{product.id}/edit",
        {
            "code": product.code,
            "name": product.name,
            "category": product.category,
            "unit_of_trade": product.unit_of_trade,
            "allergens": "x" * 301,
        },
    )
    assert too_long.status_code == 422


def test_the_api_takes_and_gives_ingredients_and_allergens(client, labelled, api_token):
    from tests.conftest import bearer

    product = labelled.farm.peanuts_packed
    url = f"/api/v1/products/{product.id}"
    r = client.patch(url, headers=bearer(api_token), json={"allergens": "Peanuts"})
    assert r.status_code == 200, r.json
    assert client.get(url, headers=bearer(api_token)).json["allergens"] == "Peanuts"
    bad = client.patch(url, headers=bearer(api_token), json={"allergens": "x" * 301})
    assert bad.status_code == 422 and "allergens" in str(bad.json["errors"])
