"""Lots: their codes, registering a lot and correcting an open one, and searching them.

The other jobs on lots live beside this module (``rules``, ``contributions``, ``closing``);
their public names are re-exported here, so callers keep one place to call."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.models import Actor
from traceapp.auth.permissions import require, scoped, scoped_ref
from traceapp.batches import events as ev
from traceapp.batches.closing import (
    DEFAULT_BALANCE_TOLERANCE,
    active_contributions,
    available,
    balance,
    balance_tolerance,
    close_lot,
    consumed,
    contributed_total,
    is_derived,
    tolerance_text,
)
from traceapp.batches.contributions import (
    add_contribution,
    contribution_problems,
    void_contribution,
)
from traceapp.batches.locks import lock_lots
from traceapp.batches.models import Lot, LotStatus
from traceapp.batches.rules import (
    CATCH_FIELDS,
    CATCH_MISSING,
    catch_facts,
    clean_catch_data,
    production_type,
    quantity_field,
    unit_field,
    zone_kinds_for,
)
from traceapp.cooperatives.models import Cooperative
from traceapp.cooperatives.services import next_counter_value
from traceapp.core.inputs import year_in_range, year_range_message
from traceapp.core.search import text_match
from traceapp.database import local_today
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.gs1 import is_ai82
from traceapp.products.models import Product

__all__ = [
    "CATCH_FIELDS",
    "CATCH_MISSING",
    "DEFAULT_BALANCE_TOLERANCE",
    "LOT_EDITABLE",
    "active_contributions",
    "add_contribution",
    "allocate_lot_code",
    "available",
    "balance",
    "balance_tolerance",
    "catch_facts",
    "clean_catch_data",
    "close_lot",
    "consumed",
    "contributed_total",
    "contribution_problems",
    "create_lot",
    "is_derived",
    "lot_search",
    "production_type",
    "tolerance_text",
    "update_lot",
    "void_contribution",
    "zone_kinds_for",
]

# --- codes -------------------------------------------------------------------------------------


def allocate_lot_code(cooperative: Cooperative, year: int) -> str:
    """The next code of the cooperative's gapless yearly sequence, e.g. XP-2026-0042."""
    number = next_counter_value(cooperative.id, f"lot-{year}")
    return f"{cooperative.short_code}-{year}-{number:04d}"


def _code_taken(product_id: int, code: str) -> bool:
    return (
        db.session.execute(
            sa.select(Lot.id).where(Lot.product_id == product_id, Lot.code == code)
        ).first()
        is not None
    )


def create_lot(
    actor: Actor,
    *,
    product_id: int,
    production_date: dt.date,
    quantity: Any,
    unit: str,
    code: str | None = None,
    best_before: dt.date | None = None,
    notes: str | None = None,
    catch_data: dict[str, Any] | None = None,
    aquaculture_method: str | None = None,
    event_time: dt.datetime | None = None,
    tz_offset: str | None = None,
    location: str | None = None,
    commission: bool = True,
) -> Lot:
    """Register a harvest, catch or production lot, and record its commissioning event.

    Lots made by a transformation pass ``commission=False``: the TransformationEvent is their
    beginning.
    """
    product = scoped_ref(Product, product_id, actor, "product_id", message=_("No such product."))
    require(
        actor.can_write_cooperative(product.cooperative_id),
        _("You cannot record lots for this cooperative."),
    )
    coop = db.session.get_one(Cooperative, product.cooperative_id)  # the product's owner
    errors: dict[str, list[str]] = {}
    q = quantity_field(quantity, "quantity", errors)
    u = unit_field(unit, "unit", errors)
    if production_date is None:
        errors.setdefault("production_date", []).append(_("Enter the harvest or production date."))
    elif production_date > local_today():
        errors.setdefault("production_date", []).append(_("The date is in the future."))
    elif not year_in_range(production_date):  # it dates the lot's commissioning event
        errors.setdefault("production_date", []).append(year_range_message())
    if best_before is None and product.shelf_life_days and production_date:
        best_before = production_date + dt.timedelta(days=product.shelf_life_days)
    if best_before and production_date and best_before < production_date:
        errors.setdefault("best_before", []).append(_("Best-before is earlier than production."))
    code = (code or "").strip() or None
    if code is not None:
        if not is_ai82(code):
            errors.setdefault("code", []).append(
                _("A lot code has 1 to 20 characters: letters, digits and - . / _ (GS1 AI 10).")
            )
        elif _code_taken(product.id, code):
            errors.setdefault("code", []).append(
                _("Lot %(code)s of this product already exists.", code=code)
            )
    kind = production_type(product)
    cleaned_catch = None
    if kind == "capture":
        cleaned_catch = clean_catch_data(catch_data, errors)
    elif catch_data:
        errors.setdefault("catch_data", []).append(_("Catch data is for fishing lots only."))
    if kind != "aquaculture" and (aquaculture_method or "").strip():
        errors.setdefault("aquaculture_method", []).append(
            _("An aquaculture method is for farmed seafood only, not for this product.")
        )
    if kind == "aquaculture" and not (aquaculture_method or "").strip():
        errors.setdefault("aquaculture_method", []).append(
            _("Enter the aquaculture method (e.g. sea cages).")
        )
    if not product.is_active:
        errors.setdefault("product_id", []).append(_("This product is no longer active."))
    if errors:
        raise ValidationFailed(_("The lot could not be created."), errors)
    if code is None:
        code = allocate_lot_code(coop, production_date.year)
        while _code_taken(product.id, code):  # a code typed by hand earlier took this number
            code = allocate_lot_code(coop, production_date.year)
    lot = Lot(
        cooperative_id=coop.id,
        product_id=product.id,
        code=code,
        production_date=production_date,
        best_before=best_before,
        quantity=q,
        unit=u,
        notes=(notes or "").strip() or None,
        catch_data=cleaned_catch,
        aquaculture_method=(aquaculture_method or "").strip() or None,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(lot)
    db.session.flush()
    audit.record(actor, "lot.create", lot, changes=audit.created(lot))
    if commission:
        ev.record_commissioning(
            actor, lot, event_time=event_time, tz_offset=tz_offset, location=location
        )
    return lot


LOT_EDITABLE = (
    "best_before",
    "notes",
    "quantity",
    "unit",
    "production_date",
    "aquaculture_method",
    "catch_data",
)


def update_lot(actor: Actor, lot: Lot, **data: Any) -> Lot:
    """Correct an open lot's master data (audited field by field); closed lots are final."""
    require(actor.can_write_cooperative(lot.cooperative_id), _("You cannot edit this lot."))
    # The quantity is what labels and closing are counted against: change it only under the
    # lot's lock, from the lot as it is now.
    lock_lots([lot.id])
    if lot.status != LotStatus.OPEN:
        raise Conflict(_("Only an open lot can be edited; record an event to add facts later."))
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in LOT_EDITABLE:
            errors.setdefault(key, []).append(_("This field cannot be changed."))
        elif key == "quantity":
            values[key] = quantity_field(value, key, errors)
        elif key == "unit":
            values[key] = unit_field(value, key, errors)
        elif key == "catch_data":
            if production_type(lot.product) != "capture":
                errors.setdefault(key, []).append(_("Catch data is for fishing lots only."))
            else:
                values[key] = clean_catch_data(value, errors)
        elif key in ("notes", "aquaculture_method"):
            values[key] = (value or "").strip() or None
        else:
            values[key] = value
    production = values.get("production_date", lot.production_date)
    if production and production > local_today():
        errors.setdefault("production_date", []).append(_("The date is in the future."))
    best_before = values.get("best_before", lot.best_before)
    if best_before and production and best_before < production:
        errors.setdefault("best_before", []).append(_("Best-before is earlier than production."))
    if errors:
        raise ValidationFailed(_("The lot could not be saved."), errors)
    audit.apply_changes(actor, lot, values, "lot.update")
    return lot


#: The lot list's order, newest first: (column, descending), ending with the id (keyset).
LOT_LIST_ORDER = [(Lot.production_date, True), (Lot.id, True)]


def lot_list(actor: Actor, *, q: str | None = None, status: str | None = None) -> sa.Select[Any]:
    """The lots the actor's list shows, filtered by search text and status (no order, no
    paging: the page, an export or the API adds those)."""
    stmt = lot_search(scoped(Lot, actor), q)
    if status in {s.value for s in LotStatus}:
        stmt = stmt.where(Lot.status == status)
    return stmt


def lot_search(stmt: sa.Select[Any], q: str | None) -> sa.Select[Any]:
    """Filter lots by code or product name."""
    q = (q or "").strip()
    if not q:
        return stmt
    # Each side of the OR on its own table, each answered by its index (a join would read
    # every lot). The few matching products are looked up first: with their ids written out
    # the database combines the two indexes, where a subquery on one side of the OR makes
    # it test every lot of the cooperative.
    products = list(
        db.session.execute(
            sa.select(Product.id)
            .where(text_match(Product, ["name", "code"], q))
            .order_by(Product.id)
        ).scalars()
    )
    code = text_match(Lot, ["code"], q)
    return stmt.where(sa.or_(code, Lot.product_id.in_(products)) if products else code)
