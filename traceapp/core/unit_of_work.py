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
