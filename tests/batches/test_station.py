"""The weighing station and idempotent contributions: a delivery resent under the same key is
answered with the recorded one, never recorded twice (service, API and the station's own
endpoint)."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import bearer
from tests.farm import HARVEST
from traceapp.batches import services
from traceapp.batches.models import Contribution
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db


def _count(lot_id: int) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Contribution).where(Contribution.lot_id == lot_id)
    ).scalar_one()


@pytest.fixture
def open_lot(farm):
    lot = services.create_lot(
        farm.world.a.manager,
        product_id=farm.peanuts.id,
        production_date=HARVEST,
        quantity="500",
        unit="KGM",
    )
    db.session.flush()
    return lot


def test_a_repeated_key_answers_the_recorded_contribution(farm, open_lot):
    actor = farm.world.a.manager
    key = str(uuid.uuid4())
    entry = {"member_id": farm.growers[0].id, "zone_id": farm.field.id, "quantity": "42.5"}
    first = services.add_contribution(actor, open_lot, idempotency_key=key, **entry)
    again = services.add_contribution(actor, open_lot, idempotency_key=key, **entry)
    assert again.id == first.id
    assert _count(open_lot.id) == 1
    assert first.idempotency_key == key
    # without a key, or with another, it is a second delivery
    services.add_contribution(actor, open_lot, idempotency_key=str(uuid.uuid4()), **entry)
    services.add_contribution(actor, open_lot, **entry)
    assert _count(open_lot.id) == 3


def test_a_replay_after_the_lot_closed_still_answers_it(farm, open_lot):
    actor = farm.world.a.manager
    key = str(uuid.uuid4())
    entry = {"member_id": farm.growers[0].id, "zone_id": farm.field.id, "quantity": "500"}
    first = services.add_contribution(actor, open_lot, idempotency_key=key, **entry)
    services.close_lot(actor, open_lot)
    assert services.add_contribution(actor, open_lot, idempotency_key=key, **entry).id == first.id
    with pytest.raises(Conflict):  # a new delivery is refused: the lot is closed
        services.add_contribution(actor, open_lot, idempotency_key=str(uuid.uuid4()), **entry)


def test_a_key_of_another_delivery_or_malformed_is_refused(farm, open_lot):
    actor = farm.world.a.manager
    key = str(uuid.uuid4())
    services.add_contribution(
        actor,
        open_lot,
        member_id=farm.growers[0].id,
        zone_id=farm.field.id,
        quantity="10",
        idempotency_key=key,
    )
    with pytest.raises(Conflict, match="another delivery"):
        services.add_contribution(
            actor,
            open_lot,
            member_id=farm.growers[1].id,
            zone_id=farm.field.id,
            quantity="10",
            idempotency_key=key,
        )
    with pytest.raises(ValidationFailed) as exc:
        services.add_contribution(
            actor,
            open_lot,
            member_id=farm.growers[1].id,
            zone_id=farm.field.id,
            quantity="10",
            idempotency_key="no spaces here",
        )
    assert "idempotency_key" in exc.value.errors
    assert _count(open_lot.id) == 1


def test_the_api_answers_a_repeated_key_with_the_same_contribution(
    client, api_token, farm, open_lot
):
    body = {
        "member_id": farm.growers[0].id,
        "zone_id": farm.field.id,
        "quantity": "12.5",
        "idempotency_key": str(uuid.uuid4()),
    }
    url = f"/api/v1/batches/{open_lot.id}/contributions"
    first = client.post(url, json=body, headers=bearer(api_token))
    again = client.post(url, json=body, headers=bearer(api_token))
    assert first.status_code == again.status_code == 201, first.get_json()
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["idempotency_key"] == body["idempotency_key"]
    listed = client.get(url, headers=bearer(api_token)).get_json()
    assert [c["id"] for c in listed] == [first.get_json()["id"]]
    short = client.post(url, json={**body, "idempotency_key": "abc"}, headers=bearer(api_token))
    assert short.status_code == 422
    assert "idempotency_key" in short.get_json()["errors"]["json"]


def _station_post(client, lot_id, body, token):
    return client.post(
        f"/station/lots/{lot_id}/contributions",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Accept": "application/json", "X-CSRFToken": token},
    )


def _token(client) -> str:
    return client.get("/station/session.json").get_json()["csrf_token"]


def test_the_station_records_each_entry_once(manager_client, farm, open_lot):
    token = _token(manager_client)
    body = {
        "member_id": farm.growers[0].id,
        "zone_id": farm.field.id,
        "quantity": "30",
        "delivered_on": HARVEST.isoformat(),
        "idempotency_key": str(uuid.uuid4()),
    }
    first = _station_post(manager_client, open_lot.id, body, token)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.get_json()["recorded_text"] == "30 kg"
    again = _station_post(manager_client, open_lot.id, body, token)
    assert again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert _count(open_lot.id) == 1
    # refused entries answer the JSON envelope with the reason, by field
    wrong = _station_post(
        manager_client,
        open_lot.id,
        {**body, "idempotency_key": str(uuid.uuid4()), "zone_id": farm.ground.id},
        token,
    )
    assert wrong.status_code == 422
    assert "does not fit" in wrong.get_json()["errors"]["json"]["zone_id"][0]
    no_key = _station_post(manager_client, open_lot.id, {**body, "idempotency_key": ""}, token)
    assert no_key.status_code == 422
    not_json = manager_client.post(
        f"/station/lots/{open_lot.id}/contributions",
        data="member=1",
        content_type="application/json",
        headers={"Accept": "application/json", "X-CSRFToken": token},
    )
    assert not_json.status_code == 422
    assert _count(open_lot.id) == 1


def test_the_station_needs_the_csrf_token(manager_client, farm, open_lot):
    body = {
        "member_id": farm.growers[0].id,
        "zone_id": farm.field.id,
        "quantity": "30",
        "idempotency_key": str(uuid.uuid4()),
    }
    answer = _station_post(manager_client, open_lot.id, body, "forged")
    assert answer.status_code == 400
    assert _count(open_lot.id) == 0


def test_another_cooperative_cannot_weigh_into_the_lot(other_client, farm, open_lot):
    assert other_client.get(f"/station/lots/{open_lot.id}/members.json").status_code == 404
    body = {
        "member_id": farm.growers[0].id,
        "zone_id": farm.field.id,
        "quantity": "30",
        "idempotency_key": str(uuid.uuid4()),
    }
    answer = _station_post(other_client, open_lot.id, body, _token(other_client))
    assert answer.status_code == 404
    assert _count(open_lot.id) == 0


def test_the_member_list_gives_each_member_their_zones(manager_client, farm, open_lot):
    from traceapp.zones.models import Zone

    # The first grower registered on the second field only, the second grower on none.
    zones = db.session.scalars(
        sa.select(Zone).where(Zone.cooperative_id == open_lot.cooperative_id)
    )
    for zone in zones:
        zone.members = [m for m in zone.members if m not in farm.growers]
    farm.field2.members = [*farm.field2.members, farm.growers[0]]
    db.session.flush()
    data = manager_client.get(f"/station/lots/{open_lot.id}/members.json").get_json()
    assert data["lot"]["code"] == open_lot.code
    assert data["lot"]["unit_label"] == "kg"
    codes = {z["id"]: z["code"] for z in data["zones"]}
    # only approved zones of the kinds a peanut lot may come from (the rules' zone_kinds_for)
    assert {"VN-TEST-0001", "VN-TEST-0002"} <= set(codes.values())
    assert not {"VN-PYOFF-01", "54-TH-0001-001"} & set(codes.values())
    by_number = {m["number"]: m for m in data["members"]}
    grower = by_number[farm.growers[0].member_number]
    assert [codes[z] for z in grower["zones"]] == ["VN-TEST-0002"]
    assert by_number[farm.growers[1].member_number]["zones"] == []


def test_the_station_page_worker_and_manifest(manager_client, client, farm, open_lot):
    page = manager_client.get("/station/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert open_lot.code in html
    assert 'rel="manifest"' in html
    worker = client.get("/station/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert b"addEventListener('fetch'" in worker.data
    manifest = json.loads(client.get("/station/manifest.webmanifest").data)
    assert manifest["start_url"] == manifest["scope"] == "/station/"
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
    # an auditor records no deliveries
    assert client.get("/station/").status_code in (302, 401)


def test_eight_copies_of_one_entry_sent_at_once_record_it_once(tmp_path):
    # A phone that retries while its first attempt is still under way: the copies wait for
    # each other on the lot's lock, and every one answers the same contribution.
    import datetime as dt
    from decimal import Decimal

    from tests.concurrency import at_once, cooperative_with_manager, loose_peanuts, scratch_app
    from traceapp.auth.services import create_token
    from traceapp.batches.models import Lot
    from traceapp.cooperatives.models import Member
    from traceapp.extensions import limiter
    from traceapp.zones.models import Zone, ZoneKind, ZoneStatus

    with scratch_app(tmp_path) as app:
        with app.app_context():
            coop, user = cooperative_with_manager()
            peanuts = loose_peanuts(coop)
            field = Zone(
                cooperative_id=coop.id,
                code="VN-SS-0001",
                kind=ZoneKind.GROWING_AREA,
                crop="đậu phộng",
                province="Phú Yên",
                status=ZoneStatus.APPROVED,
                valid_from=dt.date(2025, 1, 1),
                valid_until=dt.date(2028, 12, 31),
            )
            grower = Member(cooperative_id=coop.id, member_number="0001", full_name="Nông dân")
            field.members = [grower]  # a delivery comes from a zone its member is registered on
            db.session.add_all([user, peanuts, field, grower])
            db.session.flush()
            lot = Lot(
                cooperative_id=coop.id,
                product_id=peanuts.id,
                code="SS-2026-0001",
                production_date=dt.date(2026, 3, 1),
                quantity=Decimal(100),
                unit="KGM",
            )
            db.session.add(lot)
            db.session.flush()
            tokens = [create_token(user, user, f"client {i}")[1] for i in range(8)]
            body = {
                "member_id": grower.id,
                "zone_id": field.id,
                "quantity": "25",
                "idempotency_key": str(uuid.uuid4()),
            }
            lot_id = lot.id
            db.session.commit()
            limiter.reset()
            db.session.remove()

        def send(i: int) -> tuple[int, int]:
            answer = app.test_client().post(
                f"/api/v1/batches/{lot_id}/contributions",
                json=body,
                headers={"Authorization": f"Bearer {tokens[i]}"},
            )
            return answer.status_code, answer.get_json().get("id")

        answers = at_once(8, send)
        assert {a[0] for a in answers} == {201}, answers
        assert len({a[1] for a in answers}) == 1, answers
        with app.app_context():
            assert _count(lot_id) == 1
            db.session.remove()
