"""A product's GTIN: well formed, not zeros only, and identifying one product nationally."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _

from traceapp.core import countries
from traceapp.core.inputs import add_error
from traceapp.extensions import db
from traceapp.gs1 import GtinError, gtin_display, normalise_gtin, prefix_country
from traceapp.products.models import Product

if TYPE_CHECKING:
    pass


def prefix_note(gtin: str | None, country: str) -> str | None:
    """A word of caution when a GTIN's GS1 prefix belongs to another country than the
    cooperative's (a GTIN is usually issued by the producer's national GS1 office)."""
    if not gtin:
        return None
    found = prefix_country(gtin)
    ours = countries.get(country)
    if found == ours.code:
        return None
    language = str(get_locale() or "")
    if found is None:
        return _(
            "This GTIN's prefix is not one of %(country)s's GS1 prefixes (%(prefixes)s): "
            "check that it was issued to your cooperative.",
            country=ours.name(language),
            prefixes=", ".join(ours.gtin_prefixes),
        )
    return _(
        "This GTIN carries a GS1 prefix of %(other)s, not of %(country)s (%(prefixes)s): "
        "check that it was issued to your cooperative.",
        other=countries.get(found).name(language),
        country=ours.name(language),
        prefixes=", ".join(ours.gtin_prefixes),
    )


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
