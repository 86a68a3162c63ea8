"""EPCIS exports are streamed (head, each event as read, tail) and say exactly what the
document built whole says: the lot's download, the API's lot and cooperative exports."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tests.batches.test_epcis_exchange import (
    _assert_valid,
    _import,
    _partner_event,
    _story,
    validator,  # noqa: F401 - a fixture
)
from tests.conftest import bearer
from traceapp.batches import epcis
from traceapp.batches.models import Lot
from traceapp.cooperatives.models import Cooperative
from traceapp.extensions import db


def _same(response: Any, built: dict[str, Any], **dump: Any) -> dict[str, Any]:
    """The streamed body is the whole document's text, byte for byte (but its timestamp)."""
    assert response.status_code == 200
    assert response.is_streamed and "Content-Length" not in response.headers
    assert response.mimetype == "application/ld+json"
    text = response.get_data(as_text=True)
    response.close()
    doc = json.loads(text)
    built["creationDate"] = doc["creationDate"]
    assert text == json.dumps(built, ensure_ascii=False, **dump)
    return doc


@pytest.fixture
def story(farm, client, api_token):
    harvest, packed = _story(farm)
    ours = epcis.lot_class_id(harvest.product, harvest.code)
    assert _import(client, api_token, _partner_event(ours)).status_code == 200
    return harvest, packed


def test_the_lot_download_is_streamed_and_unchanged(story, manager_client, validator):  # noqa: F811
    _harvest, packed = story
    r = manager_client.get(f"/lots/{packed.id}/epcis.jsonld", buffered=False)
    assert r.headers["Content-Disposition"] == f'attachment; filename="epcis-{packed.code}.jsonld"'
    lot = db.session.get_one(Lot, packed.id)
    doc = _same(r, epcis.lot_document(lot), indent=1)
    _assert_valid(validator, doc)
    kinds = {e["type"] for e in doc["epcisBody"]["eventList"]}
    assert kinds >= {"ObjectEvent", "TransformationEvent"}
    assert any(e.get("ex:truck") for e in doc["epcisBody"]["eventList"])  # the partner's


def test_the_api_exports_are_streamed_and_unchanged(story, client, api_token, validator):  # noqa: F811
    harvest, _packed = story
    r = client.get(f"/api/v1/batches/{harvest.id}/epcis", headers=bearer(api_token), buffered=False)
    assert r.headers["Content-Disposition"] == f'inline; filename="epcis-{harvest.code}.jsonld"'
    lot = db.session.get_one(Lot, harvest.id)
    _assert_valid(validator, _same(r, epcis.lot_document(lot), default=str))
    r = client.get("/api/v1/epcis", headers=bearer(api_token), buffered=False)
    coop = db.session.get_one(Cooperative, harvest.cooperative_id)
    assert r.headers["Content-Disposition"] == f'inline; filename="epcis-{coop.short_code}.jsonld"'
    doc = _same(r, epcis.cooperative_document(coop.id, None, None), default=str)
    _assert_valid(validator, doc)
    # the partner's event comes between ours, in time order
    partners = [e.get("ex:truck") is not None for e in doc["epcisBody"]["eventList"]]
    assert partners == [False, True, False]
    # An empty period is an empty list, written as the whole document would write it.
    r = client.get(
        "/api/v1/epcis",
        headers=bearer(api_token),
        query_string={"end": "2000-01-01T00:00:00Z"},
        buffered=False,
    )
    end = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    doc = _same(r, epcis.cooperative_document(coop.id, None, end), default=str)
    assert doc["epcisBody"]["eventList"] == []
