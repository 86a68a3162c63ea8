"""The unit of work: a request, a command or a job runs as one transaction, committed once at
its end, rolled back on error, and run again when the database reports a serialization
failure, a deadlock or a lock held too long. Services only flush; this is the one place that
commits and retries, for the web views (traceapp.web) and the commands alike."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

T = TypeVar("T")

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

    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection came free in time
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
    session: Any,
    fn: Callable[[], T],
    attempts: int = 4,
    on_retry: Callable[[], None] | None = None,
    keep: Callable[[T], bool] | None = None,
) -> T:
    """Call ``fn`` and commit; on a serialization failure, deadlock or lock, roll back and retry.

    ``fn`` must only change the database, so that running it again is safe. ``keep`` decides
    from the result whether to commit (true, the default) or roll back (a refused request
    leaves nothing half-written).
    """
    for attempt in range(1, attempts + 1):
        try:
            result = fn()
            if keep is None or keep(result):
                session.commit()
            else:
                session.rollback()
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
