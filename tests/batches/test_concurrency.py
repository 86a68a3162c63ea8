"""Lot codes and lot balances hold under concurrent requests, on both databases."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

from tests.concurrency import (
    at_once,
    cooperative_with_manager,
    loose_peanuts,
    peanut_bag,
    scratch_app,
)
from tests.conftest import make_app, scratch_database_url
from traceapp.auth.services import create_token
from traceapp.batches.models import Contribution, Lot, LotStatus
from traceapp.batches.services import balance, consumed
from traceapp.cooperatives.models import Member
from traceapp.extensions import db, limiter
from traceapp.zones.models import Zone, ZoneKind, ZoneStatus


def test_sixteen_concurrent_requests_get_distinct_gapless_codes(tmp_path):
    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            db.create_all()
            coop, user = cooperative_with_manager()
            product = loose_peanuts(coop)
            db.session.add_all([user, product])
            db.session.flush()
            token = create_token(user, user, "t")[1]
            product_id = product.id
            db.session.commit()
            db.session.remove()
        statuses: list[int] = []
        codes: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(16)

        def worker() -> None:
            client = app.test_client()
            start.wait()
            r = client.post(
                "/api/v1/batches",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "product_id": product_id,
                    "production_date": "2026-03-01",
                    "quantity": "10",
                    "unit": "KGM",
                },
            )
            with lock:
                statuses.append(r.status_code)
                if r.status_code == 201:
                    codes.append(r.json["code"])

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [201] * 16, statuses
        assert sorted(codes) == [f"SS-2026-{n:04d}" for n in range(1, 17)]
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def test_a_lot_closes_only_in_balance_while_contributions_come_and_go(tmp_path):
    # Closing checks the contributions' total against the lot's quantity; a delivery added or
    # withdrawn at the same moment must be refused once the lot is closed, not slip in after
    # the check and leave a closed lot out of balance.
    repetitions = 10
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
                district="Đồng Xuân",
                commune="Xuân Phước",
                status=ZoneStatus.APPROVED,
                valid_from=dt.date(2025, 1, 1),
                valid_until=dt.date(2028, 12, 31),
            )
            grower = Member(cooperative_id=coop.id, member_number="0001", full_name="Nông dân")
            field.members = [grower]
            db.session.add_all([user, peanuts, field, grower])
            db.session.flush()
            lots = []
            for n in range(1, repetitions + 1):
                lot = Lot(
                    cooperative_id=coop.id,
                    product_id=peanuts.id,
                    code=f"SS-2026-{n:04d}",
                    production_date=dt.date(2026, 3, 1),
                    quantity=Decimal(100),
                    unit="KGM",
                )
                db.session.add(lot)
                db.session.flush()
                whole = Contribution(
                    cooperative_id=coop.id,
                    lot_id=lot.id,
                    member_id=grower.id,
                    zone_id=field.id,
                    quantity=Decimal(100),
                    unit="KGM",
                    delivered_on=dt.date(2026, 3, 1),
                )
                db.session.add(whole)
                db.session.flush()
                lots.append((lot.id, whole.id))
            tokens = [create_token(user, user, f"client {i}")[1] for i in range(8)]
            member_id, zone_id = grower.id, field.id
            db.session.commit()
            db.session.remove()

        for lot_id, whole_id in lots:
            with app.app_context():
                limiter.reset()  # each app made in this process counts every API request

            def act(i: int, lot_id: int = lot_id, whole_id: int = whole_id) -> int:
                client = app.test_client()
                headers = {"Authorization": f"Bearer {tokens[i]}"}
                if i == 0:
                    r = client.post(f"/api/v1/batches/{lot_id}/close", headers=headers)
                elif i == 1:
                    r = client.post(
                        f"/api/v1/contributions/{whole_id}/void",
                        headers=headers,
                        json={"reason": "weighed twice"},
                    )
                else:
                    r = client.post(
                        f"/api/v1/batches/{lot_id}/contributions",
                        headers=headers,
                        json={"member_id": member_id, "zone_id": zone_id, "quantity": "10"},
                    )
                return r.status_code

            answers = at_once(8, act)
            assert all(isinstance(a, int) and a < 500 for a in answers), answers
            with app.app_context():
                lot = db.session.get_one(Lot, lot_id)
                state = balance(lot)
                closed = lot.status == LotStatus.CLOSED
                db.session.remove()
            assert answers[0] == (200 if closed else 422), answers
            if closed:
                assert state["ok"], f"lot {lot_id} closed with {state['contributed']} kg of 100"
                # whatever came after the close was refused as too late
                assert set(answers[1:]) <= {200, 201, 409}, answers


def test_transformations_taking_the_same_lots_in_either_order_wait_and_never_overdraw(
    tmp_path, caplog
):
    # Eight transformations at once, each taking 20 kg of lot A and 20 kg of lot B, half of
    # them naming B first: they lock both lots in one order, so they wait for each other
    # (no deadlock to retry), and five fit in the 100 kg of each.
    with scratch_app(tmp_path) as app:
        with app.app_context():
            coop, user = cooperative_with_manager()
            peanuts = loose_peanuts(coop)
            db.session.add_all([user, peanuts])
            db.session.flush()
            sources = [
                Lot(
                    cooperative_id=coop.id,
                    product_id=peanuts.id,
                    code=code,
                    production_date=dt.date(2026, 3, 1),
                    quantity=Decimal(100),
                    unit="KGM",
                    status=LotStatus.CLOSED,
                )
                for code in ("SS-A", "SS-B")
            ]
            db.session.add_all(sources)
            db.session.flush()
            tokens = [create_token(user, user, f"client {i}")[1] for i in range(8)]
            a, b = (lot.id for lot in sources)
            product_id = peanuts.id
            db.session.commit()
            db.session.remove()
            limiter.reset()

        def transform(i: int) -> tuple[int, dict]:
            order = [a, b] if i % 2 else [b, a]
            r = app.test_client().post(
                "/api/v1/batches",
                headers={"Authorization": f"Bearer {tokens[i]}"},
                json={
                    "product_id": product_id,
                    "production_date": "2026-03-02",
                    "quantity": "40",
                    "unit": "KGM",
                    "kind": "commingling",
                    "inputs": [{"lot_id": n, "quantity": "20"} for n in order],
                },
            )
            return r.status_code, r.json

        with caplog.at_level("WARNING", logger="traceapp"):
            answers = at_once(8, transform)
        assert all(isinstance(a, tuple) for a in answers), answers
        assert sorted(status for status, _ in answers) == [201] * 5 + [422] * 3, answers
        for status, body in answers:
            if status == 422:
                messages = [m for ms in body["errors"]["json"].values() for m in ms]
                assert any("has only 0 kg left" in m for m in messages), body
        assert not [r for r in caplog.records if "retried" in r.getMessage()], caplog.text
        with app.app_context():
            assert [consumed(db.session.get_one(Lot, n)) for n in (a, b)] == [100, 100]
            db.session.remove()


def test_a_recall_and_label_runs_on_what_was_made_from_the_lot_wait_for_each_other(
    tmp_path, caplog
):
    # A recall changes the status of its lot and of every lot made from it, which label runs
    # check under the lot's lock: it takes those locks first, in the one order, so the runs
    # on a lot made from the recalled one wait or are refused, and never deadlock with it.
    repetitions = 5
    with scratch_app(tmp_path) as app:
        with app.app_context():
            coop, user = cooperative_with_manager()
            peanuts = loose_peanuts(coop)
            bag = peanut_bag(coop, "P-1KG")
            db.session.add_all([user, peanuts, bag])
            db.session.flush()
            harvests = [
                Lot(
                    cooperative_id=coop.id,
                    product_id=peanuts.id,
                    code=f"SS-H{n}",
                    production_date=dt.date(2026, 3, 1),
                    quantity=Decimal(100),
                    unit="KGM",
                    status=LotStatus.CLOSED,
                )
                for n in range(repetitions)
            ]
            db.session.add_all(harvests)
            db.session.flush()
            tokens = [create_token(user, user, f"client {i}")[1] for i in range(8)]
            harvest_ids = [lot.id for lot in harvests]
            bag_id = bag.id
            db.session.commit()
            db.session.remove()

        for harvest_id in harvest_ids:
            with app.app_context():
                limiter.reset()  # each app made in this process counts every API request
            r = app.test_client().post(
                "/api/v1/batches",
                headers={"Authorization": f"Bearer {tokens[0]}"},
                json={
                    "product_id": bag_id,
                    "production_date": "2026-03-02",
                    "quantity": "100",
                    "unit": "KGM",
                    "kind": "packing",
                    "inputs": [{"lot_id": harvest_id, "quantity": "100"}],
                },
            )
            assert r.status_code == 201, r.json
            packed_id = r.json["id"]

            def act(i: int, harvest_id: int = harvest_id, packed_id: int = packed_id) -> tuple:
                client = app.test_client()
                headers = {"Authorization": f"Bearer {tokens[i]}"}
                if i == 0:
                    r = client.post(
                        f"/api/v1/batches/{harvest_id}/recall",
                        headers=headers,
                        json={
                            "reason": "aflatoxin over the limit",
                            "instructions": "Return the bags to the shop.",
                            "decided_by": "The manager",
                        },
                    )
                else:
                    r = client.post(
                        f"/api/v1/batches/{packed_id}/label-runs",
                        headers=headers,
                        json={"count": 10},
                    )
                return r.status_code, r.json

            with caplog.at_level("WARNING", logger="traceapp"):
                answers = at_once(8, act)
            assert all(isinstance(a, tuple) for a in answers), answers
            assert answers[0][0] == 201, answers[0]
            for status, body in answers[1:]:
                assert status in (201, 422), body
                if status == 422:
                    assert "is recalled" in body["errors"]["json"]["lot"][0], body
            assert not [r for r in caplog.records if "retried" in r.getMessage()], caplog.text
