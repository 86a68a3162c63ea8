"""The job queue: background jobs wait in their own tables (render_jobs, epcis_import_jobs)
and worker processes (``traceapp worker``) claim them, so that several app servers share one
queue through the database, with no other service.

A claim is one UPDATE of a queued row to running, with the worker's name and a fresh
heartbeat; on PostgreSQL the candidate is picked with ``FOR UPDATE SKIP LOCKED`` (workers do
not wait on one another), on SQLite the UPDATE ``... WHERE status = 'queued'`` is itself the
claim (SQLite has one writer at a time). While a job runs its worker renews the heartbeat; a
running job whose heartbeat is older than the stall time lost its worker (killed, machine
restarted) and is queued again, to be resumed, or failed with a message on its page once it
has been tried :data:`MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from traceapp.database import now_utc, sqlite_begin_mode
from traceapp.extensions import db

log = logging.getLogger(__name__)

#: A job found without its worker this many times is failed, not queued again.
MAX_ATTEMPTS = 3
QUEUED, RUNNING, FAILED = "queued", "running", "failed"


@dataclass(frozen=True)
class Kind:
    """A kind of job: its table (a model with status, heartbeat_at, attempts, worker, error,
    locale and finished_at columns) and what runs one claimed job."""

    name: str
    model: Any
    run: Callable[[Flask, int], None]
    #: Called when a job is given up (e.g. to remove its uploaded file).
    given_up: Callable[[Any], None] | None = None
    #: An import: its jobs keep an upload (traceapp.media.spool, in ``path``) while they wait,
    #: let go by :func:`expire_uploads` once older than TRACEAPP_UPLOAD_RETENTION_HOURS.
    uploads: bool = False
    #: The SQL condition of a job checked and waiting to be confirmed (None: none waits) ...
    unconfirmed: Callable[[], Any] | None = None
    #: ... and what marks such a job when it expires (its page then says so).
    expire: Callable[[Any], None] | None = None


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Make a kind of job known to the workers."""
    KINDS[kind.name] = kind


class Released(BaseException):  # noqa: N818 - not an error: the job goes back to the queue
    """Raised at a job's checkpoint when its worker is stopping or lost the job; the job's
    own error handling (``except Exception``) lets it through untouched."""


@dataclass
class _Holding:
    name: str
    stopping: threading.Event
    lost: threading.Event


_holding: contextvars.ContextVar[_Holding | None] = contextvars.ContextVar("job", default=None)


def checkpoint() -> None:
    """Called by jobs between steps: raise :class:`Released` when the worker stops or has
    lost the job to another (outside a worker, nothing happens)."""
    holding = _holding.get()
    if holding is not None and (holding.stopping.is_set() or holding.lost.is_set()):
        raise Released()


def worker_name() -> str:
    """This process's name in the jobs it holds: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def stall_after(app: Flask | None = None) -> dt.timedelta:
    """A running job whose heartbeat is older than this has lost its worker."""
    config = (app or current_app).config
    return dt.timedelta(seconds=float(config.get("TRACEAPP_JOBS_STALL_SECONDS", 120)))


def heartbeat_every(app: Flask) -> float:
    """How often a worker renews the heartbeat of the job it runs."""
    return max(stall_after(app).total_seconds() / 4, 0.05)


def is_stalled(job: Any) -> bool:
    """A running job that stopped reporting: its worker died and no worker took it back yet."""
    if job.status != RUNNING or job.heartbeat_at is None:
        return False
    return now_utc() - _aware(job.heartbeat_at) > stall_after()


def is_waiting(job: Any) -> bool:
    """A queued job that no worker has taken for longer than the stall time: most likely no
    worker runs (with PostgreSQL, `traceapp worker` must be started)."""
    if job.status != QUEUED or job.created_at is None:
        return False
    return now_utc() - _aware(job.created_at) > stall_after()


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _on_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def requester_locale() -> str | None:
    """The language of the request asking for a job (None outside a request): the job
    speaks it on its page and in its messages."""
    locale = get_locale() if has_request_context() else None
    return str(locale) if locale is not None else None


def new_job(model: Any, **fields: Any) -> Any:
    """A job row of ``model``, queued, in the requester's language, flushed (the caller
    commits, then calls :func:`launch`)."""
    job = model(locale=requester_locale(), **fields)
    db.session.add(job)
    db.session.flush()
    return job


def hold(job: Any) -> None:
    """Take a job for this process before the request commits it, when the request is to run
    it itself (a small one): a worker polling the queue in between would otherwise take it
    first, and the page would show the job's progress instead of its result. Should the
    request die before running it, its heartbeat grows old and a worker resumes it, as any
    stalled job."""
    job.status, job.worker, job.heartbeat_at = RUNNING, worker_name(), now_utc()
    job.attempts = (job.attempts or 0) + 1


def current_app_object() -> Flask:
    """The real app object behind the proxy (a job runs with it outside the request)."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


def launch(kind: Kind, job_id: int, *, small: bool = False) -> None:
    """Run a committed job now when it is small enough for the request (or with
    TRACEAPP_JOBS_INLINE, tests); otherwise it waits for a worker."""
    app = current_app_object()
    # End the request's transaction (a write one on SQLite) so the job can take its own.
    db.session.commit()
    if app.config.get("TRACEAPP_JOBS_INLINE") or small:
        kind.run(app, job_id)


def claim(kind: Kind, worker: str, job_id: int | None = None) -> int | None:
    """Take the oldest queued job of a kind (or the given one) for ``worker``; commit."""
    model = kind.model
    db.session.commit()  # end any read transaction: the claim writes in one of its own
    with sqlite_begin_mode("IMMEDIATE"):
        pick = sa.select(model.id).where(model.status == QUEUED).order_by(model.id).limit(1)
        if job_id is not None:
            pick = pick.where(model.id == job_id)
        if _on_postgres():
            pick = pick.with_for_update(skip_locked=True)
        found = db.session.execute(pick).scalar()
        if found is None:
            db.session.rollback()
            return None
        taken = db.session.execute(
            sa.update(model)
            .where(model.id == found, model.status == QUEUED)
            .values(
                status=RUNNING,
                worker=worker,
                attempts=model.attempts + 1,
                heartbeat_at=now_utc(),
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return found if getattr(taken, "rowcount", 0) == 1 else None


def beat(app: Flask, kind: Kind, job_id: int, worker: str) -> bool:
    """Renew a held job's heartbeat in a transaction of its own; False if the job is no
    longer this worker's (it was given to another after a stall)."""
    model = kind.model
    with app.app_context(), sqlite_begin_mode("IMMEDIATE"), db.engine.begin() as conn:
        changed = conn.execute(
            sa.update(model)
            .where(model.id == job_id, model.worker == worker, model.status == RUNNING)
            .values(heartbeat_at=now_utc())
        )
        return changed.rowcount == 1


def release(kind: Kind, job_id: int, worker: str) -> None:
    """Put a job this worker holds back in the queue (the worker is stopping); commit."""
    model = kind.model
    db.session.rollback()
    with sqlite_begin_mode("IMMEDIATE"):
        db.session.execute(
            sa.update(model)
            .where(model.id == job_id, model.worker == worker, model.status == RUNNING)
            .values(status=QUEUED, worker=None, heartbeat_at=None, attempts=model.attempts - 1)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


def recover(app: Flask, kind: Kind) -> list[int]:
    """Queue again the running jobs of a kind whose worker stopped beating (resumed by the
    next worker), or fail them when tried too often; commit. Returns the jobs failed."""
    model = kind.model
    cutoff = now_utc() - stall_after(app)
    with sqlite_begin_mode("IMMEDIATE"):
        stale = db.session.execute(
            sa.select(model).where(model.status == RUNNING, model.heartbeat_at < cutoff)
        ).scalars()
        failed = []
        for job in stale:
            if job.attempts < MAX_ATTEMPTS:
                job.status, job.worker, job.heartbeat_at = QUEUED, None, None
                continue
            locale = job.locale if job.locale in app.config["TRACEAPP_LANGUAGES"] else None
            with force_locale(locale or app.config["BABEL_DEFAULT_LOCALE"]):
                job.error = _(
                    "The worker running this job stopped %(n)s times before it could finish "
                    "(it was restarted or ran out of memory); the job was given up.",
                    n=job.attempts,
                )
            job.status, job.worker, job.finished_at = FAILED, None, now_utc()
            if kind.given_up is not None:
                kind.given_up(job)
            failed.append(job.id)
        db.session.commit()
    return failed


@contextmanager
def holding(
    app: Flask, kind: Kind, job_id: int, worker: str, stopping: threading.Event
) -> Iterator[_Holding]:
    """While a job runs: beat its heartbeat from a thread, and let its checkpoints see the
    worker stopping or the job lost."""
    held = _Holding(worker, stopping, threading.Event())
    done = threading.Event()
    every = heartbeat_every(app)

    def beating() -> None:
        while not done.wait(every):
            try:
                if not beat(app, kind, job_id, worker):
                    held.lost.set()
                    return
            except Exception:  # noqa: BLE001 - a missed beat is retried at the next one
                log.warning("%s job %s: heartbeat missed", kind.name, job_id, exc_info=True)

    beater = threading.Thread(target=beating, daemon=True, name=f"{kind.name}-{job_id}-beat")
    beater.start()
    token = _holding.set(held)
    try:
        yield held
    finally:
        _holding.reset(token)
        done.set()
        beater.join(5)


def retention(app: Flask | None = None) -> dt.timedelta:
    """How long an import's upload (or its checked rows) is kept for a job that no longer
    runs or waits for a worker: TRACEAPP_UPLOAD_RETENTION_HOURS."""
    config = (app or current_app).config
    return dt.timedelta(hours=float(config.get("TRACEAPP_UPLOAD_RETENTION_HOURS", 72)))


def expire_uploads(app: Flask, now: dt.datetime | None = None) -> int:
    """Let go of the uploads of the import jobs that ended (failed, done, or checked and never
    confirmed) longer than :func:`retention` ago; a job still waiting for its confirmation
    is marked expired. Queued and running jobs keep theirs. Commits; returns the jobs changed."""
    from traceapp.media import spool

    cutoff = (now or now_utc()) - retention(app)
    changed = 0
    for kind in KINDS.values():
        if not kind.uploads:
            continue
        model = kind.model
        kept = model.path.is_not(None)
        if kind.unconfirmed is not None:
            kept = sa.or_(kept, kind.unconfirmed())
        with sqlite_begin_mode("IMMEDIATE"):
            stale = db.session.scalars(
                sa.select(model)
                .where(
                    model.status.not_in([QUEUED, RUNNING]),
                    sa.func.coalesce(model.finished_at, model.created_at) < cutoff,
                    kept,
                )
                .order_by(model.id)
                .with_for_update(skip_locked=True)
            ).all()
            waiting = set()
            if kind.unconfirmed is not None and stale:
                waiting = set(
                    db.session.scalars(
                        sa.select(model.id).where(
                            model.id.in_([j.id for j in stale]), kind.unconfirmed()
                        )
                    )
                )
            for job in stale:
                spool.discard(job.path)
                job.path = None
                if job.id in waiting and kind.expire is not None:
                    locale = job.locale if job.locale in app.config["TRACEAPP_LANGUAGES"] else None
                    with force_locale(locale or app.config["BABEL_DEFAULT_LOCALE"]):
                        kind.expire(job)
                    job.status, job.worker = FAILED, None
            db.session.commit()
        changed += len(stale)
    return changed


def write(change: Callable[[], None]) -> None:
    """End the job's read transaction, then make ``change`` in a short write transaction of
    its own (IMMEDIATE on SQLite, so it waits its turn instead of failing to upgrade)."""
    db.session.commit()
    with sqlite_begin_mode("IMMEDIATE"):
        change()
        db.session.commit()


@contextmanager
def running(app: Flask, kind: Kind, job_id: int) -> Iterator[Any | None]:
    """The job ready to run, in the app's context and its requester's language: claimed here
    when it is called by itself (a worker claims before it calls); None when there is nothing
    to run (taken by another worker, finished, gone). The session is removed afterwards."""
    with app.app_context(), sqlite_begin_mode("DEFERRED"):
        job = db.session.get(kind.model, job_id)
        if job is not None and job.status == QUEUED:
            if claim(kind, worker_name(), job_id) is None:
                job = None
            else:
                db.session.refresh(job)
        if job is None or job.status != RUNNING:
            db.session.remove()
            yield None
            return
        locale = job.locale if job.locale in app.config["TRACEAPP_LANGUAGES"] else None
        with force_locale(locale or app.config["BABEL_DEFAULT_LOCALE"]):
            try:
                yield job
            finally:
                db.session.remove()
