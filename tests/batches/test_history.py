"""Events: recorded, never changed; mistakes corrected by an error declaration."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import bearer, requires_postgres
from tests.farm import harvest_lot
from traceapp.batches import corrections
from traceapp.batches import events as ev
from traceapp.batches.models import ImmutableError, TraceEvent
from traceapp.errors import ValidationFailed
from traceapp.extensions import db


def test_shipping_needs_a_destination_and_inspections_a_result(farm):
    lot = harvest_lot(farm)
    actor = farm.world.a.manager
    with pytest.raises(ValidationFailed) as exc:
        ev.record_event(actor, lot, biz_step="shipping")
    assert "destinations" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        ev.record_event(actor, lot, biz_step="inspecting")
    assert "disposition" in exc.value.errors
    shipped = ev.record_event(
        actor,
        lot,
        biz_step="shipping",
        destinations=[{"type": "owning_party", "name": "Siêu thị Tuy Hòa"}],
    )
    assert shipped.disposition == "in_transit"


def test_no_code_path_changes_or_deletes_an_event(farm):
    lot = harvest_lot(farm)
    event = (
        db.session.execute(sa.select(TraceEvent).where(TraceEvent.lot_id == lot.id))
        .scalars()
        .first()
    )
    event.biz_step = "shipping"
    with pytest.raises(ImmutableError):
        db.session.flush()
    db.session.rollback()


@requires_postgres
def test_postgres_refuses_raw_updates_of_events(farm):
    lot = harvest_lot(farm)
    db.session.flush()
    with pytest.raises(sa.exc.DBAPIError, match="immutable"), db.session.begin_nested():
        db.session.execute(
            sa.text("UPDATE trace_events SET biz_step = 'x' WHERE lot_id = :id"), {"id": lot.id}
        )


def test_a_correction_keeps_the_original_and_shows_both(farm, client, api_token):
    lot = harvest_lot(farm)
    actor = farm.world.a.manager
    wrong = ev.record_event(
        actor,
        lot,
        biz_step="shipping",
        destinations=[{"type": "owning_party", "name": "Wrong buyer"}],
    )
    r = client.post(
        f"/api/v1/events/{wrong.id}/error-declaration",
        headers=bearer(api_token),
        json={
            "reason": "incorrect_data",
            "explanation": "Shipped to the other shop",
            "corrections": [
                {
                    "biz_step": "shipping",
                    "destinations": [{"type": "owning_party", "name": "Right buyer"}],
                }
            ],
        },
    )
    assert r.status_code == 201, r.json
    history = client.get(f"/api/v1/batches/{lot.id}/events", headers=bearer(api_token)).json
    original = next(e for e in history if e["id"] == wrong.id)
    assert original["destinations"][0]["name"] == "Wrong buyer"
    assert original["error_declaration"]["reason"] == "incorrect_data"
    fixed = [e for e in history if e["corrects_id"] == wrong.id]
    assert fixed[0]["destinations"][0]["name"] == "Right buyer"
    assert original["error_declaration"]["corrective_event_uids"] == [fixed[0]["event_uid"]]
    again = client.post(
        f"/api/v1/events/{wrong.id}/error-declaration",
        headers=bearer(api_token),
        json={"reason": "did_not_occur", "explanation": "twice?"},
    )
    assert again.status_code == 409


def test_lot_page_shows_the_correction(manager_client, farm):
    lot = harvest_lot(farm)
    actor = farm.world.a.manager
    wrong = ev.record_event(actor, lot, biz_step="inspecting", disposition="non_conformant")
    corrections.declare_error(
        actor,
        wrong,
        reason="incorrect_data",
        explanation="Wrong sample tested",
        corrections=[{"biz_step": "inspecting", "disposition": "conformant"}],
    )
    html = manager_client.get(f"/lots/{lot.id}").get_data(as_text=True)
    assert "declared wrong" in html
    assert "Wrong sample tested" in html
    assert "correction" in html


def test_events_on_a_recalled_lot_are_limited(farm):
    from traceapp.batches.recall import recall_lot

    lot = harvest_lot(farm)
    actor = farm.world.a.manager
    recall_lot(
        actor,
        lot,
        reason="aflatoxin found",
        instructions="Do not eat; return it.",
        decided_by="Manager A",
    )
    with pytest.raises(ValidationFailed):
        ev.record_event(
            actor, lot, biz_step="shipping", destinations=[{"type": "owning_party", "name": "Shop"}]
        )
    destroyed = ev.record_event(actor, lot, biz_step="destroying")
    assert destroyed.disposition == "destroyed"
