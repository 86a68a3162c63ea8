"""Parsing GS1 Digital Link paths strictly, before anything touches the database."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple
from urllib.parse import unquote

from flask_babel import gettext as _

from traceapp.core.inputs import is_digits
from traceapp.gs1 import is_ai82

#: Key qualifiers of a GTIN, in the only order GS1 Digital Link allows.
QUALIFIER_ORDER = ("22", "10", "21")


class BadPath(ValueError):
    """A path that is not a well-formed GS1 Digital Link URI (answered with 400)."""


class Resolution(NamedTuple):
    """What a Digital Link path names."""

    gtin: str
    cpv: str | None = None
    lot: str | None = None
    serial: str | None = None


def parse_digital_link(path: str) -> Resolution:
    """Parse '/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]' (GTIN-8/12/13/14 accepted)."""
    parts = path.strip("/").split("/")
    if len(parts) < 2 or parts[0] != "01" or len(parts) % 2:
        # TRANSLATORS: {gtin} stands for the product's GTIN, as GS1 writes URI templates.
        raise BadPath(_("A GS1 Digital Link path is /01/{gtin} followed by key qualifiers."))
    gtin = gtin14(unquote(parts[1]))
    values: dict[str, str] = {}
    last = -1
    for ai, raw in zip(parts[2::2], parts[3::2], strict=True):
        if ai not in QUALIFIER_ORDER:
            # TRANSLATORS: %(ai)s is a GS1 application identifier as written in the path (22).
            raise BadPath(_("Unknown or misplaced application identifier '%(ai)s'.", ai=ai))
        position = QUALIFIER_ORDER.index(ai)
        if position <= last:
            raise BadPath(_("Key qualifiers must come in the order 22, 10, 21, each once."))
        last = position
        value = unquote(raw)
        if not is_ai82(value):
            # TRANSLATORS: %(ai)s is a GS1 application identifier: 22, 10 (lot) or 21 (serial).
            raise BadPath(_("AI %(ai)s: 1 to 20 characters of the GS1 character set.", ai=ai))
        values[ai] = value
    return Resolution(
        gtin=gtin, cpv=values.get("22"), lot=values.get("10"), serial=values.get("21")
    )


@lru_cache(maxsize=512)
def gtin14(text: str) -> str:
    """A GTIN-8/12/13/14 from a path as GTIN-14, or BadPath. A plain mod-10 check here, not
    biip: this runs on every scan, and the path is already split (forms use biip). A
    cooperative has a few GTINs: each is checked once (a refusal is not remembered)."""
    if len(text) not in (8, 12, 13, 14) or not is_digits(text):
        raise BadPath(_("GTIN: 8, 12, 13 or 14 digits."))
    digits = text.zfill(14)
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits[:13]))
    if (10 - total % 10) % 10 != int(digits[13]):
        raise BadPath(_("GTIN: wrong check digit."))
    return digits


def valid_serial(serial: str) -> bool:
    """Whether a short-link serial is structurally possible (checked before any query)."""
    return is_ai82(serial)
