"""Lot codes stay distinct and gapless under concurrent requests, on both databases."""

from __future__ import annotations

import threading

from tests.conftest import make_app, scratch_database_url
from traceapp.auth.models import Role, User
from traceapp.auth.services import create_token
from traceapp.cooperatives.models import Cooperative
from traceapp.extensions import db
from traceapp.products.models import Product


def test_sixteen_concurrent_requests_get_distinct_gapless_codes(tmp_path):
    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            db.create_all()
            coop = Cooperative(name="HTX Song Song", short_code="SS", province="Phú Yên")
            db.session.add(coop)
            db.session.flush()
            user = User(
                email="m@ss.test",
                full_name="M",
                password_hash="x",
                role=Role.MANAGER,
                cooperative_id=coop.id,
            )
            product = Product(
                cooperative_id=coop.id,
                code="P",
                name="Đậu phộng",
                category="peanuts",
                unit_of_trade="kg",
                names={},
            )
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
