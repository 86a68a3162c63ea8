"""Upkeep the job worker runs between jobs (``traceapp worker``; on SQLite the local worker
that ``traceapp serve`` starts): the console's kept figures every
TRACEAPP_FIGURES_REFRESH_SECONDS; every hour the scan log's months (partitions ahead,
retention) and the uploads of old import jobs (TRACEAPP_UPLOAD_RETENTION_HOURS). Several
workers may share a database: on PostgreSQL an advisory lock lets one of them refresh the
figures, and each reads the time of the last refresh from the database.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

import sqlalchemy as sa
from flask import Flask

from traceapp.extensions import db

log = logging.getLogger(__name__)

#: How often the scan log's months are looked after, and old import uploads let go.
SCANS_SECONDS = 3600.0
UPLOADS_SECONDS = 3600.0
#: The advisory lock's key ("figures" in ASCII).
_LOCK = 0x66696775726573

_last: dict[str, float] = {}


def refresh_figures() -> int:
    """Recompute the console's kept figures (the flags, and the statistics' lots, labels and
    scans per region and month) and commit; returns how many flags were kept."""
    from traceapp.authority import region_figures
    from traceapp.authority.flags import refresh_flags

    kept = refresh_flags()
    db.session.commit()
    region_figures.refresh()
    return kept


def maintain_scans(app: Flask, today: dt.date | None = None) -> Any:
    """Make the scan log's coming months and apply TRACEAPP_SCAN_RETENTION_MONTHS."""
    from traceapp.public.scan import partitions

    return partitions.maintain(
        db.engine, app.config.get("TRACEAPP_SCAN_RETENTION_MONTHS"), today=today
    )


def expire_uploads(app: Flask) -> int:
    """Let go of the uploads of import jobs that ended (or were checked and never confirmed)
    longer than TRACEAPP_UPLOAD_RETENTION_HOURS ago (see jobqueue.expire_uploads)."""
    from traceapp import jobqueue
    from traceapp.job_kinds import kinds

    kinds()  # importing the job modules registers their kinds
    return jobqueue.expire_uploads(app)


def _figures_due(interval: float) -> bool:
    from traceapp.authority.figures import FLAGS, refreshed_at

    at = refreshed_at(FLAGS)
    age = (dt.datetime.now(dt.UTC) - at).total_seconds() if at else None
    return age is None or age >= interval


def _locked() -> bool:
    """Whether this worker may do the upkeep now (PostgreSQL: nobody else is at it)."""
    if db.engine.dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCK}))


def tick(app: Flask) -> None:
    """Do whatever upkeep is due (called by the worker's loop; cheap when nothing is)."""
    now = time.monotonic()
    if now - _last.get("uploads", -UPLOADS_SECONDS) >= UPLOADS_SECONDS:
        _last["uploads"] = now
        with app.app_context():
            try:
                if expired := expire_uploads(app):
                    log.info("uploads of %d import jobs let go", expired)
            finally:
                db.session.remove()
    interval = float(app.config.get("TRACEAPP_FIGURES_REFRESH_SECONDS") or 0)
    if interval <= 0:
        return
    now = time.monotonic()
    if now - _last.get("check", -interval) < min(interval, 60.0):
        return
    _last["check"] = now
    with app.app_context():
        try:
            if _figures_due(interval) and _locked():
                started = time.monotonic()
                kept = refresh_figures()
                log.info("figures refreshed: %d flags in %.1f s", kept, time.monotonic() - started)
            if now - _last.get("scans", -SCANS_SECONDS) >= SCANS_SECONDS:
                _last["scans"] = now
                maintain_scans(app)
        finally:
            db.session.remove()
