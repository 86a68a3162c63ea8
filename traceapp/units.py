"""Quantities with UN/ECE Recommendation 20 units, as EPCIS writes them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import has_app_context
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: unit code -> (family, factor to the family's base unit, short label)
UNITS: dict[str, tuple[str, Decimal, str]] = {
    "KGM": ("mass", Decimal("1"), "kg"),
    "GRM": ("mass", Decimal("0.001"), "g"),
    "TNE": ("mass", Decimal("1000"), "t"),
    "H87": ("count", Decimal("1"), "pcs"),
    "LTR": ("volume", Decimal("1"), "l"),
    "MLT": ("volume", Decimal("0.001"), "ml"),
}
#: Short labels a reader sees that are words, not symbols (kg, g, t, l and ml are the same in
#: every language the app speaks).
UNIT_WORDS = {
    # TRANSLATORS: the short label of a count of pieces after a number, as in "24 pcs".
    "H87": _l("pcs"),
}
#: What a unit list shows a reader: the unit's name and its symbol, in the reader's language
#: (the UN/ECE code is for machines: the API and EPCIS).
UNIT_NAMES = {
    "KGM": _l("kilogram (kg)"),
    "GRM": _l("gram (g)"),
    "TNE": _l("tonne (t)"),
    # TRANSLATORS: a unit: a count of pieces; "pcs" is the short label after a number.
    "H87": _l("piece (pcs)"),
    "LTR": _l("litre (l)"),
    "MLT": _l("millilitre (ml)"),
}


class UnitError(ValueError):
    """An unknown unit, or two units that cannot be compared."""


def check_unit(code: str | None) -> str:
    """The unit code, upper-cased, or UnitError."""
    code = (code or "").strip().upper()
    if code not in UNITS:
        choices = ", ".join(UNITS)
        if not code:
            raise UnitError(_("Choose a unit: one of %(units)s.", units=choices))
        # TRANSLATORS: %(code)s is what was given as a unit; %(units)s lists the unit codes.
        raise UnitError(_("Unknown unit %(code)s: use one of %(units)s.", code=code, units=choices))
    return code


def to_decimal(value: object) -> Decimal:
    """A Decimal from user input, or ValueError."""
    try:
        result = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        result = None
    if result is None or not result.is_finite():
        # TRANSLATORS: %(value)s is what was typed where a number was expected.
        raise ValueError(_("This is not a number: %(value)s.", value=str(value)[:40]))
    return result


def convert(quantity: Decimal, unit: str, to_unit: str) -> Decimal:
    """Convert between units of one family (kg and g, l and ml); UnitError across families."""
    unit, to_unit = check_unit(unit), check_unit(to_unit)
    family, factor = UNITS[unit][:2]
    to_family, to_factor = UNITS[to_unit][:2]
    if family != to_family:
        # TRANSLATORS: %(a)s and %(b)s are units (kg, l, pcs): e.g. a mass and a volume.
        raise UnitError(
            _(
                "%(a)s and %(b)s cannot be compared: they measure different things.",
                a=label(unit),
                b=label(to_unit),
            )
        )
    return quantity * factor / to_factor


def same_family(a: str, b: str) -> bool:
    """Whether two units measure the same thing."""
    return UNITS.get(a, ("?",))[0] == UNITS.get(b, ("!",))[0]


def label(unit: str | None) -> str:
    """The short label of a unit for a reader (kg, g, pcs: translated where it is a word)."""
    if unit in UNIT_WORDS:
        return str(UNIT_WORDS[unit])
    return plain_label(unit)


def plain_label(unit: str | None) -> str:
    """The short label of a unit as machine outputs and records write it (kg, g, pcs)."""
    return UNITS[unit][2] if unit in UNITS else (unit or "")


#: Every digit a stored quantity can have (Babel's default pattern would round to 3 places).
_QUANTITY_PATTERN = "#,##0.##########"


def number_text(quantity: Decimal | None) -> str:
    """A number for a reader in the current locale (1.234,25 in Vietnamese, 1,234.25 in
    English), with every digit it has; plain outside the application."""
    if quantity is None:
        return ""
    if not has_app_context():  # a script without the application: no locale to follow
        return number_plain(quantity)
    return format_decimal(Decimal(quantity), _QUANTITY_PATTERN)


def number_plain(quantity: Decimal | None) -> str:
    """A number for records, inputs and machine outputs: no trailing zeros (500, 0.25), never
    in exponent form."""
    return "" if quantity is None else format(Decimal(quantity).normalize(), "f")


def fmt(quantity: Decimal | None, unit: str | None) -> str:
    """A quantity for a reader in the current locale (0,5 kg in Vietnamese, 0.5 kg in English)."""
    if quantity is None:
        return ""
    if not has_app_context():
        return fmt_plain(quantity, unit)
    return f"{number_text(quantity)} {label(unit)}".strip()


def fmt_plain(quantity: Decimal | None, unit: str | None) -> str:
    """A quantity for records and machine outputs (audit summaries, logs): 0.5 kg, 1500 kg."""
    if quantity is None:
        return ""
    return f"{number_plain(quantity)} {plain_label(unit)}".strip()
