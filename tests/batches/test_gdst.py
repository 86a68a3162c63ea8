"""GDST 1.2: the demo's seafood lots export GDST-valid documents; GDST's own invalid test
documents fail the same validator; a lot missing a KDE gets a 422 naming it; the seafood
forms offer GDST's code lists by name in the reader's language."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import TraceClient, login, make_app, scratch_database_url
from traceapp.batches import gdst, gdst_stream
from traceapp.batches.models import Lot
from traceapp.cooperatives.models import Member
from traceapp.demo import load_demo
from traceapp.demo.people import PASSWORD as DEMO_PASSWORD
from traceapp.extensions import db

SHARED = Path(__file__).resolve().parents[3] / "shared" / "gdst"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/gdst is absent")

#: The upstream "valid" sample that GDST's own schema refuses, and why (kept as found).
UPSTREAM_QUIRKS = {
    "gdst_with_masterdata.jsonld": {
        "'domestic' is not one of ['Domestic', 'Wild Sources']",
        "'gdst:vesselTripDate' is a required property",
    }
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gdst")
    with scratch_database_url(tmp) as url:
        app = make_app(url, tmp)
        app.test_client_class = TraceClient
        with app.app_context():
            db.create_all()
            load_demo()
            db.session.commit()
        yield app


def _text(doc, **dump):
    return json.dumps({**doc, "creationDate": "-"}, ensure_ascii=False, **dump)


def _streamed(lot, **dump):
    text = b"".join(gdst_stream.lot_chunks(lot, **dump)).decode("utf-8")
    return _text(json.loads(text), **dump) if text else text


def _seafood_lots():
    lots = db.session.execute(sa.select(Lot).order_by(Lot.id)).scalars()
    return [lot for lot in lots if gdst.is_seafood(lot)]


@needs_shared
def test_the_bundled_schema_is_gdsts():
    bundled = json.loads((gdst.codes.DATA_DIR / "gdst_json_schema.json").read_text())
    assert bundled == json.loads((SHARED / "gdst_json_schema.json").read_text())


@needs_shared
def test_gdsts_own_test_documents_check_the_validator():
    invalid = sorted(p for p in SHARED.glob("gdst_*.jsonld") if "masterdata" not in p.name)
    rejected = [p.name for p in invalid if gdst.schema_problems(json.loads(p.read_text()))]
    assert len(invalid) == 15 and rejected == [p.name for p in invalid]
    assert (
        gdst.schema_problems(json.loads((SHARED / "gdst_data_withmasterdata.jsonld").read_text()))
        == []
    )
    # The other sample breaks GDST's schema upstream: it fails on exactly those two points.
    quirky = gdst.schema_problems(json.loads((SHARED / "gdst_with_masterdata.jsonld").read_text()))
    assert {line.split(": ", 1)[1] for line in quirky} == UPSTREAM_QUIRKS[
        "gdst_with_masterdata.jsonld"
    ]


def test_every_demo_seafood_export_is_gdst_valid(demo):
    with demo.test_request_context():
        lots = _seafood_lots()
        codes = {lot.code for lot in lots}
        assert {"SC-2026-0001", "CN-2026-0001", "CN-2026-0003"} <= codes and len(lots) == 7
        steps: set[str] = set()
        for lot in lots:
            doc = gdst.lot_document(lot)  # raises on a missing KDE or a schema problem
            assert gdst.schema_problems(doc) == [], lot.code
            steps |= {e["bizStep"] for e in doc["epcisBody"]["eventList"]}
        assert {gdst.FISHING, gdst.LANDING, gdst.FARM_HARVEST, "commissioning", "shipping"} <= steps


def test_the_streamed_exports_are_the_documents_built_whole_byte_for_byte(demo):
    with demo.test_request_context():
        for lot in _seafood_lots():
            built = gdst.lot_document(lot)
            assert _streamed(lot, indent=1) == _text(built, indent=1), lot.code
            assert _streamed(lot, default=str) == _text(built, default=str), lot.code


def test_a_fishing_event_streamed_takes_its_place_by_the_trips_time(demo):
    with demo.test_request_context():
        catch = db.session.execute(sa.select(Lot).where(Lot.code == "CN-2026-0001")).scalar_one()
        nested = db.session.begin_nested()
        try:  # a trip said to end after the landing: the fishing event comes later
            catch.catch_data = {**catch.catch_data, "trip_end": "2026-12-30"}
            db.session.flush()
            built = gdst.lot_document(catch)
            steps = [e["bizStep"] for e in built["epcisBody"]["eventList"]]
            assert steps.index(gdst.FISHING) > steps.index(gdst.LANDING)
            assert _streamed(catch) == _text(built)
        finally:
            nested.rollback()


def test_tuna_catch_kdes_use_gdsts_code_lists_and_master_data(demo):
    with demo.test_request_context():
        canned = db.session.execute(sa.select(Lot).where(Lot.code == "CN-2026-0003")).scalar_one()
        doc = gdst.lot_document(canned)
        events = doc["epcisBody"]["eventList"]
        [fishing] = [e for e in events if e["bizStep"] == gdst.FISHING]
        vessels = fishing["ilmd"]["cbvmda:vesselCatchInformationList"][
            "cbvmda:vesselCatchInformation"
        ]
        assert {v["cbvmda:vesselName"] for v in vessels} == {"Thành Công 01", "Phước Lộc 09"}
        v = vessels[0]
        assert v["cbvmda:catchArea"] == "urn:gdst:fao:71"
        assert v["cbvmda:economicZone"] == "urn:gdst:eez:VNM"
        assert v["cbvmda:fishingGearTypeCode"] == "urn:gdst:gear:9.1"
        assert v["gdst:rfmoArea"] == "urn:gdst:rfmo:wcpfc"
        assert v["cbvmda:vesselFlagState"] == "VN" and v["gdst:imoNumber"].startswith("IMO")
        assert fishing["gdst:humanWelfarePolicy"] == "3P Audit"
        certs = fishing["ilmd"]["cbvmda:certificationList"]["certification"]
        assert {c["gdst:certificationType"] for c in certs} >= {"urn:gdst:certType:humanPolicy"}
        [landing] = [e for e in events if e["bizStep"] == gdst.LANDING]
        assert landing["cbvmda:unloadingPort"] == "Cảng cá Phú Lạc"
        vocab = {
            v["type"]: v["vocabularyElementList"]
            for v in doc["epcisHeader"]["epcisMasterData"]["vocabularyList"]
        }
        species = {
            a["attribute"]
            for element in vocab["urn:epcglobal:epcis:vtype:EPCClass"]
            for a in element["attributes"]
            if a["id"].endswith("speciesForFisheryStatisticsPurposesCode")
        }
        assert species == {"YFT"}
        location_attrs = {
            a["id"].rsplit("#", 1)[-1]: a["attribute"]
            for element in vocab["urn:epcglobal:epcis:vtype:Location"]
            for a in element["attributes"]
        }
        assert location_attrs["vesselName"] and location_attrs["imoNumber"]


def test_a_lobster_grading_gives_one_lot_number_per_output_lot(demo):
    with demo.test_request_context():
        graded = db.session.execute(sa.select(Lot).where(Lot.code == "SC-2026-0002")).scalar_one()
        events = gdst.lot_document(graded)["epcisBody"]["eventList"]
        [harvest] = [e for e in events if e["bizStep"] == gdst.FARM_HARVEST]
        assert harvest["ilmd"]["gdst:aquacultureMethod"] == "Sea cages"
        assert harvest["ilmd"]["cbvmda:productionMethodForFishAndSeafoodCode"] == "AQUACULTURE"
        grading = [e for e in events if e["type"] == "TransformationEvent"]
        numbers = [e["ilmd"]["cbvmda:lotNumber"] for e in grading]
        assert sorted(numbers) == ["SC-2026-0002", "SC-2026-0003", "SC-2026-0004"]
        assert len({e["eventID"] for e in grading}) == 3
        assert all(len(e["outputQuantityList"]) == 1 for e in grading)


def test_the_lot_page_links_the_export_and_a_missing_kde_is_a_422_naming_it(demo):
    client = demo.test_client()
    with demo.app_context():
        login(client, "manager@cangu.demo", DEMO_PASSWORD)
        catch = db.session.execute(sa.select(Lot).where(Lot.code == "CN-2026-0001")).scalar_one()
        lot_id = catch.id
    page = client.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert f"/lots/{lot_id}/gdst.jsonld" in page and "gdst-missing" not in page
    ok = client.get(f"/lots/{lot_id}/gdst.jsonld", buffered=False)
    assert ok.is_streamed and "Content-Length" not in ok.headers
    assert ok.status_code == 200 and gdst.schema_problems(ok.get_json(force=True)) == []
    with demo.app_context():
        catch = db.session.get(Lot, lot_id)
        saved = dict(catch.catch_data)
        catch.catch_data = {k: v for k, v in saved.items() if k != "rfmo_area"}
        member = db.session.execute(
            sa.select(Member).where(Member.vessel_name == "Thành Công 01")
        ).scalar_one()
        member.imo_number = None
        db.session.commit()
    try:
        refused = client.get(f"/lots/{lot_id}/gdst.jsonld", headers={"Accept": "application/json"})
        assert refused.status_code == 422
        body = refused.get_data(as_text=True)
        assert "CN-2026-0001.catch_data.rfmo_area" in body
        assert "members.0001.imo_number" in body
        page = client.get(f"/lots/{lot_id}").get_data(as_text=True)
        assert "gdst-missing" in page and "RFMO area" in page and "IMO number" in page
    finally:
        with demo.app_context():
            db.session.get(Lot, lot_id).catch_data = saved
            db.session.execute(
                sa.update(Member)
                .where(Member.vessel_name == "Thành Công 01")
                .values(imo_number="IMO9876543")
            )
            db.session.commit()


def test_seafood_lot_form_offers_gdst_lists_by_name_in_the_readers_language(staff_client, farm):
    # The form shows a lot's kind of fields: a catch's for tuna, a farm's for lobster.
    tuna, lobster = (
        f"/lots/new?product_id={farm.tuna.id}",
        f"/lots/new?product_id={farm.lobster.id}",
    )
    english = staff_client.get(tuna + "&lang=en").get_data(as_text=True)
    assert 'value="urn:gdst:gear:9.1"' in english
    assert "Handlines and hand-operated pole-and-lines" in english
    assert 'value="urn:gdst:fao:71"' in english and "Pacific, Western Central" in english
    assert 'value="urn:gdst:rfmo:wcpfc"' in english
    assert 'value="Sea cages"' in staff_client.get(lobster).get_data(as_text=True)
    vietnamese = staff_client.get(tuna + "&lang=vi").get_data(as_text=True)
    assert "Câu tay và câu cần thủ công" in vietnamese and "Biển Đông" in vietnamese
    farmed = staff_client.get(lobster + "&lang=vi").get_data(as_text=True)
    assert "Lồng bè trên biển" in farmed


def test_a_transshipment_recorded_by_hand_is_a_gdst_transshipment(demo):
    from traceapp.auth.models import SYSTEM
    from traceapp.batches import events as ev

    with demo.test_request_context():
        catch = db.session.execute(sa.select(Lot).where(Lot.code == "CN-2026-0001")).scalar_one()
        before = gdst.lot_document(catch)["epcisBody"]["eventList"]
        assert gdst.TRANSSHIPMENT not in {e["bizStep"] for e in before}
        nested = db.session.begin_nested()
        try:
            ev.record_event(
                SYSTEM,
                catch,
                biz_step=gdst.TRANSSHIPMENT,
                event_time=dt.datetime(
                    2026, 10, 4, 22, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))
                ),
                location="Tàu dịch vụ hậu cần PY-90001-TS, ngư trường Trường Sa",
            )
            doc = gdst.lot_document(catch)
            assert _streamed(catch) == _text(doc)  # its site comes in the master data too
            [moved] = [
                e for e in doc["epcisBody"]["eventList"] if e["bizStep"] == gdst.TRANSSHIPMENT
            ]
            assert moved["gdst:humanWelfarePolicy"] == "3P Audit"
            assert moved["gdst:productOwner"] and moved["readPoint"]["id"]
            assert gdst.schema_problems(doc) == []
        finally:
            nested.rollback()


def test_the_api_gives_the_gdst_document_and_a_422_for_a_lot_that_is_not_seafood(demo):
    from traceapp.auth.models import User
    from traceapp.auth.services import create_token

    client = demo.test_client()
    with demo.app_context():
        manager = db.session.execute(
            sa.select(User).where(User.email == "manager@cangu.demo")
        ).scalar_one()
        token = create_token(manager, manager, "gdst test")[1]
        db.session.commit()
        canned = db.session.execute(sa.select(Lot).where(Lot.code == "CN-2026-0003")).scalar_one()
        canned_id = canned.id
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/ld+json"}
    ok = client.get(f"/api/v1/batches/{canned_id}/gdst", headers=headers, buffered=False)
    assert ok.status_code == 200, ok.get_data(as_text=True)[:300]
    assert ok.is_streamed and "Content-Length" not in ok.headers
    assert ok.mimetype == "application/ld+json"
    assert gdst.schema_problems(json.loads(ok.get_data(as_text=True))) == []
    with demo.app_context():
        peanut_id = db.session.execute(
            sa.select(Lot.id).where(Lot.code.like("XP-%")).limit(1)
        ).scalar_one()
        xp_manager = db.session.execute(
            sa.select(User).where(User.email == "manager@xuanphuoc.demo")
        ).scalar_one()
        xp_token = create_token(xp_manager, xp_manager, "gdst test")[1]
        db.session.commit()
    refused = client.get(
        f"/api/v1/batches/{peanut_id}/gdst",
        headers={"Authorization": f"Bearer {xp_token}", "Accept": "application/json"},
    )
    assert refused.status_code == 422 and "seafood" in refused.get_data(as_text=True)


def test_a_product_records_its_fao_species_from_a_named_list(manager_client, world):
    from tests.products.factories import ProductFactory

    product = ProductFactory(
        cooperative=world.a.coop, code="CN-185", name="Cá ngừ", category="tuna"
    )
    page = manager_client.get(f"/products/{product.id}/edit?lang=vi").get_data(as_text=True)
    assert 'value="YFT"' in page and "Cá ngừ vây vàng (Thunnus albacares, YFT)" in page
    form = {
        "code": "CN-185",
        "name": "Cá ngừ",
        "category": "tuna",
        "unit_of_trade": "can",
        "net_quantity": "",
        "net_unit": "",
        "gtin": "",
        "mark_id": "",
        "is_active": "y",
    }
    bad = manager_client.form_post(f"/products/{product.id}/edit", form | {"fao_species": "XXX"})
    assert bad.status_code == 422
    ok = manager_client.form_post(f"/products/{product.id}/edit", form | {"fao_species": "SKJ"})
    assert ok.status_code == 302
    db.session.refresh(product)
    assert product.fao_species == "SKJ"


def test_a_cooperative_records_its_human_welfare_policy(manager_client, world):
    coop = world.a.coop
    page = manager_client.get(f"/cooperatives/{coop.id}/edit?lang=vi").get_data(as_text=True)
    assert 'value="3P Audit"' in page and "Đánh giá của bên thứ ba" in page
    form = {"name": coop.name, "short_code": coop.short_code, "province": coop.province}
    ok = manager_client.form_post(
        f"/cooperatives/{coop.id}/edit", form | {"human_welfare_policy": "Internal"}
    )
    assert ok.status_code == 302, ok.get_data(as_text=True)[:300]
    db.session.refresh(coop)
    assert coop.human_welfare_policy == "Internal"
