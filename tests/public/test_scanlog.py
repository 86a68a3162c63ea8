"""The scan log outside a test transaction: the fast path's own connection, written at once
or in batches, lands in the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.conftest import make_app, scratch_database_url
from traceapp.auth.models import SYSTEM
from traceapp.extensions import db


def _seed(app):
    from traceapp.batches import services as lots
    from traceapp.cooperatives.models import Cooperative, Member
    from traceapp.labels import services as labels
    from traceapp.labels.models import Label
    from traceapp.products.models import Product
    from traceapp.zones.models import Zone, ZoneKind, ZoneStatus

    with app.app_context():
        db.create_all()
        coop = Cooperative(name="HTX Ghi", short_code="GH", province="Phú Yên")
        db.session.add(coop)
        db.session.flush()
        member = Member(cooperative_id=coop.id, member_number="0001", full_name="Hộ A")
        zone = Zone(cooperative_id=coop.id, code="VN-GH-0001", kind=ZoneKind.GROWING_AREA,
                    province="Phú Yên", status=ZoneStatus.APPROVED, crop="đậu phộng",
                    declared_area_ha=Decimal(5))
        product = Product(cooperative_id=coop.id, code="GH-1", name="Đậu phộng",
                          category="peanuts", unit_of_trade="kg", names={})
        db.session.add_all([member, zone, product])
        db.session.flush()
        lot = lots.create_lot(SYSTEM, product_id=product.id,
                              production_date=dt.date.today() - dt.timedelta(days=3),
                              quantity="10", unit="KGM")
        lots.add_contribution(SYSTEM, lot, member_id=member.id, zone_id=zone.id, quantity="10")
        run = labels.issue_run(SYSTEM, lot, count=3)
        db.session.commit()
        serials = db.session.scalars(sa.select(Label.serial).where(Label.run_id == run.id)
                                     .order_by(Label.seq)).all()
        db.session.remove()
    return serials


@pytest.mark.parametrize("flush_seconds", [0, 60])
def test_scans_reach_the_database(tmp_path, flush_seconds):
    from traceapp.labels.models import Label
    from traceapp.public.models import LabelScan
    from traceapp.public.scanlog import scan_log

    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path, TRACEAPP_SCAN_FLUSH_SECONDS=flush_seconds)
        serials = _seed(app)
        client = app.test_client()
        for _ in range(3):  # first through Flask, then the fast path
            assert client.get(f"/l/{serials[0]}").status_code == 200
        assert client.get("/l/ZZZZZZZZZZZZZZZZ").status_code == 404
        if flush_seconds:
            with app.app_context():
                assert db.session.query(LabelScan).count() == 0  # still waiting in memory
                db.session.remove()
            # the page already counts what is waiting in this process
            assert "scanned 4 times" in client.get(f"/l/{serials[0]}").get_data(as_text=True)
            assert scan_log.flush() == 5
        with app.app_context():
            label = db.session.execute(sa.select(Label).where(Label.serial == serials[0])
                                       ).scalar_one()
            expected = 4 if flush_seconds else 3
            assert label.scan_count == expected
            outcomes = sorted(db.session.scalars(sa.select(LabelScan.outcome)))
            assert outcomes.count("unknown") == 1
            db.session.remove()
            from traceapp.public.services import release_connection

            release_connection()
            db.drop_all()
            db.engine.dispose()


def test_a_full_batch_is_written_by_the_writer_thread_not_the_request():
    import threading
    import time

    from traceapp.public.scanlog import BATCH, ScanLog

    log = ScanLog()
    written: list[tuple[str, int]] = []

    def writer(engine, rows, labels, flags):
        written.append((threading.current_thread().name, len(rows)))

    now = dt.datetime.now(dt.UTC)
    engine = object()
    for i in range(BATCH):
        log.add(engine, writer, 60, (i,), i % 7, now, "c", None)
    assert written == [] or written[0][0] == "scan-log-writer"
    deadline = time.monotonic() + 5
    while not written and time.monotonic() < deadline:
        time.sleep(0.01)
    assert written == [("scan-log-writer", BATCH)]


def test_batches_lock_labels_in_id_order():
    """Two processes' batches sharing labels must take row locks in the same order."""
    from traceapp.public.services import write_batch

    calls: list[tuple[str, list]] = []

    class Cursor:
        def execute(self, sql, params=None):
            pass

        def executemany(self, sql, rows):
            calls.append((sql, list(rows)))

        def close(self):
            pass

    class Raw:
        def cursor(self):
            return Cursor()

        def commit(self):
            pass

    class Fairy:
        driver_connection = Raw()

        def close(self):
            pass

    class Engine:
        class dialect:  # noqa: N801 - mimics SQLAlchemy's attribute
            name = "postgresql"

        def raw_connection(self):
            return Fairy()

    now = dt.datetime.now(dt.UTC)
    labels = {ident: [(now, "c")] for ident in (42, 7, 19, 3)}
    flags = dict.fromkeys((19, 3), (now, "more than 20 scans in 24 hours"))
    write_batch(Engine(), [("row",)], labels, flags)
    updates = [rows for sql, rows in calls if sql.startswith("UPDATE labels SET scan_count")]
    assert [row[-1] for row in updates[0]] == [3, 7, 19, 42]
    flagged = [rows for sql, rows in calls if "flagged_at" in sql]
    assert [row[-1] for row in flagged[0]] == [3, 19]
