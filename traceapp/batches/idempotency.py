"""Idempotency keys of contributions: a delivery sent again under the same key is found, not
recorded twice (a weighing station resends what it queued when it cannot tell whether the
first attempt arrived)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.batches.models import Contribution, Lot
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db

#: A client's key: a UUID in practice; any 8 to 64 letters, digits, hyphens or underscores.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")


def key_problem(key: str) -> str | None:
    """Why a key cannot be stored, or None."""
    if KEY_PATTERN.fullmatch(key):
        return None
    return _("The entry key must be 8 to 64 letters, digits, hyphens or underscores.")


def recorded_with_key(lot: Lot, key: str, member_id: int | None) -> Contribution | None:
    """The contribution of ``lot``'s cooperative already recorded under ``key``, or None.

    The caller holds the lot's lock, so a second request with the same key waits for the
    first and then finds what it recorded. A key that recorded another delivery (another lot
    or member) is a client's mistake: refused, never answered with someone else's delivery.
    """
    problem = key_problem(key)
    if problem:
        raise ValidationFailed.field("idempotency_key", problem)
    found = db.session.execute(
        sa.select(Contribution).where(
            Contribution.cooperative_id == lot.cooperative_id,
            Contribution.idempotency_key == key,
        )
    ).scalar_one_or_none()
    if found is None:
        return None
    if found.lot_id != lot.id or found.member_id != member_id:
        raise Conflict(_("This entry key was already used for another delivery."))
    return found
