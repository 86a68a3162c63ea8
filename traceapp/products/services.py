"""Products: registering and editing them (code, names, units, GTIN, mark, shelf life), their
photo, and searching them.

The settings (``catalogue``), GTIN checks (``gtins``) and OCOP records (``ocop``) live
beside this module; their public names are re-exported here."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from traceapp import tunables
from traceapp.audit import services as audit
from traceapp.auth.models import SYSTEM
from traceapp.auth.permissions import get_scoped, require, scoped_ref
from traceapp.brands.models import CollectiveMark
from traceapp.cooperatives.models import Cooperative
from traceapp.core import gdst_codes
from traceapp.core.columns import max_length
from traceapp.core.inputs import add_error, blank_to_none, id_or_none
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.gs1 import gtin_display, normalise_gtin
from traceapp.media.services import store_image
from traceapp.products.catalogue import (
    DEFAULT_UNITS_OF_TRADE,
    categories,
    decimal_places,
    net_units,
    ocop_settings,
    other_languages,
    parse_decimal,
    units_of_trade,
)

# Called through this module's name, so that a test can stand in for the check.
from traceapp.products.gtins import check_gtin as _check_gtin
from traceapp.products.gtins import prefix_note
from traceapp.products.listing import marks_for, product_search
from traceapp.products.models import Product
from traceapp.products.ocop import (
    OCOP_FIELDS,
    SCORE_PARTS,
    add_months,
    certified_min_stars,
    current_ocop,
    level_for_stars,
    ocop_stars_for_display,
    ocop_status,
    ocop_valid_until,
    record_ocop,
    stars_for_total,
    superseded_ids,
)

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


__all__ = [
    "CODE_RE",
    "DEFAULT_UNITS_OF_TRADE",
    # reached through this module by callers that read the settings and show GTINs
    "tunables",
    "gtin_display",
    "MAX_SHELF_LIFE_DAYS",
    "OCOP_FIELDS",
    "PRODUCT_FIELDS",
    "SCORE_PARTS",
    "add_months",
    "categories",
    "certified_min_stars",
    "check_product",
    "create_product",
    "current_ocop",
    "level_for_stars",
    "marks_for",
    "net_units",
    "normalise_gtin",
    "ocop_settings",
    "ocop_stars_for_display",
    "ocop_status",
    "ocop_valid_until",
    "other_languages",
    "parse_decimal",
    "prefix_note",
    "product_search",
    "record_ocop",
    "set_product_image",
    "stars_for_total",
    "superseded_ids",
    "units_of_trade",
    "update_product",
]

CODE_RE = re.compile(rf"^[A-Za-z0-9.-]{{1,{max_length(Product.code)}}}$")

PRODUCT_FIELDS = (
    "code",
    "name",
    "names",
    "description",
    "ingredients",
    "allergens",
    "category",
    "unit_of_trade",
    "net_quantity",
    "net_unit",
    "gtin",
    "mark_id",
    "shelf_life_days",
    "is_active",
    "fao_species",
)


MAX_SHELF_LIFE_DAYS = 3650


def _normalise_names(raw: Any, errors: dict[str, list[str]]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        add_error(errors, "names", _("Give the names as a language code and a name each."))
        return {}
    allowed = other_languages()
    names: dict[str, str] = {}
    for lang, text in raw.items():
        if lang not in allowed:
            add_error(
                errors,
                "names",
                _(
                    "Unknown language %(lang)s: use one of %(langs)s.",
                    lang=lang,
                    langs=", ".join(allowed),
                ),
            )
            continue
        if text is not None and not isinstance(text, str):
            add_error(errors, "names", _("The %(lang)s name must be text.", lang=lang))
            continue
        text = (text or "").strip()
        if len(text) > max_length(Product.name):
            add_error(
                errors, "names", _("The %(lang)s name has at most 200 characters.", lang=lang)
            )
        elif text:
            names[lang] = text
    return names


def check_product(
    values: dict[str, Any],
    cooperative_id: int,
    existing: Product | None = None,
    *,
    actor: Actor = SYSTEM,
) -> dict[str, Any]:
    """Validate and normalise a product's values; raise ValidationFailed naming every field."""
    errors: dict[str, list[str]] = {}
    out = dict(values)

    code = values.get("code")
    if not code:
        add_error(errors, "code", _("Enter the product code."))
    elif not CODE_RE.match(code):
        add_error(errors, "code", _("1 to 40 letters, digits, dots or dashes."))
    else:
        clash = db.session.execute(
            sa.select(Product.id).where(
                Product.cooperative_id == cooperative_id,
                sa.func.lower(Product.code) == code.lower(),
            )
        ).first()
        if clash is not None and (existing is None or clash.id != existing.id):
            add_error(errors, "code", _("Product code %(code)s is already in use.", code=code))

    name = values.get("name")
    if not name:
        add_error(errors, "name", _("Enter the product's name in Vietnamese."))
    elif len(name) > max_length(Product.name):
        add_error(errors, "name", _("At most %(n)d characters.", n=max_length(Product.name)))
    out["names"] = _normalise_names(values.get("names"), errors)
    for name, column in (
        ("description", Product.description),
        ("ingredients", Product.ingredients),
        ("allergens", Product.allergens),
    ):
        limit = max_length(column)
        if values.get(name) and len(values[name]) > limit:
            add_error(errors, name, _("At most %(n)d characters.", n=limit))

    cats = categories()
    if values.get("category") not in cats:
        add_error(errors, "category", _("Choose a category: %(list)s.", list=", ".join(cats)))
    trade_units = units_of_trade()
    if values.get("unit_of_trade") not in trade_units:
        add_error(
            errors,
            "unit_of_trade",
            _("Choose a unit of trade: %(list)s.", list=", ".join(trade_units)),
        )

    try:
        quantity = parse_decimal(values.get("net_quantity"))
    except ValueError:
        quantity = None
        add_error(
            errors, "net_quantity", _("Enter the net quantity as a number, e.g. 500 or 0.25.")
        )
    else:
        if quantity is not None:
            if quantity <= 0:
                add_error(errors, "net_quantity", _("The net quantity must be more than zero."))
            elif decimal_places(quantity) > 3 or quantity >= Decimal("1000000000"):
                add_error(
                    errors,
                    "net_quantity",
                    _("At most 9 digits before the decimal point and 3 after it."),
                )
    out["net_quantity"] = quantity
    unit = values.get("net_unit")
    if unit is not None:
        unit = str(unit).upper()
        if unit not in net_units():
            add_error(
                errors, "net_unit", _("Choose a unit: %(list)s.", list=", ".join(net_units()))
            )
    out["net_unit"] = unit
    if quantity is not None and unit is None and "net_unit" not in errors:
        add_error(errors, "net_unit", _("Give the unit of the net quantity."))
    if unit is not None and quantity is None and "net_quantity" not in errors:
        add_error(errors, "net_quantity", _("Give the net quantity for this unit."))

    out["gtin"] = _check_gtin(values.get("gtin"), errors, cooperative_id, existing)

    if values.get("mark_id") is not None:
        # Loaded through the actor's scope, from this cooperative's marks only: a foreign mark
        # gets the same answer as an unknown one.
        scoped_ref(
            CollectiveMark,
            values["mark_id"],
            actor,
            "mark_id",
            cooperative_id=cooperative_id,
            message=_("Choose a collective mark of this cooperative."),
            errors=errors,
        )

    species = values.get("fao_species")
    if species is not None and species not in gdst_codes.SPECIES:
        add_error(errors, "fao_species", _("Choose a species from the list (FAO 3-alpha code)."))
    days = values.get("shelf_life_days")
    if days is not None and (
        not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_SHELF_LIFE_DAYS
    ):
        add_error(
            errors,
            "shelf_life_days",
            _("Enter a number of days from 1 to %(max)s.", max=format_number(MAX_SHELF_LIFE_DAYS)),
        )
    if errors:
        raise ValidationFailed(_("The product could not be saved."), errors)
    return out


def _product_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {k: blank_to_none(v) for k, v in data.items() if k in PRODUCT_FIELDS}
    if isinstance(values.get("mark_id"), str):
        values["mark_id"] = id_or_none(values["mark_id"]) or -1
    return values


def _flush_guarded(obj: Any) -> None:
    """Flush in a savepoint: a concurrent duplicate (code, GTIN) becomes a clear refusal."""
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except IntegrityError:
        raise ValidationFailed(
            _(
                "Another product was saved with the same code or GTIN at the same moment; "
                "check and try again."
            ),
            {
                "code": [_("Check that the code is unique.")],
                "gtin": [_("Check that the GTIN is unique.")],
            },
        ) from None


def create_product(actor: Actor, cooperative_id: int, image: Any = None, **data: Any) -> Product:
    """Register a product of a cooperative (its manager or an administrator)."""
    coop = get_scoped(Cooperative, cooperative_id, actor)
    require(
        actor.can_manage_cooperative(coop.id),
        _("Only the cooperative's manager may register products."),
    )
    values = _product_values(data)
    values.setdefault("unit_of_trade", "piece")
    if values.get("is_active") is None:
        values["is_active"] = True
    values = check_product(values, coop.id, actor=actor)
    stored = store_image(image, "image", coop.id) if image is not None else None
    product = Product(cooperative_id=coop.id, **values)
    if stored is not None:
        product.image = stored.key
    _flush_guarded(product)
    audit.record(actor, "product.create", product, changes=audit.created(product))
    return product


def update_product(actor: Actor, product: Product, image: Any = None, **data: Any) -> Product:
    """Change a product; only the fields given change, and the whole result is re-checked."""
    require(
        actor.can_manage_cooperative(product.cooperative_id),
        _("Only the cooperative's manager may edit products."),
    )
    values = _product_values(data)
    if "is_active" in values and values["is_active"] is None:
        values.pop("is_active")  # a flag is never cleared, only set true or false
    merged = {k: getattr(product, k) for k in PRODUCT_FIELDS} | values
    checked = check_product(merged, product.cooperative_id, existing=product, actor=actor)
    changed = {key: checked[key] for key in values}
    if image is not None:
        changed["image"] = store_image(image, "image", product.cooperative_id).key
    audit.apply_changes(
        actor, product, changed, "product.update", flush=lambda: _flush_guarded(product)
    )
    return product


def set_product_image(actor: Actor, product: Product, upload: Any) -> Product:
    """Replace the product's photo with a checked, re-encoded image."""
    require(
        actor.can_manage_cooperative(product.cooperative_id),
        _("Only the cooperative's manager may change the photo."),
    )
    stored = store_image(upload, "image", product.cooperative_id)
    audit.replace_image(actor, product, "image", stored.key, "product.image")
    return product
