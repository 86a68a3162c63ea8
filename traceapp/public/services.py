"""What the public page says about a label or lot, the scan log, and the clone rules."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import os
import random
import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, NamedTuple, overload

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_number, ngettext
from flask_babel import gettext as _

from traceapp import tunables
from traceapp.batches.models import Lot, LotStatus, Recall
from traceapp.batches.timeline import timeline_entries
from traceapp.cooperatives.models import Cooperative, Gender, Member
from traceapp.database import local_date, local_now, local_today, now_utc
from traceapp.extensions import db
from traceapp.labels.models import Label, RunKind
from traceapp.products.models import Product
from traceapp.public.scanlog import scan_log
from traceapp.units import fmt
from traceapp.zones import services as zone_services
from traceapp.zones.models import Zone

log = logging.getLogger(__name__)

# --- the client, without keeping who they are ------------------------------------------------


def client_hash(address: str | None) -> str:
    """A keyed hash of the client address (16 hex digits); the address itself is never stored.

    An IPv6 client is told apart by its /64 network: one phone may use any address of it, so
    its addresses must not count as many clients in the clone rules.
    """
    salt = current_app.config.get("TRACEAPP_SCAN_SALT") or current_app.config["SECRET_KEY"]
    return _keyed_hash(salt, address or "")


@lru_cache(maxsize=4096)
def _keyed_hash(salt: str | bytes, address: str) -> str:
    key = salt.encode() if isinstance(salt, str) else salt
    return hmac.new(key, client_key(address).encode(), hashlib.sha256).hexdigest()[:16]


def client_key(address: str) -> str:
    """What identifies a client: an IPv4 address, an IPv6 address's /64 network, or the text
    as it came (not an address: tests, odd proxies)."""
    if ":" not in address:
        return address
    try:
        ip = ipaddress.IPv6Address(address.split("%", 1)[0])
    except ValueError:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))


def ua_class(user_agent: str | None) -> str:
    """A coarse device class: android, ios, desktop, bot or other."""
    if user_agent and len(user_agent) <= 512:
        return _ua_class(user_agent)  # the same few phones' strings come again and again
    return _ua_class.__wrapped__(user_agent)


@lru_cache(maxsize=1024)
def _ua_class(user_agent: str | None) -> str:
    ua = (user_agent or "").lower()
    if any(word in ua for word in ("bot", "crawler", "spider", "curl", "wget", "python")):
        return "bot"
    if "android" in ua:
        return "android"
    if any(word in ua for word in ("iphone", "ipad", "ios")):
        return "ios"
    if any(word in ua for word in ("windows", "macintosh", "linux", "cros")):
        return "desktop"
    return "other"


# --- looking a serial up ---------------------------------------------------------------------

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
_SCAN_COLUMNS = (
    "scanned_at",
    "label_id",
    "lot_id",
    "product_id",
    "cooperative_id",
    "unknown_serial",
    "outcome",
    "client_hash",
    "ua_class",
    "lang",
    "flagged",
)
_INSERT_SQL = (
    f"INSERT INTO label_scans ({', '.join(_SCAN_COLUMNS)}) "  # noqa: S608 - constants
    f"VALUES ({', '.join('?' for _ in _SCAN_COLUMNS)})"
)
_COUNT_SQL = (
    "UPDATE labels SET scan_count = scan_count + 1, last_scanned_at = ?, "
    "first_scanned_at = COALESCE(first_scanned_at, ?) WHERE id = ?"
)
_FLAG_SQL = "UPDATE labels SET flagged_at = ?, flag_reason = ? WHERE id = ?"


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


class _Dedicated(threading.local):
    """One long-lived driver connection per thread and engine for the scan page, in
    autocommit mode: no pool check-out, no liveness ping, no BEGIN/ROLLBACK round trips."""

    pid: int | None = None
    engine_id: int | None = None
    fairy: Any = None
    cursor: Any = None  # kept open with its connection: making one per query cost time
    lookups: Any = None  # PostgreSQL: the lookups run straight on libpq (_PgLookups)


_dedicated = _Dedicated()


def _dedicated_connection(engine: Any) -> Any:
    if (
        _dedicated.fairy is None
        or _dedicated.pid != os.getpid()
        or _dedicated.engine_id != id(engine)
    ):
        fairy = engine.raw_connection()
        raw = fairy.driver_connection
        if engine.dialect.name == "postgresql":
            raw.autocommit = True  # every statement its own transaction unless BEGIN says so
        _dedicated.fairy, _dedicated.pid, _dedicated.engine_id = fairy, os.getpid(), id(engine)
        pg = engine.dialect.name == "postgresql"
        _dedicated.cursor = _raw_cursor(raw) if pg else raw.cursor()
        _dedicated.lookups = _PgLookups(raw) if pg else None
    return _dedicated.fairy.driver_connection


class _PgLookups:
    """The scan page's reads on PostgreSQL, one libpq call each: the statement is prepared
    once per connection, then every lookup is a single ``PQexecPrepared`` (which lets go of
    the GIL while it waits) with the row decoded from binary by psycopg's own loaders.

    psycopg's cursor does the same through a Python generator and a wait loop; on the scan
    page, the busiest route, that layer cost the app workers more CPU than the page's own
    code did. Writes still go through the cursor.
    """

    def __init__(self, connection: Any) -> None:
        from psycopg.adapt import Transformer

        self.pgconn = connection.pgconn
        self.encoding = connection.info.encoding
        self.transformer = Transformer(connection)
        self.names: dict[str, bytes] = {}

    def one(self, sql: str, params: tuple[Any, ...]) -> Any:
        """The first row of a lookup, or None."""
        from psycopg import pq

        name = self.names.get(sql)
        if name is None:
            name = f"traceapp_scan_{len(self.names)}".encode()
            self._check(
                self.pgconn.prepare(name, _pg_sql(sql).encode(), None), pq.ExecStatus.COMMAND_OK
            )
            self.names[sql] = name
        result = self.pgconn.exec_prepared(
            name, [_pg_text(value) for value in params], None, pq.Format.BINARY
        )
        self._check(result, pq.ExecStatus.TUPLES_OK)
        if not result.ntuples:
            return None
        self.transformer.set_pgresult(result)
        return self.transformer.load_row(0, tuple)

    def _check(self, result: Any, wanted: Any) -> None:
        if result.status != wanted:
            from psycopg import errors

            raise errors.error_from_result(result, encoding=self.encoding)


def _pg_text(value: Any) -> bytes | None:
    """A lookup's parameter in PostgreSQL's text format (the server reads it as the type the
    prepared statement gives that parameter)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("a time without its zone cannot be looked up on PostgreSQL")
        return value.isoformat().encode()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value).encode()
    raise TypeError(f"no text form for a lookup parameter of type {type(value).__name__}")


def _raw_cursor(connection: Any) -> Any:
    # psycopg's RawCursor takes $1-style placeholders as they are: no query rewriting per call.
    import psycopg

    return psycopg.RawCursor(connection)


def release_connection() -> None:
    """Close this thread's scan-page connection (before an engine is disposed: tests, tools)."""
    _drop_dedicated()


def _drop_dedicated() -> None:
    fairy, _dedicated.fairy = _dedicated.fairy, None
    _dedicated.cursor = _dedicated.lookups = None
    if fairy is not None:
        try:
            fairy.invalidate()
        except Exception:  # noqa: BLE001 - it is broken already; a new one comes next
            log.warning("could not invalidate the scan page's connection", exc_info=True)


@lru_cache(maxsize=64)
def _pg_sql(sql: str) -> str:
    """A statement with PostgreSQL's own numbered placeholders instead of SQLite's ``?``
    (the constants here have no ``?`` anywhere else)."""
    parts = sql.split("?")
    return "".join(f"{part}${n}" if n < len(parts) else part for n, part in enumerate(parts, 1))


def _session_borrowed() -> bool:
    """Whether sessions are bound to one outside connection (a test's transaction). Read from
    the session factory's settings: making a session to ask would cost time on every scan."""
    return db.session.session_factory.kw.get("bind") is not None


class HotPath:
    """The scan page's database access: plain driver calls on the thread's dedicated
    connection, with the transaction handled here: the reads run in autocommit, writes (when
    not batched) in one short explicit transaction. The ORM session is not used: on the page
    shoppers hit, its bookkeeping cost more than the database did.

    Inside a test's transaction (the session bound to a test connection), the session's own
    connection is borrowed instead, so the test's rollback still undoes everything.
    """

    def __init__(self) -> None:
        self.own = False
        self.in_write = False
        self.raw: Any  # the driver's own connection (sqlite3 or psycopg)
        if _session_borrowed():
            connection = db.session.connection()
            self.raw = connection.connection.driver_connection
            self.pg = connection.dialect.name == "postgresql"
        else:
            engine = db.engine
            self.raw = _dedicated_connection(engine)
            self.own = True
            self.pg = engine.dialect.name == "postgresql"
        self.dialect = "postgresql" if self.pg else "sqlite"

    def _cursor_run(self, sql: str, params: tuple[Any, ...], fetch: bool) -> Any:
        if fetch and self.own and self.pg:
            return _dedicated.lookups.one(sql, params)
        if self.own:
            cursor = _dedicated.cursor
        else:
            cursor = _raw_cursor(self.raw) if self.pg else self.raw.cursor()
        try:
            if self.pg:
                # The lookups are prepared at once (they run on every scan) and read in
                # binary: no timestamp text to parse.
                if fetch:
                    cursor.execute(_pg_sql(sql), params, prepare=True, binary=True)
                else:
                    cursor.execute(_pg_sql(sql), params)
            else:
                cursor.execute(sql, params)
            return cursor.fetchone() if fetch else None
        finally:
            if not self.own:
                cursor.close()

    def one(self, sql: str, params: tuple[Any, ...]) -> Any:
        """One row of a query."""
        try:
            return self._cursor_run(sql, params, True)
        except Exception:
            if self.own:
                _drop_dedicated()  # a dropped connection is replaced on the next request
            raise

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Run a statement."""
        try:
            self._cursor_run(sql, params, False)
        except Exception:
            if self.own:
                _drop_dedicated()
            raise

    @property
    def pooled(self) -> bool:
        """Whether this is a connection of its own (not a test's borrowed one)."""
        return self.own

    def begin_write(self) -> None:
        """Start the write transaction (SQLite takes its lock here, for a moment)."""
        if not self.own:
            return
        self.execute("BEGIN" if self.pg else "BEGIN IMMEDIATE")
        self.in_write = True
        if self.pg:
            # A scan log may lose its last rows in a crash; it must never make a shopper wait
            # for the disk. Only this transaction is affected.
            self.execute("SET LOCAL synchronous_commit TO OFF")

    def commit(self) -> None:
        """Commit the writes (a test's transaction commits nothing here)."""
        if self.own and self.in_write:
            self.execute("COMMIT")
            self.in_write = False

    def close(self) -> None:
        """Leave the connection clean for the next request (a write left open is undone)."""
        if self.own and self.in_write:
            self.in_write = False
            try:
                self.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - the connection was dropped and will be replaced
                log.warning("rollback of an unfinished scan write failed", exc_info=True)


def _db_time(value: dt.datetime, dialect: str | None = None) -> Any:
    # SQLite keeps naive UTC text, as the ORM's UTCDateTime writes it.
    if (dialect or db.engine.dialect.name) == "sqlite":
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


@dataclass
class ScanResult:
    """The outcome of resolving one serial."""

    outcome: str  # ok, mismatch, voided, unknown
    label: Any = None
    scan_count: int = 0
    first_scanned_at: dt.datetime | None = None
    caution: str | None = None
    issued: dict[str, Any] | None = None
    row_to_log: dict[str, Any] = field(default_factory=dict)
    new_flag: str | None = None
    hot: Any = None
    #: What a "copied" caution saw: how many different clients scanned the label (this one
    #: included) since when, within the clone rules' window.
    clients: int = 0
    evidence_since: dt.datetime | None = None

    @property
    def caution_kind(self) -> str | None:
        """What the caution is about: expired, recalled, copied (for the page's wording)."""
        return caution_kind(self.caution)


#: The clone-rule texts stored on a label (``labels.flag_reason``). They stay English in the
#: database: auditors' evidence, matched by :func:`caution_kind`. Readers see
#: :func:`describe_flag`. FLAG_SCANS (volume, which one client can make alone) is a signal for
#: the cooperative and the auditors; shoppers never see it.
FLAG_VOIDED = "scan of a voided serial"
FLAG_RECALLED = "scan of a recalled lot"
FLAG_EXPIRED = "scan after best-before"
FLAG_MISMATCH = "serial scanned under another lot or GTIN"
FLAG_SCANS = "more than {n} scans in 24 hours"
FLAG_CLIENTS = "scanned by more than {n} different clients"
_FLAG_SCANS_RE = re.compile(r"^more than (\d+) scans in 24 hours$")
_FLAG_CLIENTS_RE = re.compile(r"^scanned by more than (\d+) different clients$")

#: Flag texts (as stored on the label for staff and auditors) and what they mean publicly.
_CAUTION_KINDS = (
    ("scan of a voided", "voided"),
    ("scan of a recalled", "recalled"),
    ("scan after best-before", "expired"),
    ("serial scanned under", "mismatch"),
    ("more than", "volume"),
    ("scanned by more than", "copied"),
)


def caution_kind(reason: str | None) -> str | None:
    """The public meaning of a flag text (``volume``: none; shoppers are not told)."""
    if not reason:
        return None
    return next((kind for prefix, kind in _CAUTION_KINDS if reason.startswith(prefix)), "copied")


def describe_flag(reason: str | None) -> str:
    """A stored clone-flag text as a sentence in the reader's language, chosen by its kind."""
    if not reason:
        return ""
    if reason == FLAG_VOIDED:
        return _("A voided serial was scanned.")
    if reason == FLAG_RECALLED:
        return _("A label of a recalled lot was scanned.")
    if reason == FLAG_EXPIRED:
        return _("The label was scanned after the lot's best-before date.")
    if reason == FLAG_MISMATCH:
        return _("The serial was scanned under another lot or GTIN than its own.")
    match = _FLAG_SCANS_RE.match(reason)
    if match:
        n = int(match.group(1))
        # TRANSLATORS: %(n)s is the limit of the clone rule (20): the label was scanned more.
        return ngettext(
            "Scanned more than %(n)s time in 24 hours.",
            "Scanned more than %(n)s times in 24 hours.",
            n,
            n=format_number(n),
        )
    match = _FLAG_CLIENTS_RE.match(reason)
    if match:
        n = int(match.group(1))
        # TRANSLATORS: a client is a phone or connection that scanned the label (told apart by
        # a keyed hash of its address); %(n)s is the limit of the clone rule (8).
        return ngettext(
            "Scanned by more than %(n)s different client.",
            "Scanned by more than %(n)s different clients.",
            n,
            n=format_number(n),
        )
    return reason  # a text of no known form (an older rule) is shown as stored


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


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
    serial: str, hot: HotPath, counting: Counting
) -> tuple[SerialRow | None, tuple[Any, ...] | None]:
    """The label behind a serial (with its lot and product), or None.

    On PostgreSQL the label's scan counts as _STATS_SQL gives them (scans, clients, this
    client's scans, the earliest scan counted) come in the same round trip when the label has
    at least ``counting.floor`` scans; otherwise, or on SQLite, the counts are None.
    """
    if not hot.pg:
        row = hot.one(_SERIAL_SQL, (serial,))
        return (SerialRow._make(row) if row else None), None
    vs, cs, who, floor = counting
    params = (vs, cs, who, cs, cs, min(vs, cs), floor, serial)
    row = hot.one(_SERIAL_STATS_SQL_PG, params)
    if not row:
        return None, None
    label = SerialRow._make(row[:-4])
    return label, (tuple(row[-4:]) if (label.scan_count or 0) >= floor else None)


def scan_stats(hot: HotPath, label_id: int, counting: Counting) -> tuple[Any, ...]:
    """_STATS_SQL's counts of one label (``counting`` already moved past a clearing)."""
    vs, cs, low = (
        _db_time(t, hot.dialect)
        for t in (counting.volume_since, counting.clients_since, min(counting[:2]))
    )
    return hot.one(_STATS_SQL, (vs, cs, counting.who, cs, cs, label_id, low))


def clone_reason(
    row: Any,
    scans_24h: int,
    clients: int,
    new_client: bool,
    today: dt.date,
    rules: dict[str, Any] | None = None,
) -> str | None:
    """Which clone rule this scan breaks, if any (the rules live in the settings file).

    ``clients`` are the different clients that scanned the label within the rules' window
    (``new_client``: this one is not among them); only they make a label look copied to
    shoppers. ``scans_24h`` gives the volume signal, which only staff and auditors see.
    """
    rules = rules or tunables.get("clone_rules")
    lot_level = row.kind == RunKind.LOT_COPIES.value
    if row.voided_at is not None:
        return FLAG_VOIDED
    if row.lot_status == LotStatus.RECALLED.value:
        return FLAG_RECALLED
    best_before = _date(row.best_before)
    if best_before is not None and today > best_before:
        return FLAG_EXPIRED
    if lot_level:
        return None  # a lot-level label is printed many times: volume says nothing
    if clients + (1 if new_client else 0) > int(rules["max_distinct_clients"]):
        return FLAG_CLIENTS.format(n=int(rules["max_distinct_clients"]))
    if scans_24h + 1 > int(rules["max_scans_24h"]):
        return FLAG_SCANS.format(n=int(rules["max_scans_24h"]))
    return None


def raises_flag(row: Any, reason: str) -> bool:
    """Whether a scan breaking a rule flags the label anew: it has no open flag, or only the
    volume signal and now a stronger one."""
    flagged = _aware(row.flagged_at)
    if flagged is None:
        return True
    cleared = _aware(row.flag_cleared_at)
    if cleared is not None and flagged <= cleared:
        return True
    return caution_kind(row.flag_reason) == "volume" and caution_kind(reason) != "volume"


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
    hot = HotPath()
    try:
        return _resolve(hot, now, serial, address, user_agent, lang, expected_gtin, expected_lot)
    except BaseException:
        hot.close()
        raise


def _resolve(
    hot: HotPath,
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
    row, stats = lookup_serial(serial, hot, counting)
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
            known = hot.one(_CLAIMED_SQL, (expected_lot or "", expected_gtin))
            if known:
                scan.update(product_id=known[0], cooperative_id=known[1], lot_id=known[2])
        return ScanResult("unknown", row_to_log=scan, hot=hot)
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
        counting = counting.after(_aware(row.flag_cleared_at))
        if stats is None:  # SQLite, or scans still waiting in this process made the difference
            stats = scan_stats(hot, row.id, counting)
        waiting_clients = {c for t, c in waiting if t >= counting.clients_since}
        new_client = stats[2] == 0 and who not in waiting_clients
        clients = stats[1] + len(waiting_clients - {who})
        scans_24h = stats[0] + sum(1 for t, _ in waiting if t >= counting.volume_since)
        evidence_since = min(
            [_aware(stats[3]) or now, *(t for t, _ in waiting if t >= counting.clients_since)]
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
    outcome = "voided" if row.voided_at is not None else ("mismatch" if mismatch else "ok")
    scan.update(outcome=outcome, flagged=reason is not None)
    # Every caution follows the current evidence: a copied label's warning lapses once fewer
    # clients scanned it within the window (the label's flag stays, for staff and auditors).
    return ScanResult(
        outcome,
        label=row,
        scan_count=seen + 1,
        first_scanned_at=_aware(row.first_scanned_at) or now,
        caution=caution,
        issued=issued_note(row),
        row_to_log=scan,
        new_flag=reason if reason and raises_flag(row, reason) else None,
        hot=hot,
        clients=clients + (1 if new_client else 0),
        evidence_since=evidence_since,
    )


def log_scan(result: ScanResult) -> None:
    """Log the scan: queued for the next batch write, or written at once when batching is off
    (TRACEAPP_SCAN_FLUSH_SECONDS=0), in a short write transaction of its own."""
    hot = result.hot
    scan = result.row_to_log
    interval = float(current_app.config.get("TRACEAPP_SCAN_FLUSH_SECONDS", 0) or 0)
    try:
        if interval > 0 and hot.pooled:
            hot.close()
            when = _db_time(scan["scanned_at"], hot.dialect)
            scan_log.add(
                db.engine,
                write_batch,
                interval,
                tuple(when if c == "scanned_at" else scan[c] for c in _SCAN_COLUMNS),
                scan["label_id"],
                scan["scanned_at"],
                scan["client_hash"],
                result.new_flag,
            )
            return
        hot.begin_write()
        when = _db_time(scan["scanned_at"], hot.dialect)
        hot.execute(
            _INSERT_SQL, tuple(when if c == "scanned_at" else scan[c] for c in _SCAN_COLUMNS)
        )
        if scan["label_id"] is not None:
            hot.execute(_COUNT_SQL, (when, when, scan["label_id"]))
            if result.new_flag:
                hot.execute(_FLAG_SQL, (when, result.new_flag[:300], scan["label_id"]))
        hot.commit()
    finally:
        hot.close()


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
    of :mod:`traceapp.public.scanlog` calls it)."""
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
    cursor.executemany(
        _BATCH_COUNT_SQL,
        [
            (
                len(items),
                _db_time(max(t for t, _ in items), "sqlite"),
                _db_time(min(t for t, _ in items), "sqlite"),
                label_id,
            )
            for label_id, items in sorted(labels.items())
        ],
    )
    cursor.executemany(
        _FLAG_SQL,
        [
            (_db_time(t, "sqlite"), reason[:300], label_id)
            for label_id, (t, reason) in sorted(flags.items())
        ],
    )
    cursor.execute("COMMIT")


_COPY_SQL = f"COPY label_scans ({', '.join(_SCAN_COLUMNS)}) FROM STDIN"  # noqa: S608 - constants
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
    cursor.execute("SET LOCAL synchronous_commit TO OFF")  # a log; see HotPath.begin_write
    with cursor.copy(_COPY_SQL) as copy:
        for row in rows:
            copy.write_row(row)
    if not labels:
        return
    ids = sorted(labels)
    cursor.execute(_PG_LOCK_SQL, (ids,))
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


def record_scan(serial: str, **kw: Any) -> ScanResult:
    """Resolve and log a scan in one call (tests and scripts; the page splits the two)."""
    result = resolve_scan(serial, **kw)
    log_scan(result)
    return result


# --- the page ------------------------------------------------------------------------------


def lot_body(page: LotPage) -> str:
    """The lot's part of the page as HTML, rendered once per cached page and language."""
    from flask import render_template

    html = page.extra.get("body")
    if html is None:
        html = render_template("public/_lot_body.html", page=page)
        page.extra["body"] = html
    return html


@dataclass
class ZoneView:
    """A zone as the public page shows it."""

    code: str
    kind: str
    crop: str | None
    commune: str | None
    district: str | None
    province: str
    area_ha: Any
    certifications: list[dict[str, Any]]
    svg: str
    #: Whether the public register holds the code (its page can be linked).
    public: bool = False


@dataclass
class LotPage:
    """Everything the public page of a lot shows, built once and cached per language."""

    version: tuple[Any, ...]
    built: float
    lot_id: int
    lot_code: str
    lot_status: str
    production_date: dt.date
    best_before: dt.date | None
    quantity: str
    product_id: int
    product_name: str
    product_image: str | None
    net: str | None
    gtin: str | None
    mark: dict[str, Any] | None
    ocop: dict[str, Any] | None
    coop: dict[str, Any]
    zones: list[ZoneView]
    households: int
    names: list[str]
    catch: dict[str, Any] | None
    vessels: list[dict[str, Any]]
    method: str | None
    timeline: list[Any]
    recall: dict[str, Any] | None
    last_modified: dt.datetime
    issued_by: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: How long this copy may be shown without a rebuild, as a share of PAGE_TTL (drawn at
    #: random, so that pages built together do not all lapse in the same second).
    spread: float = 1.0
    #: Seconds from ``built`` to the next local midnight: a date-bound fact (a certificate's
    #: end, best-before) must not show the day before's verdict for long.
    until_midnight: float = 86400.0


_cache: dict[tuple[int, str], LotPage] = {}
_cache_lock = threading.Lock()
#: How long a lot's page is kept before a rebuild (about; see LotPage.spread). A change to the
#: lot itself (a recall, an event, its status) shows at once; other edits (a product's name, a
#: member's consent) within this time. The public lot page says max-age=300 as well.
PAGE_TTL = 300.0


def _seconds_to_midnight() -> float:
    now = local_now()
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), now.tzinfo)
    return max(1.0, (midnight - now).total_seconds())


def _lapsed(page: LotPage) -> bool:
    return time.monotonic() - page.built >= min(PAGE_TTL * page.spread, page.until_midnight)


def version_of(row: Any) -> tuple[Any, ...]:
    """A lot's cache version from a raw row (updated_at, status, recall_id), compared as the
    driver gives them: both paths read them from the same engine, so they come alike (aware
    datetimes on PostgreSQL, text on SQLite)."""
    return (row.lot_updated_at, row.lot_status, row.recall_id)


@dataclass(frozen=True)
class _Version:
    lot_updated_at: Any
    lot_status: str
    recall_id: int | None


def lot_version(lot_id: int) -> tuple[Any, ...] | None:
    """What the cached page depends on that can change at any moment (recall above all)."""
    row = db.session.execute(
        sa.text("SELECT updated_at, status, recall_id FROM lots WHERE id = :id"), {"id": lot_id}
    ).first()
    return version_of(_Version(*row)) if row else None


@overload
def lot_page(
    lot_id: int,
    lang: str,
    version: tuple[Any, ...] | None = None,
    *,
    build: Literal[True] = True,
) -> LotPage: ...
@overload
def lot_page(
    lot_id: int, lang: str, version: tuple[Any, ...] | None = None, *, build: bool
) -> LotPage | None: ...
def lot_page(
    lot_id: int, lang: str, version: tuple[Any, ...] | None = None, *, build: bool = True
) -> LotPage | None:
    """The page model of a lot in a language, from the cache when still current (with
    ``build=False``, None when it is not).

    A page whose lot has changed (a recall above all) is rebuilt before it is shown. A page
    only older than PAGE_TTL (edits that do not touch the lot: a product's name, a member's
    consent, a certificate's end) is shown once more while a background thread of this
    process rebuilds it: shoppers of a busy lot must not wait, every minute, for a rebuild.
    """
    version = version or lot_version(lot_id)
    key = (lot_id, lang)
    cached = _cache.get(key)
    if cached and cached.version == version:
        if not _lapsed(cached):
            return cached
        if _refresher.possible():
            _refresher.want(key, version)
            return cached
    if not build:
        return None
    return _store(key, build_lot_page(db.session.get_one(Lot, lot_id), lang, version))


def _store(key: tuple[int, str], page: LotPage) -> LotPage:
    with _cache_lock:
        if len(_cache) > 5000:
            _cache.clear()
        _cache[key] = page
    return page


class _Refresher:
    """One thread per app process rebuilding lapsed lot pages, newest request last."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wanted: dict[tuple[int, str], tuple[Any, ...]] = {}
        self._wake = threading.Event()
        self._pid: int | None = None
        self._app: Any = None

    def possible(self) -> bool:
        # Not inside a test's transaction: another thread could not see its rows.
        return current_app.config.get("TRACEAPP_PAGE_REFRESH", True) and not _session_borrowed()

    def want(self, key: tuple[int, str], version: tuple[Any, ...]) -> None:
        with self._lock:
            self._wanted[key] = version
            self._app = current_app._get_current_object()  # type: ignore[attr-defined]
            if self._pid != os.getpid():  # first use in this (forked) process
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="lot-page-refresher", daemon=True).start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while True:
                with self._lock:
                    if not self._wanted:
                        break
                    key, version = self._wanted.popitem()
                    app = self._app
                try:
                    with app.app_context():
                        try:
                            self._rebuild(key, version)
                        finally:
                            db.session.remove()
                except Exception:  # noqa: BLE001 - the stale page stays; the next scan retries
                    log.exception("could not rebuild the page of lot %s (%s)", *key)

    @staticmethod
    def _rebuild(key: tuple[int, str], version: tuple[Any, ...]) -> None:
        lot = db.session.get(Lot, key[0])
        if lot is None or lot_version(key[0]) != version:
            return  # changed meanwhile: the next scan rebuilds it before showing it
        page = build_lot_page(lot, key[1], version)
        cached = _cache.get(key)
        if cached is not None and cached.version == version:
            _store(key, page)


_refresher = _Refresher()


def clear_cache() -> None:
    """Forget every cached page (tests, settings changes)."""
    with _cache_lock:
        _cache.clear()


def _zone_view(zone: Zone, today: dt.date, public: bool) -> ZoneView:
    from traceapp.zones.geometry import svg_outline

    certs = [
        {"scheme": c.scheme.value, "number": c.number, "expires_on": c.expires_on}
        for c in zone.certifications
        if c.is_valid_on(today)
    ]
    area = zone.declared_area_ha if zone.declared_area_ha is not None else zone.computed_area_ha
    return ZoneView(
        code=zone.code,
        kind=zone.kind.value,
        crop=zone.crop,
        commune=zone.commune,
        district=zone.district,
        province=zone.province,
        area_ha=area,
        certifications=certs,
        svg=svg_outline(zone.geometry, zone.code, width=280, height=180),
        public=public,
    )


def build_lot_page(lot: Lot, lang: str, version: tuple[Any, ...] | None) -> LotPage:
    """Gather the lot's public facts (several queries; cached by :func:`lot_page`)."""
    from traceapp.batches import genealogy
    from traceapp.batches.epcis import lot_events
    from traceapp.products.services import current_ocop

    today = local_today()
    product: Product = lot.product
    coop = db.session.get_one(Cooperative, lot.cooperative_id)
    trace = genealogy.trace(lot)
    origin_lots = trace.origin_lots
    claimed = trace.zones()
    # The codes the public register holds are linked to their page there.
    issued = set(
        db.session.execute(
            sa.select(Zone.id).where(
                Zone.id.in_([z.id for z in claimed]), zone_services.issued_clause()
            )
        ).scalars()
        if claimed
        else ()
    )
    zones = [_zone_view(z, today, z.id in issued) for z in claimed]
    members = trace.households()
    names = sorted(m.full_name for m in members if m.public_name_consent)
    catch = next((x.catch_data for x in origin_lots if x.catch_data), None)
    if catch:
        # Trip dates are stored as ISO text; the page shows them in the reader's locale.
        catch = {**catch, **{k: _date_or_text(catch.get(k)) for k in ("trip_start", "trip_end")}}
    method = next((x.aquaculture_method for x in origin_lots if x.aquaculture_method), None)
    vessels: list[dict[str, Any]] = []
    for c in trace.contributions:
        m = c.member
        if m.vessel_registration and m.vessel_registration not in {
            v["registration"] for v in vessels
        }:
            vessels.append(
                {"registration": m.vessel_registration, "name": m.vessel_name, "flag": m.flag_state}
            )
    mark = None
    if product.mark is not None and product.mark.is_usable_on(today):
        mark = {
            "name": product.mark.name,
            "certificate_number": product.mark.certificate_number,
            "certificate_date": product.mark.certificate_date,
        }
    record = current_ocop(product, today)
    ocop = None
    if record is not None:
        ocop = {
            "stars": record.stars,
            "decision_number": record.decision_number,
            "valid_until": record.valid_until,
            "level": record.level.value if record.level else None,
        }
    active = sa.and_(Member.cooperative_id == coop.id, Member.left_on.is_(None))
    total, women = db.session.execute(
        sa.select(
            sa.func.count(Member.id),
            sa.func.count(Member.id).filter(Member.gender == Gender.FEMALE),
        ).where(active)
    ).one()
    events = lot_events(lot)
    recall = None
    if lot.recall_id:
        r = db.session.get_one(Recall, lot.recall_id)
        recall = {
            "reason": r.reason,
            "instructions": r.instructions,
            "decided_by": r.decided_by,
            "decided_at": r.decided_at,
        }
    last_modified = max([lot.updated_at] + [e.recorded_at for e in events])
    with force_locale(lang):  # quantities in the page's language, whoever builds it
        quantity = fmt(lot.quantity, lot.unit)
        net = fmt(product.net_quantity, product.net_unit) if product.net_quantity else None
        timeline = timeline_entries(events, public=True)
    return LotPage(
        version=version or (),
        built=time.monotonic(),
        spread=random.uniform(0.8, 1.2),
        until_midnight=_seconds_to_midnight(),
        lot_id=lot.id,
        lot_code=lot.code,
        lot_status=lot.status.value,
        production_date=lot.production_date,
        best_before=lot.best_before,
        quantity=quantity,
        product_id=product.id,
        product_name=product.name_in(lang),
        product_image=product.image,
        net=net,
        gtin=product.gtin,
        mark=mark,
        ocop=ocop,
        coop={
            "id": coop.id,
            "name": coop.name,
            "commune": coop.commune,
            "district": coop.district,
            "province": coop.province,
            "households": total,
            "women_share": round(100 * women / total) if total else 0,
            "show_women_share": coop.show_women_share and total > 0,
            "logo": coop.logo,
        },
        zones=zones,
        households=len(members),
        names=names,
        catch=catch,
        vessels=vessels,
        method=method,
        timeline=timeline,
        recall=recall,
        last_modified=last_modified,
    )


def _date_or_text(value: Any) -> Any:
    """An ISO date text as a date (for the page's date filter); anything else as it is."""
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return value


def product_by_gtin(gtin14: str) -> Product | None:
    """The product with this GTIN (GTINs are unique nationally)."""
    return db.session.execute(sa.select(Product).where(Product.gtin == gtin14)).scalar_one_or_none()


def lot_by_gtin(gtin14: str, lot_code: str) -> Lot | None:
    """The lot of a product, by GTIN and lot code, if a live label points at it."""
    # Lot codes follow a pattern (XP-2026-0001, ...): answering for every lot would let anyone
    # walk a cooperative's production, open lots included. A lot becomes public when labels
    # are issued for it (a lot-level run prints this very URL) and stops being public once
    # they are all voided; until then it is as unknown as a lot that does not exist.
    live_label = sa.exists().where(Label.lot_id == Lot.id, Label.voided_at.is_(None))
    return db.session.execute(
        sa.select(Lot)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.gtin == gtin14, Lot.code == lot_code, live_label)
    ).scalar_one_or_none()


def latest_lot(product: Product) -> Lot | None:
    """The product's most recent lot (for a product page)."""
    return db.session.execute(
        sa.select(Lot)
        .where(Lot.product_id == product.id)
        .order_by(Lot.production_date.desc(), Lot.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def issued_note(row: Any) -> dict[str, Any]:
    """Who issued the label and when."""
    return {"issued_at": _aware(row.issued_at), "issued_by": row.created_by_label}
