"""Scans of serials never issued are kept as they arrive (per serial, per serial and
cooperative, per cooperative): whatever path writes them (the resolver, the batch writer,
the ORM; several processes at once), the kept figures agree with the scan log itself, for
every reader's region, and the scan log's retention leaves them alone."""

from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa

from tests.conftest import make_app, scratch_database_url
from traceapp.authority import label_flags, services
from traceapp.extensions import db
from traceapp.public.models import (
    LabelScan,
    UnknownSerial,
    UnknownSerialCooperative,
    UnknownSerialTotal,
)
from traceapp.public.scan import partitions, unknown

T0 = dt.datetime(2026, 11, 20, 8, 0, 0, 123456, tzinfo=dt.UTC)


def _scan(serial: str, at: dt.datetime, coop: int | None = None, product: int | None = None):
    return LabelScan(
        scanned_at=at,
        outcome="unknown",
        unknown_serial=serial,
        cooperative_id=coop,
        product_id=product,
        client_hash="h",
        ua_class="mobile",
        lang="vi",
    )


def _raw(scope) -> tuple[tuple, list[tuple]]:
    """The flag's figures and the list's rows computed from the scan log itself."""
    where = [LabelScan.outcome == "unknown"]
    if scope.mode != "all":
        shown = [0, *label_flags.cooperative_ids(scope)]
        where.append(sa.func.coalesce(LabelScan.cooperative_id, 0).in_(shown))
    scans = db.session.execute(
        sa.select(
            LabelScan.unknown_serial, LabelScan.scanned_at, LabelScan.product_id, LabelScan.id
        )
        .where(*where)
        .order_by(LabelScan.scanned_at, LabelScan.id)
    ).all()
    if not scans:
        return (0, 0, None, None), []
    rows: dict[str, list] = {}
    for serial, at, product, _id in scans:
        row = rows.setdefault(serial, [serial, 0, at, at, product])
        row[1] += 1
        row[3], row[4] = at, product  # the last scan's time and product
    counts = (len(scans), len(rows), scans[0][1], max(at for _s, at, _p, _i in scans))
    listed = sorted(rows.values(), key=lambda r: (-r[3].timestamp(), r[0]))
    return counts, [(s, n, first, last) for s, n, first, last, _p in listed]


def _kept(scope) -> tuple[tuple, list[tuple]]:
    counts = label_flags.unknown_counts(scope)
    rows = db.session.execute(label_flags.unknown_scans_query(scope)).all()
    return counts, [(r.serial, r.scans, r.first, r.last) for r in rows]


def _tables() -> list[list[tuple]]:
    return [
        sorted(tuple(r) for r in db.session.execute(sa.select(*model.__table__.columns)).all())
        for model in (UnknownSerial, UnknownSerialCooperative, UnknownSerialTotal)
    ]


def test_kept_figures_agree_with_the_log_for_every_region(farm, world):
    a, b = world.a.coop.id, world.b.coop.id
    peanuts = farm.peanuts.id
    minute = dt.timedelta(minutes=1)
    db.session.add_all(
        [
            _scan("FAKE-A", T0, a, peanuts),
            _scan("FAKE-A", T0 + 5 * minute, a, peanuts),
            _scan("FAKE-B", T0 + minute, b),
            _scan("FAKE-NONE", T0 + 2 * minute),
            # one serial under A's product and under a short link: one serial for A's auditor
            _scan("FAKE-AN", T0 + 3 * minute, a, peanuts),
            _scan("FAKE-AN", T0 + 7 * minute),
            # one serial under A's and B's products: a serial of each region, once for all
            _scan("FAKE-AB", T0 + 4 * minute, a),
            _scan("FAKE-AB", T0 + 6 * minute, b),
            _scan("FAKE-AB", T0 + 6 * minute, b),
        ]
    )
    db.session.flush()
    db.session.add(_scan("FAKE-AB", T0 - minute, a, peanuts))  # older, in another flush
    db.session.flush()
    scopes = [services.scope_for(u) for u in (world.auditor, world.other_auditor, world.admin)]
    for scope in scopes:
        assert _kept(scope) == _raw(scope)
    # Phú Yên's auditor: A's serials and those naming no product, each once.
    counts, rows = _kept(scopes[0])
    assert counts[:2] == (7, 4) and "FAKE-B" not in [r[0] for r in rows]
    assert _kept(scopes[2])[0][:2] == (10, 5)
    # The product shown is the one of the serial's last scan in scope.
    listed = {
        r.serial: r.product for r in db.session.execute(label_flags.unknown_scans_query(scopes[0]))
    }
    assert listed["FAKE-A"] == farm.peanuts.name and listed["FAKE-AN"] is None
    # Counting the whole log again gives the same kept rows.
    kept = _tables()
    unknown.recount(db.session.connection())
    assert _tables() == kept
    # A scan deleted through the ORM is counted out again.
    gone = db.session.scalars(
        sa.select(LabelScan).where(LabelScan.unknown_serial == "FAKE-AB")
    ).all()
    for scan in gone[:2]:
        db.session.delete(scan)
    db.session.flush()
    for scope in scopes:
        assert _kept(scope) == _raw(scope)


def test_the_resolver_keeps_a_scan_of_a_serial_never_issued(client, labelled, world):
    scope = services.scope_for(world.auditor)
    assert label_flags.unknown_counts(scope)[:2] == (0, 0)
    for _ in range(2):
        client.get(labelled.url("NEVER0000001"))
    client.get(labelled.url("NEVER0000002"))
    db.session.expire_all()
    assert label_flags.unknown_counts(scope)[:2] == (3, 2)
    assert _kept(scope) == _raw(scope)


def test_retention_keeps_the_kept_figures(session, world):
    old = dt.datetime(2023, 3, 15, 8, tzinfo=dt.UTC)
    db.session.add_all([_scan("OLD-FAKE", old + dt.timedelta(hours=h)) for h in range(3)])
    db.session.add(_scan("NEW-FAKE", dt.datetime.now(dt.UTC)))
    db.session.flush()
    scope = services.scope_for(world.admin)
    before = label_flags.unknown_counts(scope)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        partitions.ensure_months(conn, dt.date.today())
        partitions.drop_old_months(conn, dt.date(2024, 1, 1))
    else:
        partitions.delete_old_rows(conn, dt.date(2024, 1, 1))
    left = db.session.scalar(
        sa.select(sa.func.count()).where(LabelScan.unknown_serial == "OLD-FAKE")
    )
    assert left == 0
    assert label_flags.unknown_counts(scope) == before
    assert before[:2] == (4, 2) and before[2] == old


def test_writers_in_several_processes_keep_exact_figures(tmp_path):
    """Three app processes write batches of the same serials, under the same and different
    cooperatives, at the same moment: no batch is lost, and the kept figures are exact."""
    import random

    from tests.public.test_scanlog import _seed
    from traceapp.cooperatives.models import Cooperative
    from traceapp.public.scan.connection import db_time, release_connection
    from traceapp.public.scan.log import SCAN_COLUMNS, write_batch

    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path)
        _seed(app)
        with app.app_context():
            coop = db.session.scalar(sa.select(Cooperative.id))
            engine = db.engine
            db.session.remove()
        dialect = engine.dialect.name
        errors: list[BaseException] = []

        def batch(seed: int, n: int) -> None:
            rng = random.Random(seed)
            try:
                for b in range(n):
                    scans = []
                    for k in range(6):
                        when = T0 + dt.timedelta(minutes=seed * 100 + b, seconds=k)
                        values = {
                            "scanned_at": db_time(when, dialect),
                            "label_id": None,
                            "lot_id": None,
                            "product_id": None,
                            "cooperative_id": rng.choice([None, coop]),
                            "unknown_serial": f"X{rng.randrange(8)}",
                            "outcome": "unknown",
                            "client_hash": f"c{seed}",
                            "ua_class": "ios",
                            "lang": "vi",
                            "flagged": False,
                        }
                        scans.append(tuple(values[c] for c in SCAN_COLUMNS))
                    write_batch(engine, scans, {}, {})
            except BaseException as exc:  # noqa: BLE001 - the test reports it below
                errors.append(exc)

        threads = [threading.Thread(target=batch, args=(seed, 10)) for seed in (1, 2, 3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with app.app_context():
            from traceapp.auth.models import SYSTEM
            from traceapp.authority.scope import Scope

            everyone = Scope(SYSTEM, "all")
            kept, raw = _kept(everyone), _raw(everyone)
            tables = _tables()
            unknown.recount(db.session.connection())
            again = _tables()
            db.session.rollback()
            db.session.remove()
            release_connection()
            db.drop_all()
            db.engine.dispose()
        assert kept == raw and kept[0][0] == 3 * 10 * 6
        assert tables == again
