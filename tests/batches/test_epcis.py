"""EPCIS 2.0 export validates against GS1's schema; partner documents are imported."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import bearer
from tests.farm import HARVEST, harvest_lot
from traceapp.batches import corrections, epcis, services, transformations
from traceapp.batches import events as ev
from traceapp.batches.models import TraceEvent
from traceapp.extensions import db

SHARED = Path(__file__).resolve().parents[3] / "shared" / "epcis"
pytestmark = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/epcis (GS1 schema and examples) is absent"
)


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((SHARED / "EPCIS-JSON-Schema.json").read_text())
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def _assert_valid(validator, doc):
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def _story(farm):
    """Harvest, pack with a GTIN, ship, a correction: every kind of event."""
    actor = farm.world.a.manager
    harvest = harvest_lot(farm, "400")
    [packed] = transformations.transform(
        actor,
        kind="commingling",
        inputs=[{"lot_id": harvest.id, "quantity": "400"}],
        outputs=[
            {
                "product_id": farm.peanuts_packed.id,
                "quantity": "400",
                "unit": "KGM",
                "production_date": HARVEST,
            }
        ],
    )
    ev.record_event(
        actor,
        packed,
        biz_step="inspecting",
        disposition="conformant",
        details={"inspector": "Lab 3"},
    )
    wrong = ev.record_event(
        actor,
        packed,
        biz_step="shipping",
        destinations=[{"type": "owning_party", "name": "Shop A"}],
    )
    corrections.declare_error(
        actor,
        wrong,
        reason="incorrect_data",
        explanation="it went to shop B",
        corrections=[
            {
                "biz_step": "shipping",
                "destinations": [
                    {"type": "owning_party", "name": "Shop B"},
                    {"type": "location", "name": "Chợ Tuy Hòa"},
                ],
            }
        ],
    )
    return harvest, packed


def test_lot_export_validates_and_carries_its_inputs(farm, validator, client, api_token):
    harvest, packed = _story(farm)
    r = client.get(f"/api/v1/batches/{packed.id}/epcis", headers=bearer(api_token))
    assert r.status_code == 200
    assert r.mimetype == "application/ld+json"
    doc = r.json
    _assert_valid(validator, doc)
    events = doc["epcisBody"]["eventList"]
    kinds = [(e["type"], e["bizStep"]) for e in events]
    assert ("ObjectEvent", "commissioning") in kinds  # the input lot's harvest
    assert ("TransformationEvent", "commissioning") in kinds
    transform = next(e for e in events if e["type"] == "TransformationEvent")
    assert transform["inputQuantityList"][0]["epcClass"].startswith(
        f"urn:gdst:trace.example.vn:product:lot:class:{farm.coop.short_code.lower()}.DP-THO."
    )
    assert transform["outputQuantityList"][0]["epcClass"] == (
        f"https://id.gs1.org/01/08934567890120/10/{packed.code}"
    )
    declared = [e for e in events if "errorDeclaration" in e]
    assert len(declared) == 1
    corrective = declared[0]["errorDeclaration"]["correctiveEventIDs"]
    assert corrective and corrective[0] in {e["eventID"] for e in events}
    assert all(e["eventTimeZoneOffset"] == "+07:00" for e in events)


def test_fishing_lot_export_has_gdst_catch_data(farm, validator):
    actor = farm.world.a.manager
    lot = services.create_lot(
        actor,
        product_id=farm.tuna.id,
        production_date=HARVEST,
        quantity="800",
        unit="KGM",
        catch_data={
            "catch_area": "71",
            "economic_zone": "VNM",
            "gear_type": "LHP",
            "trip_start": "2026-03-01",
            "trip_end": "2026-03-09",
            "landing_port": "Phú Lạc",
            "rfmo_area": "WCPFC",
        },
    )
    services.add_contribution(
        actor, lot, member_id=farm.fisher.id, zone_id=farm.ground.id, quantity="800"
    )
    doc = epcis.lot_document(lot)
    _assert_valid(validator, doc)
    ilmd = doc["epcisBody"]["eventList"][0]["ilmd"]
    vessel = ilmd["cbvmda:vesselCatchInformationList"]["cbvmda:vesselCatchInformation"][0]
    assert vessel["cbvmda:vesselID"] == "PY-90001-TS"
    assert vessel["cbvmda:catchArea"] == "71"
    assert vessel["gdst:rfmoArea"] == "WCPFC"
    assert ilmd["cbvmda:productionMethodForFishAndSeafoodCode"] == "MARINE_FISHERY"


def test_cooperative_export_takes_a_time_range(farm, validator, client, api_token):
    _story(farm)
    now = dt.datetime.now(dt.UTC)
    everything = client.get("/api/v1/epcis", headers=bearer(api_token)).json
    _assert_valid(validator, everything)
    recent = client.get(
        "/api/v1/epcis",
        headers=bearer(api_token),
        query_string={"start": (now - dt.timedelta(hours=1)).isoformat()},
    ).json
    assert 0 < len(recent["epcisBody"]["eventList"]) < len(everything["epcisBody"]["eventList"])
    bad = client.get(
        "/api/v1/epcis",
        headers=bearer(api_token),
        query_string={"start": now.isoformat(), "end": (now - dt.timedelta(days=1)).isoformat()},
    )
    assert bad.status_code == 422


@pytest.mark.parametrize(
    "example", sorted(p.name for p in SHARED.glob("examples/*.jsonld")) if SHARED.is_dir() else []
)
def test_gs1_examples_are_accepted(farm, client, api_token, example):
    body = (SHARED / "examples" / example).read_bytes()
    r = client.post(
        "/api/v1/epcis/import",
        data=body,
        headers=bearer(api_token),
        content_type="application/ld+json",
    )
    assert r.status_code == 200, r.json
    # GS1's examples name GS1's demo products, none of ours: reported, not recorded
    assert r.json["recorded"] == []
    assert r.json["unmatched"]


def test_a_partner_document_is_recorded_on_the_matching_lot(farm, client, api_token):
    _harvest, packed = _story(farm)
    ours = f"https://id.gs1.org/01/08934567890120/10/{packed.code}"
    doc = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-04-01T08:00:00+07:00",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventID": "urn:uuid:7d2c1a2e-0000-4000-8000-000000000001",
                    "eventTime": "2026-04-01T07:30:00+07:00",
                    "eventTimeZoneOffset": "+07:00",
                    "action": "OBSERVE",
                    "bizStep": "receiving",
                    "disposition": "in_progress",
                    "quantityList": [{"epcClass": ours, "quantity": 400, "uom": "KGM"}],
                    "sourceList": [
                        {"type": "owning_party", "source": "urn:epc:id:pgln:8930000.00001"}
                    ],
                }
            ]
        },
    }
    r = client.post("/api/v1/epcis/import", json=doc, headers=bearer(api_token))
    assert r.status_code == 200, r.json
    assert r.json["recorded"] == ["urn:uuid:7d2c1a2e-0000-4000-8000-000000000001"]
    event = (
        db.session.query(TraceEvent)
        .filter_by(event_uid="urn:uuid:7d2c1a2e-0000-4000-8000-000000000001")
        .one()
    )
    assert event.lot_id == packed.id
    assert event.origin == "import"
    assert event.biz_step == "receiving"
    twice = client.post("/api/v1/epcis/import", json=doc, headers=bearer(api_token))
    assert twice.json["duplicates"] == ["urn:uuid:7d2c1a2e-0000-4000-8000-000000000001"]


def test_a_malformed_document_is_refused_with_the_schema_path(farm, client, api_token):
    doc = json.loads((SHARED / "examples" / "Example_9.6.1-ObjectEvent.jsonld").read_text())
    del doc["epcisBody"]["eventList"][0]["eventTimeZoneOffset"]
    r = client.post("/api/v1/epcis/import", json=doc, headers=bearer(api_token))
    assert r.status_code == 422
    problems = r.json["errors"]["json"]["document"]
    assert any(
        p.startswith("$.epcisBody.eventList[0]") and "eventTimeZoneOffset" in p for p in problems
    ), problems
    assert (
        client.post("/api/v1/epcis/import", data="{not json", headers=bearer(api_token)).status_code
        == 422
    )


def test_every_field_typed_into_an_inspection_is_in_the_timeline_and_the_export(
    farm, validator, manager_client, client, api_token
):
    lot = harvest_lot(farm, "400")
    manager_client.form_post(
        f"/lots/{lot.id}/events",
        {
            "e-biz_step": "inspecting",
            "e-disposition": "conformant",
            "e-zone_code": farm.field.code,
            "e-location": "Kho Phú Xuân",
            "e-inspector": "Phạm Quốc Việt",
            "e-notes": "moisture 8.5%",
            "e-unit": "KGM",
            "e-party_type": "owning_party",
        },
    )
    page = manager_client.get(f"/lots/{lot.id}").get_data(as_text=True)
    [item] = [li for li in page.split("<li") if "Inspection" in li and "moisture" in li]
    for text in ("Phạm Quốc Việt", "moisture 8.5%", "VN-TEST-0001 · Kho Phú Xuân", "Inspector"):
        assert text in item, text
    assert "Recorded by" in item

    doc = client.get(f"/api/v1/batches/{lot.id}/epcis", headers=bearer(api_token)).json
    _assert_valid(validator, doc)
    [inspection] = [e for e in doc["epcisBody"]["eventList"] if e["bizStep"] == "inspecting"]
    assert inspection["traceapp:inspector"] == "Phạm Quốc Việt"
    assert inspection["traceapp:notes"] == "moisture 8.5%"
    assert inspection["traceapp:location"] == "Kho Phú Xuân"
    assert inspection["readPoint"]["id"].endswith(".VN-TEST-0001")

    # the shopper's link leaves out what staff typed about people and places
    public = epcis.lot_document(lot, public=True)
    _assert_valid(validator, public)
    [shown] = [e for e in public["epcisBody"]["eventList"] if e["bizStep"] == "inspecting"]
    assert not {"traceapp:inspector", "traceapp:notes", "traceapp:location"} & set(shown)


def test_party_names_and_a_transformations_lots_are_exported(farm, validator):
    harvest, packed = _story(farm)
    doc = epcis.lot_document(packed)
    _assert_valid(validator, doc)
    events = doc["epcisBody"]["eventList"]
    shipped = [e for e in events if e["bizStep"] == "shipping"]
    assert ["Shop B", "Chợ Tuy Hòa"] in [e.get("traceapp:destinationNames") for e in shipped]
    transform = next(e for e in events if e["type"] == "TransformationEvent")
    assert transform["traceapp:transformationKind"] == "commingling"
