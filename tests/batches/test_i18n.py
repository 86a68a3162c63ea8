"""Lots in the reader's locale: quantities, unit and GTIN messages, catch data, lot pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from tests.farm import HARVEST, harvest_lot
from traceapp.batches import services
from traceapp.errors import ValidationFailed
from traceapp.gs1 import GtinError, normalise_gtin
from traceapp.units import UnitError, check_unit, convert, fmt, fmt_plain, to_decimal


@pytest.mark.parametrize(
    ("lang", "half", "big"),
    [
        ("vi", "0,5 kg", "1.234,125 kg"),
        ("fr", "0,5 kg", "1\u202f234,125 kg"),
        ("en", "0.5 kg", "1,234.125 kg"),
        ("zh", "0.5 kg", "1,234.125 kg"),
    ],
)
def test_quantities_follow_the_reader_locale(session, lang, half, big):
    with force_locale(lang):
        assert fmt(Decimal("0.500"), "KGM") == half
        assert fmt(Decimal("1234.125"), "KGM") == big
        assert fmt(Decimal("0.000125"), "KGM").endswith("000125 kg")  # no digit is rounded away


def test_machine_quantities_keep_a_dot_decimal(session):
    with force_locale("vi"):
        assert fmt_plain(Decimal("0.500"), "KGM") == "0.5 kg"
        assert fmt_plain(Decimal("1500.000"), "H87") == "1500 pcs"
    assert fmt(None, "KGM") == "" and fmt_plain(None, "KGM") == ""


def test_quantities_outside_an_application_are_plain():
    assert fmt(Decimal("1500.50"), "KGM") == "1500.5 kg"


def test_unit_messages_are_sentences(session):
    with pytest.raises(UnitError, match="Unknown unit BAG: use one of KGM, GRM"):
        check_unit("bag")
    with pytest.raises(UnitError, match="Choose a unit"):
        check_unit("")
    with pytest.raises(UnitError, match="kg and l cannot be compared"):
        convert(Decimal(1), "kgm", "LTR")
    with pytest.raises(ValueError, match="This is not a number: abc"):
        to_decimal("abc")


def test_gtin_messages_keep_their_english_and_name_the_check_digit(session):
    with pytest.raises(GtinError, match="Expected 0, got 8"):
        normalise_gtin("8934567890128")
    with pytest.raises(GtinError, match="digits only"):
        normalise_gtin("89345A")
    assert normalise_gtin("893 4567 89012 0") == "08934567890120"


def test_a_closing_refusal_names_the_tolerance_as_a_percentage(farm):
    actor = farm.world.a.manager
    lot = services.create_lot(
        actor, product_id=farm.peanuts.id, production_date=HARVEST, quantity="1000", unit="KGM"
    )
    with pytest.raises(ValidationFailed) as exc:
        services.close_lot(actor, lot)
    assert "within 2%" in exc.value.errors["quantity"][0]
    assert services.tolerance_text(Decimal("0.025")) == "2.5%"
    with force_locale("fr"):
        assert services.tolerance_text(Decimal("0.025")) == "2,5\u00a0%"


def test_missing_catch_data_is_asked_for_in_whole_sentences(farm):
    with pytest.raises(ValidationFailed) as exc:
        services.create_lot(
            farm.world.a.manager,
            product_id=farm.tuna.id,
            production_date=HARVEST,
            quantity="10",
            unit="KGM",
            catch_data={"catch_area": "71"},
        )
    errors = exc.value.errors
    assert errors["catch_data.landing_port"] == ["Enter the landing port."]
    assert errors["catch_data.gear_type"] == [
        "Enter the fishing gear type (ISSCFG, e.g. LHP hand lines and poles)."
    ]


def test_catch_facts_are_labelled_and_dated_for_the_reader(session):
    facts = services.catch_facts(
        {"catch_area": "71", "trip_start": "2026-03-01", "gps_available": True}
    )
    assert [(str(k), v) for k, v in facts] == [
        ("FAO major fishing area", "71 · Pacific, Western Central"),  # GDST's name, not a code
        ("Trip start date", "1 Mar 2026"),
        ("GPS available on board", "yes"),
    ]
    with force_locale("vi"):
        facts = services.catch_facts({"trip_start": "2026-03-01", "gps_available": False})
    assert facts[0][1] == "1 thg 3, 2026"
    assert facts[1][1] == "không"  # "no" is already in the catalogs
    with force_locale("vi"):
        facts = services.catch_facts({"gear_type": "urn:gdst:gear:9.1"})
    assert facts[0][1] == "9.1 · Câu tay và câu cần thủ công"


def test_a_closed_lot_says_why_it_takes_no_contribution(farm):
    from traceapp.errors import Conflict

    lot = harvest_lot(farm)
    with pytest.raises(Conflict, match="is closed: it takes no more contributions"):
        services.add_contribution(
            farm.world.a.manager,
            lot,
            member_id=farm.growers[0].id,
            zone_id=farm.field.id,
            quantity="1",
        )


def test_the_lot_page_shows_quantities_and_titles_in_the_reader_language(manager_client, farm):
    lot = harvest_lot(farm, "1500.5", [(farm.growers[0], farm.field, "1500.5")])
    html = manager_client.get(f"/lots/{lot.id}?lang=vi").get_data(as_text=True)
    assert "1.500,5 kg" in html and "1500.5" not in html
    assert f"<title>Lô {lot.code}" in html  # one message, "Lot %(code)s", in the catalogs
    english = manager_client.get(f"/lots/{lot.id}?lang=en").get_data(as_text=True)
    assert "1,500.5 kg" in english


def test_the_lot_page_labels_the_catch_data(manager_client, farm):
    lot = services.create_lot(
        farm.world.a.manager,
        product_id=farm.tuna.id,
        production_date=HARVEST,
        quantity="10",
        unit="KGM",
        catch_data={
            "catch_area": "71",
            "economic_zone": "VNM EEZ",
            "gear_type": "LHP",
            "trip_start": "2026-03-01",
            "trip_end": "2026-03-08",
            "landing_port": "Phú Lạc",
        },
    )
    html = manager_client.get(f"/lots/{lot.id}?lang=en").get_data(as_text=True)
    assert "FAO major fishing area: 71" in html
    assert "Trip start date: 1 Mar 2026" in html
    assert "catch area" not in html and "2026-03-01" not in html


def test_choices_and_units_are_named_in_the_readers_words(farm, manager_client):
    from traceapp.batches import events as ev

    lot = harvest_lot(farm, "100")
    with pytest.raises(ValidationFailed) as exc:
        ev.record_event(farm.world.a.manager, lot, biz_step="inspecting", disposition="active")
    assert exc.value.errors["disposition"] == [
        # a word that is its own code is not repeated
        "For this step (Inspection), choose conformant or not conformant (non_conformant)."
    ]
    with force_locale("vi"), pytest.raises(ValidationFailed) as exc:
        ev.record_event(farm.world.a.manager, lot, biz_step="inspecting", disposition="active")
    assert "choose one of" not in exc.value.errors["disposition"][0]
    assert " hoặc " in exc.value.errors["disposition"][0]  # Vietnamese "or"

    page = manager_client.get(f"/lots/{lot.id}").get_data(as_text=True)
    assert '<option selected value="KGM">kilogram (kg)</option>' in page
    assert "KGM · " not in page
    vi = manager_client.get(f"/lots/{lot.id}", headers={"Accept-Language": "vi"})
    assert ">kilôgam (kg)</option>" in vi.get_data(as_text=True)
