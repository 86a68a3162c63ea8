"""The status lifecycle: submissions, the auditors' decisions, the scheduled expiry and
the history."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from traceapp.audit import services as audit
from traceapp.auth.permissions import require
from traceapp.core.choices import choice_words
from traceapp.core.columns import max_length
from traceapp.database import local_today
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.zones.models import (
    STATUS_LABELS,
    Zone,
    ZoneStatus,
    ZoneTransition,
)
from traceapp.zones.services.overlaps import refresh_overlaps
from traceapp.zones.services.status import (
    COOPERATIVE_STEPS,
    DECISION_TARGETS,
    DECISIONS,
    EXPIRING_STATUSES,
    S,
    effective_status,
)

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


log = logging.getLogger(__name__)


#: Facts an auditor needs before a code can be submitted. The decision number and the issue
#: date are not among them: the approval creates them (the auditor enters them when approving).
REQUIRED_FOR_SUBMISSION = {
    "geometry": _l("Draw or upload the zone's location before submitting."),
    "issuing_authority": _l("Enter the issuing authority before submitting."),
}


def transition(
    actor: Actor,
    zone: Zone,
    to_status: ZoneStatus | str,
    reason: str | None = None,
    *,
    today: dt.date | None = None,
    decision_number: str | None = None,
    issued_on: dt.date | None = None,
) -> ZoneTransition:
    """Move a zone through its lifecycle; the one service for every status change.

    The cooperative submits drafts and takes rejected codes back to draft; only an auditor
    whose province covers the zone approves, rejects, suspends, reinstates or revokes, always
    with a reason; a code past ``valid_until`` is recorded as expired. An approval records
    the approving decision's number (required unless the code already has one) and its date
    (``issued_on``, the day of the approval unless given).
    """
    day = today or local_today()
    try:
        target = ZoneStatus(to_status)
    except ValueError:
        names = choice_words((s.value, STATUS_LABELS.get(s, s.value)) for s in ZoneStatus)
        raise ValidationFailed.field("to_status", _("Choose %(names)s.", names=names)) from None
    reason = (reason or "").strip() or None
    current = zone.status
    effective = effective_status(zone, day)
    if target == S.EXPIRED:
        require(
            actor.is_system
            or actor.is_admin
            or actor.can_audit(zone.province, zone.district, zone.cooperative.country),
            _("Only the scheduled expiry or an auditor records an expiry."),
        )
        if effective != S.EXPIRED or current == S.EXPIRED:
            raise Conflict(
                _(
                    "The code %(code)s has not expired (its status: %(status)s); it "
                    "expires by itself once its validity has ended.",
                    code=zone.code,
                    status=STATUS_LABELS[effective],
                )
            )
        # Only a validity that has ended makes a stored status count as expired.
        assert zone.valid_until is not None
        # Stored as a record (English, ISO date); shown_reason() words it for the reader.
        reason = reason or f"{_EXPIRY_REASON_PREFIX}{zone.valid_until.isoformat()}."
    else:
        if target in DECISION_TARGETS:
            require(
                actor.can_audit(zone.province, zone.district, zone.cooperative.country),
                _("Only an auditor of %(province)s decides on this code.", province=zone.province),
            )
        else:
            require(
                actor.can_write_cooperative(zone.cooperative_id) and not actor.is_auditor,
                _("Only the cooperative's managers and staff submit its codes."),
            )
        if effective == S.EXPIRED and current != S.EXPIRED:
            raise Conflict(
                _(
                    "The code %(code)s expired on %(date)s; it can no longer change status.",
                    code=zone.code,
                    date=format_date(zone.valid_until),
                )
            )
        if (current, target) not in DECISIONS | COOPERATIVE_STEPS:
            # TRANSLATORS: both are status labels as shown on the pages, e.g. "Revoked".
            raise Conflict(
                _(
                    "A code cannot go from %(current)s to %(target)s.",
                    current=STATUS_LABELS[current],
                    target=STATUS_LABELS[target],
                )
            )
        if (current, target) in DECISIONS and (reason is None or len(reason) < 3):
            raise ValidationFailed.field("reason", _("Give the reason for this decision."))
        if target == S.APPROVED and current == S.SUBMITTED:
            _approval_facts(zone, decision_number, issued_on, day)
        if target == S.SUBMITTED:
            missing = {
                k: [str(m)]
                for k, m in REQUIRED_FOR_SUBMISSION.items()
                if getattr(zone, k) in (None, "")
            }
            if missing:
                raise ValidationFailed(
                    _("The code cannot be submitted yet: facts are missing."), missing
                )
    limit = max_length(ZoneTransition.reason)
    if reason and len(reason) > limit:
        raise ValidationFailed.field("reason", _("At most %(n)d characters.", n=limit))
    return _record_transition(actor, zone, target, reason)


def _approval_facts(
    zone: Zone, decision_number: str | None, issued_on: dt.date | None, day: dt.date
) -> None:
    """Put the approving decision's number and date on the code, or refuse naming the field."""
    number = (decision_number or "").strip() or zone.decision_number
    if not number:
        raise ValidationFailed.field(
            "decision_number", _("Enter the number of the decision that approves the code.")
        )
    limit = max_length(Zone.decision_number)
    if len(number) > limit:
        raise ValidationFailed.field("decision_number", _("At most %(n)d characters.", n=limit))
    zone.decision_number = number
    zone.issued_on = issued_on or zone.issued_on or day
    if zone.valid_from is None:
        zone.valid_from = zone.issued_on


def _record_transition(
    actor: Actor, zone: Zone, target: ZoneStatus, reason: str | None
) -> ZoneTransition:
    previous = zone.status
    zone.status = target
    step = ZoneTransition(
        zone_id=zone.id,
        from_status=previous.value,
        to_status=target.value,
        reason=reason,
        actor_id=getattr(actor, "id", None),
        actor_label=actor.label,
        actor_role="system" if actor.is_system else str(actor.role),
    )
    db.session.add(step)
    db.session.flush()
    audit.record(
        actor,
        "zone.transition",
        zone,
        changes={
            "status": {"before": previous.value, "after": target.value},
            "reason": {"before": None, "after": reason},
            **(
                {
                    "decision_number": {"before": None, "after": zone.decision_number},
                    "issued_on": {"before": None, "after": str(zone.issued_on)},
                }
                if target == S.APPROVED and previous == S.SUBMITTED
                else {}
            ),
        },
        summary=f"{zone.code}: {previous.value} -> {target.value}",
    )
    refresh_overlaps(actor, zone)
    return step


def expire_due_zones(actor: Actor, today: dt.date) -> list[Zone]:
    """Record the expiry of every active code whose validity ended before ``today``."""
    require(actor.is_system or actor.is_admin, _("Only the scheduled job expires codes."))
    due = (
        db.session.execute(
            sa.select(Zone)
            .where(
                Zone.status.in_([s.value for s in EXPIRING_STATUSES]),
                Zone.valid_until.is_not(None),
                Zone.valid_until < today,
            )
            .order_by(Zone.id)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    for zone in due:
        transition(actor, zone, S.EXPIRED, today=today)
    if due:
        log.info("expired %d zone codes", len(due))
    return list(due)


_EXPIRY_REASON_PREFIX = "Validity ended on "


_EXPIRY_REASON = re.compile(r"Validity ended on (\d{4}-\d{2}-\d{2})\.")


def shown_reason(reason: str | None) -> str:
    """A transition's reason for display: people's words as written, the reason the scheduled
    expiry records ("Validity ended on 2025-06-30.") in the reader's language."""
    if not reason:
        return ""
    match = _EXPIRY_REASON.fullmatch(reason)
    if match is None:
        return reason
    return _("Validity ended on %(date)s.", date=format_date(dt.date.fromisoformat(match[1])))


def zone_transitions(zone: Zone) -> list[ZoneTransition]:
    """The zone's status history, oldest first."""
    return list(
        db.session.execute(
            sa.select(ZoneTransition)
            .where(ZoneTransition.zone_id == zone.id)
            .order_by(ZoneTransition.at, ZoneTransition.id)
        ).scalars()
    )
