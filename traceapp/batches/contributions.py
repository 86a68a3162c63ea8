"""Member contributions: the rules a delivery must meet, recording it and withdrawing it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.models import Actor
from traceapp.auth.permissions import require, scoped_ref
from traceapp.batches import entry_checks, zone_mass
from traceapp.batches.idempotency import recorded_with_key
from traceapp.batches.locks import lock_lots
from traceapp.batches.models import Contribution, Lot, LotInput, LotStatus
from traceapp.batches.rules import (
    not_open_message,
    production_type,
    quantity_field,
    unit_field,
    zone_kinds_for,
)
from traceapp.brands.mark_use import mark_use_problem
from traceapp.cooperatives.models import Member
from traceapp.database import local_today, now_utc
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.units import (
    fmt_plain,
    same_family,
)
from traceapp.units import label as unit_label
from traceapp.zones.models import Zone


def contribution_problems(
    lot: Lot, member: Member | None, zone: Zone | None, delivered_on: dt.date | None
) -> dict[str, list[str]]:
    """Every rule a contribution breaks, by field (empty when it may be recorded)."""
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
    for field, messages in entry_checks.origin_problems(member, zone).items():
        errors.setdefault(field, messages)
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
    idempotency_key: str | None = None,
    confirm_implausible: bool = False,
    confirmation_reason: str | None = None,
) -> Contribution:
    """Record a member's delivery into an open lot, after every rule has been checked.

    With an ``idempotency_key`` already recorded for this lot and member, the recorded
    contribution is returned as it is: a resent delivery is never recorded twice.
    An implausible delivery (batches/entry_checks.py) is recorded only when
    ``confirm_implausible`` is set with a ``confirmation_reason``; both are kept with it."""
    require(actor.can_write_cooperative(lot.cooperative_id), _("You cannot edit this lot."))
    # Under the lot's lock, so that a delivery cannot slip into a lot that another request is
    # closing: closing checks the contributions' total against the quantity.
    lock_lots([lot.id])
    if idempotency_key is not None:
        recorded = recorded_with_key(lot, idempotency_key, member_id)
        if recorded is not None:
            return recorded
    if lot.status != LotStatus.OPEN:
        raise Conflict(not_open_message(lot, "contribute"))
    if db.session.execute(sa.select(LotInput.id).where(LotInput.output_lot_id == lot.id)).first():
        raise Conflict(_("This lot was made from other lots; its origin is those lots."))
    errors: dict[str, list[str]] = {}
    q = quantity_field(quantity, "quantity", errors)
    u = unit_field(unit or lot.unit, "unit", errors)
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
    assert member is not None and zone is not None and q is not None and u is not None
    warnings = entry_checks.implausible(lot, zone, q, u, delivered_on)
    reason = entry_checks.confirmed(warnings, confirm_implausible, confirmation_reason)
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
        idempotency_key=idempotency_key,
        entry_warnings=warnings or None,
        confirmation_reason=reason,
    )
    db.session.add(contribution)
    db.session.flush()
    zone_mass.counted(contribution)
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
        raise Conflict(not_open_message(lot, "void"))
    if contribution.voided_at is not None:
        raise Conflict(_("This contribution was already withdrawn."))
    if len((reason or "").strip()) < 3:
        raise ValidationFailed.field("reason", _("Say why the contribution is withdrawn."))
    contribution.voided_at = now_utc()
    contribution.void_reason = reason.strip()
    zone_mass.counted(contribution, -1)
    audit.record(
        actor,
        "lot.contribution_void",
        contribution,
        changes={"voided": {"before": None, "after": reason.strip()}},
    )
    return contribution
