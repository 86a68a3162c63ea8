"""Transformations: lots made from other lots (commingling, packing, processing, grading) in
one EPCIS TransformationEvent. This sits above both the lot services and the event history,
since it creates lots and records their shared event: lots, events, then transformations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.models import Actor
from traceapp.auth.permissions import require, scoped_ref
from traceapp.batches import services as lots
from traceapp.batches.events import lot_ilmd, record_event
from traceapp.batches.locks import lock_lots
from traceapp.batches.models import Lot, LotInput, LotStatus
from traceapp.core.inputs import MAX_ID, id_or_none
from traceapp.database import now_utc
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.products.models import Product
from traceapp.units import UnitError, check_unit, convert, fmt, label, same_family, to_decimal


def transform(
    actor: Actor,
    *,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    kind: str = "processing",
    event_time: dt.datetime | None = None,
    tz_offset: str | None = None,
    location: str | None = None,
    zone_id: int | None = None,
) -> list[Lot]:
    """Make new lots from existing ones (commingling, processing, grading) in one event.

    ``inputs``: [{"lot_id", "quantity", "unit"?}]; ``outputs``: create_lot arguments
    (product_id, quantity, unit, production_date, code?, best_before?, notes?). Input lots are
    locked, must be closed and not recalled, and cannot give more than they still have.
    """

    errors: dict[str, list[str]] = {}
    if not inputs:
        errors["inputs"] = [_("Name at least one input lot.")]
    if not outputs:
        errors["outputs"] = [_("Describe at least one output lot.")]
    if kind not in ("commingling", "processing", "grading", "packing"):
        # TRANSLATORS: commingling, processing, grading and packing are API codes.
        errors["kind"] = [_("Choose commingling, processing, grading or packing.")]
    taken: list[tuple[Lot, Decimal, str]] = []
    seen: set[int] = set()
    lot_ids = [_input_lot_id(item) for item in inputs or []]
    # All the inputs at once, in the one lock order, before what they have left is counted.
    locked = lock_lots((n for n in lot_ids if n is not None), actor)
    for i, item in enumerate(inputs or []):
        if item.get("lot_id") in (None, ""):
            errors[f"inputs.{i}.lot_id"] = [_("Choose an input lot.")]
            continue
        # Scoped by the actor, not by one cooperative: an administrator may record a
        # processor's commingling of several cooperatives' lots (its supplier's lot among
        # them); the outputs must then belong to one of those cooperatives (below). A foreign,
        # missing or malformed id reads alike.
        lot_id = lot_ids[i]
        lot = locked.get(lot_id) if lot_id is not None else None
        if lot is None:
            errors[f"inputs.{i}.lot_id"] = [_("No such lot.")]
            continue
        require(actor.can_write_cooperative(lot.cooperative_id), _("You cannot use this lot."))
        if lot.id in seen:
            errors[f"inputs.{i}.lot_id"] = [_("Lot %(code)s is listed twice.", code=lot.code)]
            continue
        seen.add(lot.id)
        if lot.status == LotStatus.RECALLED:
            errors[f"inputs.{i}.lot_id"] = [_("Lot %(code)s is recalled.", code=lot.code)]
            continue
        if lot.status != LotStatus.CLOSED:
            errors[f"inputs.{i}.lot_id"] = [
                _(
                    "Close lot %(code)s first: its quantity must be final before it is used.",
                    code=lot.code,
                )
            ]
            continue
        try:
            unit = check_unit(item.get("unit") or lot.unit)
        except UnitError as exc:
            errors[f"inputs.{i}.unit"] = [str(exc)]
            continue
        try:
            q = to_decimal(item.get("quantity"))
        except ValueError:
            errors[f"inputs.{i}.quantity"] = [_("Enter a number.")]
            continue
        if q <= 0:
            errors[f"inputs.{i}.quantity"] = [_("Must be more than zero.")]
            continue
        if not same_family(unit, lot.unit):
            errors[f"inputs.{i}.unit"] = [
                _("Lot %(code)s is counted in %(unit)s.", code=lot.code, unit=label(lot.unit))
            ]
            continue
        left = lots.available(lot)
        if convert(q, unit, lot.unit) > left:
            # TRANSLATORS: %(quantity)s is a quantity with its unit (100 kg).
            errors[f"inputs.{i}.quantity"] = [
                _(
                    "Lot %(code)s has only %(quantity)s left.",
                    code=lot.code,
                    quantity=fmt(left, lot.unit),
                )
            ]
            continue
        taken.append((lot, q, unit))
    if errors:
        raise ValidationFailed(_("The transformation could not be recorded."), errors)
    coop_ids = {lot.cooperative_id for lot, _, _ in taken}
    made: list[Lot] = []
    for i, spec in enumerate(outputs):
        spec = dict(spec)
        product = scoped_ref(
            Product,
            spec.get("product_id"),
            actor,
            f"outputs.{i}.product_id",
            message=_("No such product."),
        )
        if product.cooperative_id not in coop_ids:
            raise ValidationFailed.field(
                f"outputs.{i}.product_id", _("The output product belongs to another cooperative.")
            )
        # Derived seafood lots carry their inputs' origin data (GDST: the catch, the farm).
        kind_of_output = lots.production_type(product)
        if kind_of_output == "aquaculture" and not spec.get("aquaculture_method"):
            methods = {src.aquaculture_method for src, _, _ in taken if src.aquaculture_method}
            if len(methods) == 1:
                spec["aquaculture_method"] = methods.pop()
        if kind_of_output == "capture" and not spec.get("catch_data"):
            catches = [src.catch_data for src, _, _ in taken if src.catch_data]
            if catches:
                spec["catch_data"] = catches[0]
        try:
            lot = lots.create_lot(actor, commission=False, **spec)
        except ValidationFailed as exc:
            raise ValidationFailed(
                _("An output lot could not be created."),
                {f"outputs.{i}.{k}": v for k, v in exc.errors.items()},
            ) from None
        made.append(lot)
    first = made[0]
    event = record_event(
        actor,
        first,
        biz_step="commissioning" if kind != "packing" else "packing",
        event_type="TransformationEvent",
        action=None,
        disposition="active",
        event_time=event_time or now_utc(),
        tz_offset=tz_offset,
        zone_id=zone_id,
        location=location,
        check_step=False,
        details={
            "kind": kind,
            "inputs": [
                {"lot_id": lot.id, "code": lot.code, "quantity": str(q), "unit": u}
                for lot, q, u in taken
            ],
            "outputs": [
                {
                    "lot_id": lot.id,
                    "code": lot.code,
                    "quantity": str(lot.quantity),
                    "unit": lot.unit,
                }
                for lot in made
            ],
        },
        ilmd=lot_ilmd(first) if len(made) == 1 else None,
    )
    for source, q, u in taken:
        for lot, share in zip(made, split(q, [o.quantity for o in made]), strict=True):
            db.session.add(
                LotInput(
                    cooperative_id=lot.cooperative_id,
                    output_lot_id=lot.id,
                    input_lot_id=source.id,
                    quantity=share,
                    unit=u,
                    event_id=event.id,
                )
            )
    db.session.flush()
    audit.record(
        actor,
        "lot.transform",
        first,
        summary=f"{kind}: {', '.join(src.code for src, _, _ in taken)} -> "
        f"{', '.join(lot.code for lot in made)}",
    )
    return made


def _input_lot_id(item: dict[str, Any]) -> int | None:
    value = item.get("lot_id")
    if type(value) is int:  # JSON numbers (a bool is no id)
        return value if 0 < value <= MAX_ID else None
    return id_or_none(value.strip() if isinstance(value, str) else None)


def split(quantity: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split an input quantity over outputs in proportion to their size; shares add up exactly."""
    if len(weights) == 1:
        return [quantity]
    total = sum(weights, Decimal(0))
    shares = [(quantity * w / total).quantize(Decimal("0.001")) for w in weights[:-1]]
    return [*shares, quantity - sum(shares, Decimal(0))]
