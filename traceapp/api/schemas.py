"""Schemas shared by every domain's API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


class BaseSchema(ma.Schema):
    """Unknown fields are refused and named; output keeps declaration order."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


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
