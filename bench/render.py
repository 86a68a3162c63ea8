"""Rendering-only micro benchmark: N serialised labels into one sticker-sheet PDF.

Run from the repository root:  .venv/bin/python bench/render.py [--labels 10000]
Prints labels per second (wall clock and CPU time), the share spent encoding QR codes versus
drawing, the ratio to the C++ encoder alone, peak memory (tracemalloc and ru_maxrss), the
output size, and decodes a sample of pages with zxing-cpp to confirm every code still reads.
"""

from __future__ import annotations

import argparse
import base64
import importlib.metadata
import math
import platform
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import zxingcpp
from PIL import Image

from traceapp.labels.render.qr import qr_dark
from traceapp.labels.rendering import LAYOUTS, LabelContent, render_pdf

BASE = "https://trace.example.vn/01/08934567890128/10/XP-2026-0042/21/"


def make_serials(count: int) -> list[str]:
    """Random 16-character base32 serials (80 bits), as the issuing service makes them."""
    return [base64.b32encode(secrets.token_bytes(10)).decode() for _ in range(count)]


def labels(serials: list[str]) -> Iterator[LabelContent]:
    """One label per serial, built lazily as a database cursor would hand them over."""
    for value in serials:
        url = BASE + value
        yield LabelContent(
            url=url,
            product_name="Đậu phộng Xuân Phước rang muối",
            lot_code="XP-2026-0042",
            serial=value,
            net_quantity="500 g",
            best_before=date(2026, 12, 31),
            mark_name="Đậu phộng Xuân Phước",
            ocop_stars=4,
            short_text=url.removeprefix("https://"),
            gtin_display="08934567890128",
        )


def cpu_seconds() -> float:
    """User plus system CPU time of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_render(serials: list[str], layout: str, ec: str, path: Path) -> tuple[float, float]:
    """Render once to ``path``; return (wall seconds, CPU seconds)."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    with path.open("wb") as out:
        render_pdf(labels(serials), layout, out, ec=ec)
    return time.perf_counter() - wall, cpu_seconds() - cpu


def encoder_only(serials: list[str], ec: str) -> tuple[float, float]:
    """Seconds for the bare C++ encoder, and for our matrix call, over the same URLs."""
    urls = [BASE + value for value in serials]
    start = time.perf_counter()
    for url in urls:
        zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=ec)
    bare = time.perf_counter() - start
    start = time.perf_counter()
    for url in urls:
        qr_dark(url, ec)
    return bare, time.perf_counter() - start


def check_pages(path: Path, serials: list[str], layout_key: str, pages: list[int]) -> str:
    """Rasterise sample pages with pdftoppm and compare decoded URLs with the expected ones."""
    if not shutil.which("pdftoppm"):
        return "skipped: pdftoppm not installed (Debian package poppler-utils)"
    layout = LAYOUTS[layout_key]
    checked = 0
    with tempfile.TemporaryDirectory() as scratch:
        for page in pages:
            prefix = Path(scratch) / f"p{page}"
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    "300",
                    "-gray",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    str(path),
                    str(prefix),
                ],
                check=True,
            )
            (image_path,) = Path(scratch).glob(f"p{page}-*.pgm")
            with Image.open(image_path) as image:
                found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            first = (page - 1) * layout.per_page
            expected = {BASE + value for value in serials[first : first + layout.per_page]}
            decoded = {code.text for code in found}
            if decoded != expected:
                missing = len(expected - decoded)
                return f"FAILED on page {page}: {missing} of {len(expected)} codes not decoded"
            checked += len(expected)
    return f"ok, {checked} codes on pages {', '.join(map(str, pages))} decoded to their URLs"


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=10_000)
    parser.add_argument("--layout", default="a4-3x8", choices=sorted(LAYOUTS))
    parser.add_argument("--ec", default="M", choices=["L", "M", "Q", "H"])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is kept")
    parser.add_argument("--keep", type=Path, help="copy the PDF here")
    args = parser.parse_args()

    serials = make_serials(args.labels)
    print(
        f"python {platform.python_version()}, {platform.machine()}, zxing-cpp "
        f"{importlib.metadata.version('zxing-cpp')}; {args.labels} labels, layout "
        f"{args.layout}, EC {args.ec}, single thread"
    )
    with tempfile.TemporaryFile() as warm_up:  # load fonts and tables outside the timing
        render_pdf(labels(serials[:1]), args.layout, warm_up, ec=args.ec)

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "labels.pdf"
        runs = [timed_render(serials, args.layout, args.ec, path) for _ in range(args.repeat)]
        wall, cpu = min(runs)
        bare, matrices = encoder_only(serials, args.ec)
        size = path.stat().st_size

        tracemalloc.start()
        timed_render(serials, args.layout, args.ec, path)
        traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

        per_page = LAYOUTS[args.layout].per_page
        pages = math.ceil(args.labels / per_page)
        sample = sorted({1, (pages + 1) // 2, pages})
        verdict = check_pages(path, serials, args.layout, sample)
        if args.keep:
            shutil.copyfile(path, args.keep)

    n = args.labels
    print(f"runs (wall s): {', '.join(f'{w:.2f}' for w, _ in runs)}")
    print(
        f"render:        {wall:.2f} s wall, {cpu:.2f} s CPU -> {n / wall:,.0f} labels/s "
        f"(wall), {n / cpu:,.0f} labels/s (CPU)"
    )
    print(
        f"QR encoding:   {matrices:.2f} s ({matrices / n * 1e3:.3f} ms/label, "
        f"{matrices / wall:.0%} of the render); bare C++ encoder {bare:.2f} s "
        f"({bare / n * 1e3:.3f} ms/code)"
    )
    print(f"drawing+PDF:   {wall - matrices:.2f} s ({(wall - matrices) / n * 1e3:.3f} ms/label)")
    print(f"ratio:         render / bare encoder = {wall / bare:.2f}x")
    print(
        f"memory:        tracemalloc peak {traced_peak / 2**20:.1f} MiB, "
        f"ru_maxrss {max_rss / 1024:.1f} MiB (whole process, includes the interpreter)"
    )
    print(f"output:        {size / 2**20:.1f} MiB, {pages} pages, {size / n:,.0f} bytes/label")
    print(f"decode check:  {verdict}")
    return 0 if verdict.startswith(("ok", "skipped")) else 1


if __name__ == "__main__":
    sys.exit(main())
