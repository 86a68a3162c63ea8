"""Registering a zone code and changing it: a draft may change everything, a submitted
code only its households and notes."""

from __future__ import annotations

import decimal
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from traceapp.audit import services as audit
from traceapp.auth.permissions import require
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.zones import geometry as geo
from traceapp.zones.models import (
    STATUS_LABELS,
    Zone,
)
from traceapp.zones.services.checks import (
    EDITABLE_WHEN_LOCKED,
    ZONE_FIELDS,
    already_registered,
    check_locked_zone,
    check_zone,
    coerce,
)
from traceapp.zones.services.overlaps import refresh_overlaps
from traceapp.zones.services.status import S, effective_status, is_locked

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


def _current(zone: Zone, key: str) -> Any:
    if key == "member_ids":
        return sorted(m.id for m in zone.members)
    return getattr(zone, key)


def _member_change(before: list[int], zone: Zone) -> dict[str, Any]:
    after = sorted(m.id for m in zone.members)
    return {"member_ids": {"before": before, "after": after}} if before != after else {}


def _apply(zone: Zone, values: dict[str, Any], derived: dict[str, Any]) -> None:
    for key, value in values.items():
        if key in ("geometry", "member_ids"):
            continue
        setattr(zone, key, value)
    for key, value in derived.items():
        if key == "members":
            zone.members = value
        else:
            setattr(zone, key, value)


def _save(zone: Zone, values: dict[str, Any], derived: dict[str, Any], new: bool) -> None:
    """Apply and flush in a savepoint, so a code that a concurrent request registered after
    our check becomes a field error, and the session is left as it was."""
    code = values.get("code", zone.code)
    try:
        with db.session.begin_nested():
            _apply(zone, values, derived)
            if new:
                db.session.add(zone)
            db.session.flush()
    except IntegrityError as exc:
        text = str(exc.orig)
        if "uq_zones_code" in text or "zones.code" in text:
            raise ValidationFailed.field("code", already_registered(code)) from None
        raise


def create_zone(actor: Actor, cooperative_id: int | None, **data: Any) -> Zone:
    """Register a zone code as a draft of the actor's cooperative."""
    require(
        cooperative_id is not None
        and actor.can_write_cooperative(cooperative_id)
        and not actor.is_auditor,
        _("Zone codes are registered by the cooperative's managers and staff."),
    )
    assert cooperative_id is not None
    values, errors = coerce(data)
    values.setdefault("member_ids", [])
    derived = check_zone(actor, values, cooperative_id, None, errors)
    zone = Zone(cooperative_id=cooperative_id, status=S.DRAFT)
    _save(zone, values, derived, new=True)
    audit.record(actor, "zone.create", zone, changes=audit.created(zone) | _member_change([], zone))
    return zone


def create_zones(
    actor: Actor,
    cooperative_id: int,
    rows: list[dict[str, Any]],
    name_error: Any = None,
    registered: dict[str, int] | None = None,
) -> list[Zone]:
    """Register many zone codes as drafts at once (an import): each checked as by
    :func:`create_zone`, then all flushed together and audited with one lock of the chain.
    ``name_error(index, exc)`` may re-raise a row's ValidationFailed naming the row;
    ``registered``: the zones holding the rows' codes, read at once (see check_zone)."""
    require(
        actor.can_write_cooperative(cooperative_id) and not actor.is_auditor,
        _("Zone codes are registered by the cooperative's managers and staff."),
    )
    zones = []
    with db.session.no_autoflush:
        for index, data in enumerate(rows):
            try:
                values, errors = coerce(data)
                values.setdefault("member_ids", [])
                derived = check_zone(actor, values, cooperative_id, None, errors, registered)
            except ValidationFailed as exc:
                if name_error is None:
                    raise
                raise name_error(index, exc) from None
            zone = Zone(cooperative_id=cooperative_id, status=S.DRAFT)
            _apply(zone, values, derived)
            zones.append(zone)
    try:
        with db.session.begin_nested():
            db.session.add_all(zones)
            db.session.flush()
    except IntegrityError as exc:
        text = str(exc.orig)
        if "uq_zones_code" in text or "zones.code" in text:
            # Registered by someone else since the check: the import names it when run again.
            raise ValidationFailed.field(
                "code", _("A code of this file was registered meanwhile; import it again.")
            ) from None
        raise
    audit.record_many(
        actor,
        [
            {
                "action": "zone.create",
                "obj": z,
                "changes": audit.created(z) | _member_change([], z),
            }
            for z in zones
        ],
    )
    return zones


def update_zone(actor: Actor, zone: Zone, **data: Any) -> Zone:
    """Change a zone; once submitted, only households and notes may still change (409)."""
    require(
        actor.can_write_cooperative(zone.cooperative_id) and not actor.is_auditor,
        _("Only the cooperative's managers and staff change its zone codes."),
    )
    values, errors = coerce({k: v for k, v in data.items() if k in ZONE_FIELDS})
    if is_locked(zone):
        locked = sorted(
            k for k in values if k not in EDITABLE_WHEN_LOCKED and _changes(zone, k, values[k])
        )
        locked += sorted(k for k in errors if k not in EDITABLE_WHEN_LOCKED and k not in locked)
        if locked:
            # TRANSLATORS: %(fields)s lists field names as the API knows them (code, kind,
            # ...); %(status)s is the code's status as labelled on the pages.
            message = _(
                "Once a code was submitted its identifying facts (%(fields)s) can no "
                "longer be changed; households, certifications and notes still can "
                "(this code's status: %(status)s).",
                fields=", ".join(locked),
                status=STATUS_LABELS[effective_status(zone)],
            )
            field_message = _("Locked once the code was submitted.")
            raise Conflict(message, {k: [field_message] for k in locked})
        values = {k: v for k, v in values.items() if k in EDITABLE_WHEN_LOCKED}
    before = audit.snapshot(zone)
    members_before = _current(zone, "member_ids")
    if is_locked(zone):
        # Only households and notes are left to check; the frozen facts were checked when
        # they were entered and must not be judged again by later settings.
        derived = check_locked_zone(actor, values, zone, errors)
    else:
        merged = {k: _current(zone, k) for k in ZONE_FIELDS if k != "member_ids"} | values
        derived = check_zone(actor, merged, zone.cooperative_id, zone, errors)
        if "geometry" not in values and "kind" not in values:
            # Unchanged outline: keep the stored derived columns as they are.
            derived = {k: v for k, v in derived.items() if k == "members"}
    _save(zone, values, derived, new=False)
    changes = audit.diff(before, audit.snapshot(zone)) | _member_change(members_before, zone)
    if changes:
        audit.record(actor, "zone.update", zone, changes=changes)
    if {"geometry", "kind"} & changes.keys():
        refresh_overlaps(actor, zone)
    return zone


def _changes(zone: Zone, key: str, value: Any) -> bool:
    """Whether a submitted value differs from the stored one (a resent form is no change)."""
    current = _current(zone, key)
    if key == "geometry":
        if value is None or current is None:
            return value != current
        try:
            return geo.normalise(value, bbox=None) != current
        except geo.GeometryError:
            return True
    if key == "declared_area_ha" and value is not None and current is not None:
        return decimal.Decimal(value) != decimal.Decimal(current)
    return value != current
