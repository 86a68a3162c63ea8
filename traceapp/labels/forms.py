"""Forms for issuing, printing and voiding labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from traceapp.forms import Form
from traceapp.labels.models import VOID_KIND_LABELS
from traceapp.labels.rendering import LAYOUTS, MAX_COPIES
from traceapp.web import options

LAYOUT_CHOICES = options((key, layout.name) for key, layout in LAYOUTS.items())
#: The printable formats, by code.
FORMAT_LABELS = {
    "pdf": _l("PDF for printing"),
    "zpl": _l("ZPL for Zebra thermal printers"),
    "png-zip": _l("ZIP of PNG images"),
}


class IssueForm(Form):
    """Issue a run of labels for a lot."""

    count = IntegerField(
        _l("How many labels"), validators=[DataRequired(), NumberRange(1, MAX_COPIES)]
    )
    kind = SelectField(
        _l("Kind"),
        choices=options(
            [
                ("serialised", _l("One serialised label per item (recommended)")),
                ("lot_copies", _l("Copies of one lot-level label (products sold loose)")),
            ]
        ),
    )
    template = SelectField(_l("Sheet or roll"), choices=LAYOUT_CHOICES)
    ec = SelectField(
        _l("QR error correction"),
        choices=options([("M", _l("M (default)")), ("Q", _l("Q (rough surfaces, small labels)"))]),
    )


class PrintForm(Form):
    """Render a run for printing."""

    fmt = SelectField(_l("Format"), choices=options(FORMAT_LABELS.items()))
    layout = SelectField(_l("Layout (PDF)"), choices=LAYOUT_CHOICES)


class ClearFlagForm(Form):
    """Clear one label's flag with a reason."""

    serial = StringField(_l("Serial"), validators=[DataRequired(), Length(max=20)])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(min=3, max=300)])


class VoidForm(Form):
    """Void labels with a reason."""

    kind = SelectField(
        _l("What happened"),
        choices=options((k.value, label) for k, label in VOID_KIND_LABELS.items()),
        validators=[DataRequired()],
        description=_l("Shoppers who scan a withdrawn label are told this, and what to do."),
    )
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(min=3, max=300)])
    first = IntegerField(_l("From position"), validators=[Optional(), NumberRange(min=1)])
    last = IntegerField(_l("To position"), validators=[Optional(), NumberRange(min=1)])
    serial = StringField(_l("Or one serial"), validators=[Optional(), Length(max=20)])
