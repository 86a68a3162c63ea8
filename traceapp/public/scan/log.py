"""Writing the scan log in small batches, so a shopper's request never waits for a write.

Every scan is logged. In production the rows of one app process are collected for a moment
(TRACEAPP_SCAN_FLUSH_SECONDS, default 0.5 s, or 200 scans) and written in one transaction; a
crash of that process loses at most that moment's scans. The process's own pending scans
count in its clone rules and scan counts at once; other processes' show up after their next
write. With TRACEAPP_SCAN_FLUSH_SECONDS=0 (the tests) each scan is written with its request.

The columns written are those of the ORM table :class:`traceapp.public.models.LabelScan`.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from traceapp.database import local_zone_name
from traceapp.extensions import db
from traceapp.public.models import LabelScan
from traceapp.public.scan import kept, partitions, unknown
from traceapp.public.scan.connection import db_time

if TYPE_CHECKING:
    from traceapp.public.scan.resolve import ScanResult

log = logging.getLogger(__name__)

BATCH = 200
#: Rows kept when the database cannot be written for a while; older ones are dropped.
MAX_PENDING = 50_000


@dataclass
class Pending:
    """What this process has not written yet about one label."""

    times: list[tuple[dt.datetime, str]]


class ScanLog:
    """The process's buffer of scans waiting to be written."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: list[tuple[Any, ...]] = []
        self._labels: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
        self._flags: dict[int, tuple[dt.datetime, str]] = {}
        self._wake = threading.Event()
        self._warned = False
        self._pid: int | None = None
        self._engine: Any = None
        self._interval = 0.5
        self._writer: Any = None

    # --- reading what is pending -------------------------------------------------------------

    def pending_for(self, label_id: int) -> list[tuple[dt.datetime, str]]:
        """(time, client) of each scan of a label still waiting in this process."""
        with self._lock:
            return list(self._labels.get(label_id, ()))

    # --- adding and writing ------------------------------------------------------------------

    def add(
        self,
        engine: Any,
        writer: Any,
        interval: float,
        row: tuple[Any, ...],
        label_id: int | None,
        when: dt.datetime,
        who: str,
        flag: str | None,
    ) -> None:
        """Queue one scan; wake the writer when the batch is full. Never writes itself: the
        shopper's request must not wait for the database."""
        self._ensure_thread(engine, writer, interval)
        with self._lock:
            if len(self._rows) >= MAX_PENDING:
                # The database has been unwritable for a while: keep the newest scans.
                self._rows.pop(0)
                if not self._warned:
                    log.warning("scan log full (%d waiting): dropping the oldest", MAX_PENDING)
                    self._warned = True
            self._rows.append(row)
            if label_id is not None:
                self._labels[label_id].append((when, who))
                if flag and label_id not in self._flags:
                    self._flags[label_id] = (when, flag)
            full = len(self._rows) >= BATCH
        if full:
            self._wake.set()

    def flush(self) -> int:
        """Write everything pending in one transaction; returns how many scans."""
        with self._lock:
            rows, labels, flags = self._rows, self._labels, self._flags
            self._rows, self._labels, self._flags = [], defaultdict(list), {}
        if not rows:
            return 0
        try:
            self._writer(self._engine, rows, labels, flags)
        except Exception:  # noqa: BLE001 - the shopper's page must not fail for the log
            log.exception("could not write %d scans; keeping them for the next try", len(rows))
            with self._lock:
                self._rows = (rows + self._rows)[-MAX_PENDING:]
                for label_id, items in labels.items():
                    self._labels[label_id] = items + self._labels[label_id]
                for label_id, flag in flags.items():
                    self._flags.setdefault(label_id, flag)
            return 0
        self._warned = False
        return len(rows)

    def _ensure_thread(self, engine: Any, writer: Any, interval: float) -> None:
        # One writer thread per process, started after gunicorn forked the worker.
        if self._pid == os.getpid():
            if engine is not self._engine:  # another app in this process (tests, scripts)
                self.flush()
                with self._lock:
                    self._engine, self._writer, self._interval = engine, writer, interval
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._engine, self._writer, self._interval = engine, writer, interval
            self._rows, self._labels, self._flags = [], defaultdict(list), {}
        thread = threading.Thread(target=self._run, name="scan-log-writer", daemon=True)
        thread.start()
        atexit.register(self.flush)

    def _run(self) -> None:
        while True:
            # Every interval, or at once when a batch is full.
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._rows:
                self.flush()


scan_log = ScanLog()

#: The scan log's columns, in the table's order, as the ORM model declares them (the id is
#: the database's).
SCAN_COLUMNS = tuple(c.name for c in LabelScan.__table__.columns if not c.primary_key)
_INSERT_SQL = (
    f"INSERT INTO {LabelScan.__tablename__} ({', '.join(SCAN_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join('?' for _ in SCAN_COLUMNS)})"
)
_COPY_SQL = f"COPY {LabelScan.__tablename__} ({', '.join(SCAN_COLUMNS)}) FROM STDIN"
_COUNT_SQL = (
    "UPDATE labels SET scan_count = scan_count + 1, last_scanned_at = ?, "
    "first_scanned_at = COALESCE(first_scanned_at, ?) WHERE id = ?"
)
_FLAG_SQL = "UPDATE labels SET flagged_at = ?, flag_reason = ? WHERE id = ?"
#: The daily counts the statistics read (traceapp.public.models.ScanDaily), added to in the
#: same transaction as the scans.
_DAILY_KEY = ("cooperative_id", "day", "lot_id", "product_id", "lang", "outcome", "flagged")
_DAILY_SQL = (
    f"INSERT INTO scan_daily ({', '.join(_DAILY_KEY)}, scans) "  # noqa: S608
    f"VALUES ({', '.join('?' for _ in _DAILY_KEY)}, ?) "
    f"ON CONFLICT ({', '.join(_DAILY_KEY)}) DO UPDATE SET scans = scan_daily.scans + excluded.scans"
)
#: The same per label run: the run is the label's (scans of unknown serials have none).
_RUN_SQL = (
    "INSERT INTO scan_daily_runs (run_id, day, scans) "
    "SELECT run_id, ?, ? FROM labels WHERE id = ? "
    "ON CONFLICT (run_id, day) DO UPDATE SET scans = scan_daily_runs.scans + excluded.scans"
)
_AT = SCAN_COLUMNS.index("scanned_at")
_LABEL = SCAN_COLUMNS.index("label_id")
_PARTS = tuple(SCAN_COLUMNS.index(c) for c in ("cooperative_id", "lot_id", "product_id"))
_LANG, _OUTCOME, _FLAGGED = (SCAN_COLUMNS.index(c) for c in ("lang", "outcome", "flagged"))


#: The app's time zone, noted by log_scan (the writer thread runs outside the app).
_ZONE = {"name": local_zone_name()}


def _local_day(row: tuple[Any, ...], zone: ZoneInfo, dialect: str) -> Any:
    """The local day of a scan (SQLite keeps a date as ISO text, as the ORM writes it)."""
    at = row[_AT]
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    day = at.astimezone(zone).date()
    return day.isoformat() if dialect == "sqlite" else day


def daily_counts(rows: list[tuple[Any, ...]], dialect: str) -> list[tuple[Any, ...]]:
    """The scans of a batch counted per ScanDaily key (the local day of each scan)."""
    zone = ZoneInfo(_ZONE["name"])
    counts: Counter[tuple[Any, ...]] = Counter()
    for row in rows:
        coop, lot, product = (row[i] or 0 for i in _PARTS)
        key = (coop, _local_day(row, zone, dialect), lot, product)
        counts[(*key, row[_LANG], row[_OUTCOME], bool(row[_FLAGGED]))] += 1
    return [(*key, n) for key, n in sorted(counts.items(), key=lambda kv: repr(kv[0]))]


def run_counts(rows: list[tuple[Any, ...]], dialect: str) -> list[tuple[Any, ...]]:
    """The scans of known labels counted per (local day, label): the parameters of _RUN_SQL,
    which adds them to the label's run."""
    zone = ZoneInfo(_ZONE["name"])
    counts: Counter[tuple[Any, int]] = Counter()
    for row in rows:
        if row[_LABEL] is not None:
            counts[(_local_day(row, zone, dialect), row[_LABEL])] += 1
    return [(day, n, label) for (day, label), n in sorted(counts.items(), key=repr)]


@sa.event.listens_for(db.session, "after_flush")
def _count_orm_scans(session: Any, _context: Any) -> None:
    """Scans written through the ORM (the demo, scripts) are counted like the writer's, in
    the same transaction."""
    new = [obj for obj in session.new if isinstance(obj, LabelScan)]
    if not new:
        return
    conn = session.connection()
    dialect = conn.dialect.name
    rows = [tuple(getattr(obj, c) for c in SCAN_COLUMNS) for obj in new]
    counted = ((_DAILY_SQL, daily_counts(rows, dialect)), (_RUN_SQL, run_counts(rows, dialect)))
    for sql, params in counted:
        if params:
            conn.exec_driver_sql(sql if dialect == "sqlite" else sql.replace("?", "%s"), params)
    kept.add_rollups(kept.driver_many(conn), daily_counts(rows, dialect))


def log_scan(result: ScanResult) -> None:
    """Log the scan: queued for the next batch write, or written at once when batching is off
    (TRACEAPP_SCAN_FLUSH_SECONDS=0), in a short write transaction of its own. The caller's
    ``with result.conn`` block leaves the connection clean, whatever happens here."""
    conn = result.conn
    scan = result.row_to_log
    _ZONE["name"] = local_zone_name()
    interval = float(current_app.config.get("TRACEAPP_SCAN_FLUSH_SECONDS", 0) or 0)
    when = db_time(scan["scanned_at"], conn.dialect)
    row = tuple(when if c == "scanned_at" else scan[c] for c in SCAN_COLUMNS)
    if interval > 0 and conn.owned:
        scan_log.add(
            db.engine,
            write_batch,
            interval,
            row,
            scan["label_id"],
            scan["scanned_at"],
            scan["client_hash"],
            result.new_flag,
        )
        return
    conn.begin_write()
    conn.execute(_INSERT_SQL, row)
    daily = daily_counts([row], conn.dialect)
    for counted in daily:
        conn.execute(_DAILY_SQL, counted)
    for counted in run_counts([row], conn.dialect):
        conn.execute(_RUN_SQL, counted)
    unknown.keep_on(conn.raw, [row], conn.dialect)
    kept.keep_one(conn, daily, scan["label_id"], when)
    if scan["label_id"] is not None:
        conn.execute(_COUNT_SQL, (when, when, scan["label_id"]))
        if result.new_flag:
            conn.execute(_FLAG_SQL, (when, result.new_flag[:300], scan["label_id"]))
    conn.commit()


_BATCH_COUNT_SQL = (
    "UPDATE labels SET scan_count = scan_count + ?, last_scanned_at = ?, "
    "first_scanned_at = COALESCE(first_scanned_at, ?) WHERE id = ?"
)


def write_batch(
    engine: Any,
    rows: list[tuple[Any, ...]],
    labels: dict[int, list[tuple[dt.datetime, str]]],
    flags: dict[int, tuple[dt.datetime, str]],
) -> None:
    """Write a batch of scans and the labels' counters in one transaction (the writer thread
    above calls it)."""
    fairy = engine.raw_connection()
    pg = engine.dialect.name == "postgresql"
    try:
        raw = fairy.driver_connection
        cursor = raw.cursor()
        if pg:
            _write_batch_pg(cursor, rows, labels, flags)
            raw.commit()
        else:
            _write_batch_sqlite(cursor, rows, labels, flags)
        cursor.close()
    finally:
        fairy.close()


def _write_batch_sqlite(
    cursor: Any,
    rows: list[tuple[Any, ...]],
    labels: dict[int, list[tuple[dt.datetime, str]]],
    flags: dict[int, tuple[dt.datetime, str]],
) -> None:
    # In-process SQLite: a statement per row costs next to nothing.
    cursor.execute("BEGIN IMMEDIATE")
    cursor.executemany(_INSERT_SQL, rows)
    cursor.executemany(_DAILY_SQL, daily_counts(rows, "sqlite"))
    cursor.executemany(_RUN_SQL, run_counts(rows, "sqlite"))
    unknown.keep(cursor, rows, "sqlite")
    kept.keep_batch(cursor, "sqlite", daily_counts(rows, "sqlite"), labels)
    cursor.executemany(
        _BATCH_COUNT_SQL,
        [
            (
                len(items),
                db_time(max(t for t, _ in items), "sqlite"),
                db_time(min(t for t, _ in items), "sqlite"),
                label_id,
            )
            for label_id, items in sorted(labels.items())
        ],
    )
    cursor.executemany(
        _FLAG_SQL,
        [
            (db_time(t, "sqlite"), reason[:300], label_id)
            for label_id, (t, reason) in sorted(flags.items())
        ],
    )
    cursor.execute("COMMIT")


# The batch's label rows are locked first, in id order (the lock is taken above the sort), so
# two processes whose batches share labels wait for each other briefly instead of
# deadlocking. The UPDATE alone did not promise that: its join may walk the labels in their
# order on disk, which differs from one moment to the next as rows get new versions.
_PG_LOCK_SQL = "SELECT id FROM labels WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE"
# Then one UPDATE for the batch, joined to the counts per label.
_PG_COUNT_SQL = (
    "UPDATE labels AS l SET scan_count = l.scan_count + v.n, "
    "last_scanned_at = GREATEST(l.last_scanned_at, v.last_at), "
    "first_scanned_at = LEAST(l.first_scanned_at, v.first_at) "
    "FROM unnest(%s::bigint[], %s::integer[], %s::timestamptz[], %s::timestamptz[]) "
    "AS v(id, n, first_at, last_at) WHERE l.id = v.id"
)


def _write_batch_pg(
    cursor: Any,
    rows: list[tuple[Any, ...]],
    labels: dict[int, list[tuple[dt.datetime, str]]],
    flags: dict[int, tuple[dt.datetime, str]],
) -> None:
    # Set-based: one COPY for the scans and one UPDATE for all the labels' counters. A
    # statement per row cost the app processes and PostgreSQL more than the page did.
    cursor.execute("SET LOCAL synchronous_commit TO OFF")  # a log; see ScanConnection.begin_write
    with cursor.copy(_COPY_SQL) as copy:
        for row in rows:
            copy.write_row(row)
    cursor.executemany(_DAILY_SQL.replace("?", "%s"), daily_counts(rows, "postgresql"))
    runs = run_counts(rows, "postgresql")
    if runs:
        cursor.executemany(_RUN_SQL.replace("?", "%s"), runs)
    unknown.keep(cursor, rows, "postgresql")
    kept.keep_batch(cursor, "postgresql", daily_counts(rows, "postgresql"), None)
    if not labels:
        return
    ids = sorted(labels)
    cursor.execute(_PG_LOCK_SQL, (ids,))
    kept.move_labels(cursor, "postgresql", {i: max(t for t, _ in labels[i]) for i in ids}, True)
    cursor.execute(
        _PG_COUNT_SQL,
        (
            ids,
            [len(labels[i]) for i in ids],
            [min(t for t, _ in labels[i]) for i in ids],
            [max(t for t, _ in labels[i]) for i in ids],
        ),
    )
    if flags:
        cursor.executemany(
            _FLAG_SQL.replace("?", "%s"),
            [(t, reason[:300], label_id) for label_id, (t, reason) in sorted(flags.items())],
        )


# create_all on PostgreSQL partitions the scan log by month, as migration 0024 does.
sa.event.listen(LabelScan.__table__, "after_create", partitions.partition_on_create)
kept.listen(db.session)
