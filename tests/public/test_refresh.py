"""A lapsed lot page outside a test transaction: shown once more while a background thread
rebuilds it, so a shopper never waits for the rebuild; a changed lot is never shown stale."""

from __future__ import annotations

import time

import sqlalchemy as sa

from tests.conftest import make_app, scratch_database_url
from tests.public.test_scanlog import _seed
from traceapp.auth.models import SYSTEM
from traceapp.extensions import db
from traceapp.public import page_cache
from traceapp.public.scan.connection import release_connection


def _page(client, serial: str) -> str:
    response = client.get(f"/l/{serial}?lang=vi")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_lapsed_page_is_rebuilt_in_the_background(tmp_path, monkeypatch):
    from traceapp.batches.models import Lot
    from traceapp.batches.recall import recall_lot
    from traceapp.products.models import Product

    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path)
        serials = _seed(app)
        client = app.test_client()
        try:
            for _ in range(2):  # Flask, then the fast path
                assert "Đậu phộng" in _page(client, serials[0])
            with app.app_context():
                db.session.scalars(sa.select(Product)).one().name = "Đậu phộng rang muối"
                db.session.commit()
                db.session.remove()
            monkeypatch.setattr(page_cache, "PAGE_TTL", 0.0)
            # The lapsed page answers at once; the rebuild happens beside it.
            assert "rang muối" not in _page(client, serials[1])
            deadline = time.monotonic() + 10
            while "rang muối" not in _page(client, serials[1]):
                assert time.monotonic() < deadline, "the lapsed page was never rebuilt"
                time.sleep(0.05)
            # A recall changes the lot: never shown from the old page, not even once.
            with app.app_context():
                lot = db.session.scalars(sa.select(Lot)).one()
                recall_lot(
                    SYSTEM, lot, reason="Nấm mốc", instructions="Trả lại nơi mua", decided_by="HTX"
                )
                db.session.commit()
                db.session.remove()
            assert "Nấm mốc" in _page(client, serials[2])
        finally:
            monkeypatch.setattr(page_cache, "PAGE_TTL", 60.0)
            deadline = time.monotonic() + 10
            while page_cache._refresher._wanted and time.monotonic() < deadline:
                time.sleep(0.05)
            with app.app_context():  # the scratch database goes with its folder or is dropped
                release_connection()
                db.engine.dispose()
