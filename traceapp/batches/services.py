"""Lots and member contributions: creation, the contribution rules, closing, balances."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from babel import numbers
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from traceapp import tunables
from traceapp.audit import services as audit
from traceapp.auth.models import Actor
from traceapp.auth.permissions import require, scoped_ref
from traceapp.batches import events as ev
from traceapp.batches.locks import lock_lots
from traceapp.batches.models import Contribution, Lot, LotInput, LotStatus
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.cooperatives.services import next_counter_value
from traceapp.core import gdst_codes
from traceapp.core.inputs import year_in_range, year_range_message
from traceapp.database import local_today, now_utc
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.gs1 import is_ai82
from traceapp.products.models import Product
from traceapp.units import (
    UnitError,
    check_unit,
    convert,
    fmt,
    fmt_plain,
    same_family,
    to_decimal,
)
from traceapp.units import label as unit_label
from traceapp.zones.models import Zone, ZoneKind

#: Contributions must add up to the lot quantity within this fraction before closing.
DEFAULT_BALANCE_TOLERANCE = Decimal("0.02")

#: GDST catch data: field -> (required, label as a reader sees it). Trip dates are ISO dates.
CATCH_FIELDS: dict[str, tuple[bool, Any]] = {
    "catch_area": (True, _l("FAO major fishing area")),
    "economic_zone": (True, _l("Economic zone")),
    "gear_type": (True, _l("Fishing gear type")),
    "trip_start": (True, _l("Trip start date")),
    "trip_end": (True, _l("Trip end date")),
    "landing_port": (True, _l("Landing port")),
    # TRANSLATORS: RFMO: regional fisheries management organisation (keep the acronym).
    "rfmo_area": (False, _l("RFMO area")),
    "permit_area": (False, _l("Subnational permit area")),
    "gps_available": (False, _l("GPS available on board")),
    "satellite_tracking_authority": (False, _l("Satellite tracking authority")),
    "vessel_public_registry": (False, _l("Vessel public registry")),
    "fishery_improvement_project": (False, _l("Fishery improvement project")),
}
#: What to say when a required catch data field is missing.
CATCH_MISSING = {
    "catch_area": _l("Enter the FAO major fishing area (e.g. 71)."),
    "economic_zone": _l("Enter the economic zone (e.g. VNM EEZ, or high seas)."),
    # TRANSLATORS: ISSCFG is the FAO gear classification; LHP is its code for hand lines.
    "gear_type": _l("Enter the fishing gear type (ISSCFG, e.g. LHP hand lines and poles)."),
    "trip_start": _l("Enter the trip start date."),
    "trip_end": _l("Enter the trip end date."),
    "landing_port": _l("Enter the landing port."),
}


def _not_open(lot: Lot, action: str) -> str:
    """Why a closed or recalled lot refuses to take, withdraw or close contributions."""
    closed = lot.status == LotStatus.CLOSED
    if action == "contribute":
        if closed:
            return _("Lot %(code)s is closed: it takes no more contributions.", code=lot.code)
        return _("Lot %(code)s is recalled: it takes no more contributions.", code=lot.code)
    if action == "void":
        if closed:
            return _("Lot %(code)s is closed: its contributions are final.", code=lot.code)
        return _("Lot %(code)s is recalled: its contributions are final.", code=lot.code)
    if closed:
        return _("Lot %(code)s is already closed.", code=lot.code)
    return _("Lot %(code)s is recalled: it cannot be closed.", code=lot.code)


def tolerance_text(tolerance: Decimal) -> str:
    """The closing tolerance as a percentage in the reader's locale (2%, 2,5 %)."""
    # Babel's own call: Flask-Babel's would round 2.5 % to 3 %.
    return numbers.format_percent(
        tolerance, locale=get_locale() or "en", decimal_quantization=False
    )


def catch_facts(catch: dict[str, Any] | None) -> list[tuple[Any, str]]:
    """A lot's catch data for a reader: (label, value) pairs, dates in the reader's locale."""
    catch = catch or {}
    out: list[tuple[Any, str]] = []
    for key, (_required, label) in CATCH_FIELDS.items():
        value = catch.get(key)
        if value in (None, ""):
            continue
        if key in ("trip_start", "trip_end"):
            try:
                value = format_date(dt.date.fromisoformat(str(value)))
            except ValueError:
                value = str(value)
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif key in gdst_codes.URN_PREFIX and gdst_codes.to_urn(key, value):
            value = gdst_codes.label(key, str(gdst_codes.to_urn(key, value)))
        out.append((label, str(value)))
    return out


def production_type(product: Product) -> str:
    """crop, aquaculture or capture, from the product's category (tunables "categories")."""
    category = tunables.get("categories").get(product.category) or {}
    return category.get("production", "crop")


def zone_kinds_for(product: Product) -> list[str]:
    """The zone kinds a lot of this product may come from."""
    category = tunables.get("categories").get(product.category) or {}
    return list(category.get("zone_kinds") or [k.value for k in ZoneKind])


def balance_tolerance() -> Decimal:
    """The stated tolerance for closing a lot (settings file: lot_balance_tolerance)."""
    value = tunables.tunables().get("lot_balance_tolerance", DEFAULT_BALANCE_TOLERANCE)
    return Decimal(str(value))


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


# --- lots ------------------------------------------------------------------------------------


def _quantity(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        q = to_decimal(value)
    except ValueError:
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    if q <= 0:
        errors.setdefault(field, []).append(_("Must be more than zero."))
        return None
    if q >= Decimal("1e11"):
        errors.setdefault(field, []).append(_("This quantity is too large."))
        return None
    return q.quantize(Decimal("0.001"))


def _unit(value: Any, field: str, errors: dict[str, list[str]]) -> str | None:
    try:
        return check_unit(value)
    except UnitError as exc:
        errors.setdefault(field, []).append(str(exc))
        return None


def clean_catch_data(data: dict[str, Any] | None, errors: dict[str, list[str]]) -> dict[str, Any]:
    """Check the GDST catch data of a fishing lot; return the cleaned dict."""
    data = dict(data or {})
    unknown = sorted(set(data) - set(CATCH_FIELDS))
    for key in unknown:
        errors.setdefault(f"catch_data.{key}", []).append(_("Unknown catch data field."))
    out: dict[str, Any] = {}
    for key, (required, _label) in CATCH_FIELDS.items():
        value = data.get(key)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            if required:
                errors.setdefault(f"catch_data.{key}", []).append(str(CATCH_MISSING[key]))
            continue
        if key in ("trip_start", "trip_end"):
            try:
                value = dt.date.fromisoformat(str(value)).isoformat()
            except ValueError:
                errors.setdefault(f"catch_data.{key}", []).append(
                    # TRANSLATORS: YYYY-MM-DD is the ISO date form the API takes; keep it.
                    _("Write the date as YYYY-MM-DD.")
                )
                continue
        elif key == "gps_available":
            value = (
                value
                if isinstance(value, bool)
                else str(value).lower() in ("1", "yes", "true", "có", "co")
            )
        else:
            value = str(value)[:200]
        out[key] = value
    if out.get("trip_start") and out.get("trip_end") and out["trip_end"] < out["trip_start"]:
        errors.setdefault("catch_data.trip_end", []).append(_("The trip ends before it starts."))
    return out


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
    q = _quantity(quantity, "quantity", errors)
    u = _unit(unit, "unit", errors)
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
            values[key] = _quantity(value, key, errors)
        elif key == "unit":
            values[key] = _unit(value, key, errors)
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


# --- contributions -----------------------------------------------------------------------------


def contribution_problems(
    lot: Lot, member: Member | None, zone: Zone | None, delivered_on: dt.date | None
) -> dict[str, list[str]]:
    """Every rule a contribution breaks, by field (empty when it may be recorded)."""
    from traceapp.brands.services import mark_use_problem
    from traceapp.zones.models import KIND_LABELS, STATUS_LABELS
    from traceapp.zones.services import effective_status

    errors: dict[str, list[str]] = {}
    product = lot.product
    harvest_day = lot.production_date
    if member is None or member.cooperative_id != lot.cooperative_id:
        errors["member_id"] = [_("This person is not a member of the cooperative.")]
    elif delivered_on and not member.is_member_on(delivered_on):
        errors["member_id"] = [
            _(
                "%(name)s was not a member on %(date)s.",
                name=member.full_name,
                date=format_date(delivered_on),
            )
        ]
    if zone is None:
        errors["zone_id"] = [_("Choose the zone code the harvest or catch came from.")]
    else:
        status = effective_status(zone, harvest_day)
        if status != "approved" or not zone.is_valid_on(harvest_day):
            # TRANSLATORS: %(status)s is the zone's status (Draft, Submitted, Suspended, ...).
            errors["zone_id"] = [
                _(
                    "Zone %(code)s is not approved and valid on the harvest date %(date)s "
                    "(status: %(status)s).",
                    code=zone.code,
                    date=format_date(harvest_day),
                    status=STATUS_LABELS.get(status, status),
                )
            ]
        elif zone.kind.value not in zone_kinds_for(product):
            # TRANSLATORS: %(kind)s is the zone's kind (Growing area, Fishing ground, ...).
            errors["zone_id"] = [
                _(
                    "Zone %(code)s (%(kind)s) does not fit a product of this category.",
                    code=zone.code,
                    kind=KIND_LABELS.get(zone.kind, zone.kind.value),
                )
            ]
    if member is not None and "member_id" not in errors:
        if production_type(product) == "capture" and not member.vessel_registration:
            errors["member_id"] = [
                _(
                    "%(name)s has no vessel registration: a catch comes from a vessel.",
                    name=member.full_name,
                )
            ]
        if product.mark_id is not None:
            problem = mark_use_problem(member, product, delivered_on or harvest_day)
            if problem:
                errors["member_id"] = [problem]
    if delivered_on is None:
        errors["delivered_on"] = [_("Enter the delivery date.")]
    elif delivered_on > local_today():
        errors["delivered_on"] = [_("The date is in the future.")]
    return errors


def add_contribution(
    actor: Actor,
    lot: Lot,
    *,
    member_id: int,
    zone_id: int,
    quantity: Any,
    unit: str | None = None,
    delivered_on: dt.date | None = None,
    notes: str | None = None,
) -> Contribution:
    """Record a member's delivery into an open lot, after every rule has been checked."""
    require(actor.can_write_cooperative(lot.cooperative_id), _("You cannot edit this lot."))
    # Under the lot's lock, so that a delivery cannot slip into a lot that another request is
    # closing: closing checks the contributions' total against the quantity.
    lock_lots([lot.id])
    if lot.status != LotStatus.OPEN:
        raise Conflict(_not_open(lot, "contribute"))
    if db.session.execute(sa.select(LotInput.id).where(LotInput.output_lot_id == lot.id)).first():
        raise Conflict(_("This lot was made from other lots; its origin is those lots."))
    errors: dict[str, list[str]] = {}
    q = _quantity(quantity, "quantity", errors)
    u = _unit(unit or lot.unit, "unit", errors)
    if u and not same_family(u, lot.unit):
        errors.setdefault("unit", []).append(
            _(
                "The lot is counted in %(unit)s; use a unit of the same kind.",
                unit=unit_label(lot.unit),
            )
        )
    # Loaded like the lot in the URL, and from the lot's cooperative only: a foreign member or
    # zone reads exactly like a missing one (the rules below would describe it).
    refs: dict[str, list[str]] = {}
    member = (
        scoped_ref(
            Member,
            member_id,
            actor,
            "member_id",
            cooperative_id=lot.cooperative_id,
            message=_("This person is not a member of the cooperative."),
            errors=refs,
        )
        if member_id
        else None
    )
    zone = (
        scoped_ref(
            Zone,
            zone_id,
            actor,
            "zone_id",
            cooperative_id=lot.cooperative_id,
            message=_("No such zone code in the lot's cooperative."),
            errors=refs,
        )
        if zone_id
        else None
    )
    delivered_on = delivered_on or lot.production_date
    errors.update(contribution_problems(lot, member, zone, delivered_on))
    errors.update(refs)
    if errors:
        raise ValidationFailed(_("The contribution could not be recorded."), errors)
    # contribution_problems refuses a missing member or zone.
    assert member is not None and zone is not None
    contribution = Contribution(
        cooperative_id=lot.cooperative_id,
        lot_id=lot.id,
        member_id=member.id,
        zone_id=zone.id,
        quantity=q,
        unit=u,
        delivered_on=delivered_on,
        notes=(notes or "").strip() or None,
        recorded_by_id=getattr(actor, "id", None),
    )
    db.session.add(contribution)
    db.session.flush()
    audit.record(
        actor,
        "lot.contribution",
        contribution,
        changes=audit.created(contribution),
        summary=f"{fmt_plain(q, u)} from {member.full_name} ({zone.code}) into {lot.code}",
    )
    return contribution


def void_contribution(actor: Actor, contribution: Contribution, reason: str) -> Contribution:
    """Withdraw a wrong contribution of an open lot; it stays visible, struck through."""
    lot = contribution.lot
    require(actor.can_write_cooperative(lot.cooperative_id), _("You cannot edit this lot."))
    # Under the lot's lock, like closing: a contribution withdrawn while the lot closes would
    # leave a closed lot out of balance. Read the contribution again once the lock is held,
    # since a concurrent request may have withdrawn it.
    lock_lots([lot.id])
    db.session.refresh(contribution)
    if lot.status != LotStatus.OPEN:
        raise Conflict(_not_open(lot, "void"))
    if contribution.voided_at is not None:
        raise Conflict(_("This contribution was already withdrawn."))
    if len((reason or "").strip()) < 3:
        raise ValidationFailed.field("reason", _("Say why the contribution is withdrawn."))
    contribution.voided_at = now_utc()
    contribution.void_reason = reason.strip()
    audit.record(
        actor,
        "lot.contribution_void",
        contribution,
        changes={"voided": {"before": None, "after": reason.strip()}},
    )
    return contribution


def active_contributions(lot: Lot) -> list[Contribution]:
    """The lot's contributions that were not withdrawn."""
    return list(
        db.session.execute(
            sa.select(Contribution)
            .where(Contribution.lot_id == lot.id, Contribution.voided_at.is_(None))
            .order_by(Contribution.delivered_on, Contribution.id)
        ).scalars()
    )


def contributed_total(lot: Lot) -> Decimal:
    """The sum of active contributions, in the lot's unit."""
    total = Decimal(0)
    for c in active_contributions(lot):
        total += convert(c.quantity, c.unit, lot.unit)
    return total


def balance(lot: Lot) -> dict[str, Any]:
    """How far the contributions are from the lot quantity, and whether that is within tolerance."""
    total = contributed_total(lot)
    tolerance = balance_tolerance()
    difference = total - lot.quantity
    ok = abs(difference) <= lot.quantity * tolerance
    return {
        "contributed": total,
        "quantity": lot.quantity,
        "difference": difference,
        "tolerance": tolerance,
        "ok": ok,
    }


def is_derived(lot: Lot) -> bool:
    """Whether the lot was made from other lots (its origin is its inputs)."""
    return (
        db.session.execute(
            sa.select(LotInput.id).where(LotInput.output_lot_id == lot.id).limit(1)
        ).first()
        is not None
    )


def close_lot(actor: Actor, lot: Lot) -> Lot:
    """Close a lot: its contributions must add up to its quantity within the stated tolerance."""
    require(actor.can_write_cooperative(lot.cooperative_id), _("You cannot edit this lot."))
    # The contributions are added up under the lot's lock (adding and withdrawing take it too).
    lock_lots([lot.id])
    if lot.status != LotStatus.OPEN:
        raise Conflict(_not_open(lot, "close"))
    if not is_derived(lot):
        state = balance(lot)
        if not state["ok"]:
            raise ValidationFailed.field(
                "quantity",
                _(
                    "The contributions add up to %(contributed)s but the lot holds %(quantity)s; "
                    "they must agree within %(tolerance)s before the lot can be closed.",
                    contributed=fmt(state["contributed"], lot.unit),
                    quantity=fmt(lot.quantity, lot.unit),
                    tolerance=tolerance_text(state["tolerance"]),
                ),
            )
    lot.status = LotStatus.CLOSED
    lot.closed_at = now_utc()
    audit.record(actor, "lot.close", lot, changes={"status": {"before": "open", "after": "closed"}})
    return lot


def consumed(lot: Lot) -> Decimal:
    """How much of the lot went into other lots, in the lot's unit."""
    total = Decimal(0)
    for row in db.session.execute(
        sa.select(LotInput.quantity, LotInput.unit).where(LotInput.input_lot_id == lot.id)
    ):
        total += convert(row.quantity, row.unit, lot.unit)
    return total


def available(lot: Lot) -> Decimal:
    """What is left of the lot to be made into other lots."""
    return lot.quantity - consumed(lot)


def lot_search(stmt: sa.Select[Any], q: str | None) -> sa.Select[Any]:
    """Filter lots by code or product name."""
    q = (q or "").strip()
    if not q:
        return stmt
    like = f"%{q.lower()}%"
    return stmt.join(Product, Product.id == Lot.product_id).where(
        sa.or_(
            sa.func.lower(Lot.code).like(like),
            sa.func.lower(Product.name).like(like),
            sa.func.lower(Product.code).like(like),
        )
    )
