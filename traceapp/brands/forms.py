"""Forms for collective marks, their logos, grants of use and grant changes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from traceapp.brands.models import (
    CollectiveMark,
    GrantAction,
    GrantEvent,
    GrantStatus,
    MarkGrant,
    MarkStatus,
)
from traceapp.core.columns import max_length
from traceapp.forms import Form
from traceapp.web import options

MARK_STATUS_LABELS = {
    MarkStatus.PENDING: _l("Pending (application filed)"),
    MarkStatus.REGISTERED: _l("Registered"),
    MarkStatus.SUSPENDED: _l("Suspended"),
    MarkStatus.EXPIRED: _l("Expired"),
}
GRANT_STATUS_LABELS = {
    GrantStatus.ACTIVE.value: _l("Active"),
    GrantStatus.SUSPENDED.value: _l("Suspended"),
    GrantStatus.REVOKED.value: _l("Revoked"),
    "not_started": _l("Not started yet"),
    "ended": _l("Ended"),
}
GRANT_ACTION_LABELS = {
    GrantAction.GRANTED: _l("Granted"),
    GrantAction.SUSPENDED: _l("Suspended"),
    GrantAction.REINSTATED: _l("Reinstated"),
    GrantAction.REVOKED: _l("Revoked"),
    GrantAction.PRODUCTS_CHANGED: _l("Products changed"),
    GrantAction.VALIDITY_CHANGED: _l("End date changed"),
}


class MarkForm(Form):
    """A mark's registration details and its rules of use."""

    cooperative_id = SelectField(_l("Cooperative"), coerce=int, validators=[InputRequired()])
    name = StringField(
        _l("Name of the mark"),
        validators=[DataRequired(), Length(max=max_length(CollectiveMark.name))],
    )
    status = SelectField(
        _l("Status"), choices=options([(s.value, label) for s, label in MARK_STATUS_LABELS.items()])
    )
    certificate_number = StringField(
        _l("Certificate number (e.g. 4-0285634-000)"),
        validators=[Optional(), Length(max=max_length(CollectiveMark.certificate_number))],
    )
    certificate_date = DateField(_l("Certificate date"), validators=[Optional()])
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    product_scope = TextAreaField(
        _l("Products covered"),
        validators=[Optional(), Length(max=max_length(CollectiveMark.product_scope))],
    )
    geographic_scope = TextAreaField(
        _l("Geographic area"),
        validators=[Optional(), Length(max=max_length(CollectiveMark.geographic_scope))],
    )
    owner_name = StringField(
        _l("Owner's name"),
        validators=[Optional(), Length(max=max_length(CollectiveMark.owner_name))],
    )
    owner_address = StringField(
        _l("Owner's address"),
        validators=[Optional(), Length(max=max_length(CollectiveMark.owner_address))],
    )
    founding_basis = TextAreaField(
        _l("Owner's founding basis (decision, registration)"),
        validators=[Optional(), Length(max=max_length(CollectiveMark.founding_basis))],
    )
    membership_criteria = TextAreaField(
        _l("Criteria for membership"),
        validators=[Optional(), Length(max=max_length(CollectiveMark.membership_criteria))],
    )
    conditions_of_use = TextAreaField(
        _l("Conditions of use of the mark"),
        validators=[Optional(), Length(max=max_length(CollectiveMark.conditions_of_use))],
    )
    violation_measures = TextAreaField(
        _l("Measures against violations of the rules"),
        validators=[Optional(), Length(max=max_length(CollectiveMark.violation_measures))],
    )
    rules_adopted_on = DateField(_l("Rules of use adopted on"), validators=[Optional()])


class MarkLogoForm(Form):
    """Upload the mark's logo."""

    logo = FileField(_l("Logo (PNG, JPEG or WebP)"), validators=[FileRequired()])


class _ProductChoices(SelectMultipleField):
    """Products as a list of check boxes, easier on a phone than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class GrantForm(Form):
    """Grant a member use of the mark."""

    member_id = SelectField(_l("Member"), coerce=int, validators=[InputRequired()])
    product_ids = _ProductChoices(_l("Products"), coerce=int)
    granted_on = DateField(_l("Granted from"), validators=[InputRequired()])
    valid_until = DateField(_l("Valid until (leave empty if open-ended)"), validators=[Optional()])
    notes = TextAreaField(
        _l("Notes"), validators=[Optional(), Length(max=max_length(MarkGrant.notes))]
    )


class GrantEditForm(Form):
    """Change a grant's products, end date or notes."""

    product_ids = _ProductChoices(_l("Products"), coerce=int)
    effective_on = DateField(_l("A change of products takes effect on"), validators=[Optional()])
    valid_until = DateField(_l("Valid until (leave empty if open-ended)"), validators=[Optional()])
    notes = TextAreaField(
        _l("Notes"), validators=[Optional(), Length(max=max_length(MarkGrant.notes))]
    )


class GrantActionForm(Form):
    """Suspend, reinstate or revoke a grant: from which day, and why."""

    effective_on = DateField(_l("Takes effect on"), validators=[InputRequired()])
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(), Length(min=3, max=max_length(GrantEvent.reason))]
    )
