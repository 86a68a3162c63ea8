"""Writing the scan log in small batches, so a shopper's request never waits for a write.

Every scan is logged. In production the rows of one app process are collected for a moment
(TRACEAPP_SCAN_FLUSH_SECONDS, default 0.5 s, or 200 scans) and written in one transaction; a
crash of that process loses at most that moment's scans. The process's own pending scans
count in its clone rules and scan counts at once; other processes' show up after their next
write. With TRACEAPP_SCAN_FLUSH_SECONDS=0 (the tests) each scan is written with its request.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

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
