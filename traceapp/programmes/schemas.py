"""API schemas for support organisations, programmes, activities, attendance and reach."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from traceapp.api.schemas import BaseSchema, CheckedImportJobSchema
from traceapp.cooperatives.models import Gender
from traceapp.programmes.models import (
    ActivityKind,
    Indicator,
    OrganisationKind,
    ParticipantRole,
    PartnerRole,
)


class OrganisationSchema(BaseSchema):
    """A support organisation."""

    id = fields.Int(dump_only=True)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    short_name = fields.Str(allow_none=True, validate=validate.Length(max=40))
    kind = fields.Enum(OrganisationKind, by_value=True, required=True)
    iati_identifier = fields.Str(allow_none=True, validate=validate.Length(max=80))
    country = fields.Str(load_default="VN", validate=validate.Length(equal=2))


class PeriodSchema(BaseSchema):
    """A period of a programme (the first, or an extension)."""

    starts_on = fields.Date(dump_only=True)
    ends_on = fields.Date(dump_only=True)
    note = fields.Str(dump_only=True)


class PartnerSchema(BaseSchema):
    """An organisation's part in a programme."""

    organisation_id = fields.Int(required=True)
    organisation_name = fields.Function(lambda p: p.organisation.name, dump_only=True)
    role = fields.Enum(PartnerRole, by_value=True, required=True)


class TargetSchema(BaseSchema):
    """A baseline and target of an indicator for one year."""

    indicator = fields.Enum(Indicator, by_value=True, required=True)
    year = fields.Int(
        required=True,
        validate=validate.Range(min=1990, max=2100),
        metadata={"description": "The period (calendar year) the target is for"},
    )
    baseline = fields.Decimal(as_string=True, load_default=0)
    target = fields.Decimal(as_string=True, required=True)


class ProgrammeSchema(BaseSchema):
    """A programme with its periods, provinces, partners and targets."""

    id = fields.Int(dump_only=True)
    organisation_id = fields.Int(required=True)
    code = fields.Str(required=True, validate=validate.Length(min=1, max=40))
    names = fields.Dict(
        keys=fields.Str(), values=fields.Str(), required=True, metadata={"example": {"vi": "…"}}
    )
    objectives = fields.Str(allow_none=True, validate=validate.Length(max=10000))
    whole_country = fields.Bool(load_default=False)
    provinces = fields.Method("_provinces", deserialize="_load_provinces")
    sectors = fields.List(fields.Str(), load_default=None)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    periods = fields.Nested(PeriodSchema, many=True, dump_only=True)
    partners = fields.Nested(PartnerSchema, many=True, dump_only=True)
    targets = fields.Nested(TargetSchema, many=True, dump_only=True)

    def _provinces(self, obj: Any) -> list[str]:
        return [p.province for p in obj.provinces]

    def _load_provinces(self, value: Any) -> list[str]:
        from marshmallow import ValidationError

        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError("A list of province names.")
        return value


class ProgrammeUpdateSchema(BaseSchema):
    """What of a programme may change (an extension is its own request)."""

    names = fields.Dict(keys=fields.Str(), values=fields.Str())
    objectives = fields.Str(allow_none=True, validate=validate.Length(max=10000))
    whole_country = fields.Bool()
    provinces = fields.List(fields.Str(validate=validate.Length(max=100)))
    sectors = fields.List(fields.Str())


class ExtensionSchema(BaseSchema):
    """A new period after the programme's last."""

    ends_on = fields.Date(required=True)
    note = fields.Str(allow_none=True, validate=validate.Length(max=300))


class ActivitySchema(BaseSchema):
    """An activity of a programme."""

    id = fields.Int(dump_only=True)
    programme_id = fields.Int(dump_only=True)
    kind = fields.Enum(ActivityKind, by_value=True, required=True)
    title = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    topic = fields.Str(allow_none=True, metadata={"description": "A key of the topic list"})
    module_id = fields.Int(allow_none=True, load_default=None)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True, load_default=None)
    hours = fields.Decimal(as_string=True, allow_none=True, load_default=None)
    province = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    district = fields.Str(allow_none=True, validate=validate.Length(max=100))
    commune = fields.Str(allow_none=True, validate=validate.Length(max=100))
    facilitators = fields.Str(allow_none=True, validate=validate.Length(max=500))
    notes = fields.Str(allow_none=True, validate=validate.Length(max=5000))
    cooperative_ids = fields.List(
        fields.Int(), load_default=list, validate=validate.Length(max=500), load_only=True
    )
    cooperatives = fields.Function(
        lambda a: [{"id": c.id, "name": c.name} for c in a.cooperatives], dump_only=True
    )
    attendances = fields.Method("_attendances", dump_only=True)

    def _attendances(self, obj: Any) -> int:
        from traceapp.programmes.attendance import attendances_of

        return len(attendances_of(obj))


class AttendanceRowSchema(BaseSchema):
    """One line of a sign-in sheet: a member, a person already recorded, or a new person."""

    member_id = fields.Int(allow_none=True)
    participant_id = fields.Int(allow_none=True)
    full_name = fields.Str(allow_none=True, validate=validate.Length(max=120))
    gender = fields.Enum(Gender, by_value=True, allow_none=True)
    birth_year = fields.Int(allow_none=True)
    age_band = fields.Str(allow_none=True)
    phone = fields.Str(allow_none=True, validate=validate.Length(max=30))
    cooperative_id = fields.Int(allow_none=True)
    role = fields.Enum(ParticipantRole, by_value=True, allow_none=True)
    province = fields.Str(allow_none=True, validate=validate.Length(max=100))
    district = fields.Str(allow_none=True, validate=validate.Length(max=100))
    commune = fields.Str(allow_none=True, validate=validate.Length(max=100))


class SheetSchema(BaseSchema):
    """A sign-in sheet."""

    rows = fields.List(
        fields.Nested(AttendanceRowSchema), required=True, validate=validate.Length(min=1)
    )


class AttendanceSchema(BaseSchema):
    """One person's attendance, as the sheet shows it."""

    id = fields.Int(dump_only=True)
    participant_id = fields.Int(dump_only=True)
    full_name = fields.Function(lambda a: a.participant.full_name, dump_only=True)
    gender = fields.Function(lambda a: a.participant.effective_gender.value, dump_only=True)
    member = fields.Function(lambda a: a.participant.member_id is not None, dump_only=True)


class MemberChoiceSchema(BaseSchema):
    """A member as attendance needs them: name, gender, age band."""

    id = fields.Int(dump_only=True)
    full_name = fields.Str(dump_only=True)
    gender = fields.Str(dump_only=True)
    age_band = fields.Str(dump_only=True, allow_none=True)
    cooperative_id = fields.Int(dump_only=True)


class ReachQuerySchema(BaseSchema):
    """Which year the figures are for (all years when absent)."""

    year = fields.Int(load_default=None, validate=validate.Range(min=1990, max=2100))
    province = fields.Str(load_default=None, validate=validate.Length(max=100))


class ReachSchema(BaseSchema):
    """The reach figures of a scope: people counted once."""

    activities = fields.Int()
    by_kind = fields.Dict(keys=fields.Str(), values=fields.Int())
    attendances = fields.Int()
    people = fields.Int(metadata={"description": "Unique people reached, each person once"})
    women = fields.Int()
    men = fields.Int()
    by_age_band = fields.Dict(keys=fields.Str(), values=fields.Int())
    cooperatives_reached = fields.Int()
    cooperatives_visited = fields.Int()
    visits = fields.Int()
    new_cooperatives = fields.Int()
    new_womens_cooperatives = fields.Int()
    training_hours = fields.Decimal(as_string=True)
    person_hours = fields.Decimal(as_string=True)


class FoundingSchema(BaseSchema):
    """A cooperative founded with the programme's support."""

    id = fields.Int(dump_only=True)
    cooperative_id = fields.Int(required=True)
    programme_id = fields.Int(dump_only=True)
    founded_on = fields.Date(required=True)
    activity_id = fields.Int(allow_none=True, load_default=None)
    note = fields.Str(allow_none=True, validate=validate.Length(max=300))


class RequiredTrainingSchema(BaseSchema):
    """The training modules a mark's rules of use require."""

    module_ids = fields.List(fields.Int(), required=True, validate=validate.Length(max=50))
    modules = fields.Function(
        lambda obj: [{"id": m.id, "name": m.name} for m in obj["modules"]], dump_only=True
    )


class ModuleSchema(BaseSchema):
    """A training module the programme defines, with its hours."""

    id = fields.Int(dump_only=True)
    code = fields.Str(required=True, validate=validate.Length(min=1, max=40))
    name = fields.Str(required=True, validate=validate.Length(min=1, max=120))
    hours = fields.Decimal(as_string=True, allow_none=True, load_default=None)


class SheetFileSchema(BaseSchema):
    """A sign-in sheet file (CSV or XLSX: name, gender, birth year, commune, phone ...)."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class SheetMatchSchema(BaseSchema):
    """A person already recorded whom a row is likely to be."""

    id = fields.Int()
    full_name = fields.Str()
    birth_year = fields.Int(allow_none=True)


class SheetRowFoundSchema(BaseSchema):
    """A checked row that needs a choice: it is likely someone recorded, or repeats a row."""

    row = fields.Int(metadata={"description": "the row's index (0: the first under the headings)"})
    line = fields.Int(metadata={"description": "the row's line in the file"})
    full_name = fields.Str()
    matches = fields.List(fields.Nested(SheetMatchSchema))
    repeats = fields.Int(
        allow_none=True, metadata={"description": "the index of an earlier row it repeats"}
    )


class AttendanceImportJobSchema(CheckedImportJobSchema):
    """A sign-in sheet import running as a background job: its check, then (confirmed) its
    recording, with progress."""

    activity_id = fields.Int()
    to_choose = fields.List(
        fields.Nested(SheetRowFoundSchema),
        allow_none=True,
        metadata={
            "description": "once checked: the rows likely already recorded or repeated, whose "
            "choice the confirmation may give (every other row is a new person)"
        },
    )


class SheetChoiceSchema(BaseSchema):
    """What to do with one checked row."""

    row = fields.Int(required=True, validate=validate.Range(min=0, max=10**6))
    choice = fields.Str(
        required=True,
        validate=validate.Regexp(r"^(new|skip|[1-9][0-9]{0,8})$"),
        metadata={"description": "new (a new person), skip, or the id of a matched person"},
    )


class SheetConfirmSchema(BaseSchema):
    """The confirmation of a checked sheet: a choice per row (rows not named are new people)."""

    choices = fields.List(
        fields.Nested(SheetChoiceSchema),
        load_default=list,
        validate=validate.Length(max=20_000),
    )
