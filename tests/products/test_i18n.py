"""Product pages and messages in the reader's language: labels, levels, local figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask_babel import force_locale

from tests.products.factories import OcopRecordFactory, ProductFactory
from traceapp import tunables
from traceapp.errors import ValidationFailed
from traceapp.products import services
from traceapp.products.models import LEVEL_LABELS, OcopLevel
from traceapp.units import number_text


def test_recognition_levels_are_not_the_address_word():
    assert {str(label) for label in LEVEL_LABELS.values()} == {"Provincial level", "Ministry level"}


def test_a_wrong_level_is_named_in_a_whole_sentence(world):
    product = ProductFactory(cooperative=world.a.coop)
    values = {
        "scheme": "148/2023",
        "decided_on": dt.date(2024, 3, 1),
        "score_a": "40",
        "score_b": "25",
        "score_c": "30",
        "decision_number": "1/QĐ-BNN",
    }
    with pytest.raises(ValidationFailed) as exc:
        services.record_ocop(world.a.manager, product, **values, level="province")
    assert exc.value.errors["level"] == ["5 stars are recognised at ministry level."]


def test_quantities_and_limits_are_shown_in_the_reader_s_figures(app, world):
    assert number_text(Decimal("1234.250")) == "1,234.25"
    with app.app_context(), force_locale("vi"):
        assert number_text(Decimal("1234.250")) == "1.234,25"
        with pytest.raises(ValidationFailed) as exc:
            services.check_product(
                {
                    "code": "X-1",
                    "name": "x",
                    "category": "peanuts",
                    "unit_of_trade": "bag",
                    "shelf_life_days": 9999,
                },
                world.a.coop.id,
            )
        assert "3.650" in exc.value.errors["shelf_life_days"][0]


def test_default_labels_are_translatable_and_a_settings_file_s_stay_as_written(app, monkeypatch):
    assert not isinstance(services.DEFAULT_UNITS_OF_TRADE["can"], str)  # lazy
    monkeypatch.setitem(
        app.config,
        "TRACEAPP_DOMAIN",
        {"categories": {"peanuts": {"label": "Đậu phộng"}}, "units_of_trade": {"bag": "túi"}},
    )
    monkeypatch.delitem(app.extensions, "traceapp_tunables", raising=False)
    try:
        with app.app_context(), force_locale("en"):
            assert services.categories()["peanuts"]["label"] == "Đậu phộng"
            assert str(services.categories()["rice"]["label"]) == "Rice"
            assert services.units_of_trade()["bag"] == "túi"
            assert str(services.units_of_trade()["box"]) == "box"
            assert tunables.plain(services.units_of_trade())["box"] == "box"
        with app.app_context(), force_locale("vi"):
            assert str(services.categories()["rice"]["label"]) == "Lúa gạo"
            assert services.units_of_trade()["bag"] == "túi"  # the settings file's own word
    finally:
        app.extensions.pop("traceapp_tunables", None)


def test_the_product_page_shows_labels_levels_and_local_figures(manager_client, world):
    product = ProductFactory(
        cooperative=world.a.coop,
        shelf_life_days=1,
        unit_of_trade="can",
        net_quantity=Decimal("0.250"),
        net_unit="KGM",
    )
    OcopRecordFactory(product=product, score_a=Decimal("30.50"), level=OcopLevel.PROVINCE)
    page = manager_client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "<dd>1 day</dd>" in page
    assert "<th>Scoring decision</th>" in page and ">Scheme<" not in page
    assert "<td>Provincial level</td>" in page
    assert '<td class="num">30.5</td>' in page
    assert "<dd>can</dd>" in page and "0.25 kg" in page
    vi = manager_client.get(f"/products/{product.id}", headers={"Accept-Language": "vi"})
    assert "0,25 kg" in vi.get_data(as_text=True)
