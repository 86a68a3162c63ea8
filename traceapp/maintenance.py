"""Upkeep the job worker runs between jobs (``traceapp worker``; on SQLite the local worker
that ``traceapp serve`` starts): the console's kept figures every
TRACEAPP_FIGURES_REFRESH_SECONDS, and the scan log's months (partitions ahead, retention)
every hour. Several workers may share a database: on PostgreSQL an advisory lock lets one
of them do it, and each reads the time of the last refresh from the database.
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

#: How often the scan log's months are looked after.
SCANS_SECONDS = 3600.0
#: The advisory lock's key ("figures" in ASCII).
_LOCK = 0x66696775726573

_last: dict[str, float] = {}


def refresh_figures() -> int:
    """Recompute the console's kept figures and commit; returns how many flags were kept."""
    from traceapp.authority.flags import refresh_flags

    kept = refresh_flags()
    db.session.commit()
    return kept


def maintain_scans(app: Flask, today: dt.date | None = None) -> Any:
    """Make the scan log's coming months and apply TRACEAPP_SCAN_RETENTION_MONTHS."""
    from traceapp.public.scan import partitions

    return partitions.maintain(
        db.engine, app.config.get("TRACEAPP_SCAN_RETENTION_MONTHS"), today=today
    )


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
