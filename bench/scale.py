"""Benchmark: province scale (issue 21).

Builds two tiers of one province's data (the province tier: 100,000 lots, 1,000,000 labels,
10,000,000 scans, 50,000 members, 10,000 zones, a lot with 10,000 contributions and a recall
genealogy of 1,000 lots with 100,000 labels; and a tier ten times smaller), then times each
operation through the app as a signed-in user would reach it (Flask's test client: the whole
request, templates included, no network), and prints the time at both tiers, the growth
ratio and the process's peak memory growth during the operation.

The volume is written with bulk SQL (see bench/scale_build.py): through the services it would
take hours. Each operation runs on a database holding only its tier.

    .venv/bin/python bench/scale.py                          # SQLite files in a temp folder
    .venv/bin/python bench/scale.py postgresql://postgres@127.0.0.1:5432/bench_scale
    .venv/bin/python bench/scale.py --tier smoke             # a tiny pair of tiers, to try it
    .venv/bin/python bench/scale.py --tier small             # only the smaller tier (0.1)
    .venv/bin/python bench/scale.py --tier tenth             # tiers 0.01 and 0.1
    .venv/bin/python bench/scale.py --tier province          # both tiers (0.1 and 1.0)
Options: --repeat N (runs per page, the p95 of them is shown; default 5), --only NAMES
(comma-separated operation names, or their first word), --set key=n,... (fixed sizes).
A PostgreSQL database given must exist and hold nothing else: the script drops its tables.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale_build import PASSWORD, World, build, fast_load, sizes_for  # noqa: E402

from traceapp import create_app  # noqa: E402
from traceapp.extensions import db  # noqa: E402

#: Tier pairs: (smaller factor, larger factor) of the province sizes.
TIERS = {
    "smoke": (0.001, 0.01),
    "small": (0.1,),
    "tenth": (0.01, 0.1),
    "province": (0.1, 1.0),
}
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _rss_mib() -> float:
    """The process's current resident memory, from /proc (Linux)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1048576


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


class Op:
    """One operation: a name, the role that runs it, and what it does (returns the response)."""

    def __init__(self, name: str, role: str, run: Callable[[Any, World], Any], once: bool = False):
        self.name, self.role, self.run, self.once = name, role, run, once


def _get(url: str) -> Callable[[Any, World], Any]:
    def run(c: Any, w: World) -> Any:
        headers = {"Accept-Language": "vi"}
        if url.startswith("/api/"):
            headers["Authorization"] = f"Bearer {w.token}"
        r = c.get(url.format(w=w), headers=headers)
        body = b"".join(r.response) if r.is_streamed else r.get_data()
        assert r.status_code == 200, (url, r.status_code, body[:300])
        return len(body)

    return run


def _recall(c: Any, w: World) -> Any:
    url = f"/lots/{w.root_lot_id}/recall"
    html = c.get(url).get_data(as_text=True)
    token = _CSRF.search(html)
    r = c.post(
        url,
        data={
            "reason": "Aflatoxin above the limit in the root lot",
            "instructions": "Stop selling and return the bags to the cooperative",
            "decided_by": "Ban quản trị",
            "csrf_token": token.group(1) if token else "",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    report = c.get(r.headers["Location"])
    assert report.status_code == 200
    return len(report.get_data())


OPS = [
    Op("lot page (10,000 contributions and events)", "manager", _get("/lots/{w.big_lot_id}")),
    Op("lot list, first page", "manager", _get("/lots")),
    Op("lot list, last page", "manager", _get("/lots?page=2&last=1")),
    Op("lot search", "manager", _get("/lots?q=L00123")),
    Op("members list", "manager", _get("/cooperatives/{w.coop_id}/members")),
    Op("members search", "manager", _get("/cooperatives/{w.coop_id}/members?q=H%E1%BB%99%20N12")),
    Op("zones list", "manager", _get("/zones")),
    Op("label runs list", "manager", _get("/label-runs")),
    Op("scan statistics, 365 days", "manager", _get("/scans?days=365")),
    Op("manager home", "manager", _get("/")),
    Op("EPCIS export of the big lot", "manager", _get("/lots/{w.big_lot_id}/epcis.jsonld")),
    Op("auditor home", "auditor", _get("/")),
    Op("console index", "auditor", _get("/authority")),
    Op("flags list", "auditor", _get("/authority/flags")),
    Op("zone register", "auditor", _get("/authority/zones")),
    Op("audit trail", "admin", _get("/audit")),
    Op("API lot list", "manager", _get("/api/v1/batches")),
    Op("recall of the genealogy + report", "manager", _recall, once=True),
]


def measure(app: Any, world: World, repeat: int, only: set[str] | None) -> dict[str, Any]:
    """Each operation's p95 time (s) and memory growth (MiB) on this tier."""
    out: dict[str, Any] = {}
    clients: dict[str, Any] = {}
    for op in OPS:
        if only and op.name.split(" ")[0] not in only and op.name not in only:
            continue
        if op.role not in clients:
            clients[op.role] = _client(app, getattr(world, op.role))
        c = clients[op.role]
        times = []
        grow = 0.0
        if not op.once:
            op.run(c, world)  # warm: templates compiled, caches filled, as on a running server
        for _ in range(1 if op.once else repeat):
            gc.collect()
            before = _rss_mib()
            started = time.perf_counter()
            op.run(c, world)
            times.append(time.perf_counter() - started)
            grow = max(grow, _rss_mib() - before)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        out[op.name] = {"p95": p95, "median": times[len(times) // 2], "mem": grow}
        print(f"    {op.name}: p95 {p95:.3f} s, +{grow:.0f} MiB", flush=True)
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
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", nargs="?")
    parser.add_argument("--tier", choices=sorted(TIERS), default="smoke")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", type=lambda s: set(s.split(",")), default=None)
    parser.add_argument(
        "--set",
        type=lambda s: {k: int(v) for k, v in (kv.split("=") for kv in s.split(","))},
        default={},
        help="override sizes of every tier, e.g. genealogy=1000,labels=100000",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    factors = TIERS[args.tier]
    results = {}
    for factor in factors:
        results[factor] = run_tier(args.url, factor, workdir, args)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:.0f} MiB")
    header = " | ".join(f"x{f}" for f in factors)
    print(f"| operation | {header} | growth | memory growth |")
    for name in results[factors[0]]:
        cells = [f"{results[f][name]['p95']:.3f} s" for f in factors if name in results[f]]
        low, high = results[factors[0]][name]["p95"], results[factors[-1]][name]["p95"]
        ratio = f"{high / max(low, 1e-6):.1f}x" if len(factors) > 1 else "-"
        mem = max(results[f][name]["mem"] for f in factors if name in results[f])
        print(f"| {name} | {' | '.join(cells)} | {ratio} | {mem:.0f} MiB |")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
