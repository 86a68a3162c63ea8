"""Lots and contributions: codes, rules (membership, zone, mark grant), closing, yields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from tests.conftest import bearer
from tests.farm import HARVEST, harvest_lot
from traceapp.batches import services, yields
from traceapp.batches.models import Lot, LotStatus, TraceEvent
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.zones.models import ZoneStatus


def test_lot_codes_are_allocated_per_cooperative_and_year(farm):
    first = services.create_lot(
        farm.world.a.manager,
        product_id=farm.peanuts.id,
        production_date=HARVEST,
        quantity="10",
        unit="KGM",
    )
    second = services.create_lot(
        farm.world.a.manager,
        product_id=farm.tuna.id,
        production_date=HARVEST,
        quantity="10",
        unit="KGM",
        catch_data={
            "catch_area": "71",
            "economic_zone": "VNM",
            "gear_type": "LHP",
            "trip_start": "2026-03-01",
            "trip_end": "2026-03-08",
            "landing_port": "Phú Lạc",
        },
    )
    code = farm.coop.short_code
    assert first.code == f"{code}-2026-0001"
    assert second.code == f"{code}-2026-0002"
    older = services.create_lot(
        farm.world.a.manager,
        product_id=farm.peanuts.id,
        production_date=dt.date(2025, 11, 2),
        quantity="5",
        unit="KGM",
    )
    assert older.code == f"{code}-2025-0001"


def test_creating_a_lot_records_its_commissioning_event(farm):
    lot = services.create_lot(
        farm.world.a.manager,
        product_id=farm.peanuts_packed.id,
        production_date=HARVEST,
        quantity="250",
        unit="KGM",
    )
    event = db.session.execute(
        sa.select(TraceEvent).where(TraceEvent.lot_id == lot.id)
    ).scalar_one()
    assert (event.event_type, event.action, event.biz_step) == (
        "ObjectEvent",
        "ADD",
        "commissioning",
    )
    assert event.ilmd["lotNumber"] == lot.code
    assert event.tz_offset == "+07:00"
    assert lot.best_before == HARVEST + dt.timedelta(days=180)  # from the product's shelf life


def test_a_lot_made_today_saves_in_the_morning(farm, monkeypatch):
    # The form pre-fills today's date; its harvest event defaults to noon, which is still
    # ahead at 06:00: the lot must save, with the event at the present moment.
    from zoneinfo import ZoneInfo

    from traceapp.batches import events
    from traceapp.database import local_today

    today = local_today()
    morning = dt.datetime.combine(today, dt.time(6, 0), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    monkeypatch.setattr(events, "now_utc", lambda: morning.astimezone(dt.UTC))
    lot = services.create_lot(
        farm.world.a.manager,
        product_id=farm.peanuts.id,
        production_date=today,
        quantity="40",
        unit="KGM",
    )
    event = db.session.execute(
        sa.select(TraceEvent).where(TraceEvent.lot_id == lot.id)
    ).scalar_one()
    assert event.event_time == morning.astimezone(dt.UTC)
    earlier = services.create_lot(
        farm.world.a.manager,
        product_id=farm.peanuts.id,
        production_date=today - dt.timedelta(days=1),
        quantity="40",
        unit="KGM",
    )
    event = db.session.execute(
        sa.select(TraceEvent).where(TraceEvent.lot_id == earlier.id)
    ).scalar_one()
    assert event.event_time.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).time() == dt.time(12, 0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "-5", "more than zero"),
        ("unit", "BAG", "Unknown unit"),
        ("code", "LOT#1 é", "GS1 AI 10"),
        ("production_date", "2099-01-01", "future"),
        ("best_before", "2026-01-01", "earlier than production"),
    ],
)
def test_bad_lot_input_is_refused_naming_the_field(client, api_token, farm, field, value, message):
    body = {
        "product_id": farm.peanuts.id,
        "production_date": HARVEST.isoformat(),
        "quantity": "100",
        "unit": "KGM",
        field: value,
    }
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Lot))
    r = client.post("/api/v1/batches", json=body, headers=bearer(api_token))
    assert r.status_code == 422, r.json
    assert message in " ".join(r.json["errors"]["json"][field])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lot)) == before


def test_duplicate_lot_code_of_a_product_is_refused(farm):
    services.create_lot(
        farm.world.a.manager,
        product_id=farm.peanuts.id,
        production_date=HARVEST,
        quantity="1",
        unit="KGM",
        code="DP-01",
    )
    with pytest.raises(ValidationFailed) as exc:
        services.create_lot(
            farm.world.a.manager,
            product_id=farm.peanuts.id,
            production_date=HARVEST,
            quantity="1",
            unit="KGM",
            code="DP-01",
        )
    assert "already exists" in exc.value.errors["code"][0]


def test_fishing_lots_need_gdst_catch_data(farm):
    with pytest.raises(ValidationFailed) as exc:
        services.create_lot(
            farm.world.a.manager,
            product_id=farm.tuna.id,
            production_date=HARVEST,
            quantity="500",
            unit="KGM",
            catch_data={"catch_area": "71"},
        )
    errors = exc.value.errors
    assert {"catch_data.gear_type", "catch_data.trip_start", "catch_data.landing_port"} <= set(
        errors
    )
    with pytest.raises(ValidationFailed) as exc:
        services.create_lot(
            farm.world.a.manager,
            product_id=farm.lobster.id,
            production_date=HARVEST,
            quantity="50",
            unit="KGM",
        )
    assert "aquaculture_method" in exc.value.errors


def test_contribution_rules(farm):
    actor = farm.world.a.manager
    lot = services.create_lot(
        actor, product_id=farm.peanuts.id, production_date=HARVEST, quantity="100", unit="KGM"
    )

    def problem(member_id, zone_id):
        with pytest.raises(ValidationFailed) as exc:
            services.add_contribution(
                actor, lot, member_id=member_id, zone_id=zone_id, quantity="10"
            )
        return exc.value.errors

    outsider = farm.world.b.members[0]
    assert "not a member" in problem(outsider.id, farm.field.id)["member_id"][0]
    # the third member holds no grant of the mark
    no_grant = farm.world.a.members[2]
    assert "grant" in problem(no_grant.id, farm.field.id)["member_id"][0]
    # a fishing ground does not fit peanuts
    assert "does not fit" in problem(farm.growers[0].id, farm.ground.id)["zone_id"][0]
    # a zone suspended is not approved
    farm.field2.status = ZoneStatus.SUSPENDED
    db.session.flush()
    assert "not approved" in problem(farm.growers[0].id, farm.field2.id)["zone_id"][0]
    # a zone that expired before the harvest
    farm.field2.status = ZoneStatus.APPROVED
    farm.field2.valid_until = HARVEST - dt.timedelta(days=1)
    db.session.flush()
    assert "not approved and valid" in problem(farm.growers[0].id, farm.field2.id)["zone_id"][0]
    ok = services.add_contribution(
        actor, lot, member_id=farm.growers[0].id, zone_id=farm.field.id, quantity="10"
    )
    assert ok.id is not None


def test_a_catch_comes_from_a_vessel(farm):
    actor = farm.world.a.manager
    lot = services.create_lot(
        actor,
        product_id=farm.tuna.id,
        production_date=HARVEST,
        quantity="500",
        unit="KGM",
        catch_data={
            "catch_area": "71",
            "economic_zone": "VNM",
            "gear_type": "LHP",
            "trip_start": "2026-03-01",
            "trip_end": "2026-03-09",
            "landing_port": "Phú Lạc",
        },
    )
    with pytest.raises(ValidationFailed) as exc:
        services.add_contribution(
            actor, lot, member_id=farm.growers[0].id, zone_id=farm.ground.id, quantity="10"
        )
    assert "vessel" in exc.value.errors["member_id"][0]
    services.add_contribution(
        actor, lot, member_id=farm.fisher.id, zone_id=farm.ground.id, quantity="500"
    )
    services.close_lot(actor, lot)
    assert lot.status == LotStatus.CLOSED


def test_a_lot_closes_only_when_contributions_add_up(farm):
    actor = farm.world.a.manager
    lot = services.create_lot(
        actor, product_id=farm.peanuts.id, production_date=HARVEST, quantity="1000", unit="KGM"
    )
    services.add_contribution(
        actor, lot, member_id=farm.growers[0].id, zone_id=farm.field.id, quantity="600"
    )
    with pytest.raises(ValidationFailed) as exc:
        services.close_lot(actor, lot)
    assert "600 kg" in exc.value.errors["quantity"][0]
    assert "1,000 kg" in exc.value.errors["quantity"][0]  # English grouping (tests read English)
    with force_locale("vi"), pytest.raises(ValidationFailed) as exc:
        services.close_lot(actor, lot)
    assert "1.000 kg" in exc.value.errors["quantity"][0]  # the reader's locale, not the code's
    # 390 kg more: 990 of 1000 is within the 2 % tolerance
    services.add_contribution(
        actor,
        lot,
        member_id=farm.growers[1].id,
        zone_id=farm.field.id,
        quantity="390000",
        unit="GRM",
    )
    services.close_lot(actor, lot)
    assert lot.status == LotStatus.CLOSED
    with pytest.raises(Conflict):
        services.add_contribution(
            actor, lot, member_id=farm.growers[0].id, zone_id=farm.field.id, quantity="1"
        )


def test_withdrawn_contributions_do_not_count(farm):
    actor = farm.world.a.manager
    lot = harvest_lot(
        farm,
        "100",
        [(farm.growers[0], farm.field, "100"), (farm.growers[1], farm.field, "50")],
        close=False,
    )
    with pytest.raises(ValidationFailed):
        services.close_lot(actor, lot)
    wrong = services.active_contributions(lot)[1]
    services.void_contribution(actor, wrong, "weighed twice")
    services.close_lot(actor, lot)
    assert wrong.voided_at is not None  # kept, marked, not deleted


def test_overclaiming_a_zone_is_flagged_not_refused(farm):
    # field2 declares 1 ha; peanuts typically yield at most 4.5 t/ha per 4-month season
    lot = harvest_lot(
        farm, "5000", [(farm.growers[0], farm.field2, "5000")], confirm="weighed twice"
    )
    assert lot.status == LotStatus.CLOSED
    warnings = yields.lot_warnings(lot)
    assert [w.zone.code for w in warnings] == ["VN-TEST-0002"]
    assert warnings[0].declared_kg == Decimal("5000")
    assert warnings[0].capacity_kg == Decimal("4500.0")
    assert [c.zone.code for c in yields.overclaimed()] == ["VN-TEST-0002"]
    within = harvest_lot(farm, "500", [(farm.growers[0], farm.field, "500")])
    assert yields.lot_warnings(within) == []


def test_staff_records_lots_but_cannot_recall(farm, staff_client, client, world):
    from traceapp.auth.services import create_token

    token = create_token(world.a.staff, world.a.staff, "t")[1]
    r = client.post(
        "/api/v1/batches",
        headers=bearer(token),
        json={
            "product_id": farm.peanuts.id,
            "production_date": HARVEST.isoformat(),
            "quantity": "10",
            "unit": "KGM",
        },
    )
    assert r.status_code == 201
    r2 = client.post(
        f"/api/v1/batches/{r.json['id']}/recall",
        headers=bearer(token),
        json={"reason": "a test recall", "instructions": "return it", "decided_by": "staff"},
    )
    assert r2.status_code == 403


def test_a_zone_pushed_over_its_season_by_another_lot_is_flagged_on_both_lots(farm):
    # field2: 1 ha of peanuts, at most 4.5 t in a 4-month season, all lots together.
    first = harvest_lot(
        farm, "3000", [(farm.growers[0], farm.field2, "3000")], confirm="weighed twice"
    )
    assert yields.lot_warnings(first) == []
    second = harvest_lot(
        farm, "2000", [(farm.growers[1], farm.field2, "2000")], confirm="weighed twice"
    )
    for lot in (first, second):
        [warning] = yields.lot_warnings(lot)
        assert warning.zone.code == "VN-TEST-0002"
        assert warning.declared_kg == Decimal("5000")
        assert sorted(warning.lot_codes) == sorted([first.code, second.code])


def test_a_zone_over_a_season_only_across_two_seasons_is_not_flagged(farm):
    # 3 t in each of two seasons of the same year: 6 t in the year, no season over 4.5 t.
    day = dt.date(HARVEST.year, 1, 15)
    later = dt.date(HARVEST.year, 6, 15)
    a = harvest_lot(
        farm,
        "3000",
        [(farm.growers[0], farm.field2, "3000")],
        confirm="weighed twice",
        production_date=day,
    )
    b = harvest_lot(
        farm,
        "3000",
        [(farm.growers[1], farm.field2, "3000")],
        confirm="weighed twice",
        production_date=later,
    )
    assert yields.lot_warnings(a) == []
    assert yields.lot_warnings(b) == []
    # A third delivery in the first season tips it over: flagged there, not in the other.
    c = harvest_lot(
        farm,
        "2000",
        [(farm.growers[0], farm.field2, "2000")],
        confirm="weighed twice",
        production_date=day,
    )
    assert [w.season_start for w in yields.lot_warnings(c)] == [dt.date(HARVEST.year, 1, 1)]
    assert [w.declared_kg for w in yields.lot_warnings(a)] == [Decimal("5000")]
    assert yields.lot_warnings(b) == []
