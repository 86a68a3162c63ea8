"""Words a shopper understands for the codes a lot records (fishing gear, sale units)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from traceapp.units import fmt

#: The usual ISSCFG gear codes of the cooperatives' catches, as a reader would say them.
GEAR_NAMES = {
    "LHP": _l("hand lines and pole-and-lines"),
    "LHM": _l("mechanised lines and pole-and-lines"),
    "LLD": _l("drifting longlines"),
    "LLS": _l("set longlines"),
    "PS": _l("purse seine"),
    "GNS": _l("set gillnets"),
    "GND": _l("drift gillnets"),
    "OTB": _l("bottom trawl"),
    "FPO": _l("pots and traps"),
}


def gear_name(code: str | None) -> str | None:
    """A fishing gear in words; a code of no known meaning is shown as recorded."""
    if not code:
        return None
    name = GEAR_NAMES.get(code.strip().upper())
    return str(name) if name is not None else code


#: Units of trade that are a weight: the package is weighed at sale, it has no fixed net.
BY_WEIGHT = {"kg"}


def net_text(unit_of_trade: str, quantity: Decimal | None, unit: str | None) -> Any:
    """The net quantity as a shopper reads it, in the product's sold unit, or None.

    A product sold by weight has no fixed net quantity (a lobster is weighed at the market),
    and "1 piece" of a product sold by the piece tells nothing: neither is shown."""
    if unit_of_trade in BY_WEIGHT or quantity is None:
        return None
    if unit == "H87" and quantity == 1:
        return None
    return fmt(quantity, unit)
