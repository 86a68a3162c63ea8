"""Forms for lots, contributions, events, corrections, transformations and recalls."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
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
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from traceapp.batches.events import PARTY_LABELS, local_offset
from traceapp.batches.models import Contribution, EventErrorDeclaration, Lot, Recall, TraceEvent
from traceapp.batches.rules import PARTY_NAME_MAX
from traceapp.cooperatives.models import Member
from traceapp.core import gdst_codes
from traceapp.core.columns import max_length
from traceapp.extensions import db
from traceapp.forms import Form
from traceapp.units import UNIT_NAMES
from traceapp.web import options
from traceapp.zones.models import Zone

UNIT_CHOICES = options(UNIT_NAMES.items())


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
        validators=[Optional(), Length(max=max_length(Lot.code))],
    )
    best_before = DateField(_l("Best before"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=max_length(Lot.notes))])
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

    def values(self) -> dict[str, Any]:
        """What ``services.create_lot`` takes, the catch facts gathered (dates as ISO text)."""
        catch = {k: getattr(self, k).data for k in self.CATCH_FIELDS}
        catch = {
            k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in catch.items()
            if v not in (None, "", False)
        }
        names = ("product_id", "production_date", "quantity", "unit", "code", "best_before")
        return {
            **{name: getattr(self, name).data for name in names},
            "notes": self.notes.data,
            "aquaculture_method": self.aquaculture_method.data,
            "catch_data": catch or None,
        }


class LotEditForm(Form):
    """Corrections to an open lot."""

    production_date = DateField(
        _l("Harvest / catch / production date"), validators=[DataRequired()]
    )
    quantity = DecimalField(_l("Quantity"), places=3, validators=[DataRequired()])
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES)
    best_before = DateField(_l("Best before"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=max_length(Lot.notes))])

    FIELDS = ("production_date", "quantity", "unit", "best_before", "notes")

    def values(self) -> dict[str, Any]:
        """What ``services.update_lot`` takes."""
        return {name: getattr(self, name).data for name in self.FIELDS}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def zone_by_code(cooperative_id: int | None, code: str | None, *, required: bool) -> int | None:
    """The id of the cooperative's zone with this code (in any case); a field error if none."""
    if not code:
        if required:
            raise ValidationError(_("This field is required."))
        return None
    found = db.session.scalar(
        sa.select(Zone.id).where(
            Zone.cooperative_id == cooperative_id, sa.func.upper(Zone.code) == code.upper()
        )
    )
    if found is None:
        raise ValidationError(_("No such zone code in the lot's cooperative."))
    return found


class ContributionForm(Form):
    """A member's delivery into a lot."""

    member_id = SelectField(_l("Member"), coerce=int, validate_choice=False)
    zone_id = SelectField(_l("Zone code"), coerce=int, validate_choice=False)
    # Typed instead in a big cooperative (``forms_lot_page.contribution_form``).
    member_number = StringField(
        _l("Member number"),
        validators=[Optional(), Length(max=max_length(Member.member_number))],
        filters=[_strip],
    )
    zone_code = StringField(
        _l("Zone code"),
        validators=[Optional(), Length(max=max_length(Zone.code))],
        filters=[_strip],
    )
    quantity = DecimalField(_l("Quantity"), places=3, validators=[DataRequired()])
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES)
    delivered_on = DateField(_l("Delivered on"), validators=[Optional()])
    notes = StringField(
        _l("Notes"), validators=[Optional(), Length(max=max_length(Contribution.notes))]
    )
    # Shown once the checks at entry found the quantity implausible (batches/entry_checks.py).
    confirm_implausible = BooleanField(_l("I have checked: this quantity is right"))
    confirmation_reason = StringField(
        _l("Why it is right (the auditors will read it)"),
        validators=[Optional(), Length(max=max_length(Contribution.confirmation_reason))],
    )

    #: Typed (a big cooperative)? What is offered then, and the ids the typed codes named.
    typed = False
    cooperative_id: int | None = None
    zone_options: list[tuple[str, str]] = []
    member_options: list[tuple[str, str]] = []
    found_member: int | None = None
    found_zone: int | None = None

    def validate_member_number(self, field: StringField) -> None:
        """A typed member number names one of the cooperative's members."""
        self.found_member = None
        if not field.data:
            raise ValidationError(_("This field is required."))
        self.found_member = db.session.scalar(
            sa.select(Member.id).where(
                Member.cooperative_id == self.cooperative_id,
                sa.func.upper(Member.member_number) == field.data.upper(),
            )
        )
        if self.found_member is None:
            raise ValidationError(_("This person is not a member of the cooperative."))

    def validate_zone_code(self, field: StringField) -> None:
        """A typed zone code names one of the cooperative's zones (any other reads alike)."""
        self.found_zone = zone_by_code(self.cooperative_id, field.data, required=True)

    def chosen(self) -> tuple[Any, Any]:
        """The member's and the zone's ids, picked or typed."""
        if self.typed:
            return self.found_member, self.found_zone
        return self.member_id.data, self.zone_id.data

    def field_name(self, name: str) -> str:
        """The field a service's error on ``member_id`` or ``zone_id`` belongs to."""
        if self.typed:
            return {"member_id": "member_number", "zone_id": "zone_code"}.get(name, name)
        return name


class ReasonForm(Form):
    """A reason for a withdrawal."""

    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(), Length(min=3, max=max_length(Contribution.void_reason))],
    )


class EventForm(Form):
    """An event recorded by hand."""

    biz_step = SelectField(_l("What happened"))
    event_time = DateTimeLocalField(
        _l("When (local time)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    disposition = SelectField(_l("Result (inspections)"), validate_choice=False)
    # A code typed in (the lot's own zones are offered): a province's cooperative has ten
    # thousand zones, too many to list on every lot page.
    zone_code = StringField(
        _l("At zone or facility"),
        validators=[Optional(), Length(max=max_length(Zone.code))],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    location = StringField(
        _l("Place"), validators=[Optional(), Length(max=max_length(TraceEvent.location))]
    )
    quantity = DecimalField(_l("Quantity"), places=3, validators=[Optional()])
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES)
    party_type = SelectField(_l("Party type"), choices=options(PARTY_LABELS.items()))
    destination = StringField(
        _l("Shipped to (shipping)"), validators=[Optional(), Length(max=PARTY_NAME_MAX)]
    )
    source = StringField(
        _l("Received from (receiving)"), validators=[Optional(), Length(max=PARTY_NAME_MAX)]
    )
    inspector = StringField(_l("Inspector (inspections)"), validators=[Optional(), Length(max=200)])
    notes = StringField(_l("Notes"), validators=[Optional(), Length(max=2000)])

    #: Set by ``event_form``: the lot's cooperative, the codes offered, the zone typed.
    cooperative_id: int | None = None
    zone_options: list[tuple[str, str]] = []
    zone_id: int | None = None

    def validate_zone_code(self, field: StringField) -> None:
        """A typed code names one of the lot's cooperative's zones (any other reads alike)."""
        self.zone_id = None
        self.zone_id = zone_by_code(self.cooperative_id, field.data, required=False)

    def values(self) -> dict[str, Any]:
        """What ``events.record_event`` takes: only what was filled in, the time in the
        cooperative's time zone."""
        kwargs: dict[str, Any] = {"biz_step": self.biz_step.data}
        if self.event_time.data:
            zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
            moment = self.event_time.data.replace(tzinfo=zone)
            kwargs["event_time"] = moment
            kwargs["tz_offset"] = local_offset(moment)
        if self.disposition.data:
            kwargs["disposition"] = self.disposition.data
        if self.zone_id:
            kwargs["zone_id"] = self.zone_id
        if self.location.data:
            kwargs["location"] = self.location.data
        if self.quantity.data is not None:
            kwargs["quantity"] = self.quantity.data
            kwargs["unit"] = self.unit.data
        party = self.party_type.data
        if self.destination.data:
            kwargs["destinations"] = [{"type": party, "name": self.destination.data}]
        if self.source.data:
            kwargs["sources"] = [{"type": party, "name": self.source.data}]
        details = {
            k: getattr(self, k).data for k in ("inspector", "notes") if getattr(self, k).data
        }
        if details:
            kwargs["details"] = details
        return kwargs


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
        _l("Explanation"),
        validators=[
            DataRequired(),
            Length(min=5, max=max_length(EventErrorDeclaration.explanation)),
        ],
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
        _l("Lot code (leave empty to allocate)"),
        validators=[Optional(), Length(max=max_length(Lot.code))],
    )
    best_before = DateField(_l("Best before"), validators=[Optional()])
    location = StringField(
        _l("Where"), validators=[Optional(), Length(max=max_length(TraceEvent.location))]
    )


class RecallForm(Form):
    """A recall decision."""

    reason = TextAreaField(
        _l("Reason for the recall"),
        validators=[DataRequired(), Length(min=5, max=max_length(Recall.reason))],
    )
    instructions = TextAreaField(
        _l("What buyers and consumers should do (shown publicly)"),
        validators=[DataRequired(), Length(min=5, max=max_length(Recall.instructions))],
    )
    decided_by = StringField(
        _l("Decided by (person or authority, decision number)"),
        validators=[DataRequired(), Length(min=2, max=max_length(Recall.decided_by))],
    )
    # The recall's words for shoppers who read another language (the page shows the original,
    # saying so, for a language left blank).
    reason_en = TextAreaField(_l("Reason, in English"), validators=[Length(max=2000)])
    instructions_en = TextAreaField(_l("What to do, in English"), validators=[Length(max=2000)])
    reason_zh = TextAreaField(_l("Reason, in Chinese"), validators=[Length(max=2000)])
    instructions_zh = TextAreaField(_l("What to do, in Chinese"), validators=[Length(max=2000)])
    reason_fr = TextAreaField(_l("Reason, in French"), validators=[Length(max=2000)])
    instructions_fr = TextAreaField(_l("What to do, in French"), validators=[Length(max=2000)])

    def texts(self) -> dict[str, dict[str, str]]:
        """The translated reason and instructions, by language."""
        return {
            lang: {
                "reason": getattr(self, f"reason_{lang}").data or "",
                "instructions": getattr(self, f"instructions_{lang}").data or "",
            }
            for lang in ("en", "zh", "fr")
        }


class ImportForm(Form):
    """Upload a partner's EPCIS document."""

    file = FileField(_l("EPCIS 2.0 JSON-LD document"), validators=[FileRequired()])
