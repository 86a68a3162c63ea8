"""A partner's EPCIS document is kept a batch at a time (issue 21): the database work does
not grow with each event, the audit trail still holds one record per event, and the fast
schema check agrees with jsonschema on GS1's examples."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import sqlalchemy as sa

from tests.batches.test_epcis_exchange import EXAMPLES, SHARED, _example, _import, _story
from traceapp.audit.models import AuditRecord
from traceapp.batches import epcis
from traceapp.batches.epcis_schema import _fast_validator, _validator
from traceapp.batches.models import TraceEvent
from traceapp.extensions import db

pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/epcis is absent")


def _document(ident: str, first: int, count: int) -> dict[str, Any]:
    doc = _example("Example_9.6.1-ObjectEvent.jsonld")
    event = doc["epcisBody"]["eventList"][0]
    events = []
    for n in range(first, first + count):
        one = copy.deepcopy(event)
        one["eventID"] = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
        one["quantityList"] = [{"epcClass": ident, "quantity": 10, "uom": "KGM"}]
        events.append(one)
    doc["epcisBody"]["eventList"] = events
    return doc


def _reads(client: Any, token: str, doc: dict[str, Any]) -> int:
    seen: list[str] = []

    def count(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):
            seen.append(args[2])

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        r = _import(client, token, doc)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert r.status_code == 200, r.json
    assert len(r.json["recorded"]) == len(doc["epcisBody"]["eventList"])
    return len(seen)


def test_ten_times_the_events_take_about_the_same_number_of_reads(farm, client, api_token):
    harvest, _packed = _story(farm)
    ours = epcis.lot_class_id(harvest.product, harvest.code)
    small = _reads(client, api_token, _document(ours, 0, 20))
    large = _reads(client, api_token, _document(ours, 100, 200))
    # Read event by event, it was three or more queries each (600 more here).
    assert large < small + 20, (small, large)
    on_lot = db.session.scalars(
        sa.select(TraceEvent.id).where(
            TraceEvent.lot_id == harvest.id, TraceEvent.origin == "import"
        )
    ).all()
    assert len(on_lot) == 220
    audited = db.session.scalars(
        sa.select(AuditRecord.object_id).where(AuditRecord.action == "event.record")
    ).all()
    assert {str(i) for i in on_lot} <= {str(i) for i in audited}


def test_an_event_named_twice_in_one_document_is_kept_once(farm, client, api_token):
    harvest, _packed = _story(farm)
    ours = epcis.lot_class_id(harvest.product, harvest.code)
    doc = _document(ours, 0, 3)
    doc["epcisBody"]["eventList"].append(copy.deepcopy(doc["epcisBody"]["eventList"][1]))
    r = _import(client, api_token, doc)
    assert r.status_code == 200, r.json
    assert len(r.json["recorded"]) == 3
    assert r.json["duplicates"] == ["urn:uuid:00000000-0000-4000-8000-000000000001"]


def test_the_fast_check_agrees_with_jsonschema_on_gs1_examples():
    path = str(SHARED / "EPCIS-JSON-Schema.json")
    fast, slow = _fast_validator(path), _validator(path)
    assert fast is not None
    for name in EXAMPLES:
        doc = json.loads((SHARED / "gs1-examples" / name).read_text(encoding="utf-8"))
        assert fast.is_valid(doc) == (not list(slow.iter_errors(doc))), name
        broken = copy.deepcopy(doc)
        for event in broken.get("epcisBody", {}).get("eventList", [])[:1]:
            event["eventTime"] = "2026-13-01T00:00:00Z"  # a date-time format error
            assert not fast.is_valid(broken), name
            assert list(slow.iter_errors(broken)), name
