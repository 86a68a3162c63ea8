"""JSON API for label runs: issue, list serials, render (PDF, ZPL, PNG, SVG), void."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, url_for
from flask.views import MethodView
from flask_babel import gettext as _

from traceapp.api import api_actor, documented
from traceapp.api.openapi import TEXT
from traceapp.api.paging import Blueprint, keyset_api_page
from traceapp.auth.permissions import get_scoped, scoped
from traceapp.batches.models import Lot
from traceapp.errors import NotFound
from traceapp.extensions import db
from traceapp.labels import contents, downloads, jobs, rendering, services
from traceapp.labels.models import JobStatus, Label, LabelRun, RenderJob, RunKind
from traceapp.labels.schemas import (
    ClearFlagSchema,
    ImageArgsSchema,
    JobSchema,
    LabelSchema,
    RenderArgsSchema,
    RunCreateSchema,
    RunSchema,
    VoidSchema,
)
from traceapp.web import writes

blp = Blueprint("api_labels", __name__, description="Label runs, serials and printing")


RENDERING_AS_JOB = "A large run: rendering as a job; Location is the job to follow"
JOB_LOCATION = {"Location": {"$ref": "#/components/headers/Location"}}


def _run(run_id: int) -> LabelRun:
    return get_scoped(LabelRun, run_id, api_actor())


@blp.route("/batches/<int:batch_id>/label-runs")
class BatchRuns(MethodView):
    """A lot's label runs."""

    @documented("listLabelRuns")
    @blp.response(200, RunSchema(many=True))
    def get(self, batch_id: int) -> Any:
        """Runs issued for the lot, newest first."""
        lot = get_scoped(Lot, batch_id, api_actor())
        return (
            db.session.execute(
                sa.select(LabelRun).where(LabelRun.lot_id == lot.id).order_by(LabelRun.id.desc())
            )
            .scalars()
            .all()
        )

    @documented("createLabelRun", 403, 409)
    @blp.arguments(RunCreateSchema)
    @blp.response(201, RunSchema)
    def post(self, data: dict[str, Any], batch_id: int) -> Any:
        """Issue N labels (refused for a recalled lot, a mark some producer may not use, an
        expired or suspended zone code, or more labels than the lot's quantity allows)."""
        lot = get_scoped(Lot, batch_id, api_actor())
        return services.issue_run(api_actor(), lot, **data)


@blp.route("/label-runs/<int:run_id>")
@documented("getLabelRun")
@blp.response(200, RunSchema)
def get_run(run_id: int) -> Any:
    """A run's status and counts."""
    return _run(run_id)


@blp.route("/label-runs/<int:run_id>/labels")
@documented("listRunLabels")
@blp.response(200, LabelSchema(many=True))
@blp.paginate()
def run_labels(run_id: int, pagination_parameters: Any) -> Any:
    """Each label's serial and URL, in print order."""
    run = _run(run_id)
    items = keyset_api_page(
        sa.select(Label).where(Label.run_id == run.id),
        [(Label.seq, False), (Label.id, False)],
        pagination_parameters,
    )
    facts = contents.lot_facts(run.lot)
    lot_level = run.kind == RunKind.LOT_COPIES
    return [
        {
            "seq": label.seq,
            "serial": label.serial,
            "url": contents.label_url(
                facts.product, facts.lot_code, label.serial, lot_level=lot_level
            ),
            "voided_at": label.voided_at,
            "void_reason": label.void_reason,
            "void_kind": label.void_kind,
            "scan_count": label.scan_count,
            "flagged_at": label.flagged_at,
            "flag_reason": label.flag_reason,
            "flag_cleared_at": label.flag_cleared_at,
            "flag_clear_reason": label.flag_clear_reason,
        }
        for label in items
    ]


def _download(run: LabelRun, fmt: str, layout: str | None) -> Any:
    """The file at once for a run up to the sync limit; a larger run becomes a background job
    (202, with the job's address to poll and its file's address once done)."""
    layout = jobs.check_format(fmt, layout or run.template)
    if contents.live_count(run) <= jobs.sync_limit():
        return downloads.run_download(api_actor(), run, fmt, layout)
    job = jobs.start_job(api_actor(), run, fmt, layout)
    db.session.commit()
    jobs.launch(jobs.current_app_object(), job.id)
    body = JobSchema().dump(job)
    return body, 202, {"Location": url_for("api_labels.get_job", job_id=job.id)}


@blp.route("/label-runs/<int:run_id>.pdf")
@documented("downloadLabelRunPdf", 403, 409, media="application/pdf", attachment=True)
@blp.arguments(RenderArgsSchema, location="query")
@blp.response(200, content_type="application/pdf")
@blp.alt_response(202, schema=JobSchema, description=RENDERING_AS_JOB, headers=JOB_LOCATION)
@writes
def run_pdf(args: dict[str, Any], run_id: int) -> Any:
    """The run as a printable PDF (A4 sheets or roll labels; ?layout=a4-3x8|a4-4x10|roll-50x30)."""
    return _download(_run(run_id), "pdf", args.get("layout"))


@blp.route("/label-runs/<int:run_id>.zpl")
@documented("downloadLabelRunZpl", 403, 409, media="text/plain", body=TEXT, attachment=True)
@blp.response(200, content_type="text/plain")
@blp.alt_response(202, schema=JobSchema, description=RENDERING_AS_JOB, headers=JOB_LOCATION)
@writes
def run_zpl(run_id: int) -> Any:
    """The run as ZPL for Zebra-compatible thermal printers, one label per serial."""
    return _download(_run(run_id), "zpl", None)


@blp.route("/label-runs/<int:run_id>.zip")
@documented("downloadLabelRunPngZip", 403, 409, media="application/zip", attachment=True)
@blp.response(200, content_type="application/zip")
@blp.alt_response(202, schema=JobSchema, description=RENDERING_AS_JOB, headers=JOB_LOCATION)
@writes
def run_png_zip(run_id: int) -> Any:
    """The run as a ZIP of one QR code PNG per label, in print order."""
    return _download(_run(run_id), "png-zip", None)


@blp.route("/render-jobs/<int:job_id>")
@documented("getRenderJob")
@blp.response(200, JobSchema)
def get_job(job_id: int) -> Any:
    """A rendering job's progress; ``file`` is the download address once it is done."""
    return get_scoped(RenderJob, job_id, api_actor())


@blp.route("/render-jobs/<int:job_id>/file")
@documented(
    "downloadRenderJobFile",
    media=("application/pdf", "text/plain", "application/zip"),
    attachment=True,
)
@blp.response(200, content_type="application/octet-stream")
def get_job_file(job_id: int) -> Any:
    """A finished job's file (404 until it is done)."""
    job = get_scoped(RenderJob, job_id, api_actor())
    if job.status != JobStatus.DONE:
        raise NotFound(_("The file is not ready."))
    return downloads.job_download(job)


@blp.route("/label-runs/<int:run_id>/void", methods=["POST"])
@documented("voidLabelRun", 403, 409)
@blp.arguments(VoidSchema)
@blp.response(200, RunSchema)
def void_run(data: dict[str, Any], run_id: int) -> Any:
    """Void the whole run, or positions first..last of it, with a reason."""
    run = _run(run_id)
    services.void_labels(api_actor(), run, **data)
    return run


def _label(serial: str) -> Label:
    if not (1 <= len(serial) <= 20):
        raise NotFound()
    label = db.session.execute(
        scoped(Label, api_actor()).where(Label.serial == serial)
    ).scalar_one_or_none()
    if label is None:
        raise NotFound()
    return label


def _label_url(label: Label) -> str:
    facts = contents.lot_facts(label.run.lot)
    return contents.label_url(
        facts.product, facts.lot_code, label.serial, lot_level=label.run.kind == RunKind.LOT_COPIES
    )


@blp.route("/labels/<serial>.png")
@documented("getLabelPng", media="image/png")
@blp.arguments(ImageArgsSchema, location="query")
@blp.response(200, content_type="image/png")
def label_png(args: dict[str, Any], serial: str) -> Any:
    """One label's QR code as PNG (4-module quiet zone; size and DPI selectable)."""
    label = _label(serial)
    return Response(rendering.render_png(_label_url(label), **args), mimetype="image/png")


@blp.route("/labels/<serial>.svg")
@documented("getLabelSvg", media="image/svg+xml", body=TEXT)
@blp.arguments(ImageArgsSchema, location="query")
@blp.response(200, content_type="image/svg+xml")
def label_svg(args: dict[str, Any], serial: str) -> Any:
    """One label's QR code as SVG."""
    label = _label(serial)
    args.pop("dpi", None)
    return Response(rendering.render_svg(_label_url(label), **args), mimetype="image/svg+xml")


@blp.route("/labels/<serial>/void", methods=["POST"])
@documented("voidLabel", 403, 409)
@blp.arguments(VoidSchema)
@blp.response(200, LabelSchema)
def void_label(data: dict[str, Any], serial: str) -> Any:
    """Void one label with a reason; its serial is never issued again."""
    label = _label(serial)
    services.void_labels(
        api_actor(), label.run, reason=data["reason"], kind=data["kind"], serial=label.serial
    )
    db.session.refresh(label)
    return _label_out(label)


def _label_out(label: Label) -> dict[str, Any]:
    return {
        "seq": label.seq,
        "serial": label.serial,
        "url": _label_url(label),
        "voided_at": label.voided_at,
        "void_reason": label.void_reason,
        "void_kind": label.void_kind,
        "scan_count": label.scan_count,
        "flagged_at": label.flagged_at,
        "flag_reason": label.flag_reason,
        "flag_cleared_at": label.flag_cleared_at,
        "flag_clear_reason": label.flag_clear_reason,
    }


@blp.route("/labels/<serial>/clear-flag", methods=["POST"])
@documented("clearLabelFlag", 403, 409)
@blp.arguments(ClearFlagSchema)
@blp.response(200, LabelSchema)
def clear_label_flag(data: dict[str, Any], serial: str) -> Any:
    """Clear one label's flag with a reason (the cooperative's managers; audited). Scans
    before the clearing no longer count in the clone rules; the flag's text stays."""
    label = _label(serial)
    services.clear_flag(api_actor(), label, data["reason"])
    return _label_out(label)
