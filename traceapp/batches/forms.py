"""Forms for lots, contributions, events, corrections, transformations and recalls."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from traceapp.batches.events import PARTY_LABELS
from traceapp.core import gdst_codes
from traceapp.forms import Form
from traceapp.units import UNIT_NAMES
from traceapp.web import options

UNIT_CHOICES = options((code, f"{code} · {name}") for code, name in UNIT_NAMES.items())


class LotForm(Form):
    """A harvest, catch or production lot."""

    product_id = SelectField(_l("Product"), coerce=int, validate_choice=False)
    production_date = DateField(
        _l("Harvest / catch / production date"), validators=[DataRequired()]
    )
    quantity = DecimalField(
        _l("Quantity"), places=3, validators=[DataRequired(), NumberRange(min=0)]
    )
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES)
    code = StringField(
        _l("Lot code (leave empty to allocate, e.g. XP-2026-0042)"),
        validators=[Optional(), Length(max=20)],
    )
    best_before = DateField(_l("Best before"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    aquaculture_method = SelectField(
        _l("Aquaculture method (farmed seafood)"),
        choices=lambda: [("", "—"), *gdst_codes.aquaculture_choices()],
        validators=[Optional()],
    )
    catch_area = SelectField(
        _l("FAO catch area (fishing lots)"),
        choices=lambda: [("", "—"), *gdst_codes.choices("catch_area")],
        validators=[Optional()],
    )
    economic_zone = SelectField(
        _l("Economic zone (EEZ)"),
        choices=lambda: [("", "—"), *gdst_codes.choices("economic_zone")],
        validators=[Optional()],
    )
    gear_type = SelectField(
        _l("Fishing gear (ISSCFG)"),
        choices=lambda: [("", "—"), *gdst_codes.choices("gear_type")],
        validators=[Optional()],
    )
    trip_start = DateField(_l("Trip start"), validators=[Optional()])
    trip_end = DateField(_l("Trip end"), validators=[Optional()])
    landing_port = StringField(_l("Landing port"), validators=[Optional(), Length(max=100)])
    rfmo_area = SelectField(
        _l("RFMO area"),
        choices=lambda: [("", "—"), *gdst_codes.choices("rfmo_area")],
        validators=[Optional()],
    )
    gps_available = BooleanField(_l("GPS on board"))

    CATCH_FIELDS = (
        "catch_area",
        "economic_zone",
        "gear_type",
        "trip_start",
        "trip_end",
        "landing_port",
        "rfmo_area",
        "gps_available",
    )


class LotEditForm(Form):
    """Corrections to an open lot."""

    production_date = DateField(
        _l("Harvest / catch / production date"), validators=[DataRequired()]
    )
    quantity = DecimalField(_l("Quantity"), places=3, validators=[DataRequired()])
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES)
    best_before = DateField(_l("Best before"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class ContributionForm(Form):
    """A member's delivery into a lot."""

    member_id = SelectField(_l("Member"), coerce=int, validate_choice=False)
    zone_id = SelectField(_l("Zone code"), coerce=int, validate_choice=False)
    quantity = DecimalField(_l("Quantity"), places=3, validators=[DataRequired()])
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES)
    delivered_on = DateField(_l("Delivered on"), validators=[Optional()])
    notes = StringField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class ReasonForm(Form):
    """A reason for a withdrawal."""

    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(min=3, max=2000)])


class EventForm(Form):
    """An event recorded by hand."""

    biz_step = SelectField(_l("What happened"))
    event_time = DateTimeLocalField(
        _l("When (local time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    disposition = SelectField(_l("Result (inspections)"), validate_choice=False)
    zone_id = SelectField(_l("At zone or facility"), coerce=int, validate_choice=False)
    location = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    quantity = DecimalField(_l("Quantity"), places=3, validators=[Optional()])
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES)
    party_type = SelectField(_l("Party type"), choices=options(PARTY_LABELS.items()))
    destination = StringField(_l("Shipped to (shipping)"), validators=[Optional(), Length(max=200)])
    source = StringField(_l("Received from (receiving)"), validators=[Optional(), Length(max=200)])
    inspector = StringField(_l("Inspector (inspections)"), validators=[Optional(), Length(max=200)])
    notes = StringField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class CorrectionForm(EventForm):
    """Declare an event wrong; for incorrect data, describe the corrected event."""

    reason = SelectField(
        _l("What was wrong"),
        choices=options(
            [
                ("incorrect_data", _l("Some data was wrong (record the corrected event)")),
                ("did_not_occur", _l("It did not happen")),
            ]
        ),
    )
    explanation = TextAreaField(
        _l("Explanation"), validators=[DataRequired(), Length(min=5, max=2000)]
    )


class InputRow(Form):
    """One input lot of a transformation."""

    class Meta:
        csrf = False

    lot_id = SelectField(_l("Input lot"), coerce=int, validate_choice=False)
    quantity = DecimalField(_l("Quantity used"), places=3, validators=[Optional()])


class TransformForm(Form):
    """Make a lot from other lots."""

    kind = SelectField(
        _l("Kind"),
        choices=options(
            [
                ("commingling", _l("Commingling (several harvest lots into one)")),
                ("processing", _l("Processing (e.g. tuna into loins, roasting)")),
                ("grading", _l("Grading (sorting into size lots)")),
                ("packing", _l("Packing")),
            ]
        ),
    )
    inputs = FieldList(FormField(InputRow), min_entries=5, max_entries=20)
    product_id = SelectField(_l("Output product"), coerce=int, validate_choice=False)
    quantity = DecimalField(_l("Output quantity"), places=3, validators=[DataRequired()])
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES)
    production_date = DateField(_l("Production date"), validators=[DataRequired()])
    code = StringField(
        _l("Lot code (leave empty to allocate)"), validators=[Optional(), Length(max=20)]
    )
    best_before = DateField(_l("Best before"), validators=[Optional()])
    location = StringField(_l("Where"), validators=[Optional(), Length(max=300)])


class RecallForm(Form):
    """A recall decision."""

    reason = TextAreaField(
        _l("Reason for the recall"), validators=[DataRequired(), Length(min=5, max=2000)]
    )
    instructions = TextAreaField(
        _l("What buyers and consumers should do (shown publicly)"),
        validators=[DataRequired(), Length(min=5, max=2000)],
    )
    decided_by = StringField(
        _l("Decided by (person or authority, decision number)"),
        validators=[DataRequired(), Length(min=2, max=200)],
    )


class ImportForm(Form):
    """Upload a partner's EPCIS document."""

    file = FileField(_l("EPCIS 2.0 JSON-LD document"), validators=[FileRequired()])
