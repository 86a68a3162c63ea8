"""The demo products step: loads through the services, twice without duplicates."""

from __future__ import annotations

import datetime as dt
import importlib.util

import sqlalchemy as sa

from tests.conftest import make_app, scratch_database_url
from traceapp.demo import load_demo
from traceapp.extensions import db
from traceapp.products import services
from traceapp.products.models import OcopRecord, Product


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Product)),
        db.session.scalar(sa.select(sa.func.count()).select_from(OcopRecord)),
    )


def test_demo_products_load_twice_and_show_the_expired_certificate_gone(tmp_path):
    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path)
        try:
            with app.app_context():
                db.create_all()
                load_demo()
                first = _counts()
                load_demo()
                # Six Vietnamese products, a Cambodian and a Turkish one; three OCOP records.
                assert _counts() == first == (8, 3)
                by_code = {p.code: p for p in db.session.execute(sa.select(Product)).scalars()}
                bag, box, can = by_code["XP-DP-500"], by_code["XP-DPR-250"], by_code["CN-HOP-185"]
                assert bag.gtin == "08938512000114" and can.gtin == "08938513000151"
                assert by_code["SC-THX"].gtin is None
                assert bag.names["zh"] and can.names["fr"]
                day = dt.date(2026, 1, 1)
                assert services.ocop_stars_for_display(bag, day) == 4
                assert services.ocop_stars_for_display(can, day) == 3
                assert services.ocop_stars_for_display(box, day) is None
                assert services.ocop_status(box.ocop_records[0], day) == "expired"
                assert services.ocop_stars_for_display(box, dt.date(2025, 1, 1)) == 3
                if importlib.util.find_spec("traceapp.demo.brands"):
                    assert bag.mark is not None and bag.mark.cooperative_id == bag.cooperative_id
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
