"""Forms for organisations, programmes, activities and sign-in sheets."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import Form as SubForm
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from traceapp.cooperatives.models import Gender
from traceapp.forms import Form
from traceapp.programmes.models import (
    ACTIVITY_KIND_LABELS,
    AGE_BAND_LABELS,
    INDICATOR_LABELS,
    ORGANISATION_KIND_LABELS,
    PARTICIPANT_ROLE_LABELS,
    PARTNER_ROLE_LABELS,
)
from traceapp.web import options

GENDER_CHOICES = [
    (Gender.FEMALE.value, _l("Female")),
    (Gender.MALE.value, _l("Male")),
    (Gender.OTHER.value, _l("Other")),
    (Gender.UNSPECIFIED.value, _l("Not stated")),
]


class OrganisationForm(Form):
    """A support organisation."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=40)])
    kind = SelectField(
        _l("Kind"), choices=options([(k.value, v) for k, v in ORGANISATION_KIND_LABELS.items()])
    )
    iati_identifier = StringField(
        _l("IATI organisation identifier (optional)"), validators=[Optional(), Length(max=80)]
    )
    country = StringField(_l("Country (two letters)"), default="VN", validators=[Length(2, 2)])


class OfficerForm(Form):
    """A programme officer's account."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=10)])


class ProgrammeForm(Form):
    """A new programme."""

    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=False)
    code = StringField(_l("Code (e.g. WCP-2025)"), validators=[DataRequired(), Length(max=40)])
    name_vi = StringField(_l("Name in Vietnamese"), validators=[Optional(), Length(max=300)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=300)])
    objectives = TextAreaField(_l("Objectives"), validators=[Optional(), Length(max=10000)])
    whole_country = BooleanField(_l("The whole country"))
    provinces = StringField(
        _l("Provinces (separated by commas)"), validators=[Optional(), Length(max=2000)]
    )
    sectors = StringField(
        _l("DAC sector codes (separated by commas)"),
        default="31194",
        validators=[Optional(), Length(max=200)],
    )
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])


class ExtensionForm(Form):
    """A new period after the last."""

    ends_on = DateField(_l("New end date"), validators=[DataRequired()])
    note = StringField(_l("Note (e.g. the decision)"), validators=[Optional(), Length(max=300)])


class TargetForm(Form):
    """An indicator's baseline and target for a year."""

    indicator = SelectField(
        _l("Indicator"), choices=options([(k.value, v) for k, v in INDICATOR_LABELS.items()])
    )
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(1990, 2100)])
    baseline = DecimalField(_l("Baseline"), default=0, validators=[Optional()])
    target = DecimalField(_l("Target"), validators=[DataRequired()])


class PartnerForm(Form):
    """A partner organisation."""

    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=False)
    role = SelectField(
        _l("Role"), choices=options([(k.value, v) for k, v in PARTNER_ROLE_LABELS.items()])
    )


class ActivityForm(Form):
    """An activity of a programme."""

    kind = SelectField(
        _l("Kind"), choices=options([(k.value, v) for k, v in ACTIVITY_KIND_LABELS.items()])
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    topic = SelectField(_l("Topic"), validate_choice=False)
    module_id = SelectField(_l("Training module"), coerce=int, validate_choice=False)
    starts_on = DateField(_l("Date"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day (if several)"), validators=[Optional()])
    hours = DecimalField(_l("Hours of training"), validators=[Optional(), NumberRange(0, 1000)])
    province = StringField(_l("Province"), validators=[DataRequired(), Length(max=100)])
    district = StringField(_l("District"), validators=[Optional(), Length(max=100)])
    commune = StringField(_l("Commune"), validators=[Optional(), Length(max=100)])
    facilitators = StringField(_l("Facilitators"), validators=[Optional(), Length(max=500)])
    cooperative_ids = SelectMultipleField(
        _l("Cooperatives taking part"), coerce=int, validate_choice=False
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class SheetRowForm(SubForm):
    """One person written on the sign-in sheet."""

    full_name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    # Choices are checked by the service, for the rows that carry a name only.
    gender = SelectField(
        _l("Gender"), choices=options(GENDER_CHOICES), default="female", validate_choice=False
    )
    birth_year = StringField(_l("Birth year"), validators=[Optional(), Length(max=4)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    commune = StringField(_l("Commune"), validators=[Optional(), Length(max=100)])
    role = SelectField(
        _l("Role"),
        choices=options([(k.value, v) for k, v in PARTICIPANT_ROLE_LABELS.items()]),
        validate_choice=False,
    )


class SheetForm(Form):
    """A sign-in sheet: members ticked, others written in."""

    member_ids = SelectMultipleField(_l("Members present"), coerce=int, validate_choice=False)
    rows = FieldList(FormField(SheetRowForm), min_entries=8, max_entries=200)


class ImportForm(Form):
    """A sign-in sheet as a CSV or XLSX file."""

    file = FileField(_l("File (.csv or .xlsx)"), validators=[FileRequired()])


class ImportConfirmForm(Form):
    """The checked import (kept on the server with its rows), sent with the choices made."""

    import_id = HiddenField()


class FoundingForm(Form):
    """A cooperative founded with the programme's support."""

    cooperative_id = SelectField(_l("Cooperative"), coerce=int, validate_choice=False)
    founded_on = DateField(_l("Founded on"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class MarkTrainingForm(Form):
    """The training modules a mark's rules of use require."""

    module_ids = SelectMultipleField(
        _l("Training required before using the mark"), coerce=int, validate_choice=False
    )


class MergeForm(Form):
    """Merge a duplicate record into the one kept."""

    other_id = IntegerField(validators=[DataRequired()])


AGE_BAND_CHOICES = [("", "—")] + [(k, v) for k, v in AGE_BAND_LABELS.items() if k != "unknown"]
