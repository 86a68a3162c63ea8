"""The lot pages as staff use them: create, contribute, record, trace, recall."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.farm import HARVEST, harvest_lot
from traceapp.batches.models import Contribution, Lot
from traceapp.extensions import db


def test_staff_creates_a_lot_and_adds_contributions(staff_client, farm):
    r = staff_client.form_post(
        "/lots/new",
        {
            "product_id": farm.peanuts.id,
            "production_date": HARVEST.isoformat(),
            "quantity": "300",
            "unit": "KGM",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    lot = db.session.execute(sa.select(Lot).order_by(Lot.id.desc())).scalars().first()
    page = staff_client.get(r.headers["Location"]).get_data(as_text=True)
    assert lot.code in page
    assert "Harvest / catch recorded" in page
    bad = staff_client.form_post(
        f"/lots/{lot.id}/contributions",
        {
            "c-member_id": farm.world.a.members[2].id,
            "c-zone_id": farm.field.id,
            "c-quantity": "100",
            "c-unit": "KGM",
            "c-delivered_on": HARVEST.isoformat(),
        },
    )
    assert bad.status_code == 422
    assert "grant" in bad.get_data(as_text=True)
    assert db.session.query(Contribution).filter_by(lot_id=lot.id).count() == 0
    ok = staff_client.form_post(
        f"/lots/{lot.id}/contributions",
        {
            "c-member_id": farm.growers[0].id,
            "c-zone_id": farm.field.id,
            "c-quantity": "300",
            "c-unit": "KGM",
            "c-delivered_on": HARVEST.isoformat(),
        },
    )
    assert ok.status_code == 302
    closed = staff_client.form_post(f"/lots/{lot.id}/close")
    assert closed.status_code == 302
    db.session.refresh(lot)
    assert lot.status.value == "closed"


def test_recording_a_shipment_from_the_lot_page(manager_client, farm):
    lot = harvest_lot(farm)
    r = manager_client.form_post(
        f"/lots/{lot.id}/events",
        {
            "e-biz_step": "shipping",
            "e-destination": "Công ty Nông sản Miền Trung",
            "e-party_type": "owning_party",
            "e-unit": "KGM",
            "e-zone_code": "",
            "e-disposition": "",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    page = manager_client.get(f"/lots/{lot.id}").get_data(as_text=True)
    assert "Công ty Nông sản Miền Trung" in page
    assert "Shipping" in page


def test_transform_then_recall_from_the_ui(manager_client, farm):
    lot = harvest_lot(farm, "200")
    form = manager_client.get(f"/lots/transform?from={lot.id}").get_data(as_text=True)
    assert lot.code in form
    r = manager_client.form_post(
        "/lots/transform",
        {
            "kind": "commingling",
            "inputs-0-lot_id": lot.id,
            "inputs-0-quantity": "200",
            "product_id": farm.peanuts_packed.id,
            "quantity": "200",
            "unit": "KGM",
            "production_date": HARVEST.isoformat(),
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    made = int(re.search(r"/lots/(\d+)", r.headers["Location"]).group(1))
    page = manager_client.get(f"/lots/{made}").get_data(as_text=True)
    assert lot.code in page  # one step back
    r = manager_client.form_post(
        f"/lots/{lot.id}/recall",
        {
            "reason": "Aflatoxin found",
            "instructions": "Do not eat; return it.",
            "decided_by": "Manager",
        },
    )
    assert r.status_code == 302
    report = manager_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Recall report" in report
    assert farm.growers[0].full_name in report
    assert "Recalled" in manager_client.get(f"/lots/{made}").get_data(as_text=True)


def test_epcis_download_from_the_lot_page(manager_client, farm):
    lot = harvest_lot(farm)
    r = manager_client.get(f"/lots/{lot.id}/epcis.jsonld")
    assert r.status_code == 200
    assert r.json["type"] == "EPCISDocument"
