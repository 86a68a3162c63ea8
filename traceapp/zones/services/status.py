"""A zone code's status: what each status allows, the effective status on a day, and who
may move a code where."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa

from traceapp.database import local_today
from traceapp.zones.models import (
    Zone,
    ZoneStatus,
    ZoneTransition,
)

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


S = ZoneStatus


#: Statuses in which the cooperative may change everything.
EDITABLE_STATUSES = frozenset({S.DRAFT, S.REJECTED})


#: Statuses that claim ground: overlaps between them are flagged (see the module docstring).
ACTIVE_STATUSES = frozenset({S.SUBMITTED, S.APPROVED, S.SUSPENDED})


#: Statuses that turn into "expired" when valid_until has passed.
EXPIRING_STATUSES = ACTIVE_STATUSES


#: Decisions, which only an auditor of the zone's province may take.
DECISIONS = frozenset(
    {
        (S.SUBMITTED, S.APPROVED),
        (S.SUBMITTED, S.REJECTED),
        (S.APPROVED, S.SUSPENDED),
        (S.SUSPENDED, S.APPROVED),
        (S.APPROVED, S.REVOKED),
        (S.SUSPENDED, S.REVOKED),
    }
)


#: The statuses only a decision leads to.
DECISION_TARGETS = frozenset(end for _start, end in DECISIONS)


#: Steps the cooperative takes itself.
COOPERATIVE_STEPS = frozenset({(S.DRAFT, S.SUBMITTED), (S.REJECTED, S.DRAFT)})


class Dated(Protocol):
    """What the effective status reads of a zone (a :class:`Zone` or an export's row)."""

    @property
    def status(self) -> ZoneStatus: ...

    @property
    def valid_until(self) -> dt.date | None: ...


def effective_status(zone: Dated, on_date: dt.date | None = None) -> ZoneStatus:
    """The status on a day: an active code whose validity has ended counts as expired."""
    day = on_date or local_today()
    if zone.status in EXPIRING_STATUSES and zone.valid_until is not None and day > zone.valid_until:
        return S.EXPIRED
    return zone.status


def effective_status_clause(on_date: dt.date | None = None) -> sa.ColumnElement[Any]:
    """:func:`effective_status` as a SQL expression, for filters and counts."""
    day = on_date or local_today()
    return sa.case(
        (
            sa.and_(
                Zone.status.in_([s.value for s in EXPIRING_STATUSES]),
                Zone.valid_until.is_not(None),
                Zone.valid_until < day,
            ),
            S.EXPIRED.value,
        ),
        else_=sa.cast(Zone.status, sa.String),
    )


#: Statuses only an authority's approval leads to (suspended and revoked come after one).
ISSUED_STATUSES = frozenset({S.APPROVED, S.SUSPENDED, S.REVOKED})


def issued_clause() -> sa.ColumnElement[bool]:
    """Codes an authority approved, whatever became of them since: the public register's."""
    # A draft or a submitted code is the cooperative's application, and a rejected one a
    # refused application that may come back corrected: none was ever a code, so none is
    # public. An expired code counts only if it was approved before it lapsed, since a
    # submitted code also expires when its dates pass.
    approved_once = (
        sa.select(ZoneTransition.id)
        .where(ZoneTransition.zone_id == Zone.id, ZoneTransition.to_status == S.APPROVED.value)
        .exists()
    )
    return sa.or_(
        Zone.status.in_([s.value for s in ISSUED_STATUSES]),
        sa.and_(Zone.status == S.EXPIRED, approved_once),
    )


def is_locked(zone: Zone) -> bool:
    """Whether the code's identifying facts are frozen (it was submitted at some point)."""
    return zone.status not in EDITABLE_STATUSES


def allowed_transitions(
    actor: Actor, zone: Zone, on_date: dt.date | None = None
) -> list[ZoneStatus]:
    """The statuses this actor may move the zone to now (for buttons and forms)."""
    current = effective_status(zone, on_date)
    if current == S.EXPIRED:
        return []
    decides = actor.can_audit(zone.province, zone.district, zone.cooperative.country)
    steps = actor.can_write_cooperative(zone.cooperative_id) and not actor.is_auditor
    return [
        end
        for start, end in sorted(DECISIONS | COOPERATIVE_STEPS)
        if start == zone.status
        and ((start, end) in DECISIONS and decides or (start, end) in COOPERATIVE_STEPS and steps)
    ]
