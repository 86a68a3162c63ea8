"""GS1 identifiers: GTIN check digits (via biip), AI 10/21 values, Digital Link URIs."""

from __future__ import annotations

import re
from urllib.parse import quote

from biip import ParseError
from biip.gtin import Gtin
from flask_babel import gettext as _

from traceapp.core import countries
from traceapp.core.inputs import is_digits

#: The GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
AI82 = r"!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z"
AI82_VALUE_RE = re.compile(rf"^[{AI82}]{{1,20}}$")


def prefix_country(gtin: str | None) -> str | None:
    """The country whose GS1 member organisation issued the GTIN's prefix (the country
    profiles' ``gtin_prefixes``: Vietnam 893, Cambodia 884, Türkiye 868-869), if known."""
    country = countries.for_gtin(gtin)
    return country.code if country else None


class GtinError(ValueError):
    """A GTIN that is malformed or has a wrong check digit."""


def normalise_gtin(value: str) -> str:
    """Accept GTIN-8/12/13/14 (spaces and dashes ignored); return the GTIN-14 form.

    Raises GtinError naming what is wrong (length, digits, or the expected check digit).
    """
    digits = re.sub(r"[\s-]", "", value or "")
    if not is_digits(digits):
        raise GtinError(_("A GTIN has digits only."))
    if len(digits) not in (8, 12, 13, 14):
        raise GtinError(_("A GTIN has 8, 12, 13 or 14 digits."))
    expected = check_digit(digits[:-1])
    if digits[-1] != expected:
        # TRANSLATORS: %(gtin)s is the GTIN as typed; %(expected)s and %(got)s are digits.
        raise GtinError(
            _(
                "Invalid GTIN check digit for %(gtin)s: Expected %(expected)s, got %(got)s.",
                gtin=digits,
                expected=expected,
                got=digits[-1],
            )
        )
    try:
        gtin = Gtin.parse(digits)
    except ParseError:
        raise GtinError(_("This is not a valid GTIN.")) from None
    return gtin.as_gtin_14()


def check_digit(body: str) -> str:
    """The GS1 mod-10 check digit of a GTIN without its last digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def gtin_display(gtin14: str) -> str:
    """The shortest form of a GTIN-14, as printed under a barcode (GTIN-13 for most)."""
    stripped = gtin14.lstrip("0")
    for size in (8, 12, 13):
        if len(stripped) <= size and gtin14[: 14 - size].strip("0") == "":
            return gtin14[14 - size :]
    return gtin14


def is_ai82(value: str) -> bool:
    """Whether a lot (AI 10) or serial (AI 21) value is 1-20 characters of the set 82."""
    return bool(AI82_VALUE_RE.match(value or ""))


def _segment(value: str) -> str:
    return quote(value, safe="")


def digital_link(
    base_url: str,
    gtin14: str,
    lot: str | None = None,
    serial: str | None = None,
    expiry: str | None = None,
) -> str:
    """A GS1 Digital Link URI: /01/gtin[/10/lot][/21/serial], expiry (YYMMDD) as ?17=."""
    uri = f"{base_url.rstrip('/')}/01/{gtin14}"
    if lot is not None:
        uri += f"/10/{_segment(lot)}"
    if serial is not None:
        uri += f"/21/{_segment(serial)}"
    if expiry:
        uri += f"?17={expiry}"
    return uri
