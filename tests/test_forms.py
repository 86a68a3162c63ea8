"""WTForms' own messages follow the user's language (it ships no Vietnamese catalog)."""

from __future__ import annotations

from flask_babel import force_locale
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length

from traceapp.forms import Form


class _Sample(Form):
    name = StringField("Name", validators=[DataRequired(), Length(min=3)])
    count = IntegerField("Count")


def test_builtin_messages_come_from_the_app_catalogs(app):
    with app.test_request_context(method="POST", data={"name": "ab", "count": "x"}):
        with force_locale("vi"):
            form = _Sample(meta={"csrf": False})
            assert not form.validate()
            assert form.count.errors == ["Không phải là số nguyên hợp lệ."]
        with force_locale("en"):
            form = _Sample(meta={"csrf": False})
            assert not form.validate()
            assert form.name.errors == ["Field must be at least 3 characters long."]
