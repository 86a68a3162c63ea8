"""Checks at entry: a blocking problem is refused with its reason; an implausible quantity
asks for a confirmation with a reason, is recorded with it, and reaches the auditors' flags."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.conftest import bearer
from tests.farm import HARVEST
from tests.zones.conftest import auditor_token  # noqa: F401 - a fixture
from traceapp.audit.models import AuditRecord
from traceapp.batches import services
from traceapp.batches.models import Contribution, Lot
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.zones.models import ZoneStatus

REASON = "Weighed twice at the station; the household rents a second field."


def _field_of_2_7_ha(farm):
    farm.field.declared_area_ha = Decimal("2.7")
    db.session.flush()
    return farm.field


def _open_lot(farm, quantity="9000"):
    return services.create_lot(
        farm.world.a.manager,
        product_id=farm.peanuts.id,
        production_date=HARVEST,
        quantity=quantity,
        unit="KGM",
    )


def _contributions(lot):
    return db.session.execute(sa.select(Contribution).where(Contribution.lot_id == lot.id)).all()


def test_9000_kg_from_a_2_7_ha_field_is_stopped_in_the_form_and_reaches_the_auditor(
    staff_client, auditor_client, farm
):
    field = _field_of_2_7_ha(farm)
    lot = _open_lot(farm)
    form = {
        "c-member_id": farm.growers[0].id,
        "c-zone_id": field.id,
        "c-quantity": "9000",
        "c-unit": "KGM",
        "c-delivered_on": HARVEST.isoformat(),
    }
    stopped = staff_client.form_post(f"/lots/{lot.id}/contributions", form)
    assert stopped.status_code == 422
    page = stopped.get_data(as_text=True)
    # the reason, with the figures behind it: 2.7 ha x 3,000 kg/ha typical = 8,100 kg
    assert "Zone VN-TEST-0001 would then have 9,000 kg in the season" in page
    assert "more than its 2.7 ha typically yield (8,100 kg at 3,000 kg/ha)" in page
    assert 'name="c-confirm_implausible"' in page and 'name="c-confirmation_reason"' in page
    assert "Say why this quantity is right" in page
    assert _contributions(lot) == []

    # ticking the box without a reason is not enough
    half = staff_client.form_post(
        f"/lots/{lot.id}/contributions", form | {"c-confirm_implausible": "y"}
    )
    assert half.status_code == 422 and _contributions(lot) == []

    confirmed = staff_client.form_post(
        f"/lots/{lot.id}/contributions",
        form | {"c-confirm_implausible": "y", "c-confirmation_reason": REASON},
    )
    assert confirmed.status_code == 302
    [(contribution,)] = _contributions(lot)
    assert contribution.confirmation_reason == REASON
    assert contribution.entry_warnings[0]["capacity_kg"] == "8100.0"
    lot_page = staff_client.get(f"/lots/{lot.id}").get_data(as_text=True)
    assert f"confirmed despite a warning: {REASON}" in lot_page

    record = db.session.execute(
        sa.select(AuditRecord).where(AuditRecord.action == "lot.contribution")
    ).scalar_one()
    assert record.changes["confirmation_reason"]["after"] == REASON

    flags = auditor_client.get("/authority/flags?kind=implausible_entry").get_data(as_text=True)
    assert "Implausible delivery confirmed at entry" in flags
    assert f"{lot.code}: 9,000 kg from {farm.growers[0].full_name} (VN-TEST-0001)" in flags
    assert f"Reason given: {REASON}" in flags


def test_9000_kg_from_a_2_7_ha_field_through_the_api(client, farm, api_token, auditor_token):  # noqa: F811
    field = _field_of_2_7_ha(farm)
    lot = _open_lot(farm)
    url = f"/api/v1/batches/{lot.id}/contributions"
    body = {"member_id": farm.growers[0].id, "zone_id": field.id, "quantity": "9000"}
    stopped = client.post(url, json=body, headers=bearer(api_token))
    assert stopped.status_code == 422
    errors = stopped.get_json()["errors"]["json"]
    assert "more than its 2.7 ha typically yield (8,100 kg" in errors["quantity"][0]
    assert set(errors) == {"quantity", "confirm_implausible", "confirmation_reason"}
    assert _contributions(lot) == []

    ok = client.post(
        url,
        json=body | {"confirm_implausible": True, "confirmation_reason": REASON},
        headers=bearer(api_token),
    )
    assert ok.status_code == 201, ok.get_json()
    answer = ok.get_json()
    assert answer["confirmation_reason"] == REASON
    assert answer["entry_warnings"][0]["code"] == "yield"
    assert "9,000 kg in the season" in answer["entry_warnings"][0]["message"]

    flags = client.get(
        "/api/v1/authority/flags?kind=implausible_entry", headers=bearer(auditor_token)
    ).get_json()
    [flag] = flags
    assert flag["lot_code"] == lot.code and flag["zone_code"] == "VN-TEST-0001"
    assert flag["details"]["reason"] == REASON


def test_a_plausible_quantity_needs_no_confirmation_and_raises_no_flag(client, farm, auditor_token):  # noqa: F811
    lot = _open_lot(farm, "2000")
    services.add_contribution(
        farm.world.a.manager,
        lot,
        member_id=farm.growers[0].id,
        zone_id=farm.field.id,
        quantity="2000",
    )
    [(contribution,)] = _contributions(lot)
    assert contribution.entry_warnings is None and contribution.confirmation_reason is None
    flags = client.get(
        "/api/v1/authority/flags?kind=implausible_entry", headers=bearer(auditor_token)
    ).get_json()
    assert flags == []


def test_the_season_total_counts_what_was_already_delivered(farm):
    lot = _open_lot(farm, "7000")
    actor = farm.world.a.manager
    # field: 2 ha x 3,000 kg/ha typically = 6,000 kg in the season
    services.add_contribution(
        actor, lot, member_id=farm.growers[0].id, zone_id=farm.field.id, quantity="5000"
    )
    with pytest.raises(ValidationFailed) as exc:
        services.add_contribution(
            actor, lot, member_id=farm.growers[1].id, zone_id=farm.field.id, quantity="2000"
        )
    assert "7,000 kg in the season" in exc.value.errors["quantity"][0]
    # another season of the same zone starts from nothing
    later = _open_lot(farm, "2000")
    services.add_contribution(
        actor,
        later,
        member_id=farm.growers[1].id,
        zone_id=farm.field.id,
        quantity="2000",
        delivered_on=dt.date(2026, 5, 2),
    )


def test_a_packing_house_is_not_a_harvest_origin(staff_client, farm):
    lot = _open_lot(farm, "100")
    with pytest.raises(ValidationFailed) as exc:
        services.add_contribution(
            farm.world.a.manager,
            lot,
            member_id=farm.growers[0].id,
            zone_id=farm.packing.id,
            quantity="100",
        )
    assert exc.value.errors["zone_id"] == [
        "Zone VN-PYPH-0001 is a packing house, not where a harvest or catch comes from: choose "
        "a growing area, an aquaculture facility or a fishing ground."
    ]
    page = staff_client.get(f"/lots/{lot.id}").get_data(as_text=True)
    offered = re.search(r'<select[^>]*name="c-zone_id".*?</select>', page, re.S).group(0)
    assert "VN-TEST-0001" in offered and "VN-PYPH-0001" not in offered  # not offered either


def test_a_member_not_registered_on_the_zone_is_refused(client, farm, api_token):
    farm.field.members = [m for m in farm.field.members if m.id != farm.growers[1].id]
    db.session.flush()
    lot = _open_lot(farm, "100")
    r = client.post(
        f"/api/v1/batches/{lot.id}/contributions",
        json={"member_id": farm.growers[1].id, "zone_id": farm.field.id, "quantity": "100"},
        headers=bearer(api_token),
    )
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["errors"]["json"]["member_id"] == [
        f"{farm.growers[1].full_name} is not registered on zone VN-TEST-0001: add the household "
        "to the zone, or choose one of the member's zones."
    ]
    assert _contributions(lot) == []


def test_a_suspended_zone_is_refused_even_when_the_quantity_is_confirmed(farm):
    farm.field.status = ZoneStatus.SUSPENDED
    db.session.flush()
    lot = _open_lot(farm, "100")
    with pytest.raises(ValidationFailed) as exc:
        services.add_contribution(
            farm.world.a.manager,
            lot,
            member_id=farm.growers[0].id,
            zone_id=farm.field.id,
            quantity="100",
            confirm_implausible=True,
            confirmation_reason=REASON,
        )
    assert "is not approved and valid on the harvest date" in exc.value.errors["zone_id"][0]
    assert db.session.execute(sa.select(Lot).where(Lot.id == lot.id)).scalar_one()
