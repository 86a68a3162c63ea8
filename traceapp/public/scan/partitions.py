"""The scan log's months: on PostgreSQL ``label_scans`` is partitioned by month of the scan
time (declarative partitioning), with a DEFAULT partition for any scan outside the months
made so far; the partitions live in a schema of their own (``label_scan_months``), so the
application's schema lists one table. SQLite keeps one plain table.

:func:`maintain` makes the coming months' partitions and applies the retention setting
(``TRACEAPP_SCAN_RETENTION_MONTHS``, unset: keep every scan): on PostgreSQL whole months
older than it are dropped, on SQLite older rows are deleted in batches. The daily counts
(``scan_daily``, ``scan_daily_runs``), the kept scans of serials never issued
(``unknown_serial*``, traceapp/public/scan/unknown.py) and the labels' counters are never
touched, so the statistics and the authority's flags keep their history.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

log = logging.getLogger(__name__)

TABLE = "label_scans"
SCHEMA = "label_scan_months"
DEFAULT = f"{SCHEMA}.{TABLE}_default"
#: Months made ahead of the current one.
AHEAD = 3
#: Rows deleted per statement on SQLite (each its own short transaction).
DELETE_BATCH = 10_000


@dataclass
class Maintained:
    """What one run of :func:`maintain` did."""

    created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    deleted: int = 0


def month_start(day: dt.date, shift: int = 0) -> dt.date:
    """The first day of ``day``'s month, ``shift`` months later (or earlier)."""
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def _name(month: dt.date) -> str:
    return f"{SCHEMA}.m{month.year:04d}_{month.month:02d}"


def _bound(month: dt.date) -> str:
    return f"'{month.isoformat()} 00:00:00+00'"


def is_partitioned(conn: sa.Connection) -> bool:
    """Whether ``label_scans`` is a partitioned table (PostgreSQL after migration 0024)."""
    if conn.dialect.name != "postgresql":
        return False
    kind = conn.exec_driver_sql(
        "SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = %s AND n.nspname = current_schema()",
        (TABLE,),
    ).scalar()
    return kind == "p"


def _indexes() -> list[sa.Index]:
    from traceapp.public.models import LabelScan

    table: sa.Table = LabelScan.__table__  # type: ignore[assignment]
    return sorted(table.indexes, key=lambda i: str(i.name))


def partition(conn: sa.Connection, today: dt.date | None = None) -> None:
    """Turn a plain ``label_scans`` into a table partitioned by month, keeping its rows, ids
    and indexes: the months that hold scans and :data:`AHEAD` months ahead, and a DEFAULT
    partition. PostgreSQL only; does nothing when already done. Migration 0024 calls it,
    and so can a database built by ``create_all`` (the tests do it on creation; so should a
    bench that bulk-loads, before loading)."""
    if conn.dialect.name != "postgresql" or is_partitioned(conn):
        return
    today = today or dt.datetime.now(dt.UTC).date()
    old = f"{TABLE}_unpartitioned"
    run = conn.exec_driver_sql
    run(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    run(f"ALTER TABLE {TABLE} RENAME TO {old}")
    for index in _indexes():
        run(f"DROP INDEX IF EXISTS {index.name}")
    run(f"ALTER TABLE {old} DROP CONSTRAINT pk_{TABLE}")
    # The ids keep coming from the same sequence.
    run(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY NONE")
    # A partitioned table's primary key must hold the partition column; ids stay unique as
    # they come from one sequence.
    run(
        f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING DEFAULTS, "
        f"CONSTRAINT pk_{TABLE} PRIMARY KEY (id, scanned_at)) PARTITION BY RANGE (scanned_at)"
    )
    run(f"CREATE TABLE {DEFAULT} PARTITION OF {TABLE} DEFAULT")
    first = run(f"SELECT min(scanned_at) FROM {old}").scalar()  # noqa: S608 - our own names
    month = month_start(first.astimezone(dt.UTC).date() if first else today)
    while month <= month_start(today, AHEAD):
        _create_month(conn, month)
        month = month_start(month, 1)
    run(f"INSERT INTO {TABLE} SELECT * FROM {old}")  # noqa: S608 - our own names
    run(f"DROP TABLE {old}")
    run(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
    for index in _indexes():
        index.create(conn)


def unpartition(conn: sa.Connection) -> None:
    """Put ``label_scans`` back as one plain table (migration 0024's downgrade)."""
    if not is_partitioned(conn):
        return
    old = f"{TABLE}_partitioned"
    run = conn.exec_driver_sql
    run(f"ALTER TABLE {TABLE} RENAME TO {old}")
    for index in _indexes():
        run(f"DROP INDEX IF EXISTS {index.name}")
    run(f"ALTER TABLE {old} DROP CONSTRAINT pk_{TABLE}")
    run(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY NONE")
    run(
        f"CREATE TABLE {TABLE} (LIKE {old} INCLUDING DEFAULTS, "
        f"CONSTRAINT pk_{TABLE} PRIMARY KEY (id))"
    )
    run(f"INSERT INTO {TABLE} SELECT * FROM {old}")  # noqa: S608 - our own names
    run(f"DROP TABLE {old}")
    run(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    run(f"ALTER SEQUENCE {TABLE}_id_seq OWNED BY {TABLE}.id")
    for index in _indexes():
        index.create(conn)


def months(conn: sa.Connection) -> list[dt.date]:
    """The months that have a partition, oldest first (PostgreSQL)."""
    names = conn.exec_driver_sql(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace "
        "WHERE p.relname = %s AND n.nspname = current_schema()",
        (TABLE,),
    ).scalars()
    out = []
    for name in names:
        if name.startswith("m") and len(name) == 8:
            out.append(dt.date(int(name[1:5]), int(name[6:8]), 1))
    return sorted(out)


def _create_month(conn: sa.Connection, month: dt.date) -> None:
    """Make one month's partition, taking over the scans the DEFAULT partition holds for it
    (a partition cannot be attached while the default holds rows of its range)."""
    name, start, end = _name(month), _bound(month), _bound(month_start(month, 1))
    run = conn.exec_driver_sql
    run(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS)")
    in_range = f"scanned_at >= {start} AND scanned_at < {end}"
    run(
        f"WITH moved AS (DELETE FROM {DEFAULT} WHERE {in_range} RETURNING *) "  # noqa: S608
        f"INSERT INTO {name} SELECT * FROM moved"
    )
    run(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({start}) TO ({end})")


def ensure_months(
    conn: sa.Connection, today: dt.date, ahead: int = AHEAD, since: dt.date | None = None
) -> list[str]:
    """Make the partitions of this month and ``ahead`` months ahead (and back to ``since``:
    before a bulk load of older scans), and of any month whose scans sit in the DEFAULT
    partition; returns the partitions made."""
    have = set(months(conn))
    wanted = {month_start(today, k) for k in range(ahead + 1)}
    month = month_start(since or today)
    while month < month_start(today):
        wanted.add(month)
        month = month_start(month, 1)
    stray = conn.exec_driver_sql(
        f"SELECT DISTINCT date_trunc('month', scanned_at AT TIME ZONE 'UTC') FROM {DEFAULT}"  # noqa: S608
    ).scalars()
    wanted |= {value.date() for value in stray}
    made = []
    for month in sorted(wanted - have):
        _create_month(conn, month)
        made.append(_name(month))
    return made


def cutoff(today: dt.date, retention: int) -> dt.date:
    """Scans before this day are older than ``retention`` months: the current month and the
    ``retention - 1`` before it are kept whole."""
    return month_start(today, -(retention - 1))


def drop_old_months(conn: sa.Connection, before: dt.date) -> list[str]:
    """Drop the partitions that end on or before ``before`` and delete older scans from the
    DEFAULT partition (PostgreSQL)."""
    dropped = []
    for month in months(conn):
        if month_start(month, 1) <= before:
            conn.exec_driver_sql(f"DROP TABLE {_name(month)}")
            dropped.append(_name(month))
    conn.exec_driver_sql(
        f"DELETE FROM {DEFAULT} WHERE scanned_at < {_bound(before)}"  # noqa: S608
    )
    return dropped


def delete_old_rows(
    bind: sa.Engine | sa.Connection, before: dt.date, batch: int = DELETE_BATCH
) -> int:
    """Delete scans before ``before`` a batch at a time (SQLite). Given an engine, each batch
    is committed on its own, so the scan writer never waits long; given a connection, they
    stay in its transaction."""
    from traceapp.public.models import LabelScan

    scans: sa.Table = LabelScan.__table__  # type: ignore[assignment]
    at = dt.datetime.combine(before, dt.time(), tzinfo=dt.UTC)
    ids = sa.select(scans.c.id).where(scans.c.scanned_at < at).limit(batch)
    total = 0
    while True:
        if isinstance(bind, sa.Engine):
            with bind.begin() as conn:
                gone = conn.execute(sa.delete(scans).where(scans.c.id.in_(ids))).rowcount
        else:
            gone = bind.execute(sa.delete(scans).where(scans.c.id.in_(ids))).rowcount
        total += gone
        if gone < batch:
            return total


def maintain(engine: sa.Engine, retention: int | None, today: dt.date | None = None) -> Maintained:
    """Make the coming months' partitions (PostgreSQL) and apply the retention."""
    today = today or dt.datetime.now(dt.UTC).date()
    done = Maintained()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            if not is_partitioned(conn):
                return done
            done.created = ensure_months(conn, today)
            if retention is not None:
                done.dropped = drop_old_months(conn, cutoff(today, retention))
    elif retention is not None:
        done.deleted = delete_old_rows(engine, cutoff(today, retention))
    for name in done.created:
        log.info("scan log: partition %s made", name)
    for name in done.dropped:
        log.info("scan log: partition %s dropped (retention %s months)", name, retention)
    return done


def partition_on_create(target: Any, connection: sa.Connection, **_kw: Any) -> None:
    """``create_all`` on PostgreSQL makes the scan log partitioned at once, as the
    migrations do."""
    partition(connection)
