"""Figures the scan log writer keeps beside ``scan_daily``, in the same transaction (issue 21):

- ``scan_daily_coops``: the daily counts without the lot (a cooperative's statistics and home
  page read a few dozen rows a day, however many lots it has);
- ``scan_monthly_lots``: scans and flagged scans per lot and calendar month (the top lots of a
  long period add whole months and the few days at its edge);
- ``scan_label_days`` and ``scan_label_lot_days``: per product and per lot, how many labels
  had their last scan on each local day (a label moves from its old day to its new one when
  scanned again), so "labels scanned in the last N days" is a sum of a few rows instead of a
  count of every label.

The writer (traceapp/public/scan/log.py) calls :func:`add_rollups` with the batch's daily
counts and :func:`move_labels` with the labels whose last scan it is about to write, before it
writes them. Retention (traceapp/public/scan/partitions.py) deletes old scans only; these
figures, like ``scan_daily``, are never deleted.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from traceapp.database import local_zone_name

#: Run one "?"-style statement for each of a list of parameter tuples.
Many = Callable[[str, Sequence[tuple[Any, ...]]], Any]

_COOP_KEY = ("cooperative_id", "day", "product_id", "lang", "outcome", "flagged")
_COOP_SQL = (
    f"INSERT INTO scan_daily_coops ({', '.join(_COOP_KEY)}, scans) "  # noqa: S608
    f"VALUES ({', '.join('?' for _ in _COOP_KEY)}, ?) "
    f"ON CONFLICT ({', '.join(_COOP_KEY)}) "
    "DO UPDATE SET scans = scan_daily_coops.scans + excluded.scans"
)
_LOT_KEY = ("cooperative_id", "month", "lot_id", "product_id")
_LOT_SQL = (
    f"INSERT INTO scan_monthly_lots ({', '.join(_LOT_KEY)}, scans, flagged) "  # noqa: S608
    f"VALUES ({', '.join('?' for _ in _LOT_KEY)}, ?, ?) "
    f"ON CONFLICT ({', '.join(_LOT_KEY)}) DO UPDATE SET "
    "scans = scan_monthly_lots.scans + excluded.scans, "
    "flagged = scan_monthly_lots.flagged + excluded.flagged"
)
_LABEL_DAY_SQL = (
    "INSERT INTO scan_label_days (cooperative_id, product_id, day, labels) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (cooperative_id, product_id, day) "
    "DO UPDATE SET labels = scan_label_days.labels + excluded.labels"
)
_LABEL_LOT_DAY_SQL = (
    "INSERT INTO scan_label_lot_days (lot_id, day, labels) VALUES (?, ?, ?) "
    "ON CONFLICT (lot_id, day) DO UPDATE SET labels = scan_label_lot_days.labels + excluded.labels"
)
#: The labels' owner, product (their lot's), lot and last scan, before the writer updates them.
_LABELS_SQL = (
    "SELECT l.id, l.cooperative_id, lt.product_id, l.lot_id, l.last_scanned_at "
    "FROM labels l JOIN lots lt ON lt.id = l.lot_id WHERE l.id IN ({marks})"
)


def _month(day: Any) -> Any:
    """The first day of a day's month, as the day is written (ISO text on SQLite)."""
    if isinstance(day, str):
        return day[:8] + "01"
    return day.replace(day=1)


def rollups(
    daily: Iterable[tuple[Any, ...]],
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The parameters of the per-cooperative and per-lot-and-month statements, from the
    batch's ``scan_daily`` counts (cooperative, day, lot, product, lang, outcome, flagged, n)."""
    coops: Counter[tuple[Any, ...]] = Counter()
    lots: dict[tuple[Any, ...], list[int]] = {}
    for coop, day, lot, product, lang, outcome, flagged, n in daily:
        coops[(coop, day, product, lang, outcome, flagged)] += n
        kept = lots.setdefault((coop, _month(day), lot, product), [0, 0])
        kept[0] += n
        kept[1] += n if flagged else 0
    return (
        [(*key, n) for key, n in sorted(coops.items(), key=lambda kv: repr(kv[0]))],
        [(*key, *ns) for key, ns in sorted(lots.items(), key=lambda kv: repr(kv[0]))],
    )


def add_rollups(many: Many, daily: Sequence[tuple[Any, ...]]) -> None:
    """Add a batch's daily counts to ``scan_daily_coops`` and ``scan_monthly_lots``."""
    coops, lots = rollups(daily)
    if coops:
        many(_COOP_SQL, coops)
    if lots:
        many(_LOT_SQL, lots)


def _utc(value: Any) -> dt.datetime | None:
    """A stored time as an aware UTC datetime (SQLite keeps naive UTC text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def label_moves(
    old: Iterable[tuple[Any, ...]],
    new: dict[int, Any],
    dialect: str,
    greatest: bool = False,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The changes to ``scan_label_days`` and ``scan_label_lot_days`` when each label (id,
    cooperative, product, lot, old last scan) gets ``new[id]`` as its last scan (or the later
    of the two, with ``greatest``, as the PostgreSQL writer keeps it): -1 on the old day and
    +1 on the new one."""
    zone = ZoneInfo(local_zone_name())
    moves: Counter[tuple[Any, ...]] = Counter()
    lot_moves: Counter[tuple[Any, ...]] = Counter()
    for label_id, coop, product, lot, was in old:
        before, after = _utc(was), _utc(new[label_id])
        if after is None:
            continue
        if greatest and before is not None and before > after:
            after = before
        days = [(x.astimezone(zone).date() if x is not None else None) for x in (before, after)]
        if days[0] == days[1]:
            continue
        for day, step in zip(days, (-1, 1), strict=True):
            if day is not None:
                when = day.isoformat() if dialect == "sqlite" else day
                moves[(coop or 0, product or 0, when)] += step
                lot_moves[(lot, when)] += step
    return (
        [(*key, n) for key, n in sorted(moves.items(), key=lambda kv: repr(kv[0])) if n],
        [(*key, n) for key, n in sorted(lot_moves.items(), key=lambda kv: repr(kv[0])) if n],
    )


def _apply(many: Many, moves: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]) -> None:
    for sql, params in zip((_LABEL_DAY_SQL, _LABEL_LOT_DAY_SQL), moves, strict=True):
        if params:
            many(sql, params)


def move_labels(
    cursor: Any, dialect: str, new: dict[int, Any], greatest: bool = False, many: Many | None = None
) -> None:
    """Before the writer sets the labels' last scan to ``new`` (label id: time as written),
    move each label in ``scan_label_days`` from its old day to its new one. ``cursor`` is a
    DB-API cursor (or anything with ``execute`` and ``fetchall``)."""
    if not new:
        return
    ids = sorted(new)
    mark = "?" if dialect == "sqlite" else "%s"
    cursor.execute(_LABELS_SQL.format(marks=", ".join(mark for _ in ids)), ids)
    _apply(
        many or cursor_many(cursor, dialect), label_moves(cursor.fetchall(), new, dialect, greatest)
    )


def driver_many(connection: sa.Connection) -> Many:
    """:data:`Many` on a SQLAlchemy connection (the ORM's flush)."""
    sqlite = connection.dialect.name == "sqlite"

    def run(sql: str, params: Sequence[tuple[Any, ...]]) -> None:
        connection.exec_driver_sql(sql if sqlite else sql.replace("?", "%s"), list(params))

    return run


def cursor_many(cursor: Any, dialect: str) -> Many:
    """:data:`Many` on a DB-API cursor (the batch writer's)."""

    def run(sql: str, params: Sequence[tuple[Any, ...]]) -> None:
        cursor.executemany(sql if dialect == "sqlite" else sql.replace("?", "%s"), list(params))

    return run


def keep_batch(
    cursor: Any,
    dialect: str,
    daily: Sequence[tuple[Any, ...]],
    labels: dict[int, list[tuple[dt.datetime, str]]] | None,
) -> None:
    """The batch writer's upkeep: the roll-ups of the batch's daily counts and, when given
    the batch's labels (before their counters are written), their move to their new last
    scan day (the SQLite writer sets each label's last scan to the batch's latest; the
    PostgreSQL writer keeps the later of that and the stored one)."""
    many = cursor_many(cursor, dialect)
    add_rollups(many, daily)
    if labels:
        latest = {label_id: max(t for t, _ in items) for label_id, items in labels.items()}
        move_labels(cursor, dialect, latest, greatest=dialect == "postgresql", many=many)


def keep_one(conn: Any, daily: Sequence[tuple[Any, ...]], label_id: int | None, when: Any) -> None:
    """The same for one scan written with its request, on the scan's own connection
    (:class:`traceapp.public.scan.connection.ScanConnection`), before the label's counters
    are written (they set its last scan to ``when``)."""

    def many(sql: str, params: Sequence[tuple[Any, ...]]) -> None:
        for p in params:
            conn.execute(sql, p)

    add_rollups(many, daily)
    if label_id is None:
        return
    # Locked on PostgreSQL until the write commits: another process writing a scan of the
    # same label reads the last scan this one writes (SQLite's writers take turns anyway).
    lock = " FOR UPDATE OF l" if conn.dialect == "postgresql" else ""
    row = conn.one(_LABELS_SQL.format(marks="?") + lock, (label_id,))
    if row is not None:
        _apply(many, label_moves([row], {label_id: when}, conn.dialect))


def _orm_labels(session: Any, _context: Any) -> None:
    """Labels whose last scan the ORM wrote (the demo, scripts, tests) move like the
    writer's, in the same transaction."""
    from traceapp.labels.models import Label

    changed: dict[int, tuple[Any, Any]] = {}
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, Label) or obj.id is None:
            continue
        history = sa.inspect(obj).attrs.last_scanned_at.history
        if not history.added:
            continue
        old = history.deleted[0] if history.deleted else None
        changed[obj.id] = (old, history.added[0])
    if not changed:
        return
    conn = session.connection()
    from traceapp.batches.models import Lot

    owners = {
        label_id: (coop, product, lot)
        for label_id, coop, product, lot in conn.execute(
            sa.select(Label.id, Label.cooperative_id, Lot.product_id, Label.lot_id)
            .join(Lot, Lot.id == Label.lot_id)
            .where(Label.id.in_(sorted(changed)))
        )
    }
    old = [(i, *owners[i], changed[i][0]) for i in sorted(changed) if i in owners]
    _apply(
        driver_many(conn),
        label_moves(old, {i: new for i, (_, new) in changed.items()}, conn.dialect.name),
    )


def listen(session: Any) -> None:
    """Keep ``scan_label_days`` for last scans written through this session (called once)."""
    sa.event.listen(session, "after_flush", _orm_labels)


def fill(conn: sa.Connection) -> None:
    """Compute the kept figures from ``scan_daily`` and the labels' last scans (empty tables
    assumed): migration 0031 and the bench's bulk load call it."""
    from traceapp.database import local_time_sql

    dialect = conn.dialect.name
    daily = sa.table(
        "scan_daily",
        *(sa.column(c) for c in ("cooperative_id", "lot_id", "product_id", "lang", "outcome")),
        sa.column("day", sa.Date()),
        sa.column("flagged", sa.Boolean()),
        sa.column("scans", sa.Integer()),
    )
    coops = sa.table("scan_daily_coops", *(sa.column(c) for c in (*_COOP_KEY, "scans")))
    key = [daily.c[c] for c in _COOP_KEY]
    conn.execute(
        coops.insert().from_select(
            [*_COOP_KEY, "scans"], sa.select(*key, sa.func.sum(daily.c.scans)).group_by(*key)
        )
    )
    if dialect == "postgresql":
        month: Any = sa.cast(sa.func.date_trunc("month", daily.c.day), sa.Date())
    else:
        month = sa.func.date(daily.c.day, "start of month")
    lots = sa.table("scan_monthly_lots", *(sa.column(c) for c in (*_LOT_KEY, "scans", "flagged")))
    parts = [daily.c.cooperative_id, month, daily.c.lot_id, daily.c.product_id]
    conn.execute(
        lots.insert().from_select(
            [*_LOT_KEY, "scans", "flagged"],
            sa.select(
                *parts,
                sa.func.sum(daily.c.scans),
                sa.func.sum(sa.case((daily.c.flagged, daily.c.scans), else_=0)),
            ).group_by(*parts),
        )
    )
    labels = sa.table(
        "labels",
        sa.column("cooperative_id"),
        sa.column("lot_id"),
        sa.column("last_scanned_at", sa.DateTime()),
    )
    lot = sa.table("lots", sa.column("id"), sa.column("product_id"))
    day: Any = sa.func.date(local_time_sql(labels.c.last_scanned_at, dialect))
    if dialect == "postgresql":
        day = sa.cast(day, sa.Date())
    parts = [labels.c.cooperative_id, lot.c.product_id, day]
    label_days = sa.table(
        "scan_label_days",
        *(sa.column(c) for c in ("cooperative_id", "product_id", "day", "labels")),
    )
    conn.execute(
        label_days.insert().from_select(
            ["cooperative_id", "product_id", "day", "labels"],
            sa.select(*parts, sa.func.count())
            .select_from(labels.join(lot, lot.c.id == labels.c.lot_id))
            .where(labels.c.last_scanned_at.is_not(None))
            .group_by(*parts),
        )
    )
    lot_days = sa.table("scan_label_lot_days", *(sa.column(c) for c in ("lot_id", "day", "labels")))
    conn.execute(
        lot_days.insert().from_select(
            ["lot_id", "day", "labels"],
            sa.select(labels.c.lot_id, day, sa.func.count())
            .where(labels.c.last_scanned_at.is_not(None))
            .group_by(labels.c.lot_id, day),
        )
    )
