"""API schemas for collective marks, grants of use and their history."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from traceapp.api.schemas import BaseSchema, ReasonSchema
from traceapp.brands.models import CollectiveMark, GrantAction, GrantStatus, MarkGrant, MarkStatus
from traceapp.core.columns import max_length
from traceapp.database import local_today


def _text(column: Any) -> fields.Str:
    """An optional text field as long as the column allows."""
    return fields.Str(allow_none=True, validate=validate.Length(max=max_length(column)))


class MarkSchema(BaseSchema):
    """A collective mark with its registration and its rules of use (Art. 105(4))."""

    id = fields.Int(dump_only=True)
    cooperative_id = fields.Int(dump_only=True)
    name = fields.Str(
        required=True, validate=validate.Length(min=1, max=max_length(CollectiveMark.name))
    )
    certificate_number = fields.Str(
        allow_none=True,
        validate=validate.Length(max=max_length(CollectiveMark.certificate_number)),
        metadata={"example": "4-0285634-000"},
    )
    certificate_date = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    status = fields.Enum(
        MarkStatus,
        by_value=True,
        metadata={
            "description": "As recorded; a registered mark needs its certificate number and date"
        },
    )
    effective_status = fields.Method(
        "_effective_status",
        dump_only=True,
        metadata={"description": "The status today: expired once valid_until has passed"},
    )
    product_scope = _text(CollectiveMark.product_scope)
    geographic_scope = _text(CollectiveMark.geographic_scope)
    logo_url = fields.Method("_logo_url", dump_only=True)
    owner_name = _text(CollectiveMark.owner_name)
    owner_address = _text(CollectiveMark.owner_address)
    founding_basis = _text(CollectiveMark.founding_basis)
    membership_criteria = _text(CollectiveMark.membership_criteria)
    conditions_of_use = _text(CollectiveMark.conditions_of_use)
    violation_measures = _text(CollectiveMark.violation_measures)
    rules_adopted_on = fields.Date(allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    def _effective_status(self, obj: Any) -> str:
        return obj.effective_status(local_today()).value

    def _logo_url(self, obj: Any) -> str | None:
        return f"/media/{obj.logo}" if obj.logo else None


class MarkQuerySchema(BaseSchema):
    """Search and filter marks."""

    q = fields.Str(load_default=None, metadata={"description": "name, certificate or scope"})
    status = fields.Enum(MarkStatus, by_value=True, load_default=None)


class LogoSchema(BaseSchema):
    """A multipart logo upload."""

    logo = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class MemberRefSchema(BaseSchema):
    """The member a grant is given to."""

    id = fields.Int(dump_only=True)
    member_number = fields.Str(dump_only=True)
    full_name = fields.Str(dump_only=True)


class ProductRefSchema(BaseSchema):
    """A product named in a grant."""

    id = fields.Int(dump_only=True)
    code = fields.Str(dump_only=True)
    name = fields.Str(dump_only=True)


class GrantEventSchema(BaseSchema):
    """One entry of a grant's history."""

    id = fields.Int(dump_only=True)
    action = fields.Enum(GrantAction, by_value=True, dump_only=True)
    effective_on = fields.Date(dump_only=True)
    reason = fields.Str(dump_only=True, allow_none=True)
    actor_label = fields.Str(dump_only=True)
    recorded_at = fields.AwareDateTime(dump_only=True)
    details = fields.Dict(dump_only=True, allow_none=True)


class GrantSchema(BaseSchema):
    """A member's grant of use of a mark for named products, with its history."""

    id = fields.Int(dump_only=True)
    cooperative_id = fields.Int(dump_only=True)
    mark_id = fields.Int(dump_only=True)
    member_id = fields.Int(required=True)
    member = fields.Nested(MemberRefSchema, dump_only=True)
    product_ids = fields.List(
        fields.Int(), required=True, load_only=True, validate=validate.Length(min=1, max=500)
    )
    products = fields.Nested(ProductRefSchema, many=True, dump_only=True)
    granted_on = fields.Date(required=True)
    valid_until = fields.Date(allow_none=True)
    notes = _text(MarkGrant.notes)
    status = fields.Enum(
        GrantStatus,
        by_value=True,
        dump_only=True,
        metadata={"description": "After the latest recorded change"},
    )
    status_today = fields.Method(
        "_status_today",
        dump_only=True,
        metadata={"description": "active, suspended, revoked, not_started or ended, as of today"},
    )
    events = fields.Nested(GrantEventSchema, many=True, dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    def _status_today(self, obj: Any) -> str:
        from traceapp.brands.grants import grant_display_status

        return grant_display_status(obj)


class GrantUpdateSchema(BaseSchema):
    """What may change in a grant; absent fields stay as they are."""

    product_ids = fields.List(fields.Int(), validate=validate.Length(min=1, max=500))
    valid_until = fields.Date(allow_none=True)
    notes = _text(MarkGrant.notes)
    effective_on = fields.Date(
        metadata={"description": "When a change of products takes effect (default: today)"}
    )


class GrantQuerySchema(BaseSchema):
    """Filter a mark's grants."""

    q = fields.Str(load_default=None, metadata={"description": "member name or number"})
    status = fields.Enum(GrantStatus, by_value=True, load_default=None)
    member_id = fields.Int(load_default=None)


class GrantActionSchema(ReasonSchema):
    """Suspend, reinstate or revoke: why, and from which day."""

    effective_on = fields.Date(required=True)


class MarkUseQuerySchema(BaseSchema):
    """Ask whether a member may put a product's mark on it on a day."""

    member_id = fields.Int(required=True)
    product_id = fields.Int(required=True)
    on = fields.Date(load_default=None, metadata={"description": "default: today"})


class MarkUseSchema(BaseSchema):
    """The answer, with the reason when it is no."""

    member_id = fields.Int()
    product_id = fields.Int()
    on = fields.Date()
    allowed = fields.Bool()
    problem = fields.Str(allow_none=True)
