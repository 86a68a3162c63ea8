"""The declarative base, column types, engine tuning and the unit-of-work retry loop."""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import functools
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import flask_sqlalchemy.session
import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import JSON, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
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


def month_sql(column: Any, dialect: str, local: bool = False) -> Any:
    """The calendar month (``YYYY-MM``) of a date column, in SQL; of a stored UTC timestamp
    (``local``), the month it was where the cooperatives are."""
    when = local_time_sql(column, dialect) if local else column
    if dialect == "postgresql":
        return sa.func.to_char(when, "YYYY-MM")
    return sa.func.strftime("%Y-%m", when)


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
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_recycle": 1800}
    if url.startswith("postgresql+psycopg:"):
        # psycopg prepares a statement on its fifth run, and PostgreSQL may then plan it once
        # for any value: a search's ``LIKE $1`` then reads the whole table instead of its
        # trigram index (measured: 0.3 ms becomes 30 ms on 10,000 zones). Plan every time.
        options["connect_args"] = {"prepare_threshold": None}
    return options


#: The searched text columns, (table, column). The searches match ``lower(column) LIKE
#: '%text%'``, which a GIN index of ``pg_trgm`` on ``lower(column)`` answers on PostgreSQL
#: without reading the whole table, and a trigram FTS5 copy on SQLite.
TRIGRAM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("lots", "code"),
    ("products", "name"),
    ("products", "code"),
    ("members", "full_name"),
    ("members", "member_number"),
    ("members", "village"),
    ("members", "phone"),
    ("members", "vessel_registration"),
    ("zones", "code"),
    ("zones", "name"),
    ("zones", "crop"),
    ("zones", "commune"),
    ("zones", "district"),
)


def trigram_index_name(table: str, column: str) -> str:
    """The name of the trigram index of ``table.column``."""
    return f"ix_{table}_{column}_trgm"


def add_trigram_indexes(table: sa.Table) -> None:
    """Give ``table`` the trigram indexes :data:`TRIGRAM_COLUMNS` lists for it (PostgreSQL
    only: SQLite has its FTS5 copy, :func:`sqlite_search_ddl`)."""
    for name, column in TRIGRAM_COLUMNS:
        if name != table.name:
            continue
        expr = sa.func.lower(table.c[column]).label(f"{column}_trgm")
        sa.Index(
            trigram_index_name(name, column),
            expr,
            postgresql_using="gin",
            postgresql_ops={f"{column}_trgm": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql")


def searched_columns() -> dict[str, list[str]]:
    """The searched columns of each table of :data:`TRIGRAM_COLUMNS`."""
    found: dict[str, list[str]] = {}
    for table, column in TRIGRAM_COLUMNS:
        found.setdefault(table, []).append(column)
    return found


def fts_table(table: str) -> str:
    """The name of SQLite's full-text (FTS5, trigram) copy of ``table``'s searched columns."""
    return f"fts_{table}"


def sqlite_search_ddl(table: str, columns: Sequence[str]) -> list[str]:
    """The statements that make and keep SQLite's trigram copy of ``table``'s searched
    columns, lower-cased as the searches compare them (row id = the row's id): the FTS5 table,
    the triggers that keep it and the statement that fills it from the rows already there."""
    fts = fts_table(table)
    names = ", ".join(columns)
    new = ", ".join(f"lower(new.{c})" for c in columns)
    old = ", ".join(f"lower({c})" for c in columns)
    # Every name here is one of ours (TRIGRAM_COLUMNS or a migration's list), never input.
    insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"  # noqa: S608
    delete = f"DELETE FROM {fts} WHERE rowid = old.id;"  # noqa: S608
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, tokenize='trigram')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {names} ON {table} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}(rowid, {names}) SELECT id, {old} FROM {table}",  # noqa: S608
    ]


def sqlite_search_drop(table: str) -> list[str]:
    """The statements that remove what :func:`sqlite_search_ddl` made."""
    fts = fts_table(table)
    return [f"DROP TRIGGER IF EXISTS {fts}_{t}" for t in ("ai", "ad", "au")] + [
        f"DROP TABLE IF EXISTS {fts}"
    ]


@event.listens_for(Base.metadata, "after_create")
def _sqlite_search_tables(_target: Any, connection: sa.Connection, **_kw: Any) -> None:
    # A schema made by create_all (tests, `traceapp init-db`) searches as a migrated one.
    if connection.dialect.name != "sqlite":
        return
    for table, columns in searched_columns().items():
        for statement in sqlite_search_drop(table) + sqlite_search_ddl(table, columns):
            connection.exec_driver_sql(statement)


@event.listens_for(Base.metadata, "before_drop")
def _sqlite_search_tables_drop(_target: Any, connection: sa.Connection, **_kw: Any) -> None:
    if connection.dialect.name != "sqlite":
        return
    for table in searched_columns():
        for statement in sqlite_search_drop(table):
            connection.exec_driver_sql(statement)


# The trigram operator classes come with the pg_trgm extension (the migration 0023 creates it
# too); the server user may create it.
event.listen(
    Base.metadata,
    "before_create",
    sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
