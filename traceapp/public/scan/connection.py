"""The scan's database connection: plain driver calls, outside the ORM session.

On the page shoppers hit, the session's bookkeeping cost more than the database did. Each
thread keeps one long-lived driver connection of its own (not checked out of the pool per
request); inside a test's transaction, the session's own connection is borrowed instead, so
the test's rollback still undoes everything.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from functools import lru_cache
from types import TracebackType
from typing import Any

from traceapp.extensions import db

log = logging.getLogger(__name__)


class _ThreadConnection(threading.local):
    """This thread's own driver connection for scans, in autocommit mode: no pool check-out,
    no liveness ping, no BEGIN/ROLLBACK round trips."""

    pid: int | None = None
    engine_id: int | None = None
    fairy: Any = None
    cursor: Any = None  # kept open with its connection: making one per query cost time
    prepared: Any = None  # PostgreSQL: the lookups run straight on libpq (PreparedLookups)


_thread = _ThreadConnection()


def _thread_connection(engine: Any) -> Any:
    if _thread.fairy is None or _thread.pid != os.getpid() or _thread.engine_id != id(engine):
        fairy = engine.raw_connection()
        raw = fairy.driver_connection
        pg = engine.dialect.name == "postgresql"
        if pg:
            raw.autocommit = True  # every statement its own transaction unless BEGIN says so
        _thread.fairy, _thread.pid, _thread.engine_id = fairy, os.getpid(), id(engine)
        _thread.cursor = _raw_cursor(raw) if pg else raw.cursor()
        _thread.prepared = _prepared_lookups(fairy) if pg else None
    return _thread.fairy.driver_connection


def _prepared_lookups(fairy: Any) -> PreparedLookups:
    """The driver connection's prepared lookups, kept with the connection itself (its pool
    record's ``info``): a thread that ends hands its connection back to the pool with the
    statements still prepared on the server, and the next thread to take it must not prepare
    them again under the same names."""
    prepared = fairy.info.get("traceapp_scan_lookups")
    if prepared is None:
        prepared = fairy.info["traceapp_scan_lookups"] = PreparedLookups(fairy.driver_connection)
    return prepared


def release_connection() -> None:
    """Close this thread's scan connection (before an engine is disposed: tests, tools)."""
    fairy, _thread.fairy = _thread.fairy, None
    _thread.cursor = _thread.prepared = None
    if fairy is not None:
        try:
            fairy.invalidate()
        except Exception:  # noqa: BLE001 - it is broken already; a new one comes next
            log.warning("could not invalidate the scan connection", exc_info=True)


class PreparedLookups:
    """The scan's reads on PostgreSQL, one libpq call each: the statement is prepared once per
    connection, then every lookup is a single ``PQexecPrepared`` (which lets go of the GIL
    while it waits) with the row decoded from binary by psycopg's own loaders.

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
                self.pgconn.prepare(name, pg_sql(sql).encode(), None), pq.ExecStatus.COMMAND_OK
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


@lru_cache(maxsize=64)
def pg_sql(sql: str) -> str:
    """A statement with PostgreSQL's own numbered placeholders instead of SQLite's ``?``
    (the scan path's constants have no ``?`` anywhere else)."""
    parts = sql.split("?")
    return "".join(f"{part}${n}" if n < len(parts) else part for n, part in enumerate(parts, 1))


def session_borrowed() -> bool:
    """Whether sessions are bound to one outside connection (a test's transaction). Read from
    the session factory's settings: making a session to ask would cost time on every scan."""
    return db.session.session_factory.kw.get("bind") is not None


def db_time(value: dt.datetime, dialect: str | None = None) -> Any:
    """A time as the scan path's statements pass it: SQLite keeps naive UTC text, as the ORM's
    UTCDateTime writes it; PostgreSQL takes the aware datetime."""
    if (dialect or db.engine.dialect.name) == "sqlite":
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


class ScanConnection:
    """The scan's connection, used as ``with ScanConnection() as conn:``. The reads run in
    autocommit; writes (when not batched) in one short explicit transaction; leaving the block
    undoes a write left open. ``owned`` is False inside a test's transaction, where the
    session's connection is borrowed and nothing is committed here.
    """

    def __init__(self) -> None:
        self.in_write = False
        self.raw: Any  # the driver's own connection (sqlite3 or psycopg)
        if session_borrowed():
            connection = db.session.connection()
            self.raw = connection.connection.driver_connection
            self.owned = False
            self.pg = connection.dialect.name == "postgresql"
        else:
            engine = db.engine
            self.raw = _thread_connection(engine)
            self.owned = True
            self.pg = engine.dialect.name == "postgresql"
        self.dialect = "postgresql" if self.pg else "sqlite"

    def __enter__(self) -> ScanConnection:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self, sql: str, params: tuple[Any, ...], fetch: bool) -> Any:
        if fetch and self.owned and self.pg:
            return _thread.prepared.one(sql, params)
        if self.owned:
            cursor = _thread.cursor
        else:
            cursor = _raw_cursor(self.raw) if self.pg else self.raw.cursor()
        try:
            if self.pg:
                # The lookups are prepared at once (they run on every scan) and read in
                # binary: no timestamp text to parse.
                if fetch:
                    cursor.execute(pg_sql(sql), params, prepare=True, binary=True)
                else:
                    cursor.execute(pg_sql(sql), params)
            else:
                cursor.execute(sql, params)
            return cursor.fetchone() if fetch else None
        finally:
            if not self.owned:
                cursor.close()

    def one(self, sql: str, params: tuple[Any, ...]) -> Any:
        """One row of a query."""
        try:
            return self._run(sql, params, True)
        except Exception:
            if self.owned:
                release_connection()  # a dropped connection is replaced on the next request
            raise

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Run a statement."""
        try:
            self._run(sql, params, False)
        except Exception:
            if self.owned:
                release_connection()
            raise

    def begin_write(self) -> None:
        """Start the write transaction (SQLite takes its lock here, for a moment)."""
        if not self.owned:
            return
        self.execute("BEGIN" if self.pg else "BEGIN IMMEDIATE")
        self.in_write = True
        if self.pg:
            # A scan log may lose its last rows in a crash; it must never make a shopper wait
            # for the disk. Only this transaction is affected.
            self.execute("SET LOCAL synchronous_commit TO OFF")

    def commit(self) -> None:
        """Commit the writes (a test's transaction commits nothing here)."""
        if self.owned and self.in_write:
            self.execute("COMMIT")
            self.in_write = False

    def close(self) -> None:
        """Leave the connection clean for the next request (a write left open is undone)."""
        if self.owned and self.in_write:
            self.in_write = False
            try:
                self.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - the connection was dropped and will be replaced
                log.warning("rollback of an unfinished scan write failed", exc_info=True)
