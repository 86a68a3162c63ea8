"""The declarative base, column types, engine tuning and the unit-of-work retry loop."""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import functools
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import flask_sqlalchemy.session
import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import JSON, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

T = TypeVar("T")


def now_utc() -> dt.datetime:
    """The current time as a timezone-aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def local_now() -> dt.datetime:
    """The current time where the cooperatives are (the configured time zone), aware."""
    return dt.datetime.now(_zone(local_zone_name()))


def local_today() -> dt.date:
    """Today's calendar date where the cooperatives are (the configured time zone)."""
    return local_now().date()


def local_date(when: dt.datetime) -> dt.date:
    """The calendar date of an aware moment where the cooperatives are."""
    return when.astimezone(_zone(local_zone_name())).date()


@functools.lru_cache(maxsize=8)
def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def local_zone_name() -> str:
    """The configured time zone where the cooperatives are."""
    if has_app_context():
        return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    return "Asia/Ho_Chi_Minh"


def local_time_sql(column: Any, dialect: str) -> Any:
    """A stored UTC timestamp as the local wall-clock time, in SQL: what day or month it was
    for the people who scanned or printed (a scan at 6:00 on the 1st in Vietnam is 23:00 on
    the last day of the month before in UTC)."""
    zone = local_zone_name()
    if dialect == "postgresql":
        return sa.func.timezone(zone, column)
    # SQLite stores naive UTC text; shift it by the zone's current offset (Vietnam keeps no
    # daylight saving time, so one offset holds all year).
    from zoneinfo import ZoneInfo

    offset = dt.datetime.now(dt.UTC).astimezone(ZoneInfo(zone)).utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds() // 60)
    return sa.func.datetime(column, f"{minutes:+d} minutes")


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time-zone type, so values are stored as naive UTC there and given their
    zone back when read. Naive datetimes are refused on the way in: they are a bug.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a timezone-aware column")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


#: JSON on SQLite, JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base for every traceapp model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        decimal.Decimal: sa.Numeric(14, 3),
        dict[str, Any]: JSONType,
        list[Any]: JSONType,
    }


class IdMixin:
    """An integer surrogate primary key."""

    id: Mapped[int] = mapped_column(primary_key=True)


class TimestampMixin:
    """Creation and last-change times, filled by callables at flush time."""

    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)


class Session(flask_sqlalchemy.session.Session):
    """Flask-SQLAlchemy's session, but an explicit ``bind`` (a test's connection) wins."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kw: Any) -> Any:
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kw)


# --- engine tuning -------------------------------------------------------------------------

#: How the next SQLite transaction on this thread begins: IMMEDIATE takes the write lock at
#: BEGIN, so a transaction that reads and then writes can never fail on lock upgrade.
_sqlite_begin: contextvars.ContextVar[str] = contextvars.ContextVar(
    "traceapp_sqlite_begin", default="IMMEDIATE"
)


@contextmanager
def sqlite_begin_mode(mode: str) -> Iterator[None]:
    """Run a block with SQLite transactions beginning DEFERRED (reads) or IMMEDIATE (writes)."""
    token = _sqlite_begin.set(mode)
    try:
        yield
    finally:
        _sqlite_begin.reset(token)


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    """Install the per-connection settings traceapp relies on for the engine's dialect."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_conn.isolation_level = None
        # SQLite's own lower() folds ASCII only; searches on Vietnamese names need Unicode.
        dbapi_conn.create_function(
            "lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True
        )
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin_tx(conn: sa.Connection) -> None:
        conn.exec_driver_sql(f"BEGIN {_sqlite_begin.get()}")


def engine_options(url: str) -> dict[str, Any]:
    """Engine keyword arguments by dialect."""
    if url.startswith("sqlite"):
        return {}
    return {"pool_pre_ping": True, "pool_recycle": 1800}


# --- units of work -------------------------------------------------------------------------

_RETRYABLE_PG = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def is_retryable(exc: BaseException) -> bool:
    """True for failures that a fresh attempt of the same unit of work may not meet again."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in _RETRYABLE_PG:
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database table is locked" in message


#: PostgreSQL's classes of errors that say the server cannot serve now, not that the request
#: is wrong: 08 connection exception, 53 insufficient resources (too many connections, a full
#: disk), 57P operator intervention (shutting down, starting up).
_UNAVAILABLE_PG = ("08", "53", "57P")
#: SQLite's words for a file it cannot open or a lock held past the busy timeout.
_UNAVAILABLE_SQLITE = ("unable to open database file", "database is locked", "disk i/o error")


def database_unavailable(exc: BaseException) -> bool:
    """True when the database cannot be reached or cannot serve for now (an outage, a restart,
    too many clients, a lock held past every retry): worth trying again later, not a bug."""
    import sqlite3

    import psycopg

    if isinstance(exc, sa.exc.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(exc, DBAPIError) and (exc.connection_invalidated or is_retryable(exc)):
        return True
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError):
        code = orig.sqlstate
        # No SQLSTATE: the client's own failure (refused, lost, closed), not the server's.
        return code is None or code.startswith(_UNAVAILABLE_PG) or code in _RETRYABLE_PG
    if isinstance(orig, sqlite3.OperationalError):
        message = str(orig).lower()
        return any(words in message for words in _UNAVAILABLE_SQLITE)
    return False


def retry_delay(attempt: int) -> float:
    """Back off a little more on each attempt, with jitter so writers do not collide again."""
    return min(0.5, 0.02 * (2**attempt)) * (0.5 + random.random())


def run_unit_of_work(
    session: Any, fn: Callable[[], T], attempts: int = 4, on_retry: Callable[[], None] | None = None
) -> T:
    """Call ``fn`` and commit; on a serialization failure, deadlock or lock, roll back and retry.

    ``fn`` must only change the database, so that running it again is safe.
    """
    for attempt in range(1, attempts + 1):
        try:
            result = fn()
            session.commit()
            return result
        except DBAPIError as exc:
            session.rollback()
            if attempt >= attempts or not is_retryable(exc):
                raise
            log.warning("unit of work retried after %s (attempt %d)", exc.orig, attempt)
            if on_retry:
                on_retry()
            time.sleep(retry_delay(attempt))
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def with_retries(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorate a CLI or job function so it runs as one retried unit of work."""
    from traceapp.extensions import db

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return run_unit_of_work(db.session, lambda: fn(*args, **kwargs))

    return wrapper
