"""The public gs1:epcis link streams the lot's public EPCIS document, unchanged."""

from __future__ import annotations

import json

from traceapp.batches import epcis
from traceapp.batches.models import Lot
from traceapp.extensions import db


def test_the_public_epcis_link_is_streamed_without_people(client, labelled):
    url = f"/gs1/epcis/01/{labelled.gtin}/10/{labelled.packed.code}"
    r = client.get(url, base_url="https://trace.example.vn", buffered=False)
    assert r.status_code == 200 and r.is_streamed
    assert r.mimetype == "application/ld+json"
    assert r.headers["Cache-Control"].startswith("public")
    text = r.get_data(as_text=True)
    r.close()
    doc = json.loads(text)
    built = epcis.lot_document(db.session.get_one(Lot, labelled.packed.id), public=True)
    built["creationDate"] = doc["creationDate"]
    assert text == json.dumps(built, ensure_ascii=False)
    events = doc["epcisBody"]["eventList"]
    assert events and not any("destinationList" in e for e in events)
    assert not any("traceapp:location" in e for e in events)
