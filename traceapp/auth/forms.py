"""Forms for signing in, passwords, tokens and accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from traceapp.auth.models import Role
from traceapp.core.countries import country_choices
from traceapp.forms import Form
from traceapp.web import options


class LoginForm(Form):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(Form):
    """Change one's own password."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10)])


class TokenForm(Form):
    """Create an API token."""

    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)])
    expires_in_days = IntegerField(
        _l("Expires after (days, optional)"), validators=[Optional(), NumberRange(1, 3650)]
    )


class UserForm(Form):
    """Create an account."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    # Nothing is chosen for the admin: a forgotten role must not make a platform administrator.
    role = SelectField(
        _l("Role"),
        validators=[DataRequired()],
        choices=options([("", _l("Choose a role…"))] + [(r.value, r.label) for r in Role]),
    )
    cooperative_id = SelectField(_l("Cooperative"), coerce=int, validate_choice=False)
    country = SelectField(_l("Country"), choices=lambda: country_choices(), default="VN")
    province = StringField(_l("Province (auditors)"), validators=[Optional(), Length(max=100)])
    district = StringField(_l("District (optional)"), validators=[Optional(), Length(max=100)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=10)])


class ConfirmForm(Form):
    """A button that changes state: only a CSRF token."""
