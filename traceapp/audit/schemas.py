"""API schemas of the audit trail."""

from __future__ import annotations

from marshmallow import fields, validate

from traceapp.api.schemas import BaseSchema


class AuditQuerySchema(BaseSchema):
    """Filters of the trail."""

    action = fields.Str(
        load_default=None,
        validate=validate.Length(max=60),
        metadata={"description": "An action such as zone.transition, or a prefix ending in a dot"},
    )
    object_type = fields.Str(
        load_default=None,
        validate=validate.Length(max=40),
        metadata={"description": "A table name such as zones or lots"},
    )
    object_id = fields.Str(load_default=None, validate=validate.Length(max=64))


class AuditRecordSchema(BaseSchema):
    """One record of the append-only trail."""

    seq = fields.Int()
    occurred_at = fields.AwareDateTime()
    actor_label = fields.Str()
    actor_role = fields.Str(allow_none=True)
    cooperative_id = fields.Int(allow_none=True)
    province = fields.Str(allow_none=True)
    action = fields.Str()
    object_type = fields.Str(allow_none=True)
    object_id = fields.Str(allow_none=True)
    summary = fields.Str(allow_none=True)
    changes = fields.Dict(allow_none=True)
    prev_hash = fields.Str()
    hash = fields.Str()


class HeadSchema(BaseSchema):
    """The chain's length and last hash, to note down or publish."""

    seq = fields.Int()
    hash = fields.Str()


class VerifySchema(BaseSchema):
    """The outcome of walking the chain."""

    ok = fields.Bool()
    checked = fields.Int()
    head_hash = fields.Str()
    broken_seq = fields.Int(allow_none=True)
    reason = fields.Str(allow_none=True)
    #: missing, unlinked, altered, unknown_key, unsigned, unrotated, head, truncated,
    #: rewritten, event_altered, event_missing or event_inserted
    kind = fields.Str(allow_none=True)
    broken_event = fields.Int(allow_none=True)
    anchored_seq = fields.Int(allow_none=True)
    events = fields.Int()
