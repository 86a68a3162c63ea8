"""API schemas for cooperatives, members and member imports."""

from __future__ import annotations

from marshmallow import fields, validate

from traceapp.api.schemas import BaseSchema, CheckedImportJobSchema
from traceapp.cooperatives.models import Cooperative, Gender, Member, MemberRole
from traceapp.core.columns import max_length


class CooperativeSchema(BaseSchema):
    """A cooperative's registry entry."""

    id = fields.Int(dump_only=True)
    name = fields.Str(
        required=True, validate=validate.Length(min=1, max=max_length(Cooperative.name))
    )
    short_code = fields.Str(
        required=True, validate=validate.Length(min=2, max=max_length(Cooperative.short_code))
    )
    registration_number = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Cooperative.registration_number))
    )
    country = fields.Str(
        load_default="VN",
        validate=validate.Length(equal=2),
        metadata={"description": "ISO 3166-1 alpha-2 code of a known country profile"},
    )
    province = fields.Str(
        required=True, validate=validate.Length(min=1, max=max_length(Cooperative.province))
    )
    district = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Cooperative.district))
    )
    commune = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Cooperative.commune))
    )
    address = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Cooperative.address))
    )
    phone = fields.Str(allow_none=True, validate=validate.Length(max=max_length(Cooperative.phone)))
    email = fields.Email(
        allow_none=True, validate=validate.Length(max=max_length(Cooperative.email))
    )
    website = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Cooperative.website))
    )
    description = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Cooperative.description))
    )
    founded_on = fields.Date(allow_none=True)
    show_women_share = fields.Bool(
        metadata={"description": "Whether public pages show the share of women members"}
    )
    womens_cooperative = fields.Bool(
        metadata={"description": "The cooperative declares itself a women's cooperative"}
    )
    human_welfare_policy = fields.Str(
        allow_none=True,
        validate=validate.Length(max=10),
        metadata={"description": "GDST human welfare policy: None, Internal or 3P Audit"},
    )
    certifications = fields.List(fields.Dict(), dump_only=True)
    logo_url = fields.Method("_logo_url", dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    def _logo_url(self, obj: object) -> str | None:
        key = getattr(obj, "logo", None)
        return f"/media/{key}" if key else None


class MemberSchema(BaseSchema):
    """A member of a cooperative."""

    id = fields.Int(dump_only=True)
    cooperative_id = fields.Int(dump_only=True)
    member_number = fields.Str(
        allow_none=True, validate=validate.Length(min=1, max=max_length(Member.member_number))
    )
    full_name = fields.Str(
        required=True, validate=validate.Length(min=1, max=max_length(Member.full_name))
    )
    gender = fields.Enum(Gender, by_value=True)
    birth_year = fields.Int(allow_none=True, validate=validate.Range(min=1900, max=2100))
    village = fields.Str(allow_none=True, validate=validate.Length(max=max_length(Member.village)))
    commune = fields.Str(allow_none=True, validate=validate.Length(max=max_length(Member.commune)))
    phone = fields.Str(allow_none=True, validate=validate.Length(max=max_length(Member.phone)))
    role = fields.Enum(MemberRole, by_value=True)
    vessel_registration = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Member.vessel_registration))
    )
    vessel_name = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Member.vessel_name))
    )
    flag_state = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Member.flag_state))
    )
    imo_number = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Member.imo_number))
    )
    joined_on = fields.Date(allow_none=True)
    left_on = fields.Date(allow_none=True)
    public_name_consent = fields.Bool()
    notes = fields.Str(allow_none=True, validate=validate.Length(max=max_length(Member.notes)))
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class MemberQuerySchema(BaseSchema):
    """Search members."""

    q = fields.Str(load_default=None)
    active = fields.Bool(load_default=None)


class ImportArgsSchema(BaseSchema):
    """Query arguments of an import."""

    dry_run = fields.Bool(load_default=True)


class ImportProblemSchema(BaseSchema):
    """One problem in one cell."""

    column = fields.Str()
    field = fields.Str()
    message = fields.Str()


class ImportRowSchema(BaseSchema):
    """One line of the file."""

    line = fields.Int()
    problems = fields.List(fields.Nested(ImportProblemSchema))


class ImportPreviewSchema(BaseSchema):
    """The dry run's report."""

    filename = fields.Str()
    ok = fields.Bool()
    problem_count = fields.Int()
    file_problems = fields.List(fields.Str())
    unknown_columns = fields.List(fields.Str())
    columns = fields.Dict(keys=fields.Str(), values=fields.Str())
    rows = fields.List(fields.Nested(ImportRowSchema))
    #: Registered members the file changes: line, member_number and, per field, before/after.
    updates = fields.List(fields.Dict(keys=fields.Str()))
    imported = fields.Int(allow_none=True)


class MemberImportJobSchema(CheckedImportJobSchema):
    """A member import running as a background job: its check, then (confirmed) its
    application, with progress."""

    cooperative_id = fields.Int()
    summary = fields.Dict(
        keys=fields.Str(),
        allow_none=True,
        metadata={"description": "what the check found: counts, problems, changes"},
    )
