"""A lot's mass balance: what its members contributed, what went into other lots, what is
left, and closing it when the contributions agree with its quantity."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from babel import numbers
from flask_babel import get_locale
from flask_babel import gettext as _

from traceapp import tunables
from traceapp.audit import services as audit
from traceapp.auth.models import Actor
from traceapp.auth.permissions import require
from traceapp.batches.locks import lock_lots
from traceapp.batches.models import Contribution, Lot, LotInput, LotStatus
from traceapp.batches.rules import not_open_message
from traceapp.database import now_utc
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.units import (
    convert,
    fmt,
)

#: Contributions must add up to the lot quantity within this fraction before closing.
DEFAULT_BALANCE_TOLERANCE = Decimal("0.02")


def tolerance_text(tolerance: Decimal) -> str:
    """The closing tolerance as a percentage in the reader's locale (2%, 2,5 %)."""
    # Babel's own call: Flask-Babel's would round 2.5 % to 3 %.
    return numbers.format_percent(
        tolerance, locale=get_locale() or "en", decimal_quantization=False
    )


def balance_tolerance() -> Decimal:
    """The stated tolerance for closing a lot (settings file: lot_balance_tolerance)."""
    value = tunables.tunables().get("lot_balance_tolerance", DEFAULT_BALANCE_TOLERANCE)
    return Decimal(str(value))


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
    """The sum of active contributions, in the lot's unit (summed by the database per unit)."""
    total = Decimal(0)
    for unit, quantity in db.session.execute(
        sa.select(Contribution.unit, sa.func.sum(Contribution.quantity))
        .where(Contribution.lot_id == lot.id, Contribution.voided_at.is_(None))
        .group_by(Contribution.unit)
        .order_by(Contribution.unit)
    ).all():
        total += convert(_exact(quantity), unit, lot.unit)
    return total


def _exact(value: Any) -> Decimal:
    """A database sum as a Decimal of the column's scale (SQLite sums in binary floats)."""
    return Decimal(str(value)).quantize(Decimal("0.001"))


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
        raise Conflict(not_open_message(lot, "close"))
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
