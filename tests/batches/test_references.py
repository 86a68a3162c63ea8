"""Zones, members and products named in a body or form belong to the lot's cooperative (issue 15).

Another cooperative's id is answered exactly like an id that does not exist, and nothing of
the foreign object (its code, kind or status) appears in the answer or in the lot's history.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa

from tests.conftest import bearer
from tests.zones.factories import ZoneFactory
from traceapp.batches import services
from traceapp.batches.models import Contribution, TraceEvent
from traceapp.extensions import db
from traceapp.products.models import Product
from traceapp.zones.models import ZoneKind, ZoneStatus

MISSING = 987654321


def _b_lot(world: Any) -> Any:
    """An open peanut lot of cooperative B."""
    product = Product(
        cooperative_id=world.b.coop.id,
        code="B-DP",
        name="Đậu phộng B",
        category="peanuts",
        unit_of_trade="kg",
        names={},
    )
    db.session.add(product)
    db.session.flush()
    return services.create_lot(
        world.b.manager,
        product_id=product.id,
        production_date=dt.date(2026, 3, 9),
        quantity="50",
        unit="KGM",
    )


def _a_draft_zone(world: Any) -> Any:
    return ZoneFactory(
        cooperative=world.a.coop,
        code="VN-PYDX-7777",
        kind=ZoneKind.AQUACULTURE_FACILITY,
        status=ZoneStatus.DRAFT,
    )


def _stored(model: Any, lot: Any) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(model).where(model.lot_id == lot.id)
    )


def _secrets_absent(text: str, zone: Any) -> None:
    for secret in (zone.code, "Draft", "draft", "Aquaculture", "aquaculture"):
        assert secret not in text, secret


def test_a_contribution_naming_another_cooperatives_zone_reveals_nothing(
    client, other_token, world
):
    zone = _a_draft_zone(world)
    lot = _b_lot(world)
    answers = []
    for zone_id in (zone.id, MISSING):
        r = client.post(
            f"/api/v1/batches/{lot.id}/contributions",
            headers=bearer(other_token),
            json={"member_id": world.b.members[0].id, "zone_id": zone_id, "quantity": "50"},
        )
        answers.append((r.status_code, r.json))
    assert answers[0] == answers[1]
    status, body = answers[0]
    assert status == 422
    assert body["errors"]["json"] == {"zone_id": ["No such zone code in the lot's cooperative."]}
    _secrets_absent(str(body), zone)
    assert _stored(Contribution, lot) == 0


def test_an_event_cannot_borrow_another_cooperatives_zone_code(client, other_token, world):
    zone = _a_draft_zone(world)
    lot = _b_lot(world)
    before = _stored(TraceEvent, lot)
    answers = []
    for zone_id in (zone.id, MISSING):
        r = client.post(
            f"/api/v1/batches/{lot.id}/events",
            headers=bearer(other_token),
            json={"biz_step": "inspecting", "disposition": "conformant", "zone_id": zone_id},
        )
        answers.append((r.status_code, r.json))
    assert answers[0] == answers[1]
    assert answers[0][0] == 422
    assert answers[0][1]["errors"]["json"] == {
        "zone_id": ["No such zone code in the lot's cooperative."]
    }
    assert _stored(TraceEvent, lot) == before
    # so the code cannot reach the lot's EPCIS document (nor the public gs1:epcis link)
    export = client.get(f"/api/v1/batches/{lot.id}/epcis", headers=bearer(other_token))
    assert export.status_code == 200 and zone.code not in export.get_data(as_text=True)


def test_the_forms_lot_page_refuse_a_foreign_zone_like_a_missing_one(other_client, world):
    zone = _a_draft_zone(world)
    lot = _b_lot(world)
    forms = {
        "events": {
            "e-biz_step": "inspecting",
            "e-disposition": "conformant",
            "e-unit": "KGM",
            "e-party_type": "owning_party",
        },
        "contributions": {
            "c-member_id": str(world.b.members[0].id),
            "c-quantity": "50",
            "c-unit": "KGM",
            "c-delivered_on": "2026-03-09",
        },
    }
    for path, data in forms.items():
        pages = []
        if path == "events":
            # The event form takes a typed code: the foreign one is answered like a code no
            # cooperative has (only what was typed comes back, in its field).
            for code in (zone.code, "VN-NONE-0000"):
                r = other_client.form_post(f"/lots/{lot.id}/{path}", {**data, "e-zone_code": code})
                html = r.get_data(as_text=True)
                assert r.status_code == 422, path
                assert "No such zone code in the lot&#39;s cooperative." in html, path
                assert 'id="e-zone_code-err"' in html
                pages.append(re.sub(r"<input[^>]*csrf_token[^>]*>", "", html.replace(code, "?")))
            assert pages[0] == pages[1]
            continue
        for zone_id in (zone.id, MISSING):
            r = other_client.form_post(
                f"/lots/{lot.id}/{path}", {**data, "c-zone_id": str(zone_id)}
            )
            html = r.get_data(as_text=True)
            assert r.status_code == 422, path
            assert "No such zone code in the lot&#39;s cooperative." in html, path
            assert zone.code not in html, path
            pages.append(r.status_code)
        assert pages[0] == pages[1]
    assert _stored(Contribution, lot) == 0
    assert _stored(TraceEvent, lot) == 1  # its commissioning only


def test_an_administrator_names_only_the_lots_own_cooperatives_zones(client, admin_token, world):
    a_zone = _a_draft_zone(world)
    b_zone = ZoneFactory(cooperative=world.b.coop, code="VN-KH-0001", province="Khánh Hòa")
    lot = _b_lot(world)
    url = f"/api/v1/batches/{lot.id}/events"
    refused = client.post(
        url,
        headers=bearer(admin_token),
        json={"biz_step": "inspecting", "disposition": "conformant", "zone_id": a_zone.id},
    )
    assert refused.status_code == 422
    assert refused.json["errors"]["json"] == {
        "zone_id": ["No such zone code in the lot's cooperative."]
    }
    ok = client.post(
        url,
        headers=bearer(admin_token),
        json={"biz_step": "inspecting", "disposition": "conformant", "zone_id": b_zone.id},
    )
    assert ok.status_code == 201, ok.json
    assert ok.json["zone_id"] == b_zone.id


def test_a_typed_delivery_reads_a_foreign_zone_code_like_a_missing_one(
    other_client, world, monkeypatch
):
    from traceapp.batches import forms_lot_page

    monkeypatch.setattr(forms_lot_page, "LISTED", 0)  # members and zones typed
    zone = _a_draft_zone(world)
    lot = _b_lot(world)
    data = {
        "c-member_number": world.b.members[0].member_number,
        "c-quantity": "50",
        "c-unit": "KGM",
        "c-delivered_on": "2026-03-09",
    }
    pages = []
    for code in (zone.code, "VN-NONE-0000"):
        r = other_client.form_post(f"/lots/{lot.id}/contributions", {**data, "c-zone_code": code})
        html = r.get_data(as_text=True)
        assert r.status_code == 422
        assert re.search(r'id="c-zone_code-err">No such zone code', html)
        pages.append(re.sub(r"<input[^>]*csrf_token[^>]*>", "", html.replace(code, "?")))
    assert pages[0] == pages[1]
    assert _stored(Contribution, lot) == 0
