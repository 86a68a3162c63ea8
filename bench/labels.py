"""Benchmark: issue a 10,000-label run for one lot and render it to one PDF, through the same
services the web UI uses (database writes included). Prints labels per second, peak memory,
and the ratio to zxing-cpp's C++ encoder alone on the same URLs; decodes a sample of pages;
then renders the run again as a background job, in this process, and prints how much the
job grew the process (RSS from /proc/self/statm, sampled) next to the same render outside
a job.

    .venv/bin/python bench/labels.py                      # SQLite file in a temp folder
    .venv/bin/python bench/labels.py postgresql://postgres@127.0.0.1:5432/bench_labels
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
import zxingcpp
from flask import current_app
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from traceapp import create_app  # noqa: E402
from traceapp.auth.models import SYSTEM, Role, User  # noqa: E402
from traceapp.batches import services as lots  # noqa: E402
from traceapp.cooperatives.models import Cooperative, Member  # noqa: E402
from traceapp.extensions import db  # noqa: E402
from traceapp.labels import contents, jobs, services  # noqa: E402
from traceapp.labels.models import RenderJob  # noqa: E402
from traceapp.products.models import Product  # noqa: E402
from traceapp.zones.models import Zone, ZoneKind, ZoneStatus  # noqa: E402

COUNT = int(os.environ.get("BENCH_LABELS", "10000"))


def rss_mib() -> float:
    """The process's resident set now, in MiB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1048576


def growth(work: Callable[[], object]) -> float:
    """How far the resident set rose above its level before ``work`` (sampled every 50 ms)."""
    gc.collect()
    before = peak = rss_mib()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.05):
            peak = max(peak, rss_mib())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        work()
    finally:
        done.set()
        sampler.join()
    return max(peak, rss_mib()) - before


def job_growth(run: object, workdir: Path) -> tuple[float, float]:
    """RSS growth (MiB) of rendering the run outside a job, then as a background job."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def plain() -> None:
        with (workdir / "plain.pdf").open("wb") as fh:
            jobs.render_run(run, "pdf", fh, layout="a4-3x8")  # type: ignore[arg-type]

    def job() -> None:
        user = db.session.scalars(sa.select(User).limit(1)).one()
        queued = jobs.start_job(user, run, "pdf", "a4-3x8")  # type: ignore[arg-type]
        db.session.commit()
        job_id = queued.id
        db.session.remove()
        jobs.execute(app, job_id)
        done = db.session.get(RenderJob, job_id)
        assert done is not None and done.status == "done", done and done.error

    return growth(plain), growth(job)


def seed() -> object:
    """One cooperative, one approved zone, one member, one closed lot of 500 g bags."""
    coop = Cooperative(name="HTX Benchmark", short_code="BM", province="Phú Yên")
    db.session.add(coop)
    db.session.flush()
    db.session.add(
        User(
            email="bench@example.test",
            full_name="Bench",
            password_hash="-",  # noqa: S106
            role=Role.MANAGER,
            cooperative_id=coop.id,
        )
    )
    member = Member(cooperative_id=coop.id, member_number="0001", full_name="Hộ Thử")
    zone = Zone(
        cooperative_id=coop.id,
        code="VN-BENCH-0001",
        kind=ZoneKind.GROWING_AREA,
        crop="đậu phộng",
        province="Phú Yên",
        status=ZoneStatus.APPROVED,
        declared_area_ha=Decimal("3"),
    )
    product = Product(
        cooperative_id=coop.id,
        code="BM-500",
        name="Đậu phộng Xuân Phước túi 500 g",
        category="peanuts",
        unit_of_trade="bag",
        net_quantity=Decimal("0.5"),
        net_unit="KGM",
        gtin="08938512000114",
        names={},
        shelf_life_days=180,
    )
    zone.members = [member]  # a delivery comes from a zone its member is registered on
    db.session.add_all([member, zone, product])
    db.session.flush()
    lot = lots.create_lot(
        SYSTEM,
        product_id=product.id,
        production_date=dt.date(2026, 11, 1),
        quantity=str(COUNT // 2 + 100),
        unit="KGM",
    )
    lots.add_contribution(
        SYSTEM,
        lot,
        member_id=member.id,
        zone_id=zone.id,
        quantity=str(COUNT // 2 + 100),
        # A benchmark's household delivers far more than a real one would.
        confirm_implausible=True,
        confirmation_reason="benchmark",
    )
    lots.close_lot(SYSTEM, lot)
    db.session.commit()
    return lot


def decode_sample(pdf: Path, pages: list[int]) -> tuple[int, list[str]]:
    """Rasterise some pages with pdftoppm and decode every QR code on them."""
    found: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for page in pages:
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    "200",
                    "-gray",
                    "-png",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    str(pdf),
                    f"{tmp}/p{page}",
                ],
                check=True,
            )
        for image in sorted(Path(tmp).glob("*.png")):
            found += [b.text for b in zxingcpp.read_barcodes(Image.open(image))]
    return len(found), found


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else None
    workdir = Path(tempfile.mkdtemp(prefix="bench-labels-"))
    database = url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app(
        {
            "TRACEAPP_ENV": "testing",
            "DATABASE_URL": database,
            "SECRET_KEY": "b",
            "INSTANCE_PATH": str(workdir),
            "TRACEAPP_PUBLIC_BASE_URL": "https://trace.example.vn",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        lot = seed()
        out = workdir / "labels.pdf"
        # Timed without tracemalloc (it slows Python down); memory is the process's peak RSS,
        # and a second, traced rendering of the same run gives Python's own peak allocation.
        started = time.perf_counter()
        run = services.issue_run(SYSTEM, lot, count=COUNT, template="a4-3x8")
        db.session.commit()
        issued = time.perf_counter()
        with out.open("wb") as fh:
            written = jobs.render_run(run, "pdf", fh, layout="a4-3x8")
        done = time.perf_counter()
        tracemalloc.start()
        with (workdir / "traced.pdf").open("wb") as fh:
            jobs.render_run(run, "pdf", fh, layout="a4-3x8")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        urls = [c.url for c in contents.run_contents(run)]
        enc_start = time.perf_counter()
        for u in urls:
            zxingcpp.create_barcode(u, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
        encoder = time.perf_counter() - enc_start
        total = done - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"machine: {platform.node()} {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}"
        )
        print(f"database: {db.engine.dialect.name}")
        print(f"labels: {written} of {COUNT}, PDF {out.stat().st_size / 1048576:.1f} MiB")
        print(f"issue (serials + database writes): {issued - started:.2f} s")
        print(f"render to PDF: {done - issued:.2f} s")
        print(f"end to end: {total:.2f} s -> {COUNT / total:,.0f} labels/s")
        print(
            f"peak memory: process max RSS {rss:.0f} MiB; Python allocations while rendering "
            f"(traced run) {peak / 1048576:.1f} MiB"
        )
        print(
            f"C++ encoder alone on the same URLs: {encoder:.2f} s "
            f"({COUNT / encoder:,.0f}/s); end to end is {total / encoder:.1f}x that"
        )
        if shutil.which("pdftoppm"):
            pages = (COUNT + 23) // 24
            n, found = decode_sample(out, [1, pages // 2, pages])
            ok = sum(1 for f in found if f in set(urls))
            print(f"decoded sample: {ok} of {n} codes on pages 1, {pages // 2}, {pages} match")
        plain_growth, job_growth_mib = job_growth(run, workdir)
        print(
            f"memory growth (RSS): the render outside a job +{plain_growth:.0f} MiB, "
            f"as a background job +{job_growth_mib:.0f} MiB"
        )
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
