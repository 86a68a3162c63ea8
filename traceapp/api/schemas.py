"""Schemas shared by every domain's API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from marshmallow import fields

from traceapp.core.inputs import year_in_range, year_range_message


class BaseSchema(ma.Schema):
    """Unknown fields are refused and named; output keeps declaration order."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


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
