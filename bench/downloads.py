"""Benchmark: label-run downloads from a real server, with the memory of its workers.

Starts the app as installed (`traceapp db upgrade`, `traceapp demo --force`, a manager made
with `traceapp users create` and its API token from `traceapp users token`), then
`traceapp serve --workers 2` on a free loopback port in production mode. Through the API it
makes one lot big enough for every run (mass balance), issues a 24-label and a 20,000-label
run, and downloads each run as PDF (a4-3x8), ZPL and PNG-ZIP: the small run directly (200),
the large one as a background job (202, poll /render-jobs/N, then stream its file to disk).

For every download it reports the time to the first byte (the response's status line) and to
the last, the file size, and the resident memory (VmRSS) of each gunicorn worker, sampled
every 50 ms from /proc during the whole request or job: before, peak and final. Every file is
checked: the PDF's page count and a decoded sample of pages (pdftoppm + zxing-cpp) against
the URLs the API lists for the run, one ^XA per label in the ZPL and every URL in order, one
PNG per label in the ZIP (names, CRCs, a decoded sample), and the run's `prints` counter
going up by exactly one per file. Each job also gets a write probe: a second client issues a
1-label run on a lot of its own one second into the job, and its status and wait are listed
(on SQLite it shows how long other writers queue behind a rendering job). Finally the
server's log is searched for tracebacks and error answers. The worker CPU time and the
machine's busy and stolen CPU time over each download tell a slow job from a busy machine.

    .venv/bin/python bench/downloads.py                   # SQLite file in a temp folder
    .venv/bin/python bench/downloads.py postgresql://postgres@127.0.0.1:5432/test

The URL may also come from BENCH_DATABASE_URL. With a PostgreSQL URL the script creates a
scratch database next to the given one (same server, name with a random suffix) and drops it
at the end; the given database is not touched.
Environment: BENCH_SIZES (default "24,20000"), BENCH_ROUNDS (2: each run's three downloads
are repeated, so a leak would show as growth from one round to the next), BENCH_KEEP=1 keeps
the temp folder (server log, downloaded files; it is kept anyway when something failed),
BENCH_WRITE_PROBE=0 leaves the write probe out, BENCH_FORMATS (default "pdf,zpl,png-zip")
chooses the formats.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import platform
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
import zxingcpp
from PIL import Image

BIN = Path(sys.executable).parent / "traceapp"
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "24,20000").split(",") if s.strip()]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
KEEP = os.environ.get("BENCH_KEEP") == "1"
PROBE = os.environ.get("BENCH_WRITE_PROBE", "1") == "1"
SAMPLE_EVERY = 0.05
POLL_EVERY = 0.25
JOB_TIMEOUT = 240
PER_PAGE = 24  # a4-3x8
ALL_FORMATS = [("pdf", ".pdf?layout=a4-3x8"), ("zpl", ".zpl"), ("png-zip", ".zip")]
FORMATS = [
    f for f in ALL_FORMATS if f[0] in os.environ.get("BENCH_FORMATS", "pdf,zpl,png-zip").split(",")
]
MANAGER = "bench-downloads@example.test"
TRACEBACK_RE = re.compile(r"Traceback \(most recent call last\)|\[ERROR\]|\[CRITICAL\]| ERROR ")
ACCESS_RE = re.compile(r'"(GET|POST|PUT|PATCH|DELETE) (\S+) HTTP/[\d.]+" (\d{3}) ')
ZPL_QR_RE = re.compile(r"\^BQN,[^\^]*\^FD[A-Z]{2},B(\d{4})(.*?)\^FS")
MIB = 1024 * 1024


# --- the database and the server -------------------------------------------------------------


@contextmanager
def scratch_postgres(base_url: str) -> Iterator[str]:
    """A new empty database on the server of ``base_url``; dropped afterwards."""
    url = sa.make_url(
        base_url.replace("postgresql://", "postgresql+psycopg://", 1)
        if base_url.startswith("postgresql://")
        else base_url
    )
    name = f"{url.database}_dl_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


def postgres_version(url: str) -> str:
    """The server's version string (SHOW server_version)."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SHOW server_version").scalar())
    finally:
        engine.dispose()


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """The installed `traceapp` command against one database, and its `serve` process."""

    database_url: str
    instance: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base URL (also the public base URL the labels carry)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """Where gunicorn's output (access log included) goes."""
        return self.instance / "server.log"

    def env(self) -> dict[str, str]:
        """Production settings, as tests/live/conftest.py sets them."""
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update(
            {
                "TRACEAPP_ENV": "production",
                "SECRET_KEY": secrets.token_hex(32),
                "DATABASE_URL": self.database_url,
                "TRACEAPP_ALLOW_SQLITE": "1",
                "TRACEAPP_INSTANCE_PATH": str(self.instance),
                "TRACEAPP_PUBLIC_BASE_URL": self.url,
                # Reading back 20,000 URLs takes 200 pages of the label list.
                "TRACEAPP_API_RATE_LIMIT": "10000 per minute",
            }
        )
        return env

    def command(self, *args: str) -> str:
        """Run a `traceapp` command on the server's database; its output."""
        done = subprocess.run(  # noqa: S603 - our own command
            [str(BIN), *args],
            env=self.env_cache,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"traceapp {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self) -> None:
        """`traceapp serve --workers 2` and wait for /healthz."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [str(BIN), "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "2"],
            env=self.env_cache,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"traceapp serve exited:\n{self.log_path.read_text()[-4000:]}")
            try:
                up = requests.get(self.url + "/healthz", timeout=2).status_code == 200
                if up and len(self.workers()) == 2:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        raise RuntimeError("traceapp serve did not answer in 60 s")

    def stop(self) -> None:
        """Stop the master (it stops its workers)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def workers(self) -> list[int]:
        """The gunicorn worker pids: the children of the `traceapp serve` master."""
        assert self.process is not None
        pid = self.process.pid
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
            return sorted(int(p) for p in text.split())
        except OSError:
            found = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == pid:
                    found.append(int(stat.parent.name))
            return sorted(found)

    def __post_init__(self) -> None:
        """Fix the environment once: the secret must be the same for every command."""
        self.env_cache = self.env()


# --- memory sampling ---------------------------------------------------------------------------


def proc_kib(pid: int, key: str) -> int | None:
    """One `/proc/<pid>/status` figure in KiB (VmRSS, VmHWM), None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (all its threads) so far, in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_seconds() -> tuple[float, float]:
    """CPU time of the whole machine so far (all cores), seconds: (busy, stolen by the host)."""
    cpu = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6]  # user nice system irq softirq
    return busy / tick, (cpu[7] if len(cpu) > 7 else 0) / tick


class Sampler(threading.Thread):
    """Reads VmRSS of every worker every 50 ms into (time, pid, KiB) samples."""

    def __init__(self, pids: list[int]) -> None:
        """Sample these pids until stopped."""
        super().__init__(daemon=True, name="rss-sampler")
        self.pids = pids
        self.samples: list[tuple[float, int, int]] = []
        self.halt = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        """The sampling loop."""
        while not self.halt.is_set():
            now = time.monotonic()
            for pid in self.pids:
                kib = proc_kib(pid, "VmRSS")
                if kib is not None:
                    with self.lock:
                        self.samples.append((now, pid, kib))
            self.halt.wait(SAMPLE_EVERY)

    def timeline(self, pid: int, start: float, end: float, points: int = 5) -> list[int]:
        """A pid's RSS at evenly spaced moments from start to end (the last sample before)."""
        with self.lock:
            rows = [(t, kib) for t, p, kib in self.samples if p == pid and t <= end]
        out = []
        for i in range(points):
            moment = start + (end - start) * i / (points - 1)
            seen = [kib for t, kib in rows if t <= moment]
            out.append(seen[-1] if seen else 0)
        return out

    def window(self, start: float, end: float) -> dict[int, tuple[int, int, int]]:
        """Per pid: (first, peak, count of samples) between two moments."""
        out: dict[int, tuple[int, int, int]] = {}
        with self.lock:
            rows = [s for s in self.samples if start <= s[0] <= end]
        for _t, pid, kib in rows:
            first, peak, n = out.get(pid, (kib, 0, 0))
            out[pid] = (first, max(peak, kib), n + 1)
        return out


@dataclass
class Memory:
    """One worker's memory over a download, in KiB."""

    before: int
    peak: int
    final: int
    hwm_before: int
    hwm_after: int
    samples: int

    @property
    def growth(self) -> int:
        """Peak over the starting figure (the HWM counts if it rose past the samples)."""
        peak = max(self.peak, self.hwm_after if self.hwm_after > self.hwm_before else 0)
        return peak - self.before


# --- the API ---------------------------------------------------------------------------------


class Api:
    """A bearer-token client of /api/v1."""

    def __init__(self, base: str, token: str) -> None:
        """Talk to the server at ``base`` with ``token``."""
        self.base = base
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **kw: Any) -> requests.Response:
        """GET an API path (or a server-relative address)."""
        prefix = "" if path.startswith("/api/v1/") else "/api/v1"
        return self.http.get(self.base + prefix + path, timeout=300, **kw)

    def post(self, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        """POST JSON to an API path."""
        return self.http.post(self.base + "/api/v1" + path, json=body, timeout=300)

    def ok(self, answer: requests.Response, *codes: int) -> Any:
        """The JSON of an answer with an expected status, else an error with its body."""
        if answer.status_code not in (codes or (200,)):
            raise RuntimeError(
                f"{answer.request.method} {answer.url}: {answer.status_code} {answer.text[:2000]}"
            )
        return answer.json()


def make_lot(api: Api, labels_needed: int) -> dict[str, Any]:
    """A closed lot of a product with a GTIN and a net quantity, big enough for the runs.

    Mass balance (traceapp/labels/services.py, serial_capacity): a lot has room for
    int(available / net quantity per label) - live serialised labels, where available is
    the lot's quantity less what went into other lots. So the lot holds the labels times the
    product's net quantity (converted into the lot's unit), plus one label's worth spare.
    """
    products = api.ok(api.get("/products?page_size=100"))
    product = next(
        p for p in products if p["gtin"] and p["net_quantity"] and p["net_unit"] in ("GRM", "KGM")
    )
    per_label_kg = Decimal(product["net_quantity"]) / (1000 if product["net_unit"] == "GRM" else 1)
    quantity = per_label_kg * (labels_needed + 1)
    # The member and zone of a demo delivery pass every contribution rule (membership, zone
    # approved and valid, the mark's grant): reuse them on that lot's production date.
    source = None
    for lot in api.ok(api.get("/batches?page_size=100")):
        for c in api.ok(api.get(f"/batches/{lot['id']}/contributions")):
            if c["voided_at"] is None:
                source = (lot, c)
                break
        if source:
            break
    if source is None:
        raise RuntimeError("no demo contribution to copy")
    lot, contribution = source
    new = api.ok(
        api.post(
            "/batches",
            {
                "product_id": product["id"],
                "production_date": lot["production_date"],
                "quantity": str(quantity),
                "unit": "KGM",
                "notes": "bench/downloads.py",
            },
        ),
        201,
    )
    api.ok(
        api.post(
            f"/batches/{new['id']}/contributions",
            {
                "member_id": contribution["member_id"],
                "zone_id": contribution["zone_id"],
                "quantity": str(quantity),
                "unit": "KGM",
            },
        ),
        201,
    )
    closed = api.ok(api.post(f"/batches/{new['id']}/close"))
    closed["per_label_kg"] = per_label_kg
    return closed


def run_urls(api: Api, run_id: int) -> list[str]:
    """Every URL of a run in print order, from GET /label-runs/N/labels."""
    urls: list[str] = []
    page = 1
    while True:
        answer = api.get(f"/label-runs/{run_id}/labels?page={page}&page_size=100")
        rows = api.ok(answer)
        urls += [r["url"] for r in sorted(rows, key=lambda r: r["seq"])]
        info = json.loads(answer.headers.get("X-Pagination", "{}"))
        if not rows or page >= info.get("last_page", page):
            return urls
        page += 1


class WriteProbe(threading.Thread):
    """One small write request (a 1-label run on a lot of its own) a moment into a job: how
    long another writer waits while a job renders, and whether it gets through."""

    def __init__(self, base: str, token: str, lot_id: int, delay: float = 1.0) -> None:
        """Post after ``delay`` seconds, on a connection of its own."""
        super().__init__(daemon=True, name="write-probe")
        self.api = Api(base, token)
        self.lot_id = lot_id
        self.delay = delay
        self.status = 0
        self.seconds = 0.0

    def run(self) -> None:
        """The probe."""
        time.sleep(self.delay)
        started = time.monotonic()
        try:
            answer = self.api.post(
                f"/batches/{self.lot_id}/label-runs", {"count": 1, "notes": "write probe"}
            )
            self.status = answer.status_code
        except requests.RequestException:
            self.status = -1
        self.seconds = time.monotonic() - started


# --- one download ------------------------------------------------------------------------------


@dataclass
class Download:
    """What one download took and whether its file is right."""

    labels: int
    fmt: str
    round: int
    mode: str = ""
    status: int = 0
    size: int = 0
    content_length: int | None = None
    job_seconds: float | None = None
    job_server_seconds: float | None = None
    first_byte: float = 0.0
    end: float = 0.0
    stream_seconds: float = 0.0
    memory: dict[int, Memory] = field(default_factory=dict)
    stream_memory: dict[int, Memory] = field(default_factory=dict)
    timeline: list[int] = field(default_factory=list)
    cpu: dict[int, float] = field(default_factory=dict)
    steal: float = 0.0
    machine_busy: float = 0.0
    slowest_poll: float = 0.0
    probe: tuple[int, float] | None = None
    polls: int = 0
    prints_delta: int | None = None
    check: str = ""
    ok: bool = True
    path: Path | None = None


def stream_to(answer: requests.Response, path: Path) -> int:
    """Write a streamed answer to disk in 64 KiB pieces; the bytes written."""
    size = 0
    with path.open("wb") as fh:
        for piece in answer.iter_content(chunk_size=64 * 1024):
            fh.write(piece)
            size += len(piece)
    return size


def memory_over(
    sampler: Sampler,
    pids: list[int],
    start: float,
    end: float,
    hwm_before: dict[int, int],
    before: dict[int, int] | None = None,
) -> dict[int, Memory]:
    """Each worker's before, peak and final RSS over a window (final read now)."""
    window = sampler.window(start, end)
    out = {}
    for pid in pids:
        first, peak, n = window.get(pid, (0, 0, 0))
        final = proc_kib(pid, "VmRSS") or 0
        start_kib = before[pid] if before else first
        out[pid] = Memory(
            before=start_kib,
            peak=max(peak, final, start_kib),
            final=final,
            hwm_before=hwm_before.get(pid, 0),
            hwm_after=proc_kib(pid, "VmHWM") or 0,
            samples=n,
        )
    return out


def download(
    api: Api,
    sampler: Sampler,
    pids: list[int],
    run: dict[str, Any],
    fmt: str,
    suffix: str,
    rnd: int,
    folder: Path,
    probe_lot: int | None = None,
) -> Download:
    """Download one run in one format (directly or as a job) while the workers are sampled."""
    d = Download(labels=run["count"], fmt=fmt, round=rnd)
    prints_before = api.ok(api.get(f"/label-runs/{run['id']}"))["prints"]
    d.path = folder / f"run{run['id']}-{fmt}-r{rnd}{suffix.split('?')[0]}"
    time.sleep(0.3)  # a quiet moment, so "before" is the worker at rest
    before = {pid: proc_kib(pid, "VmRSS") or 0 for pid in pids}
    hwm = {pid: proc_kib(pid, "VmHWM") or 0 for pid in pids}
    cpu = {pid: cpu_seconds(pid) for pid in pids}
    machine_busy, steal = machine_seconds()
    t0 = time.monotonic()
    answer = api.get(f"/label-runs/{run['id']}{suffix}", stream=True)
    d.status = answer.status_code
    if answer.status_code == 200:
        d.mode = "direct"
        d.first_byte = time.monotonic() - t0
        d.content_length = int(answer.headers.get("Content-Length", "-1"))
        t_stream = time.monotonic()
        at_stream = {pid: proc_kib(pid, "VmRSS") or 0 for pid in pids}
        d.size = stream_to(answer, d.path)
    elif answer.status_code == 202:
        d.mode = "job"
        job = answer.json()
        answer.close()
        probe = None
        if probe_lot is not None:
            token = api.http.headers["Authorization"].split(" ", 1)[1]
            probe = WriteProbe(api.base, token, probe_lot)
            probe.start()
        while job["status"] in ("queued", "running"):
            if time.monotonic() - t0 > JOB_TIMEOUT:
                d.ok = False
                d.check += f"job {job['id']} still {job['status']} after {JOB_TIMEOUT} s"
                d.job_seconds = time.monotonic() - t0
                return d
            time.sleep(POLL_EVERY)
            asked = time.monotonic()
            try:
                polled = api.get(f"/render-jobs/{job['id']}")
            except requests.ConnectionError:  # the worker died under the request
                d.ok = False
                d.check += f"poll lost its connection after {time.monotonic() - asked:.1f} s; "
                continue
            d.slowest_poll = max(d.slowest_poll, time.monotonic() - asked)
            d.polls += 1
            if polled.status_code != 200:  # a bug; a client would ask again
                d.ok = False
                d.check += (
                    f"poll answered {polled.status_code} after {time.monotonic() - asked:.1f} s; "
                )
                continue
            job = polled.json()
        d.job_seconds = time.monotonic() - t0
        if probe is not None:
            probe.join()
            d.probe = (probe.status, probe.seconds)
            if probe.status >= 500 or probe.status < 0:
                d.ok = False
                d.check += f"write probe answered {probe.status} after {probe.seconds:.1f} s; "
        if job["status"] != "done":
            d.ok = False
            d.check = f"job {job['status']}: {job.get('error')}"
            return d
        made = dt.datetime.fromisoformat(job["created_at"])
        finished = dt.datetime.fromisoformat(job["finished_at"])
        d.job_server_seconds = (finished - made).total_seconds()
        t_stream = time.monotonic()
        at_stream = {pid: proc_kib(pid, "VmRSS") or 0 for pid in pids}
        answer = api.get(job["file"], stream=True)
        d.first_byte = time.monotonic() - t0
        if answer.status_code != 200:
            d.ok = False
            d.check = f"file answered {answer.status_code}: {answer.text[:300]}"
            return d
        d.content_length = int(answer.headers.get("Content-Length", "-1"))
        d.size = stream_to(answer, d.path)
        if job["size"] != d.size:
            d.ok = False
            d.check += f"job size {job['size']} != {d.size} received; "
    else:
        d.ok = False
        d.check = f"answered {answer.status_code}: {answer.text[:300]}"
        return d
    t_end = time.monotonic()
    d.cpu = {pid: cpu_seconds(pid) - cpu[pid] for pid in pids}
    busy_now, steal_now = machine_seconds()
    d.machine_busy, d.steal = busy_now - machine_busy, steal_now - steal
    d.end = t_end - t0
    d.stream_seconds = t_end - t_stream
    time.sleep(0.3)  # let the worker finish its request (closing the spool, the session)
    d.memory = memory_over(sampler, pids, t0, time.monotonic(), hwm, before)
    d.stream_memory = memory_over(sampler, pids, t_stream, t_end, hwm, at_stream)
    busiest = max(pids, key=lambda pid: d.memory[pid].growth)
    d.timeline = sampler.timeline(busiest, t0, t_end)
    d.prints_delta = api.ok(api.get(f"/label-runs/{run['id']}"))["prints"] - prints_before
    if d.content_length is not None and d.content_length != d.size:
        d.ok = False
        d.check += f"Content-Length {d.content_length} != {d.size} received; "
    if d.prints_delta != 1:
        d.ok = False
        d.check += f"prints went up by {d.prints_delta}; "
    return d


# --- checking the files ------------------------------------------------------------------------


def qr_texts(image: Image.Image) -> list[str]:
    """The text of every QR code in a picture."""
    return [
        r.text
        for r in zxingcpp.read_barcodes(image.convert("L"))
        if r.format == zxingcpp.BarcodeFormat.QRCode
    ]


def check_pdf(path: Path, urls: list[str]) -> tuple[bool, str]:
    """Page count, then the first, middle and last page decoded against the run's URLs."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=False)  # noqa: S607
    match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
    pages = int(match.group(1)) if match else -1
    want_pages = math.ceil(len(urls) / PER_PAGE)
    if pages != want_pages:
        return False, f"{pages} pages, want {want_pages} ({info.stderr.strip()[:200]})"
    sample = sorted({1, (pages + 1) // 2, pages})
    good = total = 0
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for page in sample:
            subprocess.run(  # noqa: S607 - poppler's pdftoppm from PATH
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
                    str(path),
                    f"{tmp}/p{page}",
                ],
                check=True,
            )
            image = next(Path(tmp).glob(f"p{page}-*.png"))
            found = qr_texts(Image.open(image))
            want = urls[(page - 1) * PER_PAGE : page * PER_PAGE]
            total += len(want)
            good += len(set(found) & set(want))
            if sorted(found) != sorted(want):
                problems.append(
                    f"page {page}: {len(found)} decoded, "
                    f"{len(set(found) & set(want))} of {len(want)} match"
                )
    text = f"{pages} pages; {good}/{total} QR on pages {', '.join(map(str, sample))}"
    return not problems, text + ("; " + "; ".join(problems) if problems else "")


def check_zpl(path: Path, urls: list[str]) -> tuple[bool, str]:
    """One ^XA ... ^XZ per label, and each label's QR data is the run's URL at its place."""
    text = path.read_text(encoding="utf-8")
    starts, ends = text.count("^XA"), text.count("^XZ")
    found = ZPL_QR_RE.findall(text)
    in_order = [u for _n, u in found] == urls
    lengths = all(int(n) == len(u.encode("utf-8")) for n, u in found)
    ok = starts == ends == len(urls) and in_order and lengths
    return ok, (
        f"{starts} ^XA, {ends} ^XZ; QR data {'=' if in_order else '!='} the API's "
        f"{len(urls)} URLs in order" + ("" if lengths else "; wrong B-lengths")
    )


def check_zip(path: Path, urls: list[str]) -> tuple[bool, str]:
    """One PNG per label, named in print order, CRCs good, a sample of 24 decoded."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        bad = archive.testzip()
        serials = [u.rsplit("/", 1)[-1] for u in urls]
        names_ok = names == [f"{i + 1:06d}-{s}.png" for i, s in enumerate(serials)]
        n = len(urls)
        picks = sorted(
            set(range(min(8, n)))
            | set(range(max(0, n // 2 - 4), min(n, n // 2 + 4)))
            | set(range(max(0, n - 8), n))
        )
        good = (
            sum(
                1
                for i in picks
                if qr_texts(Image.open(io.BytesIO(archive.read(names[i])))) == [urls[i]]
            )
            if len(names) == n
            else 0
        )
    ok = names_ok and bad is None and good == len(picks)
    return ok, (
        f"{len(names)} PNG, names {'in' if names_ok else 'NOT in'} print order, "
        f"CRC {'ok' if bad is None else 'bad: ' + bad}; {good}/{len(picks)} decoded"
    )


CHECKS = {"pdf": check_pdf, "zpl": check_zpl, "png-zip": check_zip}


# --- the report ---------------------------------------------------------------------------------


def machine() -> list[str]:
    """Lines describing the machine and software."""
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 1048576:.0f} GiB"
    return [
        f"machine: {os.cpu_count()} cores ({model}), {mem} RAM, kernel {platform.release()}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"requests {requests.__version__}",
        f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
    ]


def mib(kib: int) -> str:
    """KiB as MiB with one decimal."""
    return f"{kib / 1024:.1f}"


def peak_growth(d: Download) -> int:
    """The largest peak-over-start of any worker during a download, KiB."""
    return max((m.growth for m in d.memory.values()), default=0)


COLUMNS = [
    "labels",
    "format",
    "round",
    "answer",
    "file",
    "job done (s)",
    "polls (slowest s)",
    "write probe during the job",
    "first byte (s)",
    "end (s)",
    "worker CPU s (w1 / w2)",
    "machine busy s",
    "steal s",
    "stream MiB/s",
    "worker RSS before → peak → final, MiB (w1 / w2)",
    "peak growth MiB",
    "growth while streaming MiB",
    "final − before MiB",
    "busiest worker's RSS at 0/25/50/75/100% of the time, MiB",
    "prints +",
    "check",
]
HEADER = "| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS)


def row(d: Download) -> str:
    """One download as a Markdown table row."""
    workers = " / ".join(
        f"{mib(m.before)} → {mib(m.peak)} → {mib(m.final)}" for m in d.memory.values()
    )
    net = max((m.final - m.before for m in d.memory.values()), default=0)
    stream_growth = max((m.peak - m.before for m in d.stream_memory.values()), default=0)
    job = f"{d.job_seconds:.2f}" if d.job_seconds is not None else "-"
    polls = f"{d.polls} ({d.slowest_poll:.2f})" if d.polls else "-"
    probe = f"{d.probe[0]} after {d.probe[1]:.2f} s" if d.probe else "-"
    size = f"{d.size / MIB:.2f} MiB" if d.size >= MIB else f"{d.size / 1024:.1f} KiB"
    cells = [
        f"{d.labels:,}",
        d.fmt,
        str(d.round),
        f"{d.mode} {d.status}",
        size,
        job,
        polls,
        probe,
        f"{d.first_byte:.2f}",
        f"{d.end:.2f}",
        " / ".join(f"{c:.2f}" for c in d.cpu.values()),
        f"{d.machine_busy:.2f}",
        f"{d.steal:.2f}",
        f"{d.size / MIB / d.stream_seconds:.0f}" if d.size >= MIB else "-",
        workers,
        mib(peak_growth(d)),
        mib(stream_growth),
        mib(net),
        " / ".join(mib(k) for k in d.timeline),
        str(d.prints_delta),
        f"{'ok' if d.ok else 'FAIL'}: {d.check}",
    ]
    return "| " + " | ".join(cells) + " |"


def server_problems(server: Server) -> list[str]:
    """Error lines of the server's log, each traceback's last line (the exception), and
    answers of 400 and up; each distinct line once, with how often it occurred."""
    lines = server.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    found: dict[str, int] = {}

    def note(text: str) -> None:
        found[text] = found.get(text, 0) + 1

    for i, line in enumerate(lines):
        access = ACCESS_RE.search(line)
        if access:
            if int(access.group(3)) >= 400:
                note(f"answer {access.group(3)}: {access.group(1)} {access.group(2)}")
        elif line.startswith("Traceback"):
            last = next((x for x in lines[i + 1 :] if x and not x.startswith((" ", "\t"))), "")
            if not last.startswith(("The above exception", "During handling")):
                note(f"traceback ending: {last.strip()[:200]}")
        elif TRACEBACK_RE.search(line) or " WARNING " in line:
            note(re.sub(r"^\S+ \S+ ", "", line.strip())[:200])  # without the time stamp
    return [f"{n} x {text}" for text, n in found.items()]


def is_error(problem: str) -> bool:
    """A problem line that is more than a warning (a retried request is only a warning)."""
    return " WARNING " not in f" {problem.split(' x ', 1)[1]}"


# --- main --------------------------------------------------------------------------------------


def bench(database_url: str, workdir: Path, engine_name: str) -> bool:
    """Set up the server on the database, run every download, print the table; all ok?"""
    instance = workdir / "instance"
    instance.mkdir()
    files = workdir / "files"
    files.mkdir()
    server = Server(database_url=database_url, instance=instance)
    started = time.monotonic()
    server.command("db", "upgrade")
    server.command("demo", "--force")
    server.command(
        "users",
        "create",
        "--email",
        MANAGER,
        "--name",
        "Bench Downloads",
        "--role",
        "manager",
        "--cooperative",
        "XP",
        "--password",
        secrets.token_urlsafe(16),
    )
    token = server.command("users", "token", MANAGER, "--name", "bench").strip().splitlines()[-1]
    server.start()
    sampler = None
    downloads: list[Download] = []
    try:
        pids = server.workers()
        api = Api(server.url, token)
        lot = make_lot(api, sum(SIZES))
        probe_lot = make_lot(api, 10 * ROUNDS * len(SIZES) * len(FORMATS))["id"] if PROBE else None
        print(
            f"lot {lot['code']}: {lot['quantity']} {lot['unit']} "
            f"({lot['per_label_kg']} kg per label, room for {sum(SIZES) + 1} labels)"
        )
        runs = []
        for size in SIZES:
            t = time.monotonic()
            run = api.ok(
                api.post(f"/batches/{lot['id']}/label-runs", {"count": size, "template": "a4-3x8"}),
                201,
            )
            urls = run_urls(api, run["id"])
            print(
                f"run {run['id']}: {size:,} labels issued in {time.monotonic() - t:.2f} s "
                f"(with reading back {len(urls):,} URLs)"
            )
            if len(urls) != size:
                raise RuntimeError(f"run {run['id']} lists {len(urls)} labels, not {size}")
            runs.append((run, urls))
        sampler = Sampler(pids)
        sampler.start()
        for rnd in range(1, ROUNDS + 1):
            for run, urls in runs:
                for fmt, suffix in FORMATS:
                    try:
                        d = download(api, sampler, pids, run, fmt, suffix, rnd, files, probe_lot)
                    except (RuntimeError, requests.RequestException) as exc:
                        d = Download(
                            labels=run["count"],
                            fmt=fmt,
                            round=rnd,
                            ok=False,
                            check=f"ERROR {str(exc)[:300]}".replace("\n", " "),
                        )
                    if d.ok and d.path is not None and d.path.exists():
                        good, text = CHECKS[fmt](d.path, urls)
                        d.ok = d.ok and good
                        d.check += text
                    downloads.append(d)
                    print(
                        f"  {d.labels:>6,} {fmt:8} round {rnd}: {d.mode} {d.status}, "
                        f"{d.size / MIB:.2f} MiB, end {d.end:.2f} s, CPU "
                        f"{' / '.join(f'{c:.1f}' for c in d.cpu.values())} s, "
                        f"growth {mib(peak_growth(d))} MiB "
                        f"({' / '.join(mib(k) for k in d.timeline)}), "
                        f"{'ok' if d.ok else 'FAIL'} {d.check}",
                        flush=True,
                    )
                    if d.path is not None and not KEEP:
                        d.path.unlink(missing_ok=True)
        totals = {
            run["id"]: api.ok(api.get(f"/label-runs/{run['id']}"))["prints"] for run, _u in runs
        }
        after = server.workers()
    finally:
        if sampler is not None:
            sampler.halt.set()
            sampler.join()
        server.stop()
    problems = server_problems(server)
    print()
    print(
        f"database: {engine_name}; workers {pids}"
        + ("" if after == pids else f", NOW {after} (a worker was replaced)")
    )
    print(
        f"samples: every {SAMPLE_EVERY * 1000:.0f} ms, "
        f"{sum(m.samples for d in downloads for m in d.memory.values())} in all"
    )
    print(HEADER)
    for d in downloads:
        print(row(d))
    print(f"prints per run at the end: {totals} (files per run: {ROUNDS * len(FORMATS)})")
    errors = [p for p in problems if is_error(p)]
    print(f"server log: {len(errors)} error line(s), {len(problems) - len(errors)} warning(s)")
    for p in problems:
        print("    " + p)
    print(f"whole benchmark on {engine_name}: {time.monotonic() - started:.0f} s")
    return (
        all(d.ok for d in downloads)
        and not errors
        and after == pids
        and all(v == ROUNDS * len(FORMATS) for v in totals.values())
    )


def main() -> None:
    """Run the benchmark on SQLite or on a scratch PostgreSQL database."""
    given = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_DATABASE_URL")
    workdir = Path(tempfile.mkdtemp(prefix="bench-downloads-"))
    for line in machine():
        print(line)
    print(
        f"settings: TRACEAPP_LABELS_SYNC_LIMIT default (5000), gunicorn 2 sync workers, "
        f"sizes {SIZES}, {ROUNDS} rounds, RSS every {SAMPLE_EVERY * 1000:.0f} ms, "
        f"job polled every {POLL_EVERY * 1000:.0f} ms"
    )
    ok = False
    try:
        if given and given.startswith("postgresql"):
            print(f"PostgreSQL {postgres_version(given)}")
            with scratch_postgres(given) as url:
                ok = bench(url, workdir, "PostgreSQL")
        else:
            ok = bench(f"sqlite:///{workdir / 'traceapp.sqlite3'}", workdir, "SQLite")
    finally:
        if KEEP or not ok:
            print(f"kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print("ALL OK" if ok else "SOMETHING FAILED (see above)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
