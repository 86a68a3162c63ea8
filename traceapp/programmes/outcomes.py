"""What support leads to: cooperatives founded with a programme's support, and training
modules a collective mark's rules of use require before a member may use the mark."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.permissions import require, scoped_ref, scoped_refs
from traceapp.cooperatives.models import Cooperative
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.programmes.models import (
    Activity,
    CooperativeFounding,
    MarkRequiredModule,
    Programme,
    TrainingModule,
)
from traceapp.programmes.stats import completed_module_ids

if TYPE_CHECKING:
    from traceapp.auth.models import Actor
    from traceapp.brands.models import CollectiveMark


def record_founding(
    actor: Actor,
    programme: Programme,
    *,
    cooperative_id: Any,
    founded_on: dt.date,
    activity_id: Any = None,
    note: str | None = None,
) -> CooperativeFounding:
    """Link a cooperative to the programme that supported its founding; the registry's
    founding date is filled in where it was empty."""
    require(programme.can_record(actor), _("Only the programme's officers may record this."))
    errors: dict[str, list[str]] = {}
    # Cooperatives are named from the public register: any may be named.
    coop = None
    if isinstance(cooperative_id, int) and not isinstance(cooperative_id, bool):
        coop = db.session.get(Cooperative, cooperative_id) if 0 < cooperative_id < 2**31 else None
    if coop is None:
        errors["cooperative_id"] = [_("No such cooperative.")]
    if not isinstance(founded_on, dt.date):
        errors["founded_on"] = [_("Enter the founding date.")]
    elif programme.starts_on and founded_on < programme.starts_on:
        errors["founded_on"] = [
            _(
                "The founding is dated before the programme starts (%(day)s).",
                day=programme.starts_on,
            )
        ]
    activity = None
    if activity_id not in (None, "", 0):
        activity = scoped_ref(
            Activity,
            activity_id,
            actor,
            "activity_id",
            message=_("No such activity."),
            errors=errors,
        )
        if activity is not None and activity.programme_id != programme.id:
            errors.setdefault("activity_id", []).append(_("No such activity."))
    if errors or coop is None:
        raise ValidationFailed(_("The founding could not be recorded."), errors)
    if db.session.scalar(
        sa.select(CooperativeFounding.id).where(CooperativeFounding.cooperative_id == coop.id)
    ):
        raise Conflict(_("This cooperative's founding support is already recorded."))
    founding = CooperativeFounding(
        cooperative_id=coop.id,
        programme_id=programme.id,
        founded_on=founded_on,
        activity_id=activity.id if activity else None,
        note=(note or "").strip() or None,
    )
    db.session.add(founding)
    db.session.flush()
    audit.record(actor, "cooperative.founding", founding, changes=audit.created(founding))
    if coop.founded_on is None:
        audit.apply_changes(actor, coop, {"founded_on": founded_on}, "cooperative.update")
    return founding


def required_modules(mark_id: int) -> list[TrainingModule]:
    """The modules a mark's rules of use require."""
    return list(
        db.session.scalars(
            sa.select(TrainingModule)
            .join(MarkRequiredModule, MarkRequiredModule.module_id == TrainingModule.id)
            .where(MarkRequiredModule.mark_id == mark_id)
            .order_by(TrainingModule.name)
        )
    )


def set_required_modules(
    actor: Actor, mark: CollectiveMark, module_ids: list[int]
) -> list[TrainingModule]:
    """Require these training modules before a member may use the mark (its manager)."""
    require(
        actor.can_manage_cooperative(mark.cooperative_id),
        _("Only the cooperative's manager may change the rules of use."),
    )
    errors: dict[str, list[str]] = {}
    found = scoped_refs(
        TrainingModule,
        module_ids,
        actor,
        "module_ids",
        errors,
        message=lambda i: _("No such training module: %(id)s.", id=i),
    )
    if errors:
        raise ValidationFailed(_("The rules of use could not be saved."), errors)
    before = sorted(m.id for m in required_modules(mark.id))
    db.session.execute(sa.delete(MarkRequiredModule).where(MarkRequiredModule.mark_id == mark.id))
    for module_id in found:
        db.session.add(MarkRequiredModule(mark_id=mark.id, module_id=module_id))
    db.session.flush()
    after = sorted(found)
    if before != after:
        audit.record(
            actor,
            "mark.required_training",
            mark,
            changes={"module_ids": {"before": before, "after": after}},
        )
    return required_modules(mark.id)


def missing_training(member_id: int, mark_id: int) -> list[TrainingModule]:
    """The required modules a member has not completed (empty when none is missing)."""
    done = completed_module_ids(member_id)
    return [m for m in required_modules(mark_id) if m.id not in done]
