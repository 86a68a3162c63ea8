"""Benchmark: the public scan page under load.

Fills a database with 1,000,000 labels across lots, starts the app under gunicorn on
127.0.0.1, and drives the scan URLs of random serials with wrk (Debian package) for 20 s at
32 connections, with scan logging on. Reports requests per second, p50/p99 latency, the page
weight, and the ratio to the same gunicorn answering a constant string.

    .venv/bin/python bench/public.py                      # SQLite file in a temp folder
    .venv/bin/python bench/public.py postgresql://postgres@127.0.0.1:5432/bench_public
The load alternates between the app and the constant-string server, BENCH_ROUNDS times, and
the median round's ratio is reported with every round's figures.
Environment: BENCH_LABELS (default 1000000), BENCH_SECONDS (20), BENCH_CONNECTIONS (32),
BENCH_WORKERS (2), BENCH_ROUNDS (5), BENCH_WARMUP (5).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from traceapp import create_app  # noqa: E402
from traceapp.auth.models import SYSTEM  # noqa: E402
from traceapp.batches import services as lots  # noqa: E402
from traceapp.cooperatives.models import Cooperative, Member  # noqa: E402
from traceapp.extensions import db  # noqa: E402
from traceapp.labels import services as labels  # noqa: E402
from traceapp.labels.models import Label  # noqa: E402
from traceapp.products.models import Product  # noqa: E402
from traceapp.zones.models import Zone, ZoneKind, ZoneStatus  # noqa: E402

TOTAL = int(os.environ.get("BENCH_LABELS", "1000000"))
PER_LOT = 20000
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SAMPLE = int(os.environ.get("BENCH_SAMPLE", "20000"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))

# Each wrk thread draws its own sequence of serials: seeded by the clock alone, both threads
# drew the same one, so both workers looked up the same label at the same moment.
#: What a phone's browser sends after a camera scan: a ``/01/`` URI asked for by a browser is
#: answered with the label's page in place (anything else gets the GS1 resolver's redirect).
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

LUA = """
paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
function init(args)
  math.randomseed(os.time() * 1000 + (thread_number or 0))
end
request = function()
  local headers = {["Accept-Language"] = "vi", ["Accept"] = "%s"}
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
"""


def fill(app: object) -> list[str]:
    """Lots of a peanut bag with a GTIN, 20,000 labels each; returns a sample of scan paths."""
    with app.app_context():
        db.drop_all()
        db.create_all()
        coop = Cooperative(
            name="HTX Nông nghiệp Xuân Phước",
            short_code="XP",
            province="Phú Yên",
            commune="Xuân Phước",
        )
        db.session.add(coop)
        db.session.flush()
        member = Member(cooperative_id=coop.id, member_number="0001", full_name="Hộ Thử")
        zone = Zone(
            cooperative_id=coop.id,
            code="VN-PYDX-0001",
            kind=ZoneKind.GROWING_AREA,
            crop="đậu phộng",
            province="Phú Yên",
            commune="Xuân Phước",
            status=ZoneStatus.APPROVED,
            declared_area_ha=Decimal("3000"),
        )
        product = Product(
            cooperative_id=coop.id,
            code="XP-DP-500",
            name="Đậu phộng Xuân Phước túi 500 g",
            category="peanuts",
            unit_of_trade="bag",
            net_quantity=Decimal("0.5"),
            net_unit="KGM",
            gtin="08938512000114",
            names={"en": "Xuan Phuoc peanuts"},
            shelf_life_days=365,
        )
        zone.members = [member]  # a delivery comes from a zone its member is registered on
        db.session.add_all([member, zone, product])
        db.session.commit()
        sample: list[str] = []
        made = 0
        day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=5)
        while made < TOTAL:
            count = min(PER_LOT, TOTAL - made)
            lot = lots.create_lot(
                SYSTEM,
                product_id=product.id,
                production_date=day,
                quantity=str(count // 2 + 10),
                unit="KGM",
            )
            lots.add_contribution(
                SYSTEM, lot, member_id=member.id, zone_id=zone.id, quantity=str(count // 2 + 10)
            )
            lots.close_lot(SYSTEM, lot)
            run = labels.issue_run(SYSTEM, lot, count=count)
            db.session.commit()
            serials = db.session.scalars(
                Label.__table__.select()
                .with_only_columns(Label.serial)
                .where(Label.run_id == run.id)
            ).all()
            for serial in random.sample(serials, min(len(serials), SAMPLE * count // TOTAL + 1)):
                sample.append(f"/01/{product.gtin}/10/{lot.code}/21/{serial}")
            made += count
            print(f"  {made:,} labels", end="\r", flush=True)
        print()
        db.session.remove()
        db.engine.dispose()
    return sample


#: The tables the fill loaded. Not the scan log: it is empty until the load starts, and
#: statistics taken of it empty make PostgreSQL plan a full scan of it for the clone rules'
#: counts, a plan kept until the next ANALYZE (autovacuum does that on a normal server; it is
#: off on some test machines).
FILLED = (
    "labels",
    "label_runs",
    "lots",
    "products",
    "lot_contributions",
    "trace_events",
    "zones",
    "members",
    "cooperatives",
)


def settle(app: object) -> None:
    """After the bulk load, what an operator does after one: the loaded tables vacuumed and
    analysed, and the load written out. Otherwise the database's clean-up of a million new
    rows (hint bits, the checkpoint) runs during the first measured rounds instead."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"VACUUM ANALYZE {', '.join(FILLED)}")
                conn.exec_driver_sql("CHECKPOINT")
        engine.dispose()
        if engine.dialect.name == "sqlite":
            # A connection of its own, outside any transaction: a checkpoint cannot truncate
            # the write-ahead log under an open read.
            raw = sqlite3.connect(engine.url.database, isolation_level=None)
            try:
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()


def server_settings(app: object) -> str:
    """PostgreSQL's buffer cache size. With the default 128 MB the labels with their indexes
    (about 180 MB here) and the growing scan log do not fit: a lookup that evicts a page the
    log writes dirtied may first wait for the write-ahead log to reach the disk."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return ""
        with db.engine.connect() as conn:
            buffers = conn.exec_driver_sql("SHOW shared_buffers").scalar()
        db.engine.dispose()
    return f" (shared_buffers {buffers})"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(target: str, env: dict[str, str], errors: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    cmd = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-w",
        str(WORKERS),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        target,
    ]
    with errors.open("ab") as err:
        proc = subprocess.Popen(
            cmd, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err
        )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310
            break
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    return proc, port


def load(port: int, script: Path, seconds: int = SECONDS) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": ms("50"),
        "p99": ms("99"),
        "non2xx": int(errors.group(1)) if errors else 0,
    }


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    url = sys.argv[1] if len(sys.argv) > 1 else None
    workdir = Path(tempfile.mkdtemp(prefix="bench-public-"))
    database = url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = {
        "TRACEAPP_ENV": "production",
        "SECRET_KEY": "bench-secret-key-0123456789",
        "DATABASE_URL": database,
        "TRACEAPP_ALLOW_SQLITE": "1",
        "TRACEAPP_INSTANCE_PATH": str(workdir),
        "TRACEAPP_LOG_LEVEL": "WARNING",
        "TRACEAPP_PUBLIC_BASE_URL": "https://trace.example.vn",
        # The bench is one client hammering the server: the per-client limit would stop it.
        "TRACEAPP_PUBLIC_RATE_LIMIT": "100000000 per minute",
    }
    app = create_app(
        {
            "TRACEAPP_ENV": "testing",
            "DATABASE_URL": database,
            "SECRET_KEY": "b",
            "INSTANCE_PATH": str(workdir),
        }
    )
    started = time.perf_counter()
    paths = fill(app)
    print(f"filled {TOTAL:,} labels in {time.perf_counter() - started:.0f} s")
    settle(app)
    server = server_settings(app)
    script = workdir / "scan.lua"
    (workdir / "paths.txt").write_text("\n".join(paths) + "\n")
    script.write_text(LUA % (workdir / "paths.txt", BROWSER_ACCEPT))
    (workdir / "const.lua").write_text(LUA % (workdir / "paths.txt", BROWSER_ACCEPT))

    errors = workdir / "gunicorn.log"
    # Both servers stay up; the load alternates between them, ROUNDS times. This VM's speed
    # drifts by 20% from minute to minute, so one run of each, minutes apart, compared the
    # machine with itself as much as the app with the ceiling: each round's ratio is taken
    # from two runs back to back, and the median round is reported.
    proc, port = serve("traceapp:create_app()", env, errors)
    const, cport = serve("bench.constant_app:app", {}, errors)
    rounds: list[tuple[dict[str, float], dict[str, float]]] = []
    try:
        first = urllib.request.Request(
            f"http://127.0.0.1:{port}{paths[0]}", headers={"Accept": BROWSER_ACCEPT}
        )
        page = urllib.request.urlopen(first)  # noqa: S310
        if page.status != 200 or page.url != first.full_url:
            sys.exit(f"the scan page answered {page.status} at {page.url}, not the page in place")
        weight = len(page.read())
        # Warm up first: each worker renders each lot's page once, then serves it from memory.
        load(port, script, seconds=WARMUP)
        load(cport, workdir / "const.lua", seconds=WARMUP)
        for _ in range(ROUNDS):
            rounds.append((load(port, script), load(cport, workdir / "const.lua")))
    finally:
        stop(proc)
        stop(const)
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; gunicorn {WORKERS} sync workers; wrk 2 threads, "
        f"{CONNECTIONS} connections, {ROUNDS} rounds of {SECONDS} s on each server after "
        f"a {WARMUP} s warm-up"
    )
    print(
        f"database: {database.split(':')[0]}{server}; labels: {TOTAL:,}; "
        f"page {weight / 1024:.1f} KiB"
    )
    for number, (scan, const_run) in enumerate(rounds, 1):
        print(
            f"round {number}: scan page {scan['rps']:,.0f} req/s, p50 {scan['p50']:.1f} ms, "
            f"p99 {scan['p99']:.1f} ms, non-2xx {scan['non2xx']}; constant string "
            f"{const_run['rps']:,.0f} req/s, p50 {const_run['p50']:.1f} ms, p99 "
            f"{const_run['p99']:.1f} ms; ratio {100 * scan['rps'] / const_run['rps']:.0f}%"
        )
    ratios = sorted(scan["rps"] / const_run["rps"] for scan, const_run in rounds)
    pooled = sum(scan["rps"] for scan, _ in rounds) / sum(c["rps"] for _, c in rounds)
    print(
        f"median ratio: {100 * ratios[len(ratios) // 2]:.0f}% of the ceiling "
        f"(lowest {100 * ratios[0]:.0f}%, highest {100 * ratios[-1]:.0f}%; all rounds "
        f"pooled {100 * pooled:.0f}%); worst p99 {max(scan['p99'] for scan, _ in rounds):.1f} ms"
    )
    problems = [line for line in errors.read_text().splitlines() if "Error" in line]
    if problems:
        print(f"server errors logged: {len(problems)}; first: {problems[0][:200]}")
    with app.app_context():
        from traceapp.public.models import LabelScan

        scans = db.session.query(LabelScan).count()
        print(f"scans logged: {scans:,}")
        db.session.remove()
        if url:
            db.drop_all()
        db.engine.dispose()
    if not os.environ.get("BENCH_KEEP"):
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
