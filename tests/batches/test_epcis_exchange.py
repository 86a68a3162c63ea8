"""Lossless EPCIS exchange: every schema-valid GS1 example is accepted, kept as received and
exported again as the same JSON-LD graph (expanded offline with GS1's own context); exports
stay schema-valid whatever was imported; declarations apply; our rules only warn."""

from __future__ import annotations

import copy
import json
import traceback
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import bearer
from tests.farm import harvest_lot
from traceapp.batches import epcis, transformations
from traceapp.batches.epcis_schema import format_checker
from traceapp.batches.models import ReceivedEvent, TraceEvent
from traceapp.extensions import db
from traceapp.media.models import SpooledUpload

SHARED = Path(__file__).resolve().parents[3] / "shared" / "epcis"
pytestmark = pytest.mark.skipif(
    not SHARED.is_dir(), reason="../shared/epcis (GS1 schema, examples, context) is absent"
)
EXAMPLES = (
    sorted(
        str(p.relative_to(SHARED / "gs1-examples"))
        for p in (SHARED / "gs1-examples").rglob("*.jsonld")
        if p.name != "EPCISQueryDocument.jsonld"  # a query result, not a capture document
    )
    if SHARED.is_dir()
    else []
)


def _example(name: str) -> dict[str, Any]:
    return json.loads((SHARED / "gs1-examples" / name).read_text(encoding="utf-8"))


def _offline_loader(url: str, options: Any = None) -> dict[str, Any]:
    """Serve GS1's context files from ../shared/epcis/context; never the network."""
    local = SHARED / "context" / url.rstrip("/").rsplit("/", 1)[-1]
    if not local.is_file():
        raise AssertionError(f"the test would fetch {url}")
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(local.read_text(encoding="utf-8")),
    }


def _graph(context: Any, events: list[dict[str, Any]]) -> str:
    """The events as one canonical RDF dataset (URDNA2015 N-Quads, blank nodes relabelled)."""
    from pyld import jsonld

    doc = {"@context": context, "@graph": events}
    return jsonld.normalize(
        doc,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": _offline_loader,
        },
    )


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((SHARED / "EPCIS-JSON-Schema.json").read_text())
    return jsonschema.Draft7Validator(schema, format_checker=format_checker())


def _assert_valid(validator, doc):
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def _import(client, token, doc):
    return client.post(
        "/api/v1/epcis/import",
        data=json.dumps(doc),
        headers=bearer(token),
        content_type="application/ld+json",
    )


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_gs1_example_is_accepted_and_exported_as_the_same_graph(
    farm, client, api_token, validator, example
):
    doc = _example(example)
    r = _import(client, api_token, doc)
    assert r.status_code == 200, r.json
    events = doc["epcisBody"]["eventList"]
    assert r.json["stored"] + len(r.json["declared"]) == len(events)
    # The examples' events happened before 2026; the farm's own events after.
    export = client.get(
        "/api/v1/epcis", headers=bearer(api_token), query_string={"end": "2026-01-01T00:00:00Z"}
    )
    assert export.status_code == 200
    out = export.json
    _assert_valid(validator, out)
    exported = out["epcisBody"]["eventList"]
    from pyld.jsonld import JsonLdError

    try:
        expected = _graph(doc["@context"], events)
    except JsonLdError as exc:
        why = "".join(traceback.format_exception(exc))
    else:
        assert _graph(out["@context"], exported) == expected
        return
    # GS1's transformation example redefines its own protected "cbvmda" prefix: no JSON-LD
    # processor expands it, ours included. It must come back as the same JSON instead.
    assert "protected term" in why
    assert [{k: v for k, v in e.items() if k != "@context"} for e in exported] == events
    assert all(e["@context"] == doc["@context"][1:] for e in exported)


def _story(farm):
    """A harvest, and a packed lot made from it (the downstream lot)."""
    harvest = harvest_lot(farm, "400")
    [packed] = transformations.transform(
        farm.world.a.manager,
        kind="commingling",
        inputs=[{"lot_id": harvest.id, "quantity": "400"}],
        outputs=[
            {
                "product_id": farm.peanuts_packed.id,
                "quantity": "400",
                "unit": "KGM",
                "production_date": harvest.production_date,
            }
        ],
    )
    return harvest, packed


def _naming(doc: dict[str, Any], ident: str) -> dict[str, Any]:
    """The document with each event also naming one of our lots (as a partner's would)."""
    doc = copy.deepcopy(doc)
    for event in doc["epcisBody"]["eventList"]:
        for key in ("epcList", "inputEPCList", "outputEPCList", "childEPCs"):
            if key in event:
                event[key].append(ident)
                break
        else:
            for key in ("quantityList", "inputQuantityList", "childQuantityList"):
                if key in event:
                    event[key].append({"epcClass": ident})
                    break
    return doc


def test_exports_stay_schema_valid_after_every_example(farm, client, api_token, validator):
    harvest, packed = _story(farm)
    ours = epcis.lot_class_id(harvest.product, harvest.code)
    placed = 0
    for name in EXAMPLES:
        r = _import(client, api_token, _naming(_example(name), ours))
        assert r.status_code == 200, (name, r.json)
        placed += len(r.json["recorded"])
    assert placed > 40  # most examples name our harvest now
    coop = client.get("/api/v1/epcis", headers=bearer(api_token))
    _assert_valid(validator, coop.json)
    downstream = client.get(f"/api/v1/batches/{packed.id}/epcis", headers=bearer(api_token))
    assert downstream.status_code == 200
    _assert_valid(validator, downstream.json)
    ids = [e.get("eventID") for e in downstream.json["epcisBody"]["eventList"]]
    # each partner event once, however many times it names the lot
    assert len([i for i in ids if i]) == len({i for i in ids if i})
    # the public gs1:epcis link serves this document
    public = epcis.lot_document(db.session.get(type(packed), packed.id), public=True)
    _assert_valid(validator, public)
    listed = public["epcisBody"]["eventList"]
    assert not any("destinationList" in e for e in listed)
    # our own commissioning events keep our ILMD
    ilmds = [e["ilmd"] for e in listed if e.get("ilmd", {}).get("cbvmda:lotNumber")]
    assert {i["cbvmda:lotNumber"] for i in ilmds} >= {harvest.code, packed.code}


def _partner_event(ident: str, **extra: Any) -> dict[str, Any]:
    event = {
        "type": "ObjectEvent",
        "eventID": "urn:uuid:5b0e3c1e-0000-4000-8000-00000000aa01",
        "eventTime": "2026-03-20T07:30:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "quantityList": [{"epcClass": ident, "quantity": 100, "uom": "KGM"}],
        "readPoint": {"id": "urn:epc:id:sgln:8930000.00001.0"},
        "ex:truck": "51C-123.45",
    }
    event.update(extra)
    return {
        "@context": [
            "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            {"ex": "https://partner.example.com/ns/"},
        ],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-20T08:00:00+07:00",
        "epcisBody": {"eventList": [event]},
    }


def test_our_rules_warn_on_a_partner_event_and_the_lot_shows_it(
    farm, client, manager_client, api_token
):
    harvest, _packed = _story(farm)
    ours = epcis.lot_class_id(harvest.product, harvest.code)
    # shipping without a destinationList: refused if staff recorded it, kept from a partner
    r = _import(client, api_token, _partner_event(ours))
    assert r.status_code == 200, r.json
    assert r.json["recorded"] == ["urn:uuid:5b0e3c1e-0000-4000-8000-00000000aa01"]
    [warning] = r.json["warnings"]
    assert "Say where it went" in warning["message"]
    page = manager_client.get(f"/lots/{harvest.id}")
    assert "Say where it went" in page.get_data(as_text=True)


def test_an_error_declaration_for_an_imported_event_is_applied(farm, client, api_token):
    harvest, _packed = _story(farm)
    ours = epcis.lot_class_id(harvest.product, harvest.code)
    doc = _partner_event(ours, destinationList=[{"type": "owning_party", "destination": "urn:x:1"}])
    assert _import(client, api_token, doc).status_code == 200
    declared = copy.deepcopy(doc)
    declared["epcisBody"]["eventList"][0]["errorDeclaration"] = {
        "declarationTime": "2026-03-21T09:00:00+07:00",
        "reason": "incorrect_data",
        "correctiveEventIDs": ["urn:uuid:5b0e3c1e-0000-4000-8000-00000000aa02"],
    }
    r = _import(client, api_token, declared)
    assert r.status_code == 200, r.json
    assert r.json["declared"] == ["urn:uuid:5b0e3c1e-0000-4000-8000-00000000aa01"]
    assert r.json["duplicates"] == []
    event = db.session.query(TraceEvent).filter_by(lot_id=harvest.id, origin="import").one()
    db.session.expire(event)
    assert event.error_declaration is not None
    assert event.error_declaration.reason == "incorrect_data"
    export = client.get(f"/api/v1/batches/{harvest.id}/epcis", headers=bearer(api_token)).json
    [theirs] = [e for e in export["epcisBody"]["eventList"] if e.get("ex:truck")]
    assert theirs["errorDeclaration"]["reason"] == "incorrect_data"
    # a third time is a duplicate: nothing more to apply
    again = _import(client, api_token, declared)
    assert again.json["duplicates"] == ["urn:uuid:5b0e3c1e-0000-4000-8000-00000000aa01"]


def _big(doc: dict[str, Any], count: int) -> dict[str, Any]:
    """The document with ``count`` distinct copies of its first event."""
    first = doc["epcisBody"]["eventList"][0]
    doc["epcisBody"]["eventList"] = [
        {**first, "eventID": f"urn:uuid:00000000-0000-4000-8000-{n:012d}"} for n in range(count)
    ]
    return doc


def test_a_large_document_is_imported_by_a_background_job(
    app, farm, client, api_token, monkeypatch
):
    monkeypatch.setitem(app.config, "TRACEAPP_EPCIS_SYNC_BYTES", 20_000)
    doc = _big(_example("Example_9.6.1-ObjectEvent.jsonld"), 450)
    r = _import(client, api_token, doc)
    assert r.status_code == 202, r.json
    job_url = r.headers["Location"]
    job = client.get(job_url, headers=bearer(api_token))
    assert job.status_code == 200
    assert job.json["status"] == "done", job.json
    assert job.json["done"] == job.json["total"] == 450
    assert job.json["result"]["stored"] == 450
    assert db.session.query(ReceivedEvent).count() == 450
    assert db.session.query(SpooledUpload).count() == 0  # the upload is let go


def test_a_large_invalid_document_fails_its_job_and_stores_nothing(
    app, farm, client, api_token, monkeypatch
):
    monkeypatch.setitem(app.config, "TRACEAPP_EPCIS_SYNC_BYTES", 20_000)
    doc = _big(_example("Example_9.6.1-ObjectEvent.jsonld"), 450)
    del doc["epcisBody"]["eventList"][300]["eventTimeZoneOffset"]
    r = _import(client, api_token, doc)
    assert r.status_code == 202
    job = client.get(r.headers["Location"], headers=bearer(api_token)).json
    assert job["status"] == "failed"
    assert any("eventList[300]" in p and "eventTimeZoneOffset" in p for p in job["problems"])
    assert db.session.query(ReceivedEvent).count() == 0


def test_the_import_page_follows_a_large_import(app, farm, manager_client, monkeypatch):
    import io

    client = manager_client
    monkeypatch.setitem(app.config, "TRACEAPP_EPCIS_SYNC_BYTES", 20_000)
    body = json.dumps(_big(_example("Example_9.6.1-ObjectEvent.jsonld"), 300)).encode()
    r = client.form_post(
        "/lots/epcis-import",
        {"file": (io.BytesIO(body), "partner.jsonld")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    page = client.get(r.headers["Location"])
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "partner.jsonld" in text
    assert "300" in text
    assert db.session.query(ReceivedEvent).count() == 300


def test_an_event_time_beyond_the_calendar_is_refused_and_nothing_kept(farm, client, api_token):
    doc = _partner_event("urn:epc:class:lgtin:4012345.012345.998877")
    doc["epcisBody"]["eventList"].insert(
        0, {**doc["epcisBody"]["eventList"][0], "eventID": "urn:uuid:first-of-two"}
    )
    doc["epcisBody"]["eventList"][1]["eventTime"] = "0001-01-01T00:00:00+14:00"
    r = _import(client, api_token, doc)
    assert r.status_code == 422, r.json
    assert r.json["errors"]["json"]["event_time"]
    assert db.session.query(ReceivedEvent).count() == 0
