"""A product's GTIN: well formed, not zeros only, and identifying one product nationally."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.core.inputs import add_error
from traceapp.extensions import db
from traceapp.gs1 import GtinError, gtin_display, normalise_gtin
from traceapp.products.models import Product

if TYPE_CHECKING:
    pass


def check_gtin(
    raw: Any, errors: dict[str, list[str]], cooperative_id: int, existing: Product | None
) -> str | None:
    """The GTIN normalised to 14 digits, or None with its problems added under "gtin"."""
    if raw is None:
        return None
    try:
        gtin = normalise_gtin(str(raw))
    except GtinError as exc:
        # gs1 names the expected check digit: the message a user can act on.
        add_error(errors, "gtin", str(exc))
        return None
    if gtin.strip("0") == "":
        add_error(errors, "gtin", _("A GTIN of zeros only is not a real GTIN."))
        return None
    clash = db.session.execute(
        sa.select(Product.id, Product.cooperative_id, Product.code).where(Product.gtin == gtin)
    ).first()
    if clash is not None and (existing is None or clash.id != existing.id):
        if clash.cooperative_id == cooperative_id:
            add_error(
                errors,
                "gtin",
                _(
                    "GTIN %(gtin)s is already used by your product %(code)s.",
                    gtin=gtin_display(gtin),
                    code=clash.code,
                ),
            )
        else:
            # Another cooperative's product is not named: tenants never learn of each other.
            add_error(
                errors,
                "gtin",
                _(
                    "GTIN %(gtin)s is already registered to another product; "
                    "a GTIN identifies one product nationally.",
                    gtin=gtin_display(gtin),
                ),
            )
    return gtin
