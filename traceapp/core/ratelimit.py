"""Rate-limit counters in the app's own database, shared by every worker and app server.

``database://`` is a storage of the limits library (which Flask-Limiter is built on): fixed
windows kept as rows of ``rate_limit_counters``, each counted with one atomic upsert, so
the login limit of 10 a minute admits 10 in all however many gunicorn workers there are.
The same rows keep runs of failures (:func:`strike`) for the login's growing delay.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import sqlalchemy as sa
from flask import current_app
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.database import Base, sqlite_begin_mode
from traceapp.extensions import db

#: Expired counters are deleted at most this often by each process.
CLEANUP_SECONDS = 60.0


class RateLimitCounter(Base):
    """One fixed window of one rate-limit key: how many hits, and when the window ends."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer)
    # Seconds since the epoch, as the limits library's own storages keep expiries.
    expires_at: Mapped[float] = mapped_column(sa.Float, index=True)


def now() -> float:
    """Seconds since the epoch: the clock of every counter (tests move it)."""
    return time.time()


def address_hash(address: str | None) -> str:
    """A keyed hash of a client address (16 hex digits), so no address is stored."""
    key = ("rate-limit:" + current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, (address or "").encode(), hashlib.sha256).hexdigest()[:16]


def hit(conn: sa.Connection, key: str, expiry: float, amount: int = 1) -> tuple[int, float]:
    """Count ``amount`` hits on ``key`` in a window of ``expiry`` seconds, atomically; the
    count in the window and its end. A window that has ended starts again from this hit."""
    at = now()
    table = RateLimitCounter.__table__
    insert: Any = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)
    stmt = insert.values(key=key[:255], count=amount, expires_at=at + expiry)
    ended = table.c.expires_at <= at
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": sa.case((ended, amount), else_=table.c.count + amount),
            "expires_at": sa.case((ended, at + expiry), else_=table.c.expires_at),
        },
    ).returning(table.c.count, table.c.expires_at)
    count, expires_at = conn.execute(stmt).one()
    return int(count), float(expires_at)


def strike(conn: sa.Connection, key: str, memory_s: float) -> int:
    """Add one to a run of events on ``key``, atomically; the run's length. The run is
    forgotten ``memory_s`` seconds after its last event (each event pushes that back)."""
    at = now()
    table = RateLimitCounter.__table__
    insert: Any = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)
    stmt = insert.values(key=key[:255], count=1, expires_at=at + memory_s)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": sa.case((table.c.expires_at <= at, 1), else_=table.c.count + 1),
            "expires_at": at + memory_s,
        },
    ).returning(table.c.count)
    return int(conn.execute(stmt).scalar_one())


def forget(conn: sa.Connection, key: str) -> None:
    """Forget a key's counter or run."""
    conn.execute(sa.delete(RateLimitCounter).where(RateLimitCounter.key == key[:255]))


def peek(conn: sa.Connection, key: str) -> tuple[int, float]:
    """The count of ``key`` in its current window and the window's end (0 when none)."""
    table = RateLimitCounter.__table__
    row = conn.execute(
        sa.select(table.c.count, table.c.expires_at).where(
            table.c.key == key[:255], table.c.expires_at > now()
        )
    ).one_or_none()
    return (int(row[0]), float(row[1])) if row else (0, now())


def delete_expired(conn: sa.Connection) -> int:
    """Delete counters whose window has ended; how many went."""
    result = conn.execute(sa.delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now()))
    return int(result.rowcount or 0)


class DatabaseStorage(Storage):
    """``database://``: the counters in the app's database, on a connection of their own that
    commits at once, so a hit counts whatever becomes of the request's unit of work.

    Flask-Limiter checks its limits in a ``before_request`` hook registered before any other,
    so on SQLite the request has not yet taken the write lock this connection needs.
    """

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._cleaned = 0.0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sa.exc.SQLAlchemyError

    def _run(self, work: Any, *, writes: bool = True) -> Any:
        # Tests bind the counters to their own rolled-back connection (tests/conftest.py).
        bind = current_app.extensions.get("traceapp_ratelimit_bind")
        if bind is not None:
            with bind.begin_nested():
                return work(bind)
        # Every hit writes: on SQLite take the write lock at BEGIN, even in a read request.
        # A read (the X-RateLimit headers, added after the view) begins DEFERRED: the
        # request's own session may still hold the write lock then (a request refused before
        # its view ran), and waiting for it from a second connection would wait forever.
        mode = "IMMEDIATE" if writes else "DEFERRED"
        with sqlite_begin_mode(mode), db.engine.begin() as conn:
            return work(conn)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Count hits on a key; its window starts with the first hit."""
        at = now()
        if at - self._cleaned > CLEANUP_SECONDS:
            self._cleaned = at
            self._run(delete_expired)
        return int(self._run(lambda conn: hit(conn, key, expiry, amount)[0]))

    def get(self, key: str) -> int:
        """The count of a key in its current window."""
        return int(self._run(lambda conn: peek(conn, key)[0], writes=False))

    def get_expiry(self, key: str) -> float:
        """When the key's current window ends (seconds since the epoch)."""
        return float(self._run(lambda conn: peek(conn, key)[1], writes=False))

    def check(self) -> bool:
        """True while the database answers."""
        try:
            self._run(lambda conn: conn.execute(sa.select(1)), writes=False)
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter."""
        return int(self._run(lambda conn: conn.execute(sa.delete(RateLimitCounter)).rowcount))

    def clear(self, key: str) -> None:
        """Forget one key's counter."""
        self._run(lambda conn: forget(conn, key))
