"""API schemas for users and tokens."""

from __future__ import annotations

from marshmallow import fields, validate

from traceapp.api.schemas import BaseSchema
from traceapp.auth.models import Role


class UserSchema(BaseSchema):
    """A user as the API shows it (never the password hash)."""

    id = fields.Int(dump_only=True)
    email = fields.Email(required=True)
    full_name = fields.Str(required=True, validate=validate.Length(min=1, max=120))
    role = fields.Enum(Role, by_value=True, required=True)
    cooperative_id = fields.Int(allow_none=True, load_default=None)
    country = fields.Str(
        allow_none=True,
        load_default=None,
        validate=validate.Length(equal=2),
        metadata={"description": "An auditor's country (ISO 3166-1 alpha-2; VN when omitted)"},
    )
    province = fields.Str(allow_none=True, load_default=None, validate=validate.Length(max=100))
    district = fields.Str(allow_none=True, load_default=None, validate=validate.Length(max=100))
    password = fields.Str(load_only=True, required=True, validate=validate.Length(min=10))
    is_active = fields.Bool(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    last_login_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class UserActiveSchema(BaseSchema):
    """Disable or re-enable an account."""

    is_active = fields.Bool(required=True)


class TokenSchema(BaseSchema):
    """An API token's public facts; the secret appears once, when created."""

    id = fields.Int(dump_only=True)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=80))
    expires_in_days = fields.Int(
        load_only=True, load_default=None, validate=validate.Range(min=1, max=3650)
    )
    prefix = fields.Str(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    last_used_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    expires_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    revoked_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class NewTokenSchema(TokenSchema):
    """The response to creating a token: the only time the secret is shown."""

    token = fields.Str(dump_only=True)
