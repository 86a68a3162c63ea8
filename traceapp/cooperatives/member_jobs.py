"""Member imports as background jobs, with progress (as label rendering and EPCIS imports).

The upload is kept in the database as it arrives (traceapp.media.spool). Its check is a job (phase
"check"): it reads the file, keeps the rows to apply and a summary, and ends "done", waiting
for the manager's confirmation. Confirming queues the same import again (phase "apply"): it
is checked against the register once more as a whole, then applied a slice at a time, each
slice and the count of rows applied in one short write transaction, so a job resumed after
its worker died goes on where it stopped and never registers a member twice.

A small file is checked, and a small import applied, inside the request by the same code:
the page answers at once instead of refreshing.
"""

from __future__ import annotations

import logging
from typing import IO

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext as _

from traceapp import jobqueue
from traceapp.auth.models import Actor, User
from traceapp.auth.permissions import require
from traceapp.cooperatives.models import MemberImport
from traceapp.cooperatives.services import member_apply
from traceapp.cooperatives.services.member_files import import_limits
from traceapp.cooperatives.services.member_import import (
    check_member_file,
    keep_checked,
    summary_errors,
)
from traceapp.database import now_utc
from traceapp.errors import DomainError, ValidationFailed
from traceapp.extensions import db
from traceapp.media import spool as uploads

log = logging.getLogger(__name__)

#: Files up to this many bytes are checked inside the request (about 3,000 rows of CSV).
SYNC_BYTES = 256 * 1024  # TRACEAPP_MEMBER_IMPORT_SYNC_BYTES overrides it
#: Confirmed imports of up to this many rows are applied inside the request.
SYNC_ROWS = 2000  # TRACEAPP_MEMBER_IMPORT_SYNC_ROWS overrides it


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def spool(stream: IO[bytes], filename: str) -> tuple[str, int]:
    """Keep an upload in the database as it arrives (traceapp.media.spool), where a worker on
    any machine reads it; refused past the size limit (nothing kept)."""
    return uploads.spool(stream, "member-import", "file", import_limits().bytes)


def start_check(
    actor: Actor,
    cooperative_id: int,
    path: str,
    size: int,
    filename: str,
    *,
    apply_when_checked: bool = False,
) -> MemberImport:
    """Queue the check of an uploaded file (the caller commits, then calls :func:`launch`)."""
    require(actor.can_write_cooperative(cooperative_id), _("You cannot import members here."))
    job = jobqueue.new_job(
        MemberImport,
        cooperative_id=cooperative_id,
        created_by_id=getattr(actor, "id", None),
        filename=(filename or "upload")[:200],
        rows=[],
        status=jobqueue.QUEUED,
        phase="check",
        apply_when_checked=apply_when_checked,
        path=path,
        size=size,
    )
    _hold_if_small(job)
    return job


def confirm(actor: Actor, cooperative_id: int, import_id: int) -> MemberImport:
    """Queue the application of a checked import (the caller commits, then launches it)."""
    job = member_apply.confirmed_import(actor, cooperative_id, import_id)
    _to_apply(job)
    job.locale = jobqueue.requester_locale() or job.locale
    _hold_if_small(job)
    db.session.flush()
    return job


def _to_apply(job: MemberImport) -> None:
    job.phase, job.status = "apply", jobqueue.QUEUED
    job.total, job.done = len(job.rows), 0
    job.attempts, job.worker, job.heartbeat_at, job.finished_at = 0, None, None, None


def is_small(job: MemberImport) -> bool:
    """Whether the job's work fits in a request (it is then run there)."""
    if job.phase == "check":
        limit = _setting("TRACEAPP_MEMBER_IMPORT_SYNC_BYTES", SYNC_BYTES)
        return (job.size or 0) <= limit and not job.apply_when_checked
    return (job.total or 0) <= _setting("TRACEAPP_MEMBER_IMPORT_SYNC_ROWS", SYNC_ROWS)


def _hold_if_small(job: MemberImport) -> None:
    """A job its request runs is the request's from the start (see jobqueue.hold)."""
    if is_small(job):
        jobqueue.hold(job)


def launch(job: MemberImport) -> None:
    """Run a committed job now if it is small (or TRACEAPP_JOBS_INLINE, tests); otherwise it
    waits for a worker."""
    jobqueue.launch(KIND, job.id, small=is_small(job))


def forget_failed_check(job: MemberImport) -> None:
    """A check that failed inside the request was answered there: nothing is kept of it
    (commits)."""
    if job.phase == "check" and job.status == jobqueue.FAILED:
        db.session.delete(job)
        db.session.commit()


_write = jobqueue.write


def execute(app: Flask, job_id: int) -> None:
    """Run a member import's check or application (see the module), in its language."""
    with jobqueue.running(app, KIND, job_id) as job:
        if job is not None:
            _run(job)


def _run(job: MemberImport) -> None:
    def start() -> None:
        job.started_at = job.heartbeat_at = now_utc()

    _write(start)
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    if actor is None or not actor.can_write_cooperative(job.cooperative_id):
        _fail(job.id, _("You cannot import members here."))
        return
    if job.phase == "check" and not _check(actor, job):
        return
    if job.phase == "apply":
        _apply(actor, job)


def _fail(job_id: int, message: str, problems: dict[str, list[str]] | None = None) -> None:
    """End the job as failed, with the reason and the problems by field."""
    db.session.rollback()

    def fail() -> None:
        failed = db.session.get_one(MemberImport, job_id)
        failed.status, failed.error, failed.problems = jobqueue.FAILED, message[:2000], problems
        failed.finished_at, failed.worker = now_utc(), None
        uploads.discard(failed.path)
        failed.path = None

    _write(fail)


def _check(actor: Actor, job: MemberImport) -> bool:
    """Check the file and keep what it would do; True when the application follows now."""
    job_id, path = job.id, job.path
    try:
        if not path or not uploads.exists(path):
            raise ValidationFailed.field(
                "file", _("The uploaded file is no longer kept for this job: upload it again.")
            )
        preview = check_member_file(actor, job.cooperative_id, job.filename, uploads.read_all(path))
    except DomainError as exc:
        _fail(job_id, exc.message, getattr(exc, "errors", None))
        return False
    except Exception as exc:  # noqa: BLE001 - a failed job must say so on its page
        log.exception("member import %s: the check failed", job_id)
        _fail(job_id, str(exc))
        return False
    then = job.apply_when_checked and preview.ok

    def keep() -> None:
        keep_checked(job, preview)
        uploads.discard(job.path)
        job.path = None
        if then:
            _to_apply(job)
            job.status, job.worker = jobqueue.RUNNING, jobqueue.worker_name()
            job.attempts, job.heartbeat_at = 1, now_utc()
        else:
            job.finished_at = now_utc()

    _write(keep)
    if job.apply_when_checked and not preview.ok:
        summary = job.summary or {}
        _fail(
            job_id,
            _("Nothing was imported: the file has problems."),
            summary_errors(summary),
        )
    return then


def _apply(actor: Actor, job: MemberImport) -> None:
    job_id, items = job.id, list(job.rows)
    if job.done == 0:
        # Checked again as a whole before the first slice: nothing written on a problem.
        problems = member_apply.stale_rows(job.cooperative_id, items)
        if problems:
            _fail(
                job_id,
                _("Nothing was imported: some rows are no longer valid."),
                problems,
            )
            return
    applied = job.imported_count or 0  # rows applied by the runs before (resumed job)
    try:
        for first in range(job.done, len(items), member_apply.SLICE):
            jobqueue.checkpoint()
            piece = items[first : first + member_apply.SLICE]

            def keep(piece: list[dict[str, object]] = piece, first: int = first) -> None:
                nonlocal applied
                made, changed = member_apply.apply_slice(actor, job, piece, first)
                applied += made + changed
                job.done = first + len(piece)
                job.imported_count = applied
                job.heartbeat_at = now_utc()

            _write(keep)
    except Exception as exc:  # noqa: BLE001
        log.exception("member import %s: the application failed", job_id)
        db.session.rollback()
        _fail(
            job_id,
            _(
                "The import stopped after %(n)s rows (those are kept; checking the file "
                "again shows them as registered): %(error)s",
                n=db.session.get_one(MemberImport, job_id).done,
                error=exc,
            ),
        )
        return

    def finish() -> None:
        member_apply.mark_applied(job, applied)
        job.worker = None

    _write(finish)


def _given_up(job: MemberImport) -> None:
    """A job failed after losing its worker too often: its upload is let go."""
    uploads.discard(job.path)
    job.path = None


def _expire(job: MemberImport) -> None:
    """A check never confirmed: its rows are let go (see jobqueue.expire_uploads)."""
    job.error, job.rows = _("The import expired; upload the file again."), []


KIND = jobqueue.Kind(
    "member-import",
    MemberImport,
    execute,
    given_up=_given_up,
    uploads=True,
    unconfirmed=lambda: sa.and_(MemberImport.phase == "check", MemberImport.status == "done"),
    expire=_expire,
)
jobqueue.register(KIND)
