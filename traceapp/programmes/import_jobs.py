"""Sign-in sheet imports as background jobs, with progress (as the member import).

The upload is kept in the database as it arrives (traceapp.media.spool). Its check is a job
(phase "check"): it reads the sheet, checks every row and finds who in it is likely already
recorded, keeps the rows and what it found on the job, and ends "done", waiting for the
officer's choices. Confirming stores the choices on the job and queues it again (phase
"apply"): the whole sheet is tried once and rolled back (a person counted twice refuses it
with nothing written), then it is recorded a slice at a time, each slice and the count of
rows done in one short write transaction, so a job resumed after its worker died goes on
where it stopped and never counts a participant twice.

A small sheet is checked, and a small one recorded, inside the request by the same code.
"""

from __future__ import annotations

import logging
from typing import IO, Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext as _

from traceapp import jobqueue
from traceapp.auth.models import Actor, User
from traceapp.auth.permissions import require
from traceapp.database import now_utc
from traceapp.errors import DomainError, ValidationFailed
from traceapp.extensions import db
from traceapp.media import spool as uploads
from traceapp.programmes import attendance, imports
from traceapp.programmes.models import Activity, AttendanceImport

log = logging.getLogger(__name__)

#: Sheets up to this many bytes are checked inside the request (about 1,000 rows of CSV).
SYNC_BYTES = 64 * 1024  # TRACEAPP_ATTENDANCE_IMPORT_SYNC_BYTES overrides it
#: Confirmed sheets of up to this many rows are recorded inside the request.
SYNC_ROWS = 1000  # TRACEAPP_ATTENDANCE_IMPORT_SYNC_ROWS overrides it
#: The problems kept (and shown) for each field of a failed job: the first ones.
MAX_PROBLEMS = 100
#: Rows recorded per write transaction.
SLICE = 500


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def start_check(actor: Actor, activity: Activity, stream: IO[bytes], filename: str) -> Any:
    """Keep the upload and queue its check (the caller commits, then calls :func:`launch`);
    a file past the size limit is refused, nothing kept."""
    require(activity.programme.can_record(actor))
    path, size = uploads.spool(stream, "attendance-import", "file", imports.MAX_BYTES)
    job = jobqueue.new_job(
        AttendanceImport,
        activity_id=activity.id,
        created_by_id=getattr(actor, "id", None),
        filename=(filename or "upload")[:200],
        status=jobqueue.QUEUED,
        phase="check",
        path=path,
        size=size,
        done=0,
        attempts=0,
    )
    _hold_if_small(job)
    return job


def confirm(actor: Actor, job: AttendanceImport, choices: dict[int, str]) -> AttendanceImport:
    """Keep the officer's choices and queue the recording of a checked sheet (the caller
    commits, then launches it)."""
    require(db.session.get_one(Activity, job.activity_id).programme.can_record(actor))
    if job.phase != "check" or job.status != "done":
        raise ValidationFailed.field("import_id", _("The import expired; upload the file again."))
    rows = job.rows or []
    job.choices = {str(n): str(v) for n, v in choices.items() if 0 <= n < len(rows)}
    job.phase, job.status = "apply", jobqueue.QUEUED
    job.total = len(imports.sheet_rows(rows, {int(k): v for k, v in job.choices.items()}))
    job.done, job.imported_count = 0, 0
    job.attempts, job.worker, job.heartbeat_at, job.finished_at = 0, None, None, None
    job.locale = jobqueue.requester_locale() or job.locale
    _hold_if_small(job)
    db.session.flush()
    return job


def to_choose(job: AttendanceImport) -> list[dict[str, Any]] | None:
    """Once checked: the rows likely already recorded or repeating an earlier row, each with
    its index, line, name and what it may be (every other row is a new person)."""
    if job.phase != "check" or job.status != "done":
        return None
    rows, found = job.rows or [], job.found or []
    return [
        {"row": n, "full_name": rows[n].get("full_name", "")} | found[n]
        for n in range(min(len(rows), len(found)))
        if found[n]["matches"] or found[n]["repeats"] is not None
    ]


def is_small(job: AttendanceImport) -> bool:
    """Whether the job's work fits in a request (it is then run there)."""
    if job.phase == "check":
        limit = _setting("TRACEAPP_ATTENDANCE_IMPORT_SYNC_BYTES", SYNC_BYTES)
        return (job.size or 0) <= limit
    return (job.total or 0) <= _setting("TRACEAPP_ATTENDANCE_IMPORT_SYNC_ROWS", SYNC_ROWS)


def _hold_if_small(job: AttendanceImport) -> None:
    """A job its request runs is the request's from the start (see jobqueue.hold)."""
    if is_small(job):
        jobqueue.hold(job)


def launch(job: AttendanceImport) -> None:
    """Run a committed job now if it is small (or TRACEAPP_JOBS_INLINE, tests); otherwise it
    waits for a worker."""
    jobqueue.launch(KIND, job.id, small=is_small(job))


_write = jobqueue.write


def execute(app: Flask, job_id: int) -> None:
    """Run a sheet import's check or recording (see the module), in its language."""
    with jobqueue.running(app, KIND, job_id) as job:
        if job is not None:
            _run(job)


def _run(job: AttendanceImport) -> None:
    def start() -> None:
        job.started_at = job.heartbeat_at = now_utc()

    _write(start)
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    activity = db.session.get(Activity, job.activity_id)
    if actor is None or activity is None or not activity.programme.can_record(actor):
        _fail(job.id, _("Only the programme's officers may record attendance."))
        return
    try:
        if job.phase == "check":
            _check(activity, job)
        else:
            _apply(actor, activity, job)
    except DomainError as exc:
        _fail(job.id, exc.message, getattr(exc, "errors", None))
    except Exception as exc:  # noqa: BLE001 - a failed job must say so on its page
        log.exception("attendance import %s failed", job.id)
        _fail(job.id, str(exc))


def _fail(job_id: int, message: str, problems: dict[str, list[str]] | None = None) -> None:
    """End the job as failed, with the reason and the problems by field."""
    db.session.rollback()

    def fail() -> None:
        failed = db.session.get_one(AttendanceImport, job_id)
        kept = {k: v[:MAX_PROBLEMS] for k, v in (problems or {}).items()} or None
        failed.status, failed.error, failed.problems = jobqueue.FAILED, message[:2000], kept
        failed.finished_at, failed.worker = now_utc(), None
        uploads.discard(failed.path)
        failed.path = None

    _write(fail)


def _check(activity: Activity, job: AttendanceImport) -> None:
    """Read and check the sheet; keep its rows and who they likely are."""
    if not job.path or not uploads.exists(job.path):
        raise ValidationFailed.field(
            "file", _("The uploaded file is no longer kept for this job: upload it again.")
        )
    table = imports.read_table(job.filename, uploads.read_all(job.path))
    rows = imports.check(imports.rows_of(table))
    found = [
        {"line": p["line"], "matches": p["matches"], "repeats": p["repeats"]}
        for p in imports.preview(activity, rows)
    ]

    def keep() -> None:
        job.rows = [{k: getattr(v, "value", v) for k, v in r.items()} for r in rows]
        job.found, job.total, job.done = found, len(rows), len(rows)
        job.status, job.finished_at, job.worker = "done", now_utc(), None
        uploads.discard(job.path)
        job.path = None

    _write(keep)


def _apply(actor: Actor, activity: Activity, job: AttendanceImport) -> None:
    """Record the chosen rows a slice at a time (a resumed job goes on after its last one)."""
    choices = {int(k): str(v) for k, v in (job.choices or {}).items()}
    items = imports.sheet_rows(list(job.rows or []), choices)
    limit = imports.MAX_ROWS
    if job.done == 0:
        # Tried as a whole first, then rolled back: nothing written on a problem.
        db.session.commit()
        try:
            attendance.record_attendance(actor, activity, items, limit=limit)
        finally:
            db.session.rollback()
    for first in range(job.done, len(items), SLICE):
        jobqueue.checkpoint()
        piece = items[first : first + SLICE]

        def keep(piece: list[dict[str, Any]] = piece, first: int = first) -> None:
            added = attendance.record_attendance(actor, activity, piece, limit=limit)
            job.done = first + len(piece)
            job.imported_count = (job.imported_count or 0) + len(added)
            job.heartbeat_at = now_utc()

        _write(keep)

    def finish() -> None:
        job.status, job.finished_at, job.worker = "done", now_utc(), None

    _write(finish)


def _given_up(job: AttendanceImport) -> None:
    """A job failed after losing its worker too often: its upload is let go."""
    uploads.discard(job.path)
    job.path = None


def _expire(job: AttendanceImport) -> None:
    """A check never confirmed: its rows are let go (see jobqueue.expire_uploads)."""
    job.error = _("The import expired; upload the file again.")
    job.rows, job.found, job.choices = None, None, None


KIND = jobqueue.Kind(
    "attendance-import",
    AttendanceImport,
    execute,
    given_up=_given_up,
    uploads=True,
    unconfirmed=lambda: sa.and_(
        AttendanceImport.phase == "check", AttendanceImport.status == "done"
    ),
    expire=_expire,
)
jobqueue.register(KIND)
