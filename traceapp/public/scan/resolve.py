"""Resolving a scanned serial: the label behind it, and what the clone rules make of the scan.

Reads only; :func:`traceapp.public.scan.log.log_scan` writes the scan afterwards, so that
SQLite's write lock is held for a moment only.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from flask import current_app

from traceapp import tunables
from traceapp.batches.models import LotStatus
from traceapp.database import local_date, now_utc
from traceapp.public.clone import (
    FLAG_MISMATCH,
    aware,
    caution_kind,
    clone_reason,
    raises_flag,
)
from traceapp.public.scan.clients import client_hash, ua_class
from traceapp.public.scan.connection import ScanConnection, db_time
from traceapp.public.scan.log import log_scan, scan_log

_SERIAL_COLUMNS = (
    "l.id, l.lot_id, l.cooperative_id, l.voided_at, l.scan_count, l.first_scanned_at, "
    "l.flagged_at, l.flag_reason, l.flag_cleared_at, r.kind, r.created_at, r.created_by_label, "
    "lots.code, lots.status, lots.best_before, lots.recall_id, lots.updated_at, p.id, p.gtin"
)
_SERIAL_FROM = (
    "FROM labels l JOIN label_runs r ON r.id = l.run_id JOIN lots ON lots.id = l.lot_id "
    "JOIN products p ON p.id = lots.product_id"
)
# SQLite's lookup (in process: a join costs it nothing worth rewriting).
_SERIAL_SQL = f"SELECT {_SERIAL_COLUMNS} {_SERIAL_FROM} WHERE l.serial = ?"  # noqa: S608 - constants
# The clone rules' counts of a label's scans (SQLite: a second query, in process): scans since
# the volume rule's start, distinct clients, this client's scans and the earliest scan since
# the clients rule's start, read from the scans since the earlier of the two. The starts are
# the rules' windows, or the clearing of the label's flag when that came later.
_STATS_SQL = (
    "SELECT COUNT(*) FILTER (WHERE scanned_at >= ?), "
    "COUNT(DISTINCT client_hash) FILTER (WHERE scanned_at >= ?), "
    "COUNT(*) FILTER (WHERE client_hash = ? AND scanned_at >= ?), "
    "MIN(scanned_at) FILTER (WHERE scanned_at >= ?) "
    "FROM label_scans WHERE label_id = ? AND scanned_at >= ?"
)
# On PostgreSQL the scan page's lookup is written for one label: its run, its lot and the
# lot's product are each fetched for that label (a LIMIT keeps the planner from hashing the
# whole small tables of runs and lots on every scan, as it did while they were small). The
# columns are _SERIAL_COLUMNS, under the same names.
_SERIAL_FROM_PG = (
    "FROM labels l CROSS JOIN LATERAL (SELECT kind, created_at, created_by_label "
    "FROM label_runs WHERE id = l.run_id LIMIT 1) r "
    "CROSS JOIN LATERAL (SELECT code, status, best_before, recall_id, updated_at, product_id "
    "FROM lots WHERE id = l.lot_id LIMIT 1) lots "
    "CROSS JOIN LATERAL (SELECT id, gtin FROM products WHERE id = lots.product_id LIMIT 1) p"
)
# It also counts the label's scans when the clone rules will need them (from the last but
# one parameter's number of scans on: a label scanned that often, as a copied one is), which
# spares a second round trip to the server. The condition is a one-time filter per label: a
# label with fewer scans costs nothing more. The counts are those of _STATS_SQL, with the
# rules' starts moved to the clearing of the label's flag here (GREATEST skips a NULL).
_SERIAL_STATS_SQL_PG = (
    f"SELECT {_SERIAL_COLUMNS}, st.recent, st.clients, st.mine, st.since "  # noqa: S608
    f"{_SERIAL_FROM_PG} "
    "LEFT JOIN LATERAL (SELECT "
    "COUNT(*) FILTER (WHERE s.scanned_at >= GREATEST(?, l.flag_cleared_at)) AS recent, "
    "COUNT(DISTINCT s.client_hash) FILTER (WHERE s.scanned_at >= GREATEST(?, l.flag_cleared_at)) "
    "AS clients, COUNT(*) FILTER (WHERE s.client_hash = ? "
    "AND s.scanned_at >= GREATEST(?, l.flag_cleared_at)) AS mine, "
    "MIN(s.scanned_at) FILTER (WHERE s.scanned_at >= GREATEST(?, l.flag_cleared_at)) AS since "
    "FROM label_scans s WHERE s.label_id = l.id "
    "AND s.scanned_at >= GREATEST(?, l.flag_cleared_at) "
    "AND COALESCE(l.scan_count, 0) >= ?) st ON true "
    "WHERE l.serial = ?"
)
_CLAIMED_SQL = (
    "SELECT p.id, p.cooperative_id, lots.id FROM products p LEFT JOIN lots "
    "ON lots.product_id = p.id AND lots.code = ? WHERE p.gtin = ?"
)


class SerialRow(NamedTuple):
    """A label with its run, lot and product, as the scan page needs it (a named tuple: made
    on every scan, straight from the driver's row)."""

    id: int
    lot_id: int
    cooperative_id: int
    voided_at: Any
    scan_count: int
    first_scanned_at: Any
    flagged_at: Any
    flag_reason: str | None
    flag_cleared_at: Any
    kind: str
    issued_at: Any
    created_by_label: str
    lot_code: str
    lot_status: str
    best_before: Any
    recall_id: int | None
    lot_updated_at: Any
    product_id: int
    gtin: str | None


@dataclass
class ScanResult:
    """The outcome of resolving one serial."""

    outcome: str  # ok, recalled, mismatch, voided, unknown
    label: Any = None
    scan_count: int = 0
    first_scanned_at: dt.datetime | None = None
    caution: str | None = None
    issued: dict[str, Any] | None = None
    row_to_log: dict[str, Any] = field(default_factory=dict)
    new_flag: str | None = None
    #: The scan's connection, open until the scan is logged (a context manager).
    conn: Any = None
    #: What a "copied" caution saw: how many different clients scanned the label (this one
    #: included) since when, within the clone rules' window.
    clients: int = 0
    evidence_since: dt.datetime | None = None

    @property
    def caution_kind(self) -> str | None:
        """What the caution is about: expired, recalled, copied (for the page's wording)."""
        return caution_kind(self.caution)


class Counting(NamedTuple):
    """What the clone rules count: scans since ``volume_since``, clients since
    ``clients_since``, whether ``who`` is one of them; only from ``floor`` scans on."""

    volume_since: dt.datetime
    clients_since: dt.datetime
    who: str
    floor: int

    def after(self, cleared: dt.datetime | None) -> Counting:
        """The same counts, none of them before the clearing of the label's flag."""
        if cleared is None:
            return self
        return self._replace(
            volume_since=max(self.volume_since, cleared),
            clients_since=max(self.clients_since, cleared),
        )


def lookup_serial(
    serial: str, conn: ScanConnection, counting: Counting
) -> tuple[SerialRow | None, tuple[Any, ...] | None]:
    """The label behind a serial (with its lot and product), or None.

    On PostgreSQL the label's scan counts as _STATS_SQL gives them (scans, clients, this
    client's scans, the earliest scan counted) come in the same round trip when the label has
    at least ``counting.floor`` scans; otherwise, or on SQLite, the counts are None.
    """
    if not conn.pg:
        row = conn.one(_SERIAL_SQL, (serial,))
        return (SerialRow._make(row) if row else None), None
    vs, cs, who, floor = counting
    params = (vs, cs, who, cs, cs, min(vs, cs), floor, serial)
    row = conn.one(_SERIAL_STATS_SQL_PG, params)
    if not row:
        return None, None
    label = SerialRow._make(row[:-4])
    return label, (tuple(row[-4:]) if (label.scan_count or 0) >= floor else None)


def scan_stats(conn: ScanConnection, label_id: int, counting: Counting) -> tuple[Any, ...]:
    """_STATS_SQL's counts of one label (``counting`` already moved past a clearing)."""
    vs, cs, low = (
        db_time(t, conn.dialect)
        for t in (counting.volume_since, counting.clients_since, min(counting[:2]))
    )
    return conn.one(_STATS_SQL, (vs, cs, counting.who, cs, cs, label_id, low))


def resolve_scan(
    serial: str,
    *,
    address: str | None,
    user_agent: str | None,
    lang: str,
    expected_gtin: str | None = None,
    expected_lot: str | None = None,
) -> ScanResult:
    """Resolve a serial and apply the clone rules, reading only; :func:`log_scan` writes it.

    Keeping the writes for the very end holds SQLite's write lock for a moment only.
    """
    now = now_utc()
    conn = ScanConnection()
    try:
        return _resolve(conn, now, serial, address, user_agent, lang, expected_gtin, expected_lot)
    except BaseException:
        conn.close()
        raise


def _resolve(
    conn: ScanConnection,
    now: dt.datetime,
    serial: str,
    address: str | None,
    user_agent: str | None,
    lang: str,
    expected_gtin: str | None,
    expected_lot: str | None,
) -> ScanResult:
    who = client_hash(address)
    rules = tunables.get("clone_rules")
    # Below this many scans, neither rule can fire: no need to count them.
    floor = min(int(rules["max_scans_24h"]), int(rules["max_distinct_clients"]))
    counting = Counting(
        now - dt.timedelta(hours=24),
        now - dt.timedelta(hours=float(rules["window_hours"])),
        who,
        floor,
    )
    row, stats = lookup_serial(serial, conn, counting)
    scan = {
        "scanned_at": now,
        "client_hash": who,
        "ua_class": ua_class(user_agent),
        "lang": lang[:5],
        "flagged": False,
        "label_id": None,
        "lot_id": None,
        "product_id": None,
        "cooperative_id": None,
        "unknown_serial": None,
    }
    if row is None:
        scan.update(outcome="unknown", unknown_serial=serial[:20])
        if expected_gtin:
            # A made-up serial under a real product: tie the evidence to that product's
            # cooperative (and lot), so the right auditors see it.
            known = conn.one(_CLAIMED_SQL, (expected_lot or "", expected_gtin))
            if known:
                scan.update(product_id=known[0], cooperative_id=known[1], lot_id=known[2])
        return ScanResult("unknown", row_to_log=scan, conn=conn)
    scan.update(
        label_id=row.id,
        lot_id=row.lot_id,
        product_id=row.product_id,
        cooperative_id=row.cooperative_id,
    )
    mismatch = (expected_gtin is not None and expected_gtin != row.gtin) or (
        expected_lot is not None and expected_lot != row.lot_code
    )
    waiting = scan_log.pending_for(row.id)
    seen = (row.scan_count or 0) + len(waiting)
    evidence_since = now
    if seen + 1 <= floor:
        scans_24h, clients, new_client = seen, seen, True
    else:
        counting = counting.after(aware(row.flag_cleared_at))
        if stats is None:  # SQLite, or scans still waiting in this process made the difference
            stats = scan_stats(conn, row.id, counting)
        waiting_clients = {c for t, c in waiting if t >= counting.clients_since}
        new_client = stats[2] == 0 and who not in waiting_clients
        clients = stats[1] + len(waiting_clients - {who})
        scans_24h = stats[0] + sum(1 for t, _ in waiting if t >= counting.volume_since)
        evidence_since = min(
            [aware(stats[3]) or now, *(t for t, _ in waiting if t >= counting.clients_since)]
        )
    reason = clone_reason(row, scans_24h, clients, new_client, local_date(now), rules)
    # Volume alone is recorded for staff and auditors; the shopper is not told.
    caution = None if caution_kind(reason) == "volume" else reason
    if mismatch:
        reason = caution = FLAG_MISMATCH
        current_app.logger.warning(
            "suspicious scan: serial %s asked under gtin=%s lot=%s",
            serial,
            expected_gtin,
            expected_lot,
        )
    if row.voided_at is not None:
        outcome = "voided"
    elif mismatch:
        outcome = "mismatch"
    elif row.lot_status == LotStatus.RECALLED.value:
        outcome = "recalled"
    else:
        outcome = "ok"
    scan.update(outcome=outcome, flagged=reason is not None)
    # Every caution follows the current evidence: a copied label's warning lapses once fewer
    # clients scanned it within the window (the label's flag stays, for staff and auditors).
    return ScanResult(
        outcome,
        label=row,
        scan_count=seen + 1,
        first_scanned_at=aware(row.first_scanned_at) or now,
        caution=caution,
        issued=issued_note(row),
        row_to_log=scan,
        new_flag=reason if reason and raises_flag(row, reason) else None,
        conn=conn,
        clients=clients + (1 if new_client else 0),
        evidence_since=evidence_since,
    )


def issued_note(row: Any) -> dict[str, Any]:
    """Who issued the label and when."""
    return {"issued_at": aware(row.issued_at), "issued_by": row.created_by_label}


def record_scan(serial: str, **kw: Any) -> ScanResult:
    """Resolve and log a scan in one call (tests and scripts; the page splits the two)."""
    result = resolve_scan(serial, **kw)
    with result.conn:
        log_scan(result)
    return result


#: Each cooperative's country, as read by scans (a cooperative's country hardly ever changes;
#: a change shows within a minute): {cooperative id: (country, read at)}.
_COUNTRIES: dict[int, tuple[str, float]] = {}


def scan_country(scan: ScanResult) -> str | None:
    """The country of the cooperative a scan's label (or claimed product) belongs to."""
    coop_id = scan.row_to_log.get("cooperative_id")
    if coop_id is None or scan.conn is None:
        return None
    cached = _COUNTRIES.get(coop_id)
    now = time.monotonic()
    if cached is not None and now - cached[1] < 60:
        return cached[0]
    row = scan.conn.one("SELECT country FROM cooperatives WHERE id = ?", (coop_id,))
    country = str(row[0]) if row and row[0] else None
    if country:
        _COUNTRIES[coop_id] = (country, now)
    return country


def use_language(scan: ScanResult, lang: str) -> None:
    """Record the language the page is answered in (chosen after the label was found)."""
    scan.row_to_log["lang"] = lang[:5]
