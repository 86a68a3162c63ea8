"""Forms for lots, contributions, events, corrections, transformations and recalls."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, request
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

from traceapp.batches.entry_checks import origin_kinds
from traceapp.batches.event_vocab import DISPOSITION_WORDS
from traceapp.batches.events import PARTY_LABELS, STEPS, local_offset
from traceapp.batches.models import Contribution, EventErrorDeclaration, Lot, Recall, TraceEvent
from traceapp.batches.rules import PARTY_NAME_MAX
from traceapp.cooperatives.models import Member
from traceapp.core import gdst_codes
from traceapp.core.columns import max_length
from traceapp.extensions import db
from traceapp.forms import Form
from traceapp.units import UNIT_NAMES
from traceapp.web import options
from traceapp.zones.models import Zone, ZoneStatus

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


class ContributionForm(Form):
    """A member's delivery into a lot."""

    member_id = SelectField(_l("Member"), coerce=int, validate_choice=False)
    zone_id = SelectField(_l("Zone code"), coerce=int, validate_choice=False)
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

    #: Set by :func:`event_form`: the lot's cooperative (whose zone codes may be typed), the
    #: codes offered, and the zone a valid code named.
    cooperative_id: int | None = None
    zone_options: list[tuple[str, str]] = []
    zone_id: int | None = None

    def validate_zone_code(self, field: StringField) -> None:
        """A typed code names one of the lot's cooperative's zones (any other reads alike)."""
        from flask_babel import gettext as _
        from wtforms.validators import ValidationError

        self.zone_id = None
        if not field.data:
            return
        self.zone_id = db.session.scalar(
            sa.select(Zone.id).where(
                Zone.cooperative_id == self.cooperative_id,
                sa.func.upper(Zone.code) == field.data.upper(),
            )
        )
        if self.zone_id is None:
            raise ValidationError(_("No such zone code in the lot's cooperative."))

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


def contribution_form(lot: Lot) -> ContributionForm:
    """The delivery form of a lot's page: the cooperative's current members, and its approved
    zones of a kind the lot's product may be harvested or caught in."""
    form = ContributionForm(prefix="c")
    form.member_id.choices = options(
        (m.id, f"{m.member_number} · {m.full_name}")
        for m in db.session.execute(
            sa.select(Member)
            .where(Member.cooperative_id == lot.cooperative_id, Member.left_on.is_(None))
            .order_by(Member.member_number)
        ).scalars()
    )
    kinds = origin_kinds(lot.product)
    form.zone_id.choices = options(
        (z.id, f"{z.code} · {z.name or z.crop or ''}")
        for z in db.session.execute(
            sa.select(Zone)
            .where(
                Zone.status == ZoneStatus.APPROVED,
                Zone.kind.in_(kinds),
                Zone.cooperative_id == lot.cooperative_id,
            )
            .order_by(Zone.code)
        ).scalars()
    )
    if request.method == "GET":
        form.unit.data = lot.unit
        form.delivered_on.data = lot.production_date
    return form


#: At most this many of the lot's zones are offered to pick from on its event form.
ZONES_OFFERED = 50


def event_form(lot: Lot, cls: type[EventForm] = EventForm, prefix: str = "e") -> Any:
    """The event form (or the correction form) of a lot, its choices filled in."""
    form = cls(prefix=prefix)
    form.biz_step.choices = options((k, v["label"]) for k, v in STEPS.items())
    form.disposition.choices = options([("", "—"), *DISPOSITION_WORDS.items()])
    form.cooperative_id = lot.cooperative_id
    form.zone_code.render_kw = {"list": f"{prefix}-zones", "autocomplete": "off"}
    # Offered: the zones the lot's deliveries came from (any other code may be typed).
    form.zone_options = [
        (code, name or crop or "")
        for code, name, crop in db.session.execute(
            sa.select(Zone.code, Zone.name, Zone.crop)
            .where(
                Zone.id.in_(sa.select(Contribution.zone_id).where(Contribution.lot_id == lot.id)),
                Zone.cooperative_id == lot.cooperative_id,
            )
            .order_by(Zone.code)
            .limit(ZONES_OFFERED)
        )
    ]
    if request.method == "GET":
        form.unit.data = lot.unit
    return form
