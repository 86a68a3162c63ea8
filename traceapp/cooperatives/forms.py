"""Forms for cooperatives, members and member imports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from traceapp.cooperatives.models import Cooperative, Gender, Member, MemberRole
from traceapp.core import gdst_codes
from traceapp.core.columns import max_length
from traceapp.core.countries import country_choices
from traceapp.forms import Form
from traceapp.web import options

GENDER_LABELS = {
    Gender.FEMALE: _l("Female"),
    Gender.MALE: _l("Male"),
    Gender.OTHER: _l("Other"),
    Gender.UNSPECIFIED: _l("Not stated"),
}
ROLE_LABELS = {
    MemberRole.HOUSEHOLD: _l("Household"),
    MemberRole.VESSEL_OWNER: _l("Vessel owner"),
    MemberRole.FISHER: _l("Fisher"),
    MemberRole.FARMER: _l("Farmer"),
    MemberRole.PROCESSOR: _l("Processor"),
    MemberRole.OTHER: _l("Other"),
}


class CooperativeForm(Form):
    """A cooperative's registry details."""

    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=max_length(Cooperative.name))]
    )
    short_code = StringField(
        _l("Short code (used in lot codes, e.g. XP)"),
        validators=[DataRequired(), Length(2, max_length(Cooperative.short_code))],
    )
    registration_number = StringField(
        _l("Registration number"),
        validators=[Optional(), Length(max=max_length(Cooperative.registration_number))],
    )
    country = SelectField(_l("Country"), choices=lambda: country_choices(), default="VN")
    province = StringField(
        _l("Province"), validators=[DataRequired(), Length(max=max_length(Cooperative.province))]
    )
    district = StringField(
        _l("District"), validators=[Optional(), Length(max=max_length(Cooperative.district))]
    )
    commune = StringField(
        _l("Commune"), validators=[Optional(), Length(max=max_length(Cooperative.commune))]
    )
    address = StringField(
        _l("Address"), validators=[Optional(), Length(max=max_length(Cooperative.address))]
    )
    phone = StringField(
        _l("Phone"), validators=[Optional(), Length(max=max_length(Cooperative.phone))]
    )
    email = EmailField(
        _l("E-mail"), validators=[Optional(), Email(), Length(max=max_length(Cooperative.email))]
    )
    website = StringField(
        _l("Website"), validators=[Optional(), Length(max=max_length(Cooperative.website))]
    )
    founded_on = DateField(_l("Founded on"), validators=[Optional()])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=max_length(Cooperative.description))]
    )
    show_women_share = BooleanField(_l("Show the share of women among the members on public pages"))
    womens_cooperative = BooleanField(_l("This is a women's cooperative"))
    human_welfare_policy = SelectField(
        _l("Human welfare policy (GDST, seafood)"),
        choices=lambda: [("", "—"), *gdst_codes.welfare_choices()],
        validators=[Optional()],
    )


class LogoForm(Form):
    """Upload a logo."""

    logo = FileField(_l("Logo (PNG, JPEG or WebP)"), validators=[FileRequired()])


class MemberForm(Form):
    """A member's details."""

    member_number = StringField(
        _l("Member number (leave empty to allocate)"),
        validators=[Optional(), Length(max=max_length(Member.member_number))],
    )
    full_name = StringField(
        _l("Full name"), validators=[DataRequired(), Length(max=max_length(Member.full_name))]
    )
    gender = SelectField(
        _l("Gender"), choices=options([(g.value, label) for g, label in GENDER_LABELS.items()])
    )
    birth_year = IntegerField(_l("Birth year"), validators=[Optional(), NumberRange(1900, 2100)])
    village = StringField(
        _l("Village"), validators=[Optional(), Length(max=max_length(Member.village))]
    )
    commune = StringField(
        _l("Commune"), validators=[Optional(), Length(max=max_length(Member.commune))]
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=max_length(Member.phone))])
    role = SelectField(
        _l("Role"), choices=options([(r.value, label) for r, label in ROLE_LABELS.items()])
    )
    vessel_registration = StringField(
        _l("Vessel registration (fishers)"),
        validators=[Optional(), Length(max=max_length(Member.vessel_registration))],
    )
    vessel_name = StringField(
        _l("Vessel name"), validators=[Optional(), Length(max=max_length(Member.vessel_name))]
    )
    flag_state = StringField(
        _l("Flag state"), validators=[Optional(), Length(max=max_length(Member.flag_state))]
    )
    imo_number = StringField(
        _l("IMO number (large vessels)"),
        validators=[Optional(), Length(max=max_length(Member.imo_number))],
    )
    joined_on = DateField(_l("Joined on"), validators=[Optional()])
    left_on = DateField(_l("Left on"), validators=[Optional()])
    public_name_consent = BooleanField(_l("Agrees to have their name shown on public pages"))
    notes = TextAreaField(
        _l("Notes"), validators=[Optional(), Length(max=max_length(Member.notes))]
    )


class ImportForm(Form):
    """Upload a member file for a dry run."""

    file = FileField(_l("Member file (.csv or .xlsx)"), validators=[FileRequired()])


class ImportConfirmForm(Form):
    """Go ahead with a checked import."""

    import_id = HiddenField(validators=[DataRequired()])
