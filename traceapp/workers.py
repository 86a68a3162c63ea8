"""The job worker (``traceapp worker``): claims queued jobs of every kind and runs them, one
at a time, until stopped; and the local worker the embedded (SQLite) setup runs for itself.

See :mod:`traceapp.jobqueue` for the queue. Run as many workers as wanted, on any machine
that reaches the database: the jobs, their uploads (traceapp.media.spool) and their finished
files are all kept there.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from typing import Any

from flask import Flask

from traceapp import jobqueue, maintenance
from traceapp.extensions import db
from traceapp.job_kinds import kinds

log = logging.getLogger(__name__)


def run_one(app: Flask, worker: str, stopping: threading.Event) -> bool:
    """Recover stalled jobs, then claim and run one queued job; False when none waits."""
    for kind in kinds():
        with app.app_context():
            try:
                for failed in jobqueue.recover(app, kind):
                    log.warning("%s job %s lost its worker too often: failed", kind.name, failed)
                job_id = jobqueue.claim(kind, worker)
            finally:
                db.session.remove()
        if job_id is None:
            continue
        log.info("%s job %s: started by %s", kind.name, job_id, worker)
        with jobqueue.holding(app, kind, job_id, worker, stopping) as held:
            try:
                kind.run(app, job_id)
            except jobqueue.Released:
                if held.lost.is_set():
                    log.warning("%s job %s was taken over by another worker", kind.name, job_id)
                else:
                    with app.app_context():
                        try:
                            jobqueue.release(kind, job_id, worker)
                        finally:
                            db.session.remove()
                    log.info("%s job %s: put back in the queue", kind.name, job_id)
                return True
        log.info("%s job %s: ended", kind.name, job_id)
        return True
    return False


def work(
    app: Flask,
    *,
    once: bool = False,
    stopping: threading.Event | None = None,
    poll: float | None = None,
    parent: int | None = None,
) -> int:
    """Run jobs until ``stopping`` is set (or, with ``once``, until none waits); returns
    how many jobs were taken. ``parent``: stop when that process is gone."""
    stopping = stopping or threading.Event()
    poll = float(app.config.get("TRACEAPP_WORKER_POLL_SECONDS", 1.0)) if poll is None else poll
    worker = jobqueue.worker_name()
    taken = 0
    while not stopping.is_set():
        try:
            maintenance.tick(app)
        except Exception:  # noqa: BLE001 - upkeep fails alone; the jobs still run
            log.exception("the worker's upkeep failed")
        try:
            ran = run_one(app, worker, stopping)
        except Exception:  # noqa: BLE001 - a worker outlives a database hiccup
            log.exception("the job worker could not reach the queue")
            ran = False
        taken += ran
        if once and not ran:
            break
        if parent is not None and os.getppid() != parent:
            break
        if not ran:
            stopping.wait(poll)
    return taken


def inline_worker_wanted(app: Flask) -> bool:
    """TRACEAPP_JOBS_INLINE_WORKER: on by default for SQLite (the embedded setup runs its
    jobs without a worker being started), off for PostgreSQL (run ``traceapp worker``)."""
    if app.config.get("TRACEAPP_JOBS_INLINE"):
        return False  # tests run each job inside its request
    setting = app.config.get("TRACEAPP_JOBS_INLINE_WORKER")
    if setting is not None:
        return bool(setting)
    return str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite")


_started = threading.Lock()
_thread: list[threading.Thread] = []


def start_inline_thread(app: Flask) -> None:
    """Start this process's local worker thread once (the development server's)."""
    if _thread or not _started.acquire(blocking=False):
        return
    try:
        if not _thread:
            thread = threading.Thread(target=work, args=(app,), daemon=True, name="job-worker")
            thread.start()
            _thread.append(thread)
    finally:
        _started.release()


def install(app: Flask) -> None:
    """With the inline worker on, the first request a process serves starts its worker
    thread (``traceapp run``); ``traceapp serve`` starts a worker process instead."""
    if not inline_worker_wanted(app):
        return

    def start() -> None:
        start_inline_thread(app)

    app.before_request(start)


def spawn_process() -> subprocess.Popen[Any]:
    """A ``traceapp worker`` process beside this one (``traceapp serve``'s local worker);
    it stops by itself when this process is gone."""
    code = "from traceapp.cli import main; main()"
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-c", code, "worker", "--parent", str(os.getpid())]
    )
