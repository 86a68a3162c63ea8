"""Targets per indicator and year, and training modules: the standard ones of the settings
and those a programme defines, with their hours."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp import tunables
from traceapp.audit import services as audit
from traceapp.auth.permissions import require
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.programmes.models import Indicator, Programme, ProgrammeTarget, TrainingModule

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def set_target(
    actor: Actor,
    programme: Programme,
    *,
    indicator: Indicator | str | None,
    year: int | None,
    target: Any,
    baseline: Any = 0,
) -> ProgrammeTarget:
    """Set the baseline and target of an indicator for one year of the programme."""
    require(programme.can_manage(actor), _("Only the organisation's officers may edit it."))
    errors: dict[str, list[str]] = {}
    try:
        indicator = Indicator(indicator or "")
    except ValueError:
        errors["indicator"] = [_("Choose an indicator.")]
    if year is None:
        errors["year"] = [_("A target needs its period: enter the year it is for.")]
    elif (
        programme.starts_on
        and programme.ends_on
        and not programme.starts_on.year <= int(year) <= programme.ends_on.year
    ):
        errors["year"] = [
            _(
                "The year is outside the programme (%(first)d-%(last)d).",
                first=programme.starts_on.year,
                last=programme.ends_on.year,
            )
        ]
    values = {}
    for name, raw in (("target", target), ("baseline", baseline or 0)):
        try:
            number = Decimal(str(raw))
            if not number.is_finite() or number < 0 or number >= Decimal("1e12"):
                raise InvalidOperation
            values[name] = number
        except (InvalidOperation, ValueError):
            errors[name] = [_("Enter a number of zero or more.")]
    if errors:
        raise ValidationFailed(_("The target could not be saved."), errors)
    row = db.session.scalar(
        sa.select(ProgrammeTarget).where(
            ProgrammeTarget.programme_id == programme.id,
            ProgrammeTarget.indicator == indicator,
            ProgrammeTarget.year == year,
        )
    )
    if row is None:
        row = ProgrammeTarget(
            programme_id=programme.id,
            indicator=Indicator(str(indicator)),
            year=int(year or 0),
            **values,
        )
        db.session.add(row)
        db.session.flush()
        audit.record(actor, "programme.target", row, changes=audit.created(row))
    else:
        audit.apply_changes(actor, row, values, "programme.target")
    db.session.expire(programme, ["targets"])
    return row


# --- training modules -----------------------------------------------------------------------


def ensure_standard_modules() -> None:
    """Make sure the standard modules of the settings exist (flushes new ones)."""
    known = set(
        db.session.scalars(
            sa.select(TrainingModule.code).where(TrainingModule.programme_id.is_(None))
        )
    )
    for code, spec in tunables.get("programmes")["modules"].items():
        if code not in known:
            hours = spec.get("hours")
            db.session.add(
                TrainingModule(
                    programme_id=None,
                    code=code,
                    name=str(spec["name"]),
                    hours=None if hours is None else Decimal(str(hours)),
                )
            )
    db.session.flush()


def create_module(
    actor: Actor, programme: Programme, *, code: str, name: str, hours: Any = None
) -> TrainingModule:
    """A training module of the programme's own, with its hours."""
    require(programme.can_manage(actor), _("Only the organisation's officers may edit it."))
    errors: dict[str, list[str]] = {}
    code = (code or "").strip()
    if not _CODE_RE.match(code):
        errors["code"] = [_("A code is 1-40 letters, digits, dots or dashes.")]
    if not (name or "").strip() or len(name) > 120:
        errors["name"] = [_("Enter the module's name (at most 120 characters).")]
    number = None
    if hours not in (None, ""):
        try:
            number = Decimal(str(hours))
            if not number.is_finite() or number <= 0 or number > 1000:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["hours"] = [_("Enter the hours, more than 0 and at most 1000.")]
    if not errors and db.session.scalar(
        sa.select(TrainingModule.id).where(
            TrainingModule.programme_id == programme.id, TrainingModule.code == code
        )
    ):
        errors["code"] = [_("The programme already has a module with this code.")]
    if errors:
        raise ValidationFailed(_("The module could not be saved."), errors)
    module = TrainingModule(programme_id=programme.id, code=code, name=name.strip(), hours=number)
    db.session.add(module)
    db.session.flush()
    audit.record(actor, "programme.module", module, changes=audit.created(module))
    return module


def modules_for(programme: Programme) -> list[TrainingModule]:
    """The standard modules and the programme's own."""
    return list(
        db.session.scalars(
            sa.select(TrainingModule)
            .where(
                sa.or_(
                    TrainingModule.programme_id.is_(None),
                    TrainingModule.programme_id == programme.id,
                )
            )
            .order_by(TrainingModule.programme_id.is_not(None), TrainingModule.name)
        )
    )
