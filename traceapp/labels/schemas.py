"""API schemas for label runs and labels."""

from __future__ import annotations

from marshmallow import fields, validate

from traceapp.api.schemas import BaseSchema
from traceapp.labels.models import JobStatus, LabelRun, RenderJob, RunKind, VoidKind
from traceapp.labels.rendering import EC_LEVELS, LAYOUTS, MAX_COPIES


class RunCreateSchema(BaseSchema):
    """Issue labels for a lot."""

    count = fields.Int(required=True, validate=validate.Range(min=1, max=MAX_COPIES))
    template = fields.Str(load_default="a4-3x8", validate=validate.OneOf(list(LAYOUTS)))
    kind = fields.Enum(RunKind, by_value=True, load_default=RunKind.SERIALISED)
    ec = fields.Str(load_default="M", validate=validate.OneOf(list(EC_LEVELS)))
    notes = fields.Str(validate=validate.Length(max=2000))


class RunSchema(BaseSchema):
    """A label run with its counts."""

    id = fields.Int()
    #: The run's number within its cooperative (its second run is 2), shown as "#2".
    number = fields.Int()
    lot_id = fields.Int()
    lot_code = fields.Function(lambda run: run.lot.code)
    kind = fields.Enum(RunKind, by_value=True)
    count = fields.Int()
    live = fields.Method("_live")
    voided = fields.Method("_voided")
    template = fields.Str()
    ec_level = fields.Str()
    created_by_label = fields.Str()
    created_at = fields.AwareDateTime()
    base_url = fields.Str()
    prints = fields.Int()

    def _live(self, run: LabelRun) -> int:
        from traceapp.labels.contents import live_count

        return live_count(run)

    def _voided(self, run: LabelRun) -> int:
        from traceapp.labels.contents import live_count

        return 0 if run.kind == RunKind.LOT_COPIES else run.count - live_count(run)


class LabelSchema(BaseSchema):
    """One label: its serial and the URL its QR code carries."""

    seq = fields.Int()
    serial = fields.Str()
    url = fields.Str()
    voided_at = fields.AwareDateTime()
    void_reason = fields.Str()
    void_kind = fields.Str(allow_none=True)
    scan_count = fields.Int()
    flagged_at = fields.AwareDateTime()
    flag_reason = fields.Str()
    flag_cleared_at = fields.AwareDateTime()
    flag_clear_reason = fields.Str()


class ClearFlagSchema(BaseSchema):
    """Clear a label's flag: why (kept in the audit trail)."""

    reason = fields.Str(required=True, validate=validate.Length(min=3, max=300))


class VoidSchema(BaseSchema):
    """Void a run, a range of positions in it, or (on a label) one serial."""

    reason = fields.Str(required=True, validate=validate.Length(min=3, max=300))
    kind = fields.Str(
        load_default=VoidKind.OTHER.value,
        validate=validate.OneOf([k.value for k in VoidKind]),
        metadata={
            "description": "What kind of reason: the public page of a voided label says it "
            "and what the shopper should do."
        },
    )
    first = fields.Int(validate=validate.Range(min=1))
    last = fields.Int(validate=validate.Range(min=1))


class ImageArgsSchema(BaseSchema):
    """How to draw one label's QR code."""

    ec = fields.Str(load_default="M", validate=validate.OneOf(list(EC_LEVELS)))
    size_mm = fields.Float(load_default=20.0, validate=validate.Range(min=8, max=200))
    dpi = fields.Int(load_default=300, validate=validate.Range(min=72, max=1200))


class RenderArgsSchema(BaseSchema):
    """Which sheet layout to print on."""

    layout = fields.Str(validate=validate.OneOf(list(LAYOUTS)))


class JobSchema(BaseSchema):
    """A background rendering job: its progress, and its file's address once done."""

    id = fields.Int()
    run_id = fields.Int()
    format = fields.Str(attribute="fmt")
    layout = fields.Str(allow_none=True)
    status = fields.Enum(JobStatus, by_value=True)
    done = fields.Int()
    total = fields.Int()
    size = fields.Int(allow_none=True)
    error = fields.Str(allow_none=True)
    created_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
    file = fields.Method("_file")

    def _file(self, job: RenderJob) -> str | None:
        from flask import url_for

        if getattr(job, "status", None) != JobStatus.DONE:
            return None
        return url_for("api_labels.get_job_file", job_id=job.id)
