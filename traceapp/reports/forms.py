"""The shopper's problem report, and the cooperative's note when it handled one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from traceapp.forms import Form
from traceapp.reports.models import PROBLEM_KIND_LABELS
from traceapp.web import options


class ReportForm(Form):
    """What is wrong, in a choice and a few words; a contact and a photo if the shopper wants."""

    about = HiddenField()
    kind = RadioField(
        _l("What is wrong?"),
        choices=options((k.value, label) for k, label in PROBLEM_KIND_LABELS.items()),
        validators=[DataRequired()],
    )
    text = TextAreaField(
        _l("Tell us more"),
        validators=[DataRequired(), Length(min=3, max=1000)],
        description=_l("Where you bought it, when, and what you noticed."),
    )
    contact = StringField(
        _l("Your phone or e-mail (optional)"),
        validators=[Optional(), Length(max=200)],
        description=_l("Only if you want the cooperative to answer you."),
    )
    photo = FileField(_l("A photo of the label or package (optional; PNG, JPEG or WebP)"))


class HandledForm(Form):
    """Mark a report handled, saying what was done."""

    note = StringField(_l("What you did"), validators=[Optional(), Length(max=300)])
