"""One platform for Vietnam, Cambodia and Türkiye: country profiles, scoping by country, data
and pages that follow a cooperative's country."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import login
from traceapp.auth.models import SYSTEM
from traceapp.auth.services import find_user_by_email
from traceapp.authority import scope as authority_scope
from traceapp.authority import services as authority
from traceapp.batches import epcis
from traceapp.cooperatives import services as coops
from traceapp.core import countries
from traceapp.demo import abroad
from traceapp.demo.people import PASSWORD
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.labels.models import Label, LabelRun
from traceapp.zones.models import Zone


@pytest.fixture
def abroad_demo(session: Any, world: Any) -> dict[str, Any]:
    """The demo's Cambodian and Turkish cooperatives (with their lots and label runs), beside
    the test world's two Vietnamese ones."""
    ctx: dict[str, Any] = {"coops": {}, "members": {}, "logins": []}
    abroad.load(ctx)
    db.session.flush()
    return ctx


def _first_serial(lot: Any) -> str:
    run = db.session.scalars(sa.select(LabelRun).where(LabelRun.lot_id == lot.id)).first()
    return db.session.scalars(
        sa.select(Label.serial).where(Label.run_id == run.id).order_by(Label.seq)
    ).first()


def test_the_shipped_profiles(app):
    with app.app_context():
        vn, kh, tr = countries.get("VN"), countries.get("KH"), countries.get("TR")
        assert (len(vn.units), len(vn.unit_names())) == (63, 34)  # before and after 2025
        assert "Phú Yên" in vn.unit_names(current=False)
        assert "Phú Yên" not in vn.unit_names()  # merged into Đắk Lắk
        assert len(kh.units) == 25 and len(tr.units) == 81
        assert (kh.timezone, tr.timezone) == ("Asia/Phnom_Penh", "Europe/Istanbul")
        assert (kh.default_language, tr.default_language) == ("km", "tr")
        assert [level["key"] for level in kh.levels] == [
            "province",
            "district",
            "commune",
            "village",
        ]
        assert tr.level_name("district", "tr") == "İlçe"
        assert kh.level_name("commune", "km") == "ឃុំ / សង្កាត់"
        assert countries.for_gtin("8841002000016").code == "KH"
        assert countries.for_gtin("8691003000016").code == "TR"
        assert countries.for_gtin("08938512000114").code == "VN"  # a GTIN-14
        assert countries.for_gtin("4006381333931") is None
        # Spellings: the ISO romanisation and the Khmer name find the same province.
        assert countries.find_unit(kh, "Taakaev") == countries.find_unit(kh, "តាកែវ")
        assert countries.province_ok("VN", "tỉnh Phú Yên")
        assert not countries.province_ok("TR", "Phú Yên")


def test_a_settings_file_adds_a_country(app, session, tmp_path, monkeypatch):
    laos = {
        "code": "LA",
        "names": {"en": "Laos"},
        "default_language": "en",
        "timezone": "Asia/Vientiane",
        "currency": "LAK",
        "gtin_prefixes": ["885"],
        "levels": [{"key": "province"}, {"key": "district"}],
        "units": [{"code": "LA-CH", "name": "Champasak"}],
    }
    path = tmp_path / "countries.json"
    path.write_text(json.dumps([laos]), encoding="utf-8")
    monkeypatch.setitem(app.config, "TRACEAPP_COUNTRIES_FILE", str(path))
    with app.test_request_context("/"):
        assert countries.get("LA").timezone == "Asia/Vientiane"
        assert "LA" in dict(countries.country_choices("en"))
        coop = coops.create_cooperative(
            SYSTEM, name="Champasak coffee", short_code="CPK", country="la", province="Champasak"
        )
        assert coop.country == "LA"
        with pytest.raises(ValidationFailed) as refused:
            coops.create_cooperative(
                SYSTEM, name="Wrong", short_code="WRG", country="LA", province="Phú Yên"
            )
        assert "province" in refused.value.errors


def test_existing_style_cooperatives_are_vietnamese(world):
    assert world.a.coop.country == "VN"
    with pytest.raises(ValidationFailed) as refused:
        coops.create_cooperative(SYSTEM, name="X", short_code="XQ", country="ZZ", province="A")
    assert "country" in refused.value.errors


def test_phone_numbers_follow_the_cooperatives_country(app, abroad_demo, world):
    """A Vietnamese mobile is refused for a Turkish member, with the Turkish way to write it;
    the same number is fine for a Vietnamese member, and a Turkish one for the Turkish."""
    turkish = abroad_demo["coops"]["AKH"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(ValidationFailed) as refused:
            coops.create_member(SYSTEM, turkish.id, full_name="Ayşe Yılmaz", phone="0905 111 222")
        assert refused.value.errors["phone"] == [
            "This is not a phone number of Türkiye: write it as 0532 123 45 67, or with +90."
        ]
        ayse = coops.create_member(
            SYSTEM, turkish.id, full_name="Ayşe Yılmaz", phone="+90 532 123 45 67"
        )
        assert ayse.phone == "+90 532 123 45 67"
        lan = coops.create_member(SYSTEM, world.a.coop.id, full_name="Lan", phone="0905 111 222")
        assert lan.phone == "0905 111 222"
        with pytest.raises(ValidationFailed) as refused:
            coops.update_cooperative(SYSTEM, turkish, phone="012 345 678")
        assert "Türkiye" in refused.value.errors["phone"][0]


def test_a_turkish_auditor_sees_only_turkish_provinces_zones(app, abroad_demo, world, farm):
    turkish = find_user_by_email("auditor@manisa.demo")
    assert (turkish.country, turkish.province) == ("TR", "Manisa")
    # A Vietnamese cooperative's zone recorded under a Turkish province name (as a typing
    # slip could): the auditor's country keeps it out of the Turkish scope.
    stray = Zone(
        cooperative_id=world.a.coop.id,
        code="VN-PYDX-0999",
        kind="growing_area",
        province="Manisa",
    )
    db.session.add(stray)
    db.session.flush()
    scope = authority.scope_for(turkish)
    codes = set(db.session.scalars(sa.select(Zone.code).where(scope.zone_clause())))
    assert codes == {"TR-45AKH-0012"}
    assert abroad_demo["coops"]["AKH"].id in authority_scope.cooperative_ids(scope)
    assert abroad_demo["coops"]["TKR"].id not in authority_scope.cooperative_ids(scope)
    vietnamese = authority.scope_for(world.auditor)
    seen = set(db.session.scalars(sa.select(Zone.code).where(vietnamese.zone_clause())))
    assert "TR-45AKH-0012" not in seen and "KH-TKO-0001" not in seen and seen
    # Through the console as the auditor reads it.
    client = app.test_client()
    login(client, "auditor@manisa.demo", PASSWORD)
    html = client.get("/authority/zones").get_data(as_text=True)
    assert "TR-45AKH-0012" in html
    assert "KH-TKO-0001" not in html and "VN-PYDX-0999" not in html
    assert farm.field.code not in html
    khmer_zone = db.session.scalar(sa.select(Zone).where(Zone.code == "KH-TKO-0001"))
    assert client.get(f"/authority/zones/{khmer_zone.id}").status_code == 404


#: A browser that names no language.
NO_LANGUAGE = {"Accept-Language": ""}


@pytest.mark.parametrize(("code", "lang"), [("TKR", "km"), ("AKH", "tr")])
def test_each_countrys_label_page_opens_in_its_language(client, abroad_demo, code, lang):
    from flask_babel import force_locale, gettext

    lot = abroad_demo["abroad"][code]
    serial = _first_serial(lot)
    html = client.get(f"/l/{serial}", headers=NO_LANGUAGE).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    with client.application.test_request_context("/"), force_locale(lang):
        words = gettext("Where it comes from")
    assert words != "Where it comes from" and words in html
    assert "Where it comes from" not in html
    # The shopper's own choice still wins: their browser's language, or the switch.
    english = client.get(f"/l/{serial}", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    chosen = client.get(f"/l/{serial}", query_string={"lang": "vi"}, headers=NO_LANGUAGE)
    chosen = chosen.get_data(as_text=True)
    assert '<html lang="vi">' in chosen


def test_a_vietnamese_label_page_still_opens_in_vietnamese(client, abroad_demo, world, farm):
    from tests.farm import harvest_lot
    from traceapp.labels import services as labels

    lot = harvest_lot(farm, "50", [(farm.growers[0], farm.field, "50")])
    labels.issue_run(farm.world.a.manager, lot, count=1)
    html = client.get(f"/l/{_first_serial(lot)}", headers=NO_LANGUAGE).get_data(as_text=True)
    assert '<html lang="vi">' in html


def test_epcis_and_gdst_data_follow_the_country(abroad_demo):
    lot = abroad_demo["abroad"]["TKR"]
    document = json.dumps(epcis.lot_document(lot), ensure_ascii=False)
    assert '"cbvmda:countryOfOrigin": "KH"' in document
    assert '"cbvmda:countryOfOrigin": "VN"' not in document
    assert epcis.origin_country(abroad_demo["abroad"]["AKH"]) == "TR"


def test_times_are_shown_in_the_cooperatives_time_zone(app, abroad_demo):
    from flask_babel import format_datetime, refresh

    moment = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)
    shown = {}
    for email in ("manager@tramkak.demo", "manager@akhisar.demo"):
        client = app.test_client()
        login(client, email, PASSWORD)
        user = find_user_by_email(email)
        with app.test_request_context("/"):
            from flask_login import login_user

            login_user(user)
            refresh()
            shown[email] = format_datetime(moment, "HH:mm")
    assert shown == {"manager@tramkak.demo": "19:00", "manager@akhisar.demo": "15:00"}


def test_a_khmer_manager_from_login_to_a_shaped_label_sheet(app, abroad_demo):
    from tests.labels.test_khmer import POPPLER_AND_RAQM, name_line, shaped_and_naive

    client = app.test_client()
    login(client, "manager@tramkak.demo", PASSWORD)
    home = client.get("/").get_data(as_text=True)
    assert '<html lang="km">' in home
    assert "ខ្មែរ" in home and "Türkçe" in home  # the switch names each language in itself
    lot = abroad_demo["abroad"]["TKR"]
    run = db.session.scalars(sa.select(LabelRun).where(LabelRun.lot_id == lot.id)).first()
    page = client.get(f"/label-runs/{run.id}").get_data(as_text=True)
    assert '<html lang="km">' in page and "អង្ករក្រអូបផ្កាម្លិះ" in page
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    sheet = client.post(
        f"/label-runs/{run.id}/print",
        data={"csrf_token": token, "fmt": "pdf", "layout": "a4-3x8"},
    )
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    if not POPPLER_AND_RAQM:
        pytest.skip("needs poppler-utils and Pillow with raqm to look at the printed sheet")
    printed = name_line(sheet.data, "a4-3x8", 0)
    shaped, naive = shaped_and_naive(printed, "អង្ករក្រអូបផ្កាម្លិះ")
    assert shaped > 0.8 and naive < 0.5, (shaped, naive)


def test_a_turkish_lots_events_carry_turkish_time(abroad_demo):
    from traceapp.batches import services as lots
    from traceapp.batches.models import TraceEvent
    from traceapp.database import local_today

    product = abroad_demo["abroad"]["AKH"].product
    lot = lots.create_lot(
        SYSTEM,
        product_id=product.id,
        production_date=local_today() - dt.timedelta(days=3),
        quantity="100",
        unit="KGM",
    )
    event = db.session.scalars(sa.select(TraceEvent).where(TraceEvent.lot_id == lot.id)).first()
    assert event.tz_offset == "+03:00"
