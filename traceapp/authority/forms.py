"""Forms of the authority console: decisions and inspections."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from traceapp.authority.models import (
    FLAG_LABELS as FLAG_LABELS,
)
from traceapp.authority.models import (
    RESIDUE_LABELS as RESIDUE_LABELS,
)
from traceapp.authority.models import (
    RESULT_LABELS as RESULT_LABELS,
)
from traceapp.batches.models import LOT_STATUS_LABELS as LOT_STATUS_LABELS
from traceapp.forms import Form
from traceapp.labels.models import RUN_KIND_LABELS as RUN_KIND_LABELS
from traceapp.web import options
from traceapp.zones.forms import TransitionForm

#: The zone register's filters, named in a message when a value cannot be used.
FILTER_LABELS = {
    "q": _l("Search"),
    "kind": _l("Kind"),
    "crop": _l("Crop or species"),
    "status": _l("Status"),
    "on": _l("Status on"),
    "cooperative_id": _l("Cooperative"),
    "commune": _l("Commune"),
    "expiring_within": _l("Expiring within (days)"),
    "flagged": _l("Flags"),
}


class DecisionForm(TransitionForm):
    """Approve, reject, suspend, reinstate or revoke, with a reason (always required here)."""

    reason = TextAreaField(
        _l("Reason (the cooperative will see it)"),
        validators=[DataRequired(), Length(min=3, max=2000)],
    )


class InspectionForm(Form):
    """A field inspection and its checklist."""

    inspected_on = DateField(_l("Date of the visit"), validators=[DataRequired()])
    inspector_name = StringField(_l("Inspector"), validators=[DataRequired(), Length(max=120)])
    boundaries_match = BooleanField(_l("Boundaries match the registered outline"))
    farm_diary_kept = BooleanField(_l("Farm diary kept"))
    permitted_inputs_only = BooleanField(_l("Only permitted inputs used"))
    residue_result = SelectField(
        _l("Residue sampling"),
        choices=options([(k.value, v) for k, v in RESIDUE_LABELS.items()]),
        default="not_sampled",
    )
    gap_certificate_valid = BooleanField(_l("GAP certificate valid"))
    result = SelectField(
        _l("Result"), choices=options([(k.value, v) for k, v in RESULT_LABELS.items()])
    )
    findings = TextAreaField(_l("Findings"), validators=[Optional(), Length(max=5000)])
    follow_up_on = DateField(_l("Follow-up by"), validators=[Optional()])
    suspend = BooleanField(_l("Suspend the code now (failed inspections only)"))
    suspension_reason = TextAreaField(
        _l("Reason for the suspension (default: the findings)"),
        validators=[Optional(), Length(max=2000)],
    )
