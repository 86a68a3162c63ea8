"""Zone imports in the background (as EPCIS imports run, :mod:`traceapp.batches.epcis_jobs`).

The upload is kept in the database as it arrives (traceapp.media.spool). A worker first checks
every row (stage ``check``: nothing is written but the job's progress, its problems and
its preview) and leaves the job ``checked``; once the user confirms, the job is queued again
(stage ``apply``) and a worker imports the rows in slices, each slice in a short write
transaction that also records how far it got. A job resumed after its worker died goes on
after the last slice it kept, and zones are found by code, so none is registered twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from typing import IO, Any

from flask import Flask, current_app
from flask_babel import gettext as _

from traceapp import jobqueue
from traceapp.auth.models import Actor, User
from traceapp.auth.permissions import require
from traceapp.database import now_utc
from traceapp.errors import Conflict, DomainError, ValidationFailed
from traceapp.extensions import db
from traceapp.media import spool as uploads
from traceapp.zones import import_files
from traceapp.zones.models import ZoneImportJob
from traceapp.zones.services import importing

log = logging.getLogger(__name__)

#: Rows checked per progress report, and rows imported per write transaction.
CHECK_SLICE = 500
APPLY_SLICE = 200


def size_limit() -> int:
    """The largest file accepted (the request size limit)."""
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 16 * 1024 * 1024)


def spool(stream: IO[bytes], field: str) -> tuple[str, int]:
    """Keep an upload in the database as it arrives (traceapp.media.spool), so a worker on
    any machine reads it; refused past the limit or when empty."""
    ref, size = uploads.spool(stream, "zone-import", field, size_limit())
    if size == 0:
        uploads.discard(ref)
        raise ValidationFailed.field(field, _("The file is empty."))
    return ref, size


def start_job(
    actor: Actor, cooperative_id: int | None, path: str, size: int, filename: str
) -> ZoneImportJob:
    """Queue the check of an uploaded file (the caller commits, then calls launch)."""
    require(
        cooperative_id is not None
        and actor.can_write_cooperative(cooperative_id)
        and not actor.is_auditor,
        _("Zone codes are registered by the cooperative's managers and staff."),
    )
    return jobqueue.new_job(
        ZoneImportJob,
        cooperative_id=cooperative_id,
        filename=(filename or "zones.geojson")[:200],
        path=path,
        size=size,
        requested_by_id=getattr(actor, "id", None),
    )


def confirm(actor: Actor, job: ZoneImportJob) -> None:
    """Queue the import of a checked file without problems (409 otherwise)."""
    require(
        actor.can_write_cooperative(job.cooperative_id) and not actor.is_auditor,
        _("Zone codes are registered by the cooperative's managers and staff."),
    )
    if job.status != "checked" or job.problems or not job.path:
        raise Conflict(_("Only a checked file without problems can be imported."))
    job.status, job.stage, job.done = jobqueue.QUEUED, "apply", 0
    job.confirmed_at, job.finished_at, job.result = now_utc(), None, None
    db.session.flush()


def launch(job_id: int) -> None:
    """A committed job waits for a worker; with TRACEAPP_JOBS_INLINE (tests) it runs now."""
    jobqueue.launch(KIND, job_id)


def is_waiting(job: ZoneImportJob) -> bool:
    """Queued, and no worker has taken it for longer than the stall time."""
    if job.status != jobqueue.QUEUED:
        return False
    since = job.confirmed_at or job.created_at
    since = since if since.tzinfo else since.replace(tzinfo=dt.UTC)
    return now_utc() - since > jobqueue.stall_after()


_write = jobqueue.write


def execute(app: Flask, job_id: int) -> None:
    """Run the job's stage (see the module), in the requester's language."""
    with jobqueue.running(app, KIND, job_id) as job:
        if job is not None:
            _execute(job)


def _fail(job_id: int, message: str) -> None:
    db.session.rollback()

    def fail() -> None:
        failed = db.session.get_one(ZoneImportJob, job_id)
        failed.status, failed.error = "failed", message[:2000]
        if failed.path:
            uploads.discard(failed.path)
        failed.path, failed.finished_at = None, now_utc()

    _write(fail)


def _read(job: ZoneImportJob) -> import_files.ReadFile:
    if not job.path or not uploads.exists(job.path):
        raise import_files.FileProblem(
            _("The uploaded file is no longer kept for this job: upload it again.")
        )
    return import_files.read_rows(job.filename, uploads.read_all(job.path))


def _execute(job: ZoneImportJob) -> None:
    job_id = job.id

    def start() -> None:
        job.started_at = job.heartbeat_at = now_utc()

    _write(start)
    actor = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    try:
        if actor is None or not actor.can_write_cooperative(job.cooperative_id):
            raise ValidationFailed.field("file", _("You cannot import for this cooperative."))
        read = _read(job)
        if job.stage == "apply":
            _apply(job, actor, read)
        else:
            _check(job, actor, read)
    except jobqueue.Released:
        raise
    except import_files.FileProblem as exc:
        _fail(job_id, str(exc))
    except DomainError as exc:
        _fail(job_id, exc.message)
    except Exception as exc:  # noqa: BLE001 - a failed job must say so on its page
        log.exception("zone import job %s failed", job_id)
        _fail(job_id, str(exc))


def _check(job: ZoneImportJob, actor: Actor, read: import_files.ReadFile) -> None:
    """The dry run: every row's problems and changes; nothing but the job is written."""
    rows = read.rows
    members = importing.member_numbers(job.cooperative_id)
    seen: dict[str, int] = {}
    counts: Counter[str] = Counter(dict.fromkeys(("new", "updated", "unchanged"), 0))
    problems: list[dict[str, Any]] = []
    preview: list[dict[str, Any]] = []
    problem_count = 0

    def counted() -> None:
        job.total, job.done = len(rows), 0

    _write(counted)
    for first in range(0, len(rows), CHECK_SLICE):
        jobqueue.checkpoint()
        for plan in importing.plan_rows(
            actor, job.cooperative_id, rows[first : first + CHECK_SLICE], members, seen
        ):
            problem_count += len(plan.problems)
            problems.extend(plan.problems[: max(importing.SHOWN - len(problems), 0)])
            if plan.problems:
                continue
            counts[plan.outcome] += 1
            if plan.outcome != "unchanged" and len(preview) < importing.SHOWN:
                preview.append(
                    {"row": plan.row, "code": plan.code, "new": plan.zone_id is None}
                    | {"changes": plan.changes}
                )

        def progress(done: int = min(first + CHECK_SLICE, len(rows))) -> None:
            job.done, job.heartbeat_at = done, now_utc()

        _write(progress)
    if not rows:
        problems.append({"row": 1, "field": "file", "message": _("The file holds no zones.")})
        problem_count = 1

    def checked() -> None:
        job.status, job.finished_at = "checked", now_utc()
        job.result = dict(counts) | {"problems": problem_count, "ignored": read.ignored}
        job.problems, job.preview = problems or None, preview
        if problems and job.path:
            # A file with problems is never imported: let it go now.
            uploads.discard(job.path)
            job.path = None

    _write(checked)


def _apply(job: ZoneImportJob, actor: Actor, read: import_files.ReadFile) -> None:
    """Import the rows after those already kept, a slice per write transaction."""
    rows = read.rows
    members = importing.member_numbers(job.cooperative_id)
    counts: Counter[str] = Counter(dict.fromkeys(("created", "updated", "unchanged"), 0))
    counts.update({k: v for k, v in (job.result or {}).items() if isinstance(v, int)})
    start = job.done

    def counted() -> None:
        job.total = len(rows)

    _write(counted)
    for first in range(start, len(rows), APPLY_SLICE):
        jobqueue.checkpoint()

        def keep(first: int = first) -> None:
            counts.update(
                importing.apply_rows(
                    actor, job.cooperative_id, rows[first : first + APPLY_SLICE], members
                )
            )
            job.done = min(first + APPLY_SLICE, len(rows))
            job.result = dict(counts)  # so far: a resumed job goes on from here
            job.heartbeat_at = now_utc()

        try:
            _write(keep)
        except ValidationFailed as exc:
            _fail(
                job.id,
                _(
                    "The import stopped after %(n)s rows (those are kept; importing the file "
                    "again updates them): %(error)s",
                    n=first,
                    error=exc.message,
                ),
            )
            return

    def finish() -> None:
        job.status, job.finished_at = "done", now_utc()
        job.result = dict(counts)
        if job.path:
            uploads.discard(job.path)
        job.path = None

    _write(finish)


def _given_up(job: ZoneImportJob) -> None:
    """A job failed after losing its worker too often: its upload is let go."""
    if job.path:
        uploads.discard(job.path)
    job.path = None


def _expire(job: ZoneImportJob) -> None:
    """A checked file never confirmed: its upload was let go (see jobqueue.expire_uploads)."""
    job.error = _("The uploaded file is no longer kept for this job: upload it again.")


KIND = jobqueue.Kind(
    "zone-import",
    ZoneImportJob,
    execute,
    given_up=_given_up,
    uploads=True,
    unconfirmed=lambda: ZoneImportJob.status == "checked",
    expire=_expire,
)
jobqueue.register(KIND)
