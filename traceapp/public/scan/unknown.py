"""Scans of serials that were never issued, kept as they arrive (issue 21): per serial
(:class:`~traceapp.public.models.UnknownSerial`), per serial and cooperative (0: a code that
named no product) with the first and last scan, and per cooperative in total. The scan log
writer adds each batch's in the transaction that writes the scans (:func:`keep`), so the
authority's flag reads a few rows per region and its list pages through an index, instead
of grouping every such scan on each request.

Writers of the same serial wait for each other on the serial's row (taken in serial order),
then see which cooperatives it already had: the serial and total counts stay exact however
many processes write. The scan log's retention leaves these figures alone (they keep the
history, as the daily counts do); scans deleted through the ORM (scripts, tests) are counted
again from the log for their serials (:func:`recount`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from traceapp.extensions import db
from traceapp.public.models import (
    LabelScan,
    UnknownSerial,
    UnknownSerialCooperative,
    UnknownSerialTotal,
)

_COLUMNS = tuple(c.name for c in LabelScan.__table__.columns if not c.primary_key)
_AT, _SERIAL, _COOP, _PRODUCT, _OUTCOME = (
    _COLUMNS.index(c)
    for c in ("scanned_at", "unknown_serial", "cooperative_id", "product_id", "outcome")
)
#: How many serials one lookup of the cooperatives they already have names.
CHUNK = 500

# The serial's row: made if new, and locked (PostgreSQL) until the writer commits.
_SERIAL_SQL = (
    "INSERT INTO unknown_serials (serial, cooperatives) VALUES (?, 0) "
    "ON CONFLICT (serial) DO UPDATE SET cooperatives = unknown_serials.cooperatives"
)
_MORE_SQL = "UPDATE unknown_serials SET cooperatives = cooperatives + ? WHERE serial = ?"
_PAIR_SQL = (
    "INSERT INTO unknown_serial_cooperatives "
    "(serial, cooperative_id, scans, first_seen, last_seen, product_id) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (serial, cooperative_id) DO UPDATE SET "
    "scans = unknown_serial_cooperatives.scans + excluded.scans, "
    "first_seen = CASE WHEN excluded.first_seen < unknown_serial_cooperatives.first_seen "
    "THEN excluded.first_seen ELSE unknown_serial_cooperatives.first_seen END, "
    "product_id = CASE WHEN excluded.last_seen >= unknown_serial_cooperatives.last_seen "
    "THEN excluded.product_id ELSE unknown_serial_cooperatives.product_id END, "
    "last_seen = CASE WHEN excluded.last_seen >= unknown_serial_cooperatives.last_seen "
    "THEN excluded.last_seen ELSE unknown_serial_cooperatives.last_seen END"
)
_TOTAL_SQL = (
    "INSERT INTO unknown_serial_totals (cooperative_id, scans, serials, first_seen, last_seen) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (cooperative_id) DO UPDATE SET "
    "scans = unknown_serial_totals.scans + excluded.scans, "
    "serials = unknown_serial_totals.serials + excluded.serials, "
    "first_seen = CASE WHEN excluded.first_seen < unknown_serial_totals.first_seen "
    "THEN excluded.first_seen ELSE unknown_serial_totals.first_seen END, "
    "last_seen = CASE WHEN excluded.last_seen > unknown_serial_totals.last_seen "
    "THEN excluded.last_seen ELSE unknown_serial_totals.last_seen END"
)


def _when(value: Any) -> dt.datetime:
    """A scan time as the writer holds it (aware, naive UTC, or SQLite's text) in UTC."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _param(value: dt.datetime, dialect: str) -> Any:
    """A time as a parameter: SQLite keeps the text the ORM writes (so that the kept times
    compare and read back like any other column's), PostgreSQL the aware datetime."""
    if dialect == "sqlite":
        return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def per_pair(rows: Iterable[Sequence[Any]]) -> dict[tuple[str, int], list[Any]]:
    """The scans of serials never issued among ``rows`` (the scan log's columns, in order)
    counted per (serial, cooperative or 0): [scans, first, last, product of the last]."""
    pairs: dict[tuple[str, int], list[Any]] = {}
    for row in rows:
        if row[_OUTCOME] != "unknown" or not row[_SERIAL]:
            continue
        at = _when(row[_AT])
        key = (row[_SERIAL], row[_COOP] or 0)
        got = pairs.get(key)
        if got is None:
            pairs[key] = [1, at, at, row[_PRODUCT]]
            continue
        got[0] += 1
        got[1] = min(got[1], at)
        if at >= got[2]:
            got[2], got[3] = at, row[_PRODUCT]
    return pairs


def keep(cursor: Any, rows: Sequence[Sequence[Any]], dialect: str) -> None:
    """Add the scans of serials never issued among ``rows`` (the scan log's columns, in
    order) to the kept figures, through ``cursor`` (the DB-API cursor of the transaction
    that writes them). Costs one pass over the rows when there are none."""
    pairs = per_pair(rows)
    if pairs:
        _add(cursor, pairs, dialect)


def keep_on(raw: Any, rows: Sequence[Sequence[Any]], dialect: str) -> None:
    """:func:`keep` on a cursor of the driver's connection ``raw``, opened only when there
    is something to keep (the one-scan write)."""
    pairs = per_pair(rows)
    if pairs:
        cursor = raw.cursor()
        try:
            _add(cursor, pairs, dialect)
        finally:
            cursor.close()


def _add(cursor: Any, pairs: dict[tuple[str, int], list[Any]], dialect: str) -> None:
    def sql(text: str) -> str:
        return text if dialect == "sqlite" else text.replace("?", "%s")

    serials = sorted({serial for serial, _ in pairs})
    # Each serial's row first, in order: a writer of the same serial waits here until this
    # one commits, then sees its cooperatives.
    cursor.executemany(sql(_SERIAL_SQL), [(s,) for s in serials])
    have: set[tuple[str, int]] = set()
    for start in range(0, len(serials), CHUNK):
        chunk = serials[start : start + CHUNK]
        marks = ", ".join("?" for _ in chunk)
        cursor.execute(
            sql(
                "SELECT serial, cooperative_id FROM unknown_serial_cooperatives "  # noqa: S608
                f"WHERE serial IN ({marks})"
            ),
            chunk,
        )
        have.update((s, int(c)) for s, c in cursor.fetchall())
    new = {key for key in pairs if key not in have}
    keys = sorted(pairs)
    cursor.executemany(
        sql(_PAIR_SQL),
        [
            (s, c, pairs[s, c][0], *(_param(t, dialect) for t in pairs[s, c][1:3]), pairs[s, c][3])
            for s, c in keys
        ],
    )
    more: dict[str, int] = {}
    for s, _c in sorted(new):
        more[s] = more.get(s, 0) + 1
    if more:
        cursor.executemany(sql(_MORE_SQL), [(n, s) for s, n in sorted(more.items())])
    totals: dict[int, list[Any]] = {}
    for (s, c), (n, first, last, _p) in pairs.items():
        got = totals.setdefault(c, [0, 0, first, last])
        got[0] += n
        got[1] += 1 if (s, c) in new else 0
        got[2], got[3] = min(got[2], first), max(got[3], last)
    cursor.executemany(
        sql(_TOTAL_SQL),
        [
            (c, n, k, _param(first, dialect), _param(last, dialect))
            for c, (n, k, first, last) in sorted(totals.items())
        ],
    )


# --- counting again from the log -------------------------------------------------------------


def recount(conn: sa.Connection, serials: Iterable[str] | None = None) -> int:
    """Make the kept figures of ``serials`` (every serial: None) again from the scan log,
    and the totals of the cooperatives they concern (a migration's backfill, the bench's
    build, scans deleted through the ORM). Returns how many (serial, cooperative) rows."""
    pairs_t: sa.Table = UnknownSerialCooperative.__table__  # type: ignore[assignment]
    serials_t: sa.Table = UnknownSerial.__table__  # type: ignore[assignment]
    totals_t: sa.Table = UnknownSerialTotal.__table__  # type: ignore[assignment]
    scans: sa.Table = LabelScan.__table__  # type: ignore[assignment]
    wanted = None if serials is None else sorted(set(serials))
    if wanted is not None and not wanted:
        return 0

    def only(column: Any) -> list[sa.ColumnElement[bool]]:
        return [] if wanted is None else [column.in_(wanted)]

    coops = set(
        conn.scalars(sa.select(pairs_t.c.cooperative_id).where(*only(pairs_t.c.serial)).distinct())
    )
    conn.execute(sa.delete(pairs_t).where(*only(pairs_t.c.serial)))
    conn.execute(sa.delete(serials_t).where(*only(serials_t.c.serial)))
    # The scans in (serial, cooperative, time) order, read through the partial index.
    found = conn.execute(
        sa.select(*[scans.c[c] for c in _COLUMNS])
        .where(
            scans.c.outcome == sa.literal_column("'unknown'"),
            scans.c.unknown_serial.is_not(None),
            *only(scans.c.unknown_serial),
        )
        .execution_options(yield_per=10_000)
    )
    pairs = per_pair(found)
    rows = [
        {
            "serial": s,
            "cooperative_id": c,
            "scans": n,
            "first_seen": first,
            "last_seen": last,
            "product_id": product,
        }
        for (s, c), (n, first, last, product) in sorted(pairs.items())
    ]
    per_serial: dict[str, int] = {}
    for s, c in pairs:
        per_serial[s] = per_serial.get(s, 0) + 1
        coops.add(c)
    for start in range(0, len(rows), 10_000):
        conn.execute(sa.insert(pairs_t), rows[start : start + 10_000])
    made = [{"serial": s, "cooperatives": n} for s, n in sorted(per_serial.items())]
    for start in range(0, len(made), 10_000):
        conn.execute(sa.insert(serials_t), made[start : start + 10_000])
    # The totals of the cooperatives concerned, from their kept rows.
    coop_list = sorted(coops)
    kept = [] if wanted is None else [totals_t.c.cooperative_id.in_(coop_list)]
    conn.execute(sa.delete(totals_t).where(*kept))
    sums = sa.select(
        pairs_t.c.cooperative_id,
        sa.func.sum(pairs_t.c.scans),
        sa.func.count(),
        sa.func.min(pairs_t.c.first_seen),
        sa.func.max(pairs_t.c.last_seen),
    ).group_by(pairs_t.c.cooperative_id)
    if wanted is not None:
        sums = sums.where(pairs_t.c.cooperative_id.in_(coop_list))
    conn.execute(
        sa.insert(totals_t).from_select(
            ["cooperative_id", "scans", "serials", "first_seen", "last_seen"], sums
        )
    )
    return len(rows)


class _Cursor:
    """The few cursor methods :func:`keep` uses, on a SQLAlchemy connection (the session's
    transaction)."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.result: Any = None

    def execute(self, sql: str, params: Sequence[Any]) -> None:
        self.result = self.conn.exec_driver_sql(sql, tuple(params))

    def executemany(self, sql: str, seq: Sequence[Sequence[Any]]) -> None:
        if seq:
            self.conn.exec_driver_sql(sql, [tuple(p) for p in seq])

    def fetchall(self) -> list[Any]:
        return list(self.result.fetchall())


@sa.event.listens_for(db.session, "after_flush")
def _keep_orm_scans(session: Any, _context: Any) -> None:
    """Scans written through the ORM (the demo, scripts, tests) are kept like the writer's,
    in the same transaction; those deleted through it are counted again from the log."""
    new = [o for o in session.new if isinstance(o, LabelScan) and o.outcome == "unknown"]
    gone = {
        o.unknown_serial
        for o in session.deleted
        if isinstance(o, LabelScan) and o.outcome == "unknown" and o.unknown_serial
    }
    if not new and not gone:
        return
    conn = session.connection()
    if new:
        rows = [tuple(getattr(o, c) for c in _COLUMNS) for o in new]
        keep(_Cursor(conn), rows, conn.dialect.name)
    if gone:
        recount(conn, gone)
