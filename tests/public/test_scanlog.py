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


def _seed(app, count=3):
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
        zone = Zone(
            cooperative_id=coop.id,
            code="VN-GH-0001",
            kind=ZoneKind.GROWING_AREA,
            province="Phú Yên",
            status=ZoneStatus.APPROVED,
            crop="đậu phộng",
            declared_area_ha=Decimal(5),
        )
        zone.members = [member]
        product = Product(
            cooperative_id=coop.id,
            code="GH-1",
            name="Đậu phộng",
            category="peanuts",
            unit_of_trade="kg",
            names={},
        )
        db.session.add_all([member, zone, product])
        db.session.flush()
        lot = lots.create_lot(
            SYSTEM,
            product_id=product.id,
            production_date=dt.date.today() - dt.timedelta(days=3),
            quantity="10",
            unit="KGM",
        )
        lots.add_contribution(SYSTEM, lot, member_id=member.id, zone_id=zone.id, quantity="10")
        run = labels.issue_run(SYSTEM, lot, count=count)
        db.session.commit()
        serials = db.session.scalars(
            sa.select(Label.serial).where(Label.run_id == run.id).order_by(Label.seq)
        ).all()
        db.session.remove()
    return serials


@pytest.mark.parametrize("flush_seconds", [0, 60])
def test_scans_reach_the_database(tmp_path, flush_seconds):
    from traceapp.labels.models import Label
    from traceapp.public.models import LabelScan
    from traceapp.public.scan.log import scan_log

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
            label = db.session.execute(
                sa.select(Label).where(Label.serial == serials[0])
            ).scalar_one()
            expected = 4 if flush_seconds else 3
            assert label.scan_count == expected
            outcomes = sorted(db.session.scalars(sa.select(LabelScan.outcome)))
            assert outcomes.count("unknown") == 1
            # counted per day for the label's run, in the same transaction
            from traceapp.public.models import ScanDailyRun

            per_run = db.session.execute(
                sa.select(ScanDailyRun.run_id, sa.func.sum(ScanDailyRun.scans)).group_by(
                    ScanDailyRun.run_id
                )
            ).all()
            assert [tuple(r) for r in per_run] == [(label.run_id, expected)]
            db.session.remove()
            from traceapp.public.scan.connection import release_connection

            release_connection()
            db.drop_all()
            db.engine.dispose()


def test_a_full_batch_is_written_by_the_writer_thread_not_the_request():
    import threading
    import time

    from traceapp.public.scan.log import BATCH, ScanLog

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


def test_concurrent_batches_sharing_labels_count_every_scan(tmp_path):
    """Two app processes write batches touching the same labels in different orders at the
    same moment: no batch is lost to a deadlock, and every label's count is exact."""
    import random
    import threading

    from traceapp.labels.models import Label
    from traceapp.public.models import LabelScan
    from traceapp.public.scan.connection import db_time, release_connection
    from traceapp.public.scan.log import SCAN_COLUMNS, write_batch

    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path)
        _seed(app, count=12)
        with app.app_context():
            rows = db.session.execute(sa.select(Label.id, Label.lot_id, Label.cooperative_id)).all()
            engine = db.engine
            db.session.remove()
        base = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
        dialect = engine.dialect.name
        errors: list[BaseException] = []

        def batch(seed: int, n: int) -> None:
            rng = random.Random(seed)
            try:
                for b in range(n):
                    chosen = rng.choices(rows, k=8)  # a label may come twice in a batch
                    labels: dict[int, list] = {}
                    scans = []
                    for k, (label_id, lot_id, coop_id) in enumerate(chosen):
                        when = base + dt.timedelta(minutes=seed * 100 + b, seconds=k)
                        labels.setdefault(label_id, []).append((when, f"c{seed}"))
                        values = {
                            "scanned_at": db_time(when, dialect),
                            "label_id": label_id,
                            "lot_id": lot_id,
                            "product_id": None,
                            "cooperative_id": coop_id,
                            "unknown_serial": None,
                            "outcome": "ok",
                            "client_hash": f"c{seed}",
                            "ua_class": "ios",
                            "lang": "vi",
                            "flagged": False,
                        }
                        scans.append(tuple(values[c] for c in SCAN_COLUMNS))
                    # the dict's order is the order the scans came in, not the ids' order
                    write_batch(engine, scans, labels, {})
            except BaseException as exc:  # noqa: BLE001 - the test reports it below
                errors.append(exc)

        threads = [threading.Thread(target=batch, args=(seed, 15)) for seed in (1, 2, 3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with app.app_context():
            logged = db.session.query(LabelScan).count()
            counts = dict(db.session.execute(sa.select(Label.id, Label.scan_count)).all())
            per_label = dict(
                db.session.execute(
                    sa.select(LabelScan.label_id, sa.func.count()).group_by(LabelScan.label_id)
                ).all()
            )
            first = db.session.execute(
                sa.select(Label.first_scanned_at, Label.last_scanned_at)
                .where(Label.scan_count > 0)
                .order_by(Label.first_scanned_at)
            ).first()
            db.session.remove()
            release_connection()
            db.drop_all()
            db.engine.dispose()
        assert logged == 3 * 15 * 8
        assert sum(counts.values()) == logged
        assert all(counts[label] == n for label, n in per_label.items())
        earliest = first[0] if first[0].tzinfo else first[0].replace(tzinfo=dt.UTC)
        assert earliest >= base + dt.timedelta(minutes=100)
        assert first[1] is not None


def test_clone_rules_on_the_scan_page_connection(tmp_path):
    """The clone rules count the label's scans on the page's own connection too (on
    PostgreSQL in the same round trip as the lookup): the scan past the volume limit flags the
    label for staff only, the client past the clients limit shows the caution."""
    from traceapp import tunables
    from traceapp.labels.models import Label
    from traceapp.public.scan.connection import release_connection

    rules = tunables.get("clone_rules")
    with scratch_database_url(tmp_path) as url:
        app = make_app(
            url,
            tmp_path,
            TRACEAPP_SCAN_FLUSH_SECONDS=0,
            TRACEAPP_PUBLIC_RATE_LIMIT="1000 per minute",
        )
        serials = _seed(app)
        client = app.test_client()
        try:
            many = f"/l/{serials[0]}"
            # Volume from one client is recorded, never shown to the shopper.
            for n in range(rules["max_scans_24h"] + 1):
                html = client.get(many).get_data(as_text=True)
                assert "Caution" not in html, f"scan {n + 1} warned the shopper"
            spread = f"/l/{serials[1]}"
            for i in range(rules["max_distinct_clients"]):
                html = client.get(spread, environ_base={"REMOTE_ADDR": f"10.2.0.{i}"}).get_data(
                    as_text=True
                )
                assert "Caution" not in html, f"client {i + 1} was flagged"
            html = client.get(spread, environ_base={"REMOTE_ADDR": "10.2.9.9"}).get_data(
                as_text=True
            )
            assert "Caution: this label may have been copied" in html
            n = rules["max_distinct_clients"] + 1
            assert f"but {n} different phones have scanned it since" in html
            with app.app_context():
                reasons = dict(
                    db.session.execute(
                        sa.select(Label.serial, Label.flag_reason).where(
                            Label.serial.in_(serials[:2])
                        )
                    ).all()
                )
                db.session.remove()
            assert "scans in 24 hours" in reasons[serials[0]]
            assert "different clients" in reasons[serials[1]]
        finally:
            with app.app_context():
                release_connection()
                db.drop_all()
                db.engine.dispose()


def test_a_dropped_connection_is_replaced_and_the_shopper_still_gets_the_page(tmp_path):
    """The page's own connection dies (a database restart, a proxy timeout): that scan is
    answered all the same, and the next one runs on a fresh connection."""
    from traceapp.public.scan import connection

    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path, TRACEAPP_SCAN_FLUSH_SECONDS=0)
        serials = _seed(app)
        client = app.test_client()
        try:
            for _ in range(2):  # Flask, then the fast path, on the page's own connection
                assert client.get(f"/l/{serials[0]}").status_code == 200
            old = connection._thread.fairy
            assert old is not None
            old.driver_connection.close()  # as if the server had hung up
            page = client.get(f"/l/{serials[0]}")
            assert page.status_code == 200
            assert "scanned 3 times" in page.get_data(as_text=True)
            assert connection._thread.fairy is not old
            assert "scanned 4 times" in client.get(f"/l/{serials[0]}").get_data(as_text=True)
        finally:
            with app.app_context():
                connection.release_connection()
                db.drop_all()
                db.engine.dispose()


def test_a_new_thread_on_a_pooled_connection_scans_as_well(tmp_path):
    """A threaded server makes a thread per request: a thread's scan connection goes back to
    the pool when the thread ends, with its lookups still prepared on PostgreSQL; the next
    thread that takes it must use them, not prepare them again under the same names."""
    import threading

    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path, TRACEAPP_SCAN_FLUSH_SECONDS=0)
        serials = _seed(app)
        client = app.test_client()
        codes = []

        def scan():
            codes.append(client.get(f"/l/{serials[0]}").status_code)

        try:
            for _ in range(4):
                thread = threading.Thread(target=scan)
                thread.start()
                thread.join()
                import gc

                gc.collect()  # the ended thread's connection goes back to the pool now
            assert codes == [200, 200, 200, 200]
        finally:
            with app.app_context():
                from traceapp.public.scan.connection import release_connection

                release_connection()
                db.engine.dispose()
