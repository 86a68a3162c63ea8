"""Streamed exports (issue 21, item 4): time to first byte, total time and the worker's
memory growth of a lot's and a cooperative's EPCIS export with many events.

    PYTHONPATH=. python bench/exports.py [--events 100000] [--pg postgresql+psycopg://...]

The data is written with bulk INSERTs (as bench/scale_build.py does); each export is then
measured in a fresh process, so one run's memory does not hide the next's: ``stream`` is the
response as served (read chunk by chunk, as a WSGI server sends it), ``whole`` the document
built in memory and dumped, as the export was before it streamed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from traceapp import create_app
from traceapp.extensions import db

PAGE = os.sysconf("SC_PAGE_SIZE")
CHUNK = 5_000


def rss_mib() -> float:
    """The process's resident memory (from /proc/self/statm), in MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


class Peak(threading.Thread):
    """Samples the resident memory every few milliseconds; keeps the highest."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_mib()
        self.done = False

    def run(self) -> None:
        while not self.done:
            self.peak = max(self.peak, rss_mib())
            time.sleep(0.005)


def make_app(url: str, workdir: str) -> Any:
    return create_app(
        {
            "TRACEAPP_ENV": "testing",
            "DATABASE_URL": url,
            "SECRET_KEY": "b",
            "INSTANCE_PATH": workdir,
            "TRACEAPP_PUBLIC_BASE_URL": "https://trace.example.vn",
            "RATELIMIT_ENABLED": False,
        }
    )


def build(url: str, workdir: str, events: int) -> dict[str, Any]:
    """A cooperative with one lot of ``events`` events; returns the ids and the API token."""
    from traceapp.auth.models import Role, User
    from traceapp.auth.services import create_token
    from traceapp.batches.models import Lot
    from traceapp.cooperatives.models import Cooperative
    from traceapp.products.models import Product

    app = make_app(url, workdir)
    with app.app_context():
        db.drop_all()
        db.create_all()
        coop = Cooperative(name="HTX Xuân Phước", short_code="XP", province="Phú Yên")
        db.session.add(coop)
        db.session.flush()
        user = User(
            email="m@bench.test",
            full_name="Quản lý",
            password_hash="!",  # noqa: S106 - no one signs in: the API token is used
            role=Role.MANAGER,
            cooperative_id=coop.id,
        )
        product = Product(
            cooperative_id=coop.id,
            code="XP-DP",
            name="Đậu phộng",
            category="peanuts",
            unit_of_trade="bag",
            net_quantity=Decimal("0.5"),
            net_unit="KGM",
            gtin="08938512000017",
        )
        db.session.add_all([user, product])
        db.session.flush()
        token = create_token(user, user, "bench")[1]
        lot = Lot(
            cooperative_id=coop.id,
            product_id=product.id,
            code="L-BIG",
            production_date=dt.date(2026, 3, 1),
            quantity=Decimal("100000"),
            unit="KGM",
            status="closed",
        )
        db.session.add(lot)
        db.session.flush()
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        table = db.metadata.tables["trace_events"]
        rows = [
            {
                "cooperative_id": coop.id,
                "event_uid": f"urn:uuid:bench-{lot.id}-{i}",
                "lot_id": lot.id,
                "event_type": "ObjectEvent",
                "action": "OBSERVE",
                "biz_step": "inspecting",
                "disposition": "active",
                "event_time": now - dt.timedelta(minutes=i),
                "tz_offset": "+07:00",
                "location": f"Kho số {i % 7}",
                "quantity": Decimal("12.5"),
                "unit": "KGM",
                "sources": [{"type": "owning_party", "name": f"Hộ {i % 500}"}],
                "details": {"note": "Kiểm tra độ ẩm"},
                "recorded_by_label": "bench",
                "recorded_at": now,
                "origin": "local",
            }
            for i in range(events)
        ]
        for i in range(0, len(rows), CHUNK):
            db.session.execute(table.insert(), rows[i : i + CHUNK])
        db.session.commit()
        return {"lot": lot.id, "coop": coop.id, "token": token}


def measure(url: str, workdir: str, world: dict[str, Any], what: str, mode: str) -> None:
    """One export in this (fresh) process; prints its figures as JSON."""
    app = make_app(url, workdir)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world['token']}"}
    path = f"/api/v1/batches/{world['lot']}/epcis" if what == "lot" else "/api/v1/epcis"
    client.get("/api/v1/epcis?end=2000-01-01T00:00:00Z", headers=headers)  # warm
    gc.collect()
    before = rss_mib()
    peak = Peak()
    peak.start()
    started = time.perf_counter()
    first = None
    size = 0
    if mode == "stream":
        response = client.get(path, headers=headers, buffered=False)
        assert response.status_code == 200, response.status_code
        for chunk in response.response:
            first = first or time.perf_counter()
            size += len(chunk)
        response.close()
    else:
        from traceapp.batches import epcis
        from traceapp.batches.models import Lot

        with app.test_request_context():
            if what == "lot":
                doc = epcis.lot_document(db.session.get_one(Lot, world["lot"]))
            else:
                doc = epcis.cooperative_document(world["coop"], None, None)
            size = len(json.dumps(doc, ensure_ascii=False, default=str).encode("utf-8"))
            first = time.perf_counter()
            del doc
    total = time.perf_counter() - started
    peak.done = True
    peak.join()
    print(
        json.dumps(
            {
                "ttfb": round((first or started) - started, 3),
                "total": round(total, 2),
                "peak_growth_mib": round(peak.peak - before, 1),
                "end_growth_mib": round(rss_mib() - before, 1),
                "mib": round(size / 2**20, 1),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--pg", help="a PostgreSQL URL of a scratch database (emptied)")
    parser.add_argument("--modes", default="stream,whole")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        url, workdir, world, what, mode = json.loads(args.measure)
        measure(url, workdir, world, what, mode)
        return
    workdir = tempfile.mkdtemp(prefix="exports-")
    urls = {"sqlite": f"sqlite:///{Path(workdir) / 'exports.sqlite3'}"}
    if args.pg:
        urls["postgresql"] = args.pg
    for name, url in urls.items():
        started = time.perf_counter()
        world = build(url, workdir, args.events)
        print(f"{name}: {args.events} events built in {time.perf_counter() - started:.0f} s")
        for what in ("lot", "coop"):
            for mode in args.modes.split(","):
                spec = json.dumps([url, workdir, world, what, mode])
                out = (
                    subprocess.run(
                        [sys.executable, __file__, "--measure", spec],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    .stdout.strip()
                    .splitlines()[-1]
                )
                print(f"  {what:4} {mode:6} {out}", flush=True)


if __name__ == "__main__":
    main()
