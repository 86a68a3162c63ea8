"""Large EPCIS imports in the background, with progress (as label rendering jobs run).

The upload is kept in the database as it arrives (traceapp.media.spool; never held whole in the
request); the job reads it once, checks it against GS1's schema before storing anything, then
keeps the events in slices, each slice in a short write transaction that also reports the
progress. A schema-invalid document ends the job as failed, with the problems, and nothing
stored.
"""

from __future__ import annotations

import json
import logging
from typing import IO, Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext as _

from traceapp import jobqueue
from traceapp.auth.models import Actor, User
from traceapp.auth.permissions import require
from traceapp.batches import epcis_import
from traceapp.batches.models import ImportJob, ImportJobSlice
from traceapp.core.inputs import json_too_deep, too_deep_message
from traceapp.database import now_utc
from traceapp.errors import DomainError, ValidationFailed
from traceapp.extensions import db
from traceapp.media import spool as uploads

log = logging.getLogger(__name__)

#: Documents up to this many bytes are imported inside the request; larger ones in a job.
SYNC_BYTES = 1024 * 1024  # TRACEAPP_EPCIS_SYNC_BYTES overrides it
#: Events kept per write transaction (and per progress report).
SLICE = 200
_READ = 64 * 1024


def sync_limit() -> int:
    """Documents up to this size are imported inside the request."""
    return int(current_app.config.get("TRACEAPP_EPCIS_SYNC_BYTES", SYNC_BYTES))


def size_limit() -> int:
    """The largest document accepted at all (the request size limit)."""
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 16 * 1024 * 1024)


def read_or_spool(stream: IO[bytes], field: str) -> tuple[bytes | None, str | None, int]:
    """Read an upload up to the synchronous limit; past it, keep the whole of it in the
    database as it arrives (traceapp.media.spool), where a worker on any machine reads it.

    Returns (the bytes, None, size) for a small document, (None, the upload's reference, size)
    for a large one. Larger than the request size limit: 413-style refusal, nothing kept.
    """
    head = stream.read(sync_limit() + 1)
    if len(head) <= sync_limit():
        return head, None, len(head)
    ref, size = uploads.spool(stream, "epcis-import", field, size_limit(), head=head)
    return None, ref, size


def start_job(actor: Actor, cooperative_id: int, path: str, size: int, filename: str) -> ImportJob:
    """Queue an import job for an uploaded file (the caller commits, then calls launch)."""
    require(
        actor.can_write_cooperative(cooperative_id), _("You cannot import for this cooperative.")
    )
    return jobqueue.new_job(
        ImportJob,
        cooperative_id=cooperative_id,
        filename=(filename or "document.jsonld")[:200],
        path=path,
        size=size,
        requested_by_id=getattr(actor, "id", None),
    )


def launch(job_id: int) -> None:
    """A committed job waits for a worker; with TRACEAPP_JOBS_INLINE (tests) it runs now."""
    jobqueue.launch(KIND, job_id)


def is_stalled(job: ImportJob) -> bool:
    """A running job that stopped reporting (its worker died; none took it back yet)."""
    return jobqueue.is_stalled(job)


def is_waiting(job: ImportJob) -> bool:
    """A queued job no worker has taken for a while (is one running?)."""
    return jobqueue.is_waiting(job)


_write = jobqueue.write


def execute(app: Flask, job_id: int) -> None:
    """Check and import the job's document (see the module), in the requester's language."""
    with jobqueue.running(app, KIND, job_id) as job:
        if job is None:
            return
        upload = job.path
        try:
            _execute(job)
        except jobqueue.Released:
            upload = None  # the job goes back to the queue: its next run reads the file
            raise
        finally:
            if upload:
                _let_go(upload)


def _let_go(upload: str) -> None:
    """Remove a finished job's upload (unless its end already did)."""
    try:
        db.session.rollback()
        if uploads.exists(upload):
            _write(lambda: uploads.discard(upload))
    except Exception:  # the job's outcome is recorded; a stray upload is only space
        log.exception("could not remove the upload %s", upload)


def _kept(job: ImportJob) -> epcis_import.ImportResult:
    """What the job's committed slices did, merged in order (with what a job begun before
    the slices were kept apart recorded on itself)."""
    result = epcis_import.ImportResult(**(job.result or {}))
    for piece in db.session.scalars(
        sa.select(ImportJobSlice.result)
        .where(ImportJobSlice.job_id == job.id)
        .order_by(ImportJobSlice.first)
    ):
        result.merge(epcis_import.ImportResult(**piece))
    return result


def _settle_result(job: ImportJob, result: epcis_import.ImportResult | None = None) -> None:
    """Write the job's whole result once (merged from its slices unless given) and let the
    slices go."""
    if result is None:
        if job.result is None and not _has_slices(job.id):
            return
        result = _kept(job)
    job.result = result.as_dict()
    db.session.execute(sa.delete(ImportJobSlice).where(ImportJobSlice.job_id == job.id))


def _has_slices(job_id: int) -> bool:
    return (
        db.session.scalar(sa.select(ImportJobSlice.first).where(ImportJobSlice.job_id == job_id))
        is not None
    )


def _fail(job_id: int, message: str, problems: list[str] | None = None) -> None:
    db.session.rollback()

    def fail() -> None:
        failed = db.session.get_one(ImportJob, job_id)
        failed.status = "failed"
        failed.error = message[:2000]
        failed.problems = problems
        _settle_result(failed)  # the slices kept before it stopped
        uploads.discard(failed.path)
        failed.path = None
        failed.finished_at = now_utc()

    _write(fail)


def _load(path: str) -> Any:
    """The document, parsed once (the raw bytes are let go before the events are kept)."""
    raw = uploads.read_all(path)
    if json_too_deep(raw):
        raise ValidationFailed.field("document", too_deep_message())
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        # TRANSLATORS: %(error)s is the JSON parser's own (English) account of the problem.
        raise ValidationFailed.field(
            "document", _("This is not JSON: %(error)s", error=exc)
        ) from None


def _execute(job: ImportJob) -> None:
    job_id = job.id

    def start() -> None:
        job.status = "running"
        job.started_at = job.heartbeat_at = now_utc()

    _write(start)
    actor = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    try:
        if actor is None or not actor.can_write_cooperative(job.cooperative_id):
            raise ValidationFailed.field("document", _("You cannot import for this cooperative."))
        if not job.path or not uploads.exists(job.path):
            raise ValidationFailed.field(
                "document",
                _("The uploaded document is no longer kept for this job: import it again."),
            )
        doc = _load(job.path)
        events = epcis_import.check_document(doc)
        context = epcis_import.extra_context(doc.get("@context"))
        del doc
    except DomainError as exc:
        problems = [str(p) for v in getattr(exc, "errors", {}).values() for p in v]
        _fail(job_id, exc.message, problems)
        return
    except Exception as exc:  # noqa: BLE001 - a failed job must say so on its page
        log.exception("EPCIS import job %s failed", job_id)
        _fail(job_id, str(exc))
        return
    total = len(events)
    # A job resumed after its worker died goes on after the slices it had kept. Each slice
    # keeps what it did in a row of its own (writing the whole result after each slice
    # would grow with the document: quadratic); the job's result is written once at the end.
    result = _kept(job)
    resume = job.done

    def counted() -> None:
        job.total = total

    _write(counted)
    try:
        for first in range(resume, total, SLICE):
            jobqueue.checkpoint()
            piece = events[first : first + SLICE]

            def keep(piece: list[dict[str, object]] = piece, first: int = first) -> None:
                assert actor is not None
                did = epcis_import.import_events(
                    actor, job.cooperative_id, piece, context, job_id=job_id
                )
                db.session.add(ImportJobSlice(job_id=job_id, first=first, result=did.as_dict()))
                job.done = first + len(piece)  # a resumed job goes on from here
                job.heartbeat_at = now_utc()
                result.merge(did)

            _write(keep)
    except Exception as exc:  # noqa: BLE001
        log.exception("EPCIS import job %s failed", job_id)
        # The slices before this one are kept; importing the document again skips them.
        _fail(
            job_id,
            _(
                "The import stopped after %(n)s events (those are kept; importing the "
                "document again skips them): %(error)s",
                n=job.done,
                error=exc,
            ),
        )
        return

    def finish() -> None:
        job.status = "done"
        _settle_result(job, result)
        uploads.discard(job.path)
        job.path = None
        job.finished_at = now_utc()

    _write(finish)


def _given_up(job: ImportJob) -> None:
    """A job failed after losing its worker too often: its upload is let go, and what its
    slices did is written on it."""
    uploads.discard(job.path)
    job.path = None
    _settle_result(job)


KIND = jobqueue.Kind("epcis-import", ImportJob, execute, given_up=_given_up, uploads=True)
jobqueue.register(KIND)
