"""What the domain settings offer products (categories, units, languages, the OCOP rules),
and the number parsing that the product and OCOP checks share."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from flask import current_app

from traceapp import tunables

if TYPE_CHECKING:
    pass


#: Units of trade offered when the settings file names none ("units_of_trade"): code ->
#: label, a lazy string in the reader's language.
DEFAULT_UNITS_OF_TRADE: dict[str, Any] = tunables.DEFAULTS["units_of_trade"]


def parse_decimal(value: Any) -> Decimal | None:
    """A Decimal from a form or API value (a comma is a decimal separator); None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    text = str(value).strip().replace(" ", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a number")
    return number


def decimal_places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def categories() -> dict[str, dict[str, Any]]:
    """Product categories from the domain settings."""
    return tunables.get("categories")


def net_units() -> dict[str, str]:
    """Units a net quantity may be given in (UN/ECE Rec 20 code -> short label)."""
    return tunables.get("units")


def units_of_trade() -> dict[str, str]:
    """Units of trade: the settings file may replace the default list."""
    return tunables.tunables().get("units_of_trade") or DEFAULT_UNITS_OF_TRADE


def other_languages() -> list[str]:
    """Languages a product name may be translated into (all configured ones but Vietnamese)."""
    return [lang for lang in current_app.config["TRACEAPP_LANGUAGES"] if lang != "vi"]


def ocop_settings() -> dict[str, Any]:
    """The OCOP section of the domain settings."""
    return tunables.get("ocop")
