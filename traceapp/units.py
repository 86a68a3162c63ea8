"""Quantities with UN/ECE Recommendation 20 units, as EPCIS writes them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

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
UNIT_NAMES = {
    "KGM": _l("kilograms (kg)"), "GRM": _l("grams (g)"), "TNE": _l("tonnes (t)"),
    "H87": _l("pieces"), "LTR": _l("litres (l)"), "MLT": _l("millilitres (ml)"),
}


class UnitError(ValueError):
    """An unknown unit, or two units that cannot be compared."""


def check_unit(code: str | None) -> str:
    """The unit code, upper-cased, or UnitError."""
    code = (code or "").strip().upper()
    if code not in UNITS:
        raise UnitError(f"Unknown unit {code or '(none)'}: use one of {', '.join(UNITS)}.")
    return code


def to_decimal(value: object) -> Decimal:
    """A Decimal from user input, or ValueError."""
    try:
        result = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return result


def convert(quantity: Decimal, unit: str, to_unit: str) -> Decimal:
    """Convert between units of one family (kg and g, l and ml); UnitError across families."""
    family, factor, _ = UNITS[check_unit(unit)]
    to_family, to_factor, _ = UNITS[check_unit(to_unit)]
    if family != to_family:
        raise UnitError(f"{unit} and {to_unit} cannot be compared ({family} vs {to_family}).")
    return quantity * factor / to_factor


def same_family(a: str, b: str) -> bool:
    """Whether two units measure the same thing."""
    return UNITS.get(a, ("?",))[0] == UNITS.get(b, ("!",))[0]


def label(unit: str | None) -> str:
    """The short label of a unit (kg, g, pcs)."""
    return UNITS[unit][2] if unit in UNITS else (unit or "")


def fmt(quantity: Decimal | None, unit: str | None) -> str:
    """A quantity for display: no trailing zeros, with the unit's short label."""
    if quantity is None:
        return ""
    text = format(quantity.normalize(), "f")
    return f"{text} {label(unit)}".strip()
