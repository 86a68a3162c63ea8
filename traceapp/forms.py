"""The base of every web form: WTForms' own messages read from the app's catalogs.

WTForms ships French and Chinese catalogs but no Vietnamese one, so "This field is required."
would reach a Vietnamese user in English. Its messages are listed below for extraction and
translated in ``traceapp/translations`` with everything else; the form's translations object
looks them up there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import get_translations, ngettext
from flask_babel import gettext as _
from flask_wtf import FlaskForm


class _CatalogTranslations:
    """What WTForms asks for (``gettext``, ``ngettext``), answered by the app's catalogs.

    WTForms fills its placeholders itself, so neither method formats anything.
    """

    def gettext(self, string: str) -> str:
        """The translation of one of WTForms' messages."""
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The translation of one of WTForms' plural messages for ``n``."""
        return get_translations().ungettext(singular, plural, n)


TRANSLATIONS = _CatalogTranslations()


class Form(FlaskForm):
    """A Flask-WTF form (CSRF included) whose built-in messages follow the user's language."""

    class Meta(FlaskForm.Meta):
        """Route WTForms' messages through the app's catalogs."""

        def get_translations(self, form: Any) -> Any:
            """The catalogs of the request's language."""
            return TRANSLATIONS

    def values_of(self, names: Iterable[str]) -> dict[str, Any]:
        """The submitted values of the named fields, for a service's keyword arguments (a
        field the form does not have, or has dropped, is left out)."""
        return {name: getattr(self, name).data for name in names if hasattr(self, name)}


def _wtforms_messages() -> None:  # pragma: no cover - never called: pybabel reads it
    """WTForms' validator and field messages, so the extraction puts them in the catalogs."""
    _("This field is required.")
    _("Invalid input.")
    _("Invalid email address.")
    _("Invalid URL.")
    _("Invalid UUID.")
    _("Field must be equal to %(other_name)s.")
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    )
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    )
    ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
        1,
    )
    _("Field must be between %(min)d and %(max)d characters long.")
    _("Number must be at least %(min)s.")
    _("Number must be at most %(max)s.")
    _("Number must be between %(min)s and %(max)s.")
    _("Date must be at least %(min)s.")
    _("Date must be at most %(max)s.")
    _("Date must be between %(min)s and %(max)s.")
    _("Invalid value, must be one of: %(values)s.")
    _("Invalid value, can't be any of: %(values)s.")
    _("This field cannot be edited.")
    _("This field is disabled and cannot have a value.")
    _("Invalid Choice: could not coerce.")
    _("Not a valid choice.")
    _("Invalid choice(s): one or more data inputs could not be coerced.")
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    )
    _("Not a valid datetime value.")
    _("Not a valid date value.")
    _("Not a valid time value.")
    _("Not a valid week value.")
    _("Not a valid integer value.")
    _("Not a valid decimal value.")
    _("Not a valid float value.")
