"""The status of a grant of use: suspending, reinstating and revoking it from a date with a
reason, and the date and history rules every dated change of a grant follows."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from flask_babel import format_date
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.permissions import require
from traceapp.brands.models import (
    GrantAction,
    GrantEvent,
    GrantStatus,
    MarkGrant,
)
from traceapp.core.columns import max_length
from traceapp.core.inputs import add_error, blank_to_none
from traceapp.database import local_today
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


#: The shortest reason that says why.
REASON_MIN = 3


def actor_fields(actor: Actor) -> dict[str, Any]:
    """Who a grant event is recorded as made by."""
    return {
        "actor_id": getattr(actor, "id", None),
        "actor_label": (getattr(actor, "label", None) or "anonymous")[:254],
    }


def refuse_if_revoked(grant: MarkGrant) -> None:
    """Refuse any change to a revoked grant (409): revocation is final."""
    if grant.status == GrantStatus.REVOKED:
        revoked = next((e for e in reversed(grant.events) if e.action == GrantAction.REVOKED), None)
        raise Conflict(
            _(
                "This grant was revoked (from %(date)s); a revoked grant stays revoked. "
                "Grant use anew instead.",
                date=format_date(revoked.effective_on) if revoked else "?",
            )
        )


def event_date(
    grant: MarkGrant, effective_on: dt.date | None, errors: dict[str, list[str]], latest: dt.date
) -> dt.date:
    """Check (or default) an event's effective date: not before ``latest`` (the last event of
    its kind), and not in the future unless the grant itself starts later."""
    today = local_today()
    if effective_on is None:
        return max(today, latest)
    if effective_on < latest:
        add_error(
            errors,
            "effective_on",
            _(
                "The effective date must be on or after %(date)s, the date of the grant's last "
                "change.",
                date=format_date(latest),
            ),
        )
    elif effective_on > max(today, grant.granted_on):
        add_error(errors, "effective_on", _("The effective date cannot be in the future."))
    return effective_on


def _check_reason(reason: Any, errors: dict[str, list[str]]) -> str | None:
    reason = blank_to_none(reason)
    if reason is None or len(reason) < REASON_MIN:
        add_error(errors, "reason", _("Say why, in at least %(n)d characters.", n=REASON_MIN))
    elif len(reason) > max_length(GrantEvent.reason):
        add_error(errors, "reason", _("At most %(n)d characters.", n=max_length(GrantEvent.reason)))
    return reason


_TRANSITIONS = {
    GrantAction.SUSPENDED: ({GrantStatus.ACTIVE}, GrantStatus.SUSPENDED),
    GrantAction.REINSTATED: ({GrantStatus.SUSPENDED}, GrantStatus.ACTIVE),
    GrantAction.REVOKED: ({GrantStatus.ACTIVE, GrantStatus.SUSPENDED}, GrantStatus.REVOKED),
}


def _transition(
    actor: Actor, grant: MarkGrant, action: GrantAction, reason: Any, effective_on: Any
) -> MarkGrant:
    require(
        actor.can_manage_cooperative(grant.cooperative_id),
        _("Only the cooperative's manager may change grants of use."),
    )
    refuse_if_revoked(grant)
    allowed_from, after = _TRANSITIONS[action]
    if grant.status not in allowed_from:
        message = {
            GrantAction.SUSPENDED: _("The grant is already suspended."),
            GrantAction.REINSTATED: _("Only a suspended grant can be reinstated."),
        }.get(action, _("This change does not apply to the grant's status."))
        raise Conflict(message)
    errors: dict[str, list[str]] = {}
    reason = _check_reason(reason, errors)
    if not isinstance(effective_on, dt.date):
        add_error(errors, "effective_on", _("Enter the date the change takes effect."))
    else:
        event_date(grant, effective_on, errors, grant.last_status_change_on())
    if errors:
        raise ValidationFailed(_("The change could not be recorded."), errors)
    before = grant.status
    grant.status = after
    grant.events.append(
        GrantEvent(action=action, effective_on=effective_on, reason=reason, **actor_fields(actor))
    )
    db.session.flush()
    verb = {
        GrantAction.SUSPENDED: "suspend",
        GrantAction.REINSTATED: "reinstate",
        GrantAction.REVOKED: "revoke",
    }[action]
    audit.record(
        actor,
        f"grant.{verb}",
        grant,
        summary=reason,
        changes={
            "status": {"before": before.value, "after": after.value},
            "effective_on": {"before": None, "after": effective_on.isoformat()},
            "reason": {"before": None, "after": reason},
        },
    )
    return grant


def suspend_grant(
    actor: Actor, grant: MarkGrant, *, reason: str, effective_on: dt.date
) -> MarkGrant:
    """Suspend an active grant from a date, saying why."""
    return _transition(actor, grant, GrantAction.SUSPENDED, reason, effective_on)


def reinstate_grant(
    actor: Actor, grant: MarkGrant, *, reason: str, effective_on: dt.date
) -> MarkGrant:
    """Lift a suspension from a date, saying why. A revoked grant cannot be reinstated."""
    return _transition(actor, grant, GrantAction.REINSTATED, reason, effective_on)


def revoke_grant(
    actor: Actor, grant: MarkGrant, *, reason: str, effective_on: dt.date
) -> MarkGrant:
    """Revoke a grant from a date, saying why. This is final."""
    return _transition(actor, grant, GrantAction.REVOKED, reason, effective_on)
