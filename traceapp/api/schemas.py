"""Schemas shared by every domain's API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from marshmallow import fields

from traceapp.core.inputs import MAX_ID, year_in_range, year_range_message


class BaseSchema(ma.Schema):
    """Unknown fields are refused and named; output keeps declaration order."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        """An id (``..._id``) is 1 to MAX_ID: a larger one is refused (422), never sent to
        PostgreSQL's 32-bit column (a 500)."""
        if (
            isinstance(field_obj, fields.Int)
            and field_name.endswith("_id")
            and not any(
                isinstance(v, ma.validate.Range) and v.max is not None for v in field_obj.validators
            )
        ):
            field_obj.validators = [*field_obj.validators, ma.validate.Range(1, MAX_ID)]


class Moment(fields.AwareDateTime):
    """A time with its offset, within the years a record may be about (see core.inputs)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not year_in_range(moment):
            raise ma.ValidationError(year_range_message())
        return moment


class IdSchema(BaseSchema):
    """A bare reference."""

    id = fields.Int(dump_only=True)


class ReasonSchema(BaseSchema):
    """A state change that must say why."""

    reason = fields.Str(required=True, validate=ma.validate.Length(min=3, max=500))


def strip_strings(data: dict, **_kw: object) -> dict:
    """Trim surrounding spaces of string inputs; blank optional strings become null."""
    out = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        out[key] = value
    return out


class OwnerArgsSchema(BaseSchema):
    """Which cooperative a new record belongs to (administrators must say)."""

    cooperative_id = fields.Int(load_default=None)


class CheckedImportJobSchema(BaseSchema):
    """An import run as a background job in two phases: its check, then (once confirmed)
    its application, with progress (members, sign-in sheets)."""

    id = fields.Int()
    filename = fields.Str()
    status = fields.Str(metadata={"description": "queued, running, done or failed"})
    phase = fields.Str(
        metadata={"description": "check (done: checked, waiting to be confirmed) or apply"}
    )
    done = fields.Int(metadata={"description": "rows of the phase done so far"})
    total = fields.Int(allow_none=True)
    imported = fields.Int(
        attribute="imported_count", allow_none=True, metadata={"description": "rows applied"}
    )
    error = fields.Str(allow_none=True)
    problems = fields.Dict(
        keys=fields.Str(),
        values=fields.List(fields.Str()),
        allow_none=True,
        metadata={"description": "why it failed, by field; each message names its line"},
    )
    created_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
