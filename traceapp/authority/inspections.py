"""Field inspections of zone codes: the checklist, and a failed visit suspending the code."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.permissions import require
from traceapp.authority.models import InspectionResult, ResidueResult, ZoneInspection
from traceapp.database import local_today
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.zones import services as zones
from traceapp.zones.models import STATUS_LABELS, Zone, ZoneStatus

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

S = ZoneStatus

INSPECTION_FIELDS = (
    "inspected_on",
    "inspector_name",
    "boundaries_match",
    "farm_diary_kept",
    "permitted_inputs_only",
    "residue_result",
    "gap_certificate_valid",
    "result",
    "findings",
    "follow_up_on",
)
_CHECKLIST = (
    "boundaries_match",
    "farm_diary_kept",
    "permitted_inputs_only",
    "gap_certificate_valid",
)


def _as_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _check_inspection(
    data: dict[str, Any], today: dt.date
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Typed inspection values and every problem, by field."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    for key in ("inspected_on", "follow_up_on"):
        try:
            values[key] = _as_date(data.get(key))
        except ValueError:
            add(key, _("Enter a date as 2026-03-31."))
    visit = values.get("inspected_on")
    if visit is None and "inspected_on" not in errors:
        add("inspected_on", _("Enter the date of the visit."))
    elif visit is not None and visit > today:
        add("inspected_on", _("The visit date is in the future."))
    follow = values.get("follow_up_on")
    if follow is not None and visit is not None and follow < visit:
        add("follow_up_on", _("The follow-up cannot be before the visit."))
    name = (data.get("inspector_name") or "").strip()
    if not name:
        add("inspector_name", _("Enter the inspector's name."))
    elif len(name) > 120:
        add("inspector_name", _("At most 120 characters."))
    values["inspector_name"] = name
    for key in _CHECKLIST:
        value = data.get(key, False)
        if not isinstance(value, bool):
            add(key, _("Answer yes or no."))
        values[key] = bool(value)
    try:
        values["residue_result"] = ResidueResult(data.get("residue_result") or "")
    except ValueError:
        add(
            "residue_result",
            _(
                "Say whether residues were sampled and, if so, whether they "
                "were within or above the limits."
            ),
        )
    try:
        values["result"] = InspectionResult(data.get("result") or "")
    except ValueError:
        add("result", _("Choose the result: pass, conditional or fail."))
    findings = (data.get("findings") or "").strip() or None
    if findings and len(findings) > 5000:
        add("findings", _("At most 5000 characters."))
    values["findings"] = findings
    if (
        values.get("result") in (InspectionResult.FAIL, InspectionResult.CONDITIONAL)
        and not findings
    ):
        add("findings", _("Describe what was found: the cooperative must know what to fix."))
    return values, errors


def record_inspection(
    actor: Actor,
    zone: Zone,
    *,
    suspend: bool = False,
    suspension_reason: str | None = None,
    today: dt.date | None = None,
    **data: Any,
) -> ZoneInspection:
    """Record an inspection; a failed one may suspend the code in the same unit of work.

    Everything is checked before the first write, so a refusal leaves nothing behind.
    """
    require(
        actor.can_audit(zone.province, zone.district, zone.cooperative.country),
        _("Only an auditor of %(province)s inspects this code.", province=zone.province),
    )
    today = today or local_today()
    unknown = sorted(set(data) - set(INSPECTION_FIELDS))
    values, errors = _check_inspection(data, today)
    for key in unknown:
        errors.setdefault(key, []).append(_("Unknown field."))
    reason = (suspension_reason or "").strip() or None
    if suspend:
        if values.get("result") != InspectionResult.FAIL:
            errors.setdefault("suspend", []).append(
                _("Only a failed inspection suspends the code.")
            )
        elif (status := zones.effective_status(zone, today)) != S.APPROVED:
            errors.setdefault("suspend", []).append(
                # TRANSLATORS: %(status)s is the code's status as labelled on the pages,
                # e.g. "Suspended" or "Expired".
                _(
                    "Only an approved code can be suspended (this code's status: %(status)s).",
                    status=STATUS_LABELS[status],
                )
            )
        visit = values.get("inspected_on")
        reason = (
            reason
            or (
                _(
                    "Failed inspection of %(date)s: %(findings)s",
                    date=format_date(visit) if visit else "?",
                    findings=values.get("findings") or "",
                )[:2000]
            )
        )
        if len(reason) > 2000:
            errors.setdefault("suspension_reason", []).append(_("At most 2000 characters."))
    if errors:
        raise ValidationFailed(_("The inspection could not be recorded."), errors)
    step = zones.transition(actor, zone, S.SUSPENDED, reason, today=today) if suspend else None
    inspection = ZoneInspection(
        zone_id=zone.id,
        cooperative_id=zone.cooperative_id,
        recorded_by_id=getattr(actor, "id", None),
        recorded_by_label=actor.label,
        transition_id=step.id if step is not None else None,
        **values,
    )
    db.session.add(inspection)
    db.session.flush()
    audit.record(
        actor,
        "zone.inspection",
        inspection,
        changes=audit.created(inspection),
        province=zone.province,
        summary=f"{zone.code}: inspection of {inspection.inspected_on} "
        f"{inspection.result.value}" + (" (suspended)" if step else ""),
    )
    return inspection


def inspections_of(zone: Zone) -> list[ZoneInspection]:
    """A zone's inspections, latest visit first."""
    return list(
        db.session.execute(
            sa.select(ZoneInspection)
            .where(ZoneInspection.zone_id == zone.id)
            .order_by(ZoneInspection.inspected_on.desc(), ZoneInspection.id.desc())
        ).scalars()
    )
