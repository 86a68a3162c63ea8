"""The lot form asks only for what a lot of the product's kind needs: no fishing or
aquaculture fields on a peanut lot; the API refuses them for a crop with a clear error."""

from __future__ import annotations

from tests.conftest import bearer
from tests.farm import HARVEST


def test_a_mixed_cooperative_chooses_the_product_first(manager_client, farm):
    html = manager_client.get("/lots/new?lang=en").get_data(as_text=True)
    assert "Choose the product first" in html
    assert "Catch data" not in html and "Aquaculture method" not in html


def test_a_peanut_lot_form_has_no_seafood_fields(manager_client, farm):
    html = manager_client.get(f"/lots/new?lang=en&product_id={farm.peanuts.id}").get_data(
        as_text=True
    )
    assert 'name="quantity"' in html
    assert "Catch data" not in html and 'name="gear_type"' not in html
    assert 'name="aquaculture_method"' not in html
    tuna = manager_client.get(f"/lots/new?product_id={farm.tuna.id}").get_data(as_text=True)
    assert 'name="gear_type"' in tuna and 'name="aquaculture_method"' not in tuna
    lobster = manager_client.get(f"/lots/new?product_id={farm.lobster.id}").get_data(as_text=True)
    assert 'name="aquaculture_method"' in lobster and 'name="gear_type"' not in lobster


def test_a_peanut_lot_is_created_from_its_short_form(manager_client, farm):
    r = manager_client.form_post(
        "/lots/new",
        {
            "product_id": farm.peanuts.id,
            "production_date": HARVEST.isoformat(),
            "quantity": "120",
            "unit": "KGM",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]


def test_the_api_refuses_seafood_fields_for_a_crop(client, api_token, farm):
    body = {
        "product_id": farm.peanuts.id,
        "production_date": HARVEST.isoformat(),
        "quantity": "100",
        "unit": "KGM",
    }
    r = client.post(
        "/api/v1/batches",
        json={**body, "aquaculture_method": "sea cages"},
        headers=bearer(api_token),
    )
    assert r.status_code == 422
    assert "farmed seafood only" in " ".join(r.json["errors"]["json"]["aquaculture_method"])
    r = client.post(
        "/api/v1/batches",
        json={**body, "catch_data": {"gear_type": "LLD"}},
        headers=bearer(api_token),
    )
    assert r.status_code == 422
    assert "fishing lots only" in " ".join(r.json["errors"]["json"]["catch_data"])
