"""Forms for zone codes, their certifications and status transitions."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from traceapp.core.columns import max_length
from traceapp.forms import Form
from traceapp.web import options
from traceapp.zones.models import (
    ACTION_LABELS,
    KIND_LABELS,
    MARKET_LABELS,
    SCHEME_LABELS,
    STATUS_LABELS,
    Zone,
    ZoneCertification,
    ZoneStatus,
    ZoneTransition,
)

__all__ = [
    "ACTION_LABELS",
    "KIND_LABELS",
    "MARKET_LABELS",
    "SCHEME_LABELS",
    "STATUS_LABELS",
    "CertificationForm",
    "LockedZoneForm",
    "TransitionForm",
    "ZoneForm",
]


class HouseholdChoices(SelectMultipleField):
    """Member households as a list of check boxes: ticked without Ctrl-click on any screen,
    and a filter box finds one among hundreds where scripts run (static/js/pick-list.js)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ZoneForm(Form):
    """A zone code's facts, households and geometry (drafts and rejected codes)."""

    code = StringField(
        _l("Code as issued"), validators=[DataRequired(), Length(max=max_length(Zone.code))]
    )
    kind = SelectField(
        _l("Kind"), choices=options([(k.value, label) for k, label in KIND_LABELS.items()])
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=max_length(Zone.name))])
    crop = StringField(
        _l("Crop or species"), validators=[Optional(), Length(max=max_length(Zone.crop))]
    )
    province = StringField(
        _l("Province (as in the decision)"),
        validators=[DataRequired(), Length(max=max_length(Zone.province))],
    )
    district = StringField(
        _l("District"), validators=[Optional(), Length(max=max_length(Zone.district))]
    )
    commune = StringField(
        _l("Commune"), validators=[Optional(), Length(max=max_length(Zone.commune))]
    )
    issuing_authority = StringField(
        _l("Issuing authority"),
        validators=[Optional(), Length(max=max_length(Zone.issuing_authority))],
    )
    decision_number = StringField(
        _l("Decision number"), validators=[Optional(), Length(max=max_length(Zone.decision_number))]
    )
    issued_on = DateField(_l("Issued on"), validators=[Optional()])
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    target_market = SelectField(
        _l("Target market"),
        choices=options([("", "—")] + [(m.value, label) for m, label in MARKET_LABELS.items()]),
    )
    declared_area_ha = DecimalField(
        _l("Declared area (ha)"), places=None, validators=[Optional(), NumberRange(min=0)]
    )
    member_ids = HouseholdChoices(
        _l("Member households farming it"), coerce=int, validators=[Optional()]
    )
    geometry = TextAreaField(
        _l("Location as GeoJSON ([longitude, latitude]): Point, Polygon or MultiPolygon"),
        validators=[Optional(), Length(max=2_000_000)],
    )
    geometry_file = FileField(
        _l("…or upload a GeoJSON, KML or GPX file (a track or waypoints from a phone's GPS app)")
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=max_length(Zone.notes))])


class LockedZoneForm(Form):
    """What may still change once a code was submitted: households and notes."""

    member_ids = HouseholdChoices(
        _l("Member households farming it"), coerce=int, validators=[Optional()]
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=max_length(Zone.notes))])


def decision_choices(targets: Any) -> list[Any]:
    """Status changes to choose from, after an empty first choice: nothing, and above all not
    the permanent revocation, is chosen for the person deciding."""
    return options(
        [("", _l("Choose a decision…"))]
        + [(ZoneStatus(s).value, ACTION_LABELS[ZoneStatus(s)]) for s in targets]
    )


class TransitionForm(Form):
    """A status change, with the reason a decision needs; a revocation must be confirmed."""

    to_status = SelectField(
        _l("Decision"),
        validators=[DataRequired()],
        choices=decision_choices(s for s in ZoneStatus if s in ACTION_LABELS),
    )
    reason = TextAreaField(
        _l("Reason (shown to the cooperative)"),
        validators=[Optional(), Length(max=max_length(ZoneTransition.reason))],
    )
    confirm_revoke = BooleanField(
        _l("I understand that a revocation is final: the code can never be used again.")
    )
    # An approval creates the decision: its number and date are entered with it.
    decision_number = StringField(
        _l("Number of the approving decision (approvals)"),
        validators=[Optional(), Length(max=max_length(Zone.decision_number))],
    )
    issued_on = DateField(_l("Date of the decision (approvals)"), validators=[Optional()])

    def decision_facts(self) -> dict[str, Any]:
        """The approving decision's number and date, for ``services.transition``."""
        return {"decision_number": self.decision_number.data, "issued_on": self.issued_on.data}

    def validate_confirm_revoke(self, field: BooleanField) -> None:
        """A revocation is permanent: it needs the box ticked, never a slip of the list."""
        if self.to_status.data == ZoneStatus.REVOKED.value and not field.data:
            raise ValidationError(_l("A revocation is final: tick the box to confirm it."))


class CertificationForm(Form):
    """A certificate held for the zone."""

    # TRANSLATORS: a certification scheme such as VietGAP, GlobalGAP or organic (the OCOP
    # scores' "Scoring decision" is a different word).
    scheme = SelectField(
        _l("Scheme"), choices=options([(s.value, label) for s, label in SCHEME_LABELS.items()])
    )
    number = StringField(
        _l("Certificate number"),
        validators=[DataRequired(), Length(max=max_length(ZoneCertification.number))],
    )
    issuer = StringField(
        _l("Issued by"), validators=[Optional(), Length(max=max_length(ZoneCertification.issuer))]
    )
    issued_on = DateField(_l("Issued on"), validators=[Optional()])
    expires_on = DateField(_l("Expires on"), validators=[Optional()])


class ZoneImportForm(Form):
    """Upload a file of many zone codes."""

    file = FileField(
        _l("GeoJSON, KML, CSV or Excel file of zone codes"),
        validators=[FileRequired()],
        description=_l(
            "A GeoJSON FeatureCollection (such as the zone export) or a table with a code "
            "column and the outline as WKT or as lat and lon."
        ),
    )
