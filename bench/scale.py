"""Benchmark: province scale (issue 21).

Builds two tiers of one province's data (the province tier: 100,000 lots, 1,000,000 labels,
10,000,000 scans, 50,000 members, 10,000 zones, a lot with 10,000 contributions and a recall
genealogy of 1,000 lots with 100,000 labels; and a tier ten times smaller), then times each
operation through the app as a signed-in user would reach it (Flask's test client: the whole
request, templates included, no network; downloads to their first byte and drained, jobs run
in this process through the worker's job functions), and prints per operation the time at
both tiers, the growth ratio, the first byte, the memory growth, the target of issue 21 and
whether the larger tier meets it, with the machine and its load at start and end.

The volume is generated inside the database (see bench/scale_build.py): through the services
it would take hours; the province tier builds in a few minutes. Each operation runs on a
database holding only its tier; the operations are in bench/scale_ops.py.

    .venv/bin/python bench/scale.py                          # SQLite files in a temp folder
    .venv/bin/python bench/scale.py postgresql://postgres@127.0.0.1:5432/bench_scale
    .venv/bin/python bench/scale.py --tier smoke             # a tiny pair of tiers, to try it
    .venv/bin/python bench/scale.py --tier small             # only the smaller tier (0.1)
    .venv/bin/python bench/scale.py --tier tenth             # tiers 0.01 and 0.1
    .venv/bin/python bench/scale.py --tier province          # both tiers (0.1 and 1.0)
Options: --repeat N (runs per page, the p95 of them is shown; default 5), --only NAMES
(comma-separated operation names, or their first word), --set key=n,... (fixed sizes),
--out FILE (the summary as Markdown, ready for bench/RESULTS.md).
A PostgreSQL database given must exist and hold nothing else: the script drops its tables
(and empties them at the end). The operations are in bench/scale_ops.py.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import gc
import os
import platform
import resource
import shutil
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale_build import PASSWORD, World, build, sizes_for  # noqa: E402
from scale_ops import _CSRF, OPS, Op  # noqa: E402
from scale_sql import fast_load  # noqa: E402

from traceapp import create_app  # noqa: E402
from traceapp.extensions import db  # noqa: E402

#: Tier pairs: (smaller factor, larger factor) of the province sizes.
TIERS = {
    "smoke": (0.001, 0.01),
    "small": (0.1,),
    "tenth": (0.01, 0.1),
    "province": (0.1, 1.0),
}
#: Targets of issue 21 per kind: (seconds at the larger tier or None, largest growth ratio,
#: largest memory growth in MiB or None, first byte in seconds or None).
TARGETS: dict[str, tuple[float | None, float, float | None, float | None]] = {
    "page": (1.0, 3.0, None, None),
    "export": (None, 12.0, 50.0, 1.0),
    "import": (60.0, 12.0, None, None),
    "render": (None, 12.0, 50.0, None),
    "recall": (5.0, 12.0, None, None),
}


def _rss_mib() -> float:
    """The process's current resident memory, from /proc (Linux)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1048576


class PeakRss:
    """The largest resident memory of the process while a block runs, sampled every few
    milliseconds by a thread (a response built whole shows its peak before it returns)."""

    def __init__(self, every: float = 0.005) -> None:
        self.every, self.before, self.peak = every, 0.0, 0.0
        self._stop = threading.Event()

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, _rss_mib())

    def __enter__(self) -> PeakRss:
        self.before = self.peak = _rss_mib()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mib())

    @property
    def growth(self) -> float:
        return self.peak - self.before


def _client(app: Any, email: str) -> Any:
    c = app.test_client()
    html = c.get("/login").get_data(as_text=True)
    token = _CSRF.search(html)
    r = c.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1) if token else ""},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return c


def _selected(op: Op, only: set[str] | None) -> bool:
    return not only or op.name.split(" ")[0] in only or op.name in only


#: Kinds whose memory is also traced: the RSS of a long-running process hides allocations
#: that reuse memory freed earlier, so one more run under tracemalloc gives the peak of what
#: the operation held at once (Python's allocations; C libraries' own are in the RSS only).
TRACED = ("export", "render")


def _traced_peak(op: Op, c: Any, world: World) -> float | None:
    """The peak of the Python memory one more (untimed) run holds at once, in MiB."""
    gc.collect()
    tracemalloc.start()
    try:
        op.run(c, world)
        return tracemalloc.get_traced_memory()[1] / 1048576
    except Exception as exc:  # noqa: BLE001 - the timed runs passed; report, go on
        print(f"    {op.name}: traced run failed: {exc!r}"[:300], flush=True)
        return None
    finally:
        tracemalloc.stop()


def _runs(op: Op, repeat: int) -> int:
    """Timed runs of an operation: downloads are long, so two (and one traced) suffice."""
    if op.once:
        return 1
    return min(repeat, 2) if op.kind == "export" else repeat


def measure(app: Any, world: World, repeat: int, only: set[str] | None) -> dict[str, Any]:
    """Each operation's p95 time (s), memory growth (MiB) and first byte (s, downloads)."""
    out: dict[str, Any] = {}
    clients: dict[str, Any] = {}
    for op in OPS:
        if not _selected(op, only):
            continue
        if op.role not in clients:
            clients[op.role] = _client(app, getattr(world, op.role))
        c = clients[op.role]
        times, ttfbs, grow, extra = [], [], 0.0, {}
        try:
            if op.kind == "page":
                op.run(c, world)  # warm: templates compiled, caches filled, as on a server
            for _ in range(_runs(op, repeat)):
                gc.collect()
                with PeakRss() as rss:
                    started = time.perf_counter()
                    extra = op.run(c, world) or {}
                    times.append(time.perf_counter() - started)
                grow = max(grow, rss.growth)
                if "ttfb" in extra:
                    ttfbs.append(extra["ttfb"])
        except Exception as exc:  # noqa: BLE001 - one broken operation must not end the run
            print(f"    {op.name}: FAILED {type(exc).__name__}: {str(exc)[:300]}", flush=True)
            out[op.name] = {"failed": f"{type(exc).__name__}"}
            continue
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        ttfb = max(ttfbs) if ttfbs else None
        traced = _traced_peak(op, c, world) if op.kind in TRACED else None
        out[op.name] = {
            "p95": p95,
            "median": times[len(times) // 2],
            "mem": grow,
            "ttfb": ttfb,
            "traced": traced,
        }
        first = f", first byte {ttfb:.3f} s" if ttfb is not None else ""
        if "bytes" in extra:
            first += f", {extra['bytes'] / 1048576:.1f} MiB long"
        peak = f", traced peak {traced:.0f} MiB" if traced is not None else ""
        print(f"    {op.name}: p95 {p95:.3f} s{first}, +{grow:.0f} MiB{peak}", flush=True)
    return out


def run_tier(url: str | None, factor: float, workdir: Path, args: Any) -> dict[str, Any]:
    """Build one tier from scratch and measure it."""
    database = url or f"sqlite:///{workdir / f'scale-{factor}.sqlite3'}"
    app = create_app(
        {
            "TRACEAPP_ENV": "testing",
            "DATABASE_URL": database,
            "SECRET_KEY": "b",
            "INSTANCE_PATH": str(workdir),
            "TRACEAPP_PUBLIC_BASE_URL": "https://trace.example.vn",
            "RATELIMIT_ENABLED": False,
            # Jobs are queued by the request and run by this process through the worker's
            # job function (the harness calls it), never inline in the request nor by a
            # local worker thread.
            "TRACEAPP_JOBS_INLINE": False,
            "TRACEAPP_JOBS_INLINE_WORKER": False,
            # Every EPCIS import of the bench goes through the job path, whatever its size.
            "TRACEAPP_EPCIS_SYNC_BYTES": 1024,
            "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        }
    )
    sizes = {**sizes_for(factor), **args.set}
    with app.app_context():
        print(f"  tier x{factor}: {sizes}", flush=True)
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        with fast_load(db.engine):
            world = build(sizes)
            db.session.remove()
        settle()
        built = time.perf_counter() - started
        print(f"  built in {built:.0f} s", flush=True)
        db.session.remove()
    results = measure(app, world, args.repeat, args.only)
    results["_built"] = built
    with app.app_context():
        db.session.remove()
        if url:
            db.drop_all()  # leave no province behind in the database given
        db.engine.dispose()
    (workdir / f"scale-{factor}.sqlite3").unlink(missing_ok=True)
    return results


def settle() -> None:
    """After the bulk load, statistics for the planner (as an operator runs after one)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")


def machine(url: str | None) -> str:
    """Where and when the figures were taken."""
    with open("/proc/meminfo") as fh:
        total = int(fh.readline().split()[1]) / 1048576
    engine = "PostgreSQL" if url else "SQLite"
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
        f"{total:.0f} GiB RAM, Python {platform.python_version()}, {engine}"
    )


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def verdict(kind: str, low: dict[str, Any] | None, high: dict[str, Any]) -> tuple[str, str]:
    """The target of an operation's kind, as text, and whether the larger tier meets it."""
    limit, ratio_max, mem_max, ttfb_max = TARGETS[kind]
    parts, misses = [], []
    if limit is not None:
        parts.append(f"< {limit:g} s")
        if high["p95"] >= limit:
            misses.append("time")
    if ttfb_max is not None:
        parts.append(f"first byte < {ttfb_max:g} s")
        if high.get("ttfb") is None or high["ttfb"] >= ttfb_max:
            misses.append("first byte")
    if mem_max is not None:
        parts.append(f"< {mem_max:g} MB")
        if max(high["mem"], high.get("traced") or 0.0) * 1.048576 >= mem_max:
            misses.append("memory")
    parts.append(f"growth ≤ {ratio_max:g}x")
    if low is not None and high["p95"] / max(low["p95"], 1e-6) > ratio_max:
        misses.append("growth")
    return ", ".join(parts), ("no: " + ", ".join(misses)) if misses else "yes"


def table(results: dict[float, dict[str, Any]], factors: tuple[float, ...]) -> list[str]:
    """The summary as Markdown lines."""
    cols = " | ".join(f"x{f}" for f in factors)
    lines = [
        f"| operation | {cols} | growth | first byte | memory growth | traced peak | target "
        "| met |",
        "|---|" + "---|" * (len(factors) + 6),
    ]
    lines.append(
        "| building the tier | "
        + " | ".join(f"{results[f]['_built']:.0f} s" for f in factors)
        + " | - | - | - | - | - | - |"
    )
    for op in OPS:
        got = [results[f].get(op.name) for f in factors]
        if all(g is None for g in got):
            continue
        if any(g is None or "failed" in g for g in got):
            cells = [g["failed"] if g and "failed" in g else "-" for g in got]
            lines.append(f"| {op.name} | {' | '.join(cells)} | - | - | - | - | - | no: failed |")
            continue
        low, high = (got[0], got[-1]) if len(got) > 1 else (None, got[-1])
        ratio = f"{high['p95'] / max(low['p95'], 1e-6):.1f}x" if low else "-"
        ttfb = f"{high['ttfb']:.3f} s" if high.get("ttfb") is not None else "-"
        mem = max(g["mem"] for g in got)
        traced = f"{high['traced']:.0f} MiB" if high.get("traced") is not None else "-"
        target, met = verdict(op.kind, low, high)
        cells = " | ".join(f"{g['p95']:.3f} s" for g in got)
        lines.append(
            f"| {op.name} | {cells} | {ratio} | {ttfb} | {mem:.0f} MiB | {traced} | {target} "
            f"| {met} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", nargs="?")
    parser.add_argument("--tier", choices=sorted(TIERS), default="smoke")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", type=lambda s: set(s.split(",")), default=None)
    parser.add_argument("--out", type=Path, default=None, help="write the summary as Markdown")
    parser.add_argument(
        "--set",
        type=lambda s: {k: int(v) for k, v in (kv.split("=") for kv in s.split(","))},
        default={},
        help="override sizes of every tier, e.g. genealogy=1000,labels=100000",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    # Last of all at exit too: the app writes its audit anchor there as it shuts down.
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    where, load_start = machine(args.url), _load()
    print(f"machine: {where}; load average at start {load_start}", flush=True)
    factors = TIERS[args.tier]
    results = {}
    try:
        for factor in factors:
            results[factor] = run_tier(args.url, factor, workdir, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"Measured {where}; load average (1/5/15 min) at start {load_start}, at end {_load()}.",
        f"Peak resident memory of the bench process: {peak:.0f} MiB.",
        "",
        *table(results, factors),
    ]
    print("\n" + "\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
