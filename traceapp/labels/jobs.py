"""Rendering runs to files: at once for small runs, in a background job with progress for
large ones, run by a worker (:mod:`traceapp.workers`). A job's file is kept in the database in
chunks, so any app server can serve it."""

from __future__ import annotations

import functools
import logging
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _

from traceapp import jobqueue
from traceapp.auth.models import Actor, User
from traceapp.auth.permissions import require
from traceapp.database import now_utc, sqlite_begin_mode
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.labels import contents, rendering, services
from traceapp.labels.models import JobStatus, LabelRun, RenderChunk, RenderJob

log = logging.getLogger(__name__)

FORMATS = {
    "pdf": ("application/pdf", "pdf"),
    "zpl": ("text/plain; charset=utf-8", "zpl"),
    "png-zip": ("application/zip", "zip"),
}
#: Runs up to this many labels render inside the request; larger ones become a job.
SYNC_LIMIT = 5000  # TRACEAPP_LABELS_SYNC_LIMIT overrides it
CHUNK = 1024 * 1024


def sync_limit() -> int:
    """Runs up to this size render inside the request."""
    return int(current_app.config.get("TRACEAPP_LABELS_SYNC_LIMIT", SYNC_LIMIT))


def zpl_font() -> str:
    """The printer font for ZPL text: "0" exists on every Zebra printer but lacks some
    Vietnamese letters; a Unicode font such as E:TT0003M_.FNT can be set in the settings."""
    from traceapp import tunables

    return str(tunables.tunables().get("zpl_font", "0"))


def check_format(fmt: str, layout: str | None) -> str | None:
    """Validate a format and (for PDF) its layout; return the layout to use."""
    if fmt not in FORMATS:
        # TRANSLATORS: %(names)s lists the codes accepted (pdf, zpl, png-zip, ...).
        raise ValidationFailed.field(
            "format", _("Choose one of: %(names)s.", names=", ".join(FORMATS))
        )
    if fmt == "pdf":
        layout = layout or "a4-3x8"
        if layout not in rendering.LAYOUTS:
            raise ValidationFailed.field(
                "layout", _("Choose one of: %(names)s.", names=", ".join(rendering.LAYOUTS))
            )
        return layout
    return None


def render_run(
    run: LabelRun,
    fmt: str,
    out: IO[bytes],
    *,
    layout: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write a run in a format to a binary stream; returns how many labels were written."""
    layout = check_format(fmt, layout or run.template)
    labels = contents.run_contents(run)
    ec = run.ec_level
    if fmt == "pdf":
        assert layout is not None  # check_format gives PDF a layout
        return rendering.render_pdf(labels, layout, out, ec=ec, progress=progress)
    if fmt == "zpl":
        n = 0
        for label in rendering.render_zpl(labels, ec=ec, font=zpl_font()):
            out.write(label.encode("utf-8"))
            n += 1
            if progress and n % 500 == 0:
                progress(n)
        return n
    n = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for content in labels:
            n += 1
            name = f"{n:06d}-{content.serial or 'lot'}.png"
            archive.writestr(name, rendering.render_png(content.url, ec=ec))
            if progress and n % 500 == 0:
                progress(n)
    return n


def new_spool() -> IO[bytes]:
    """A file to render into: in memory up to 8 MB, then on disk in TRACEAPP_JOB_DIR."""
    folder = Path(current_app.config["TRACEAPP_JOB_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return tempfile.SpooledTemporaryFile(max_size=8 * CHUNK, dir=str(folder))  # noqa: SIM115


def render_to_spool(run: LabelRun, fmt: str, layout: str | None = None) -> tuple[IO[bytes], int]:
    """Render a whole run into a spooled file (in memory up to 8 MB, then on disk), rewound
    for reading; returns the file and its size. A failure closes the file and raises."""
    spool = new_spool()  # the caller's
    try:
        render_run(run, fmt, spool, layout=layout)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool, size


def filename(run: LabelRun, fmt: str, layout: str | None) -> str:
    """A download name such as labels-XP-2026-0042-run7-a4-3x8.pdf."""
    ext = FORMATS[fmt][1]
    suffix = f"-{layout}" if layout else ""
    return f"labels-{run.lot.code}-run{run.number}{suffix}.{ext}".replace("/", "_")


# --- background jobs ---------------------------------------------------------------------------


def requester_locale() -> str | None:
    """The language of the request asking for a job (None outside a request)."""
    if not has_request_context():
        return None
    locale = get_locale()
    return str(locale) if locale is not None else None


def start_job(
    actor: Actor, run: LabelRun, fmt: str, layout: str | None = None, locale: str | None = None
) -> RenderJob:
    """Queue a rendering job (the caller commits, then calls :func:`launch`).

    The job prints captions in ``locale``, by default the language of the current request.
    The print is counted and audited when the job's file is complete, in the requester's
    name.
    """
    require(actor.can_write_cooperative(run.cooperative_id), _("You cannot print these labels."))
    layout = check_format(fmt, layout or run.template)
    job = RenderJob(
        cooperative_id=run.cooperative_id,
        run_id=run.id,
        fmt=fmt,
        layout=layout,
        total=contents.live_count(run),
        requested_by_id=getattr(actor, "id", None),
        locale=locale or requester_locale(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def launch(app: Flask, job_id: int) -> None:
    """A committed job waits for a worker; with TRACEAPP_JOBS_INLINE (tests) it runs now."""
    if app.config.get("TRACEAPP_JOBS_INLINE"):
        execute(app, job_id)


def execute(app: Flask, job_id: int) -> None:
    """Render the job's run into chunks, committing progress as it goes.

    There is no request here: the captions are printed in the requester's language. The job
    reads in DEFERRED transactions and writes in short IMMEDIATE ones (:func:`_write`): on
    SQLite a job that held the write lock while rendering kept every other writer waiting
    until its busy timeout ran out.
    """
    with jobqueue.running(app, KIND, job_id) as job:
        if job is not None:
            _execute(job_id, job)


_write = jobqueue.write


def _store_chunk(job_id: int, seq: int, data: bytes) -> None:
    db.session.add(RenderChunk(job_id=job_id, seq=seq, data=data))


def _execute(job_id: int, job: RenderJob) -> None:
    """The body of :func:`execute`, inside the app context and the job's language."""

    def start() -> None:
        # A job resumed after its worker died starts again: drop what it had stored.
        db.session.execute(sa.delete(RenderChunk).where(RenderChunk.job_id == job_id))
        job.status = JobStatus.RUNNING
        job.started_at = job.heartbeat_at = now_utc()

    _write(start)

    def progress(n: int) -> None:
        jobqueue.checkpoint()

        def heartbeat() -> None:
            job.done = n
            job.heartbeat_at = now_utc()

        _write(heartbeat)

    spool = new_spool()  # closed below
    try:
        count = render_run(job.run, job.fmt, spool, layout=job.layout, progress=progress)
        spool.seek(0)
        seq = 0
        size = 0
        while chunk := spool.read(CHUNK):
            jobqueue.checkpoint()
            _write(functools.partial(_store_chunk, job_id, seq, chunk))
            seq += 1
            size += len(chunk)

        def finish() -> None:
            job.done = count
            job.size = size
            job.status = JobStatus.DONE
            job.finished_at = now_utc()
            requester = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
            if requester is not None:
                services.record_print(requester, job.run, job.fmt, job.layout)

        _write(finish)
    except Exception as exc:  # noqa: BLE001 - a failed job must say so on its page
        log.exception("render job %s failed", job_id)
        db.session.rollback()
        message = str(exc)[:2000]

        def fail() -> None:
            failed = db.session.get_one(RenderJob, job_id)  # committed above; jobs are kept
            failed.status = JobStatus.FAILED
            failed.error = message
            failed.finished_at = now_utc()

        _write(fail)
    finally:
        spool.close()
        db.session.remove()


def is_stalled(job: RenderJob) -> bool:
    """A running job that stopped reporting (its worker died; none took it back yet)."""
    return jobqueue.is_stalled(job)


def is_waiting(job: RenderJob) -> bool:
    """A queued job no worker has taken for a while (is one running?)."""
    return jobqueue.is_waiting(job)


def job_chunks(job_id: int) -> Iterator[bytes]:
    """A finished job's file, chunk by chunk, each read in a short transaction of its own.

    It needs no session past this call: a download streams after the request's session is
    gone. The bind is taken now (the engine; in tests, the test's connection)."""
    return _chunks(db.session.get_bind(), job_id)


def _chunks(bind: Any, job_id: int) -> Iterator[bytes]:
    seq = 0
    while True:
        stmt = sa.select(RenderChunk.data).where(
            RenderChunk.job_id == job_id, RenderChunk.seq == seq
        )
        try:
            if isinstance(bind, sa.Connection):
                data = bind.execute(stmt).scalar()
            else:
                with sqlite_begin_mode("DEFERRED"), bind.connect() as conn:
                    data = conn.execute(stmt).scalar()
        except Exception:
            log.exception("render job %s: chunk %s could not be read while streaming", job_id, seq)
            raise
        if data is None:
            return
        yield data
        seq += 1


def current_app_object() -> Flask:
    """The real app object behind the proxy."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


KIND = jobqueue.Kind("render", RenderJob, execute)
jobqueue.register(KIND)
