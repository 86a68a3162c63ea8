"""Label files as HTTP downloads, shared by the web pages and the API.

A run is rendered completely, inside the request's unit of work, into a spooled file (memory
up to a few megabytes, then a temporary file on disk); only then is the print counted and
audited, and the response streams the finished file. Nothing that streams touches the ORM: a
streamed body outlives the request's database session, so it reads plain bytes only (a
finished job's chunks come through a connection of their own, one short read per chunk).
"""

from __future__ import annotations

import logging

from flask import Response, request
from flask_babel import gettext as _
from werkzeug.wsgi import wrap_file

from traceapp.auth.models import Actor
from traceapp.errors import Conflict
from traceapp.labels import contents, jobs, services
from traceapp.labels.models import LabelRun, RenderJob

log = logging.getLogger(__name__)


def _attachment(name: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store",
    }


def run_download(actor: Actor, run: LabelRun, fmt: str, layout: str | None) -> Response:
    """Render a run now and answer with the file; the print is recorded only once the file
    exists (a rendering failure raises, and the request's unit of work rolls back)."""
    layout = jobs.check_format(fmt, layout or run.template)
    if contents.live_count(run) == 0:
        raise Conflict(_("Every label of this run is void: there is nothing to print."))
    spool, size = jobs.render_to_spool(run, fmt, layout)
    services.record_print(actor, run, fmt, layout)
    mimetype, _ext = jobs.FORMATS[fmt]
    headers = _attachment(jobs.filename(run, fmt, layout))
    headers["Content-Length"] = str(size)
    return Response(
        wrap_file(request.environ, spool, jobs.CHUNK),
        content_type=mimetype,
        headers=headers,
        direct_passthrough=True,
    )


def job_download(job: RenderJob) -> Response:
    """A finished job's file, streamed chunk by chunk from the database."""
    mimetype, _ext = jobs.FORMATS[job.fmt]
    headers = _attachment(jobs.filename(job.run, job.fmt, job.layout))
    headers["Content-Length"] = str(job.size or 0)
    return Response(
        jobs.job_chunks(job.id), content_type=mimetype, headers=headers, direct_passthrough=True
    )
