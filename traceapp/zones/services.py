"""Zone codes: registration and checks, overlaps, the status lifecycle and the GeoJSON export.

Overlaps are kept between zones of the same kind whose status is submitted, approved or
suspended ("active"): a submitted code is included so the auditor sees a conflicting claim
before deciding, and a suspended one because it can be reinstated without a new check.
Drafts, rejected, revoked and expired codes claim no ground.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from traceapp import tunables
from traceapp.audit import services as audit
from traceapp.auth.permissions import require, scoped_refs
from traceapp.cooperatives.models import Member
from traceapp.core.columns import max_length
from traceapp.core.inputs import blank_to_none
from traceapp.core.regions import names_covered
from traceapp.database import local_today
from traceapp.errors import Conflict, NotFound, ValidationFailed
from traceapp.extensions import db
from traceapp.zones import geometry as geo
from traceapp.zones.models import (
    KIND_LABELS,
    STATUS_LABELS,
    CertificationScheme,
    TargetMarket,
    Zone,
    ZoneCertification,
    ZoneKind,
    ZoneOverlap,
    ZoneStatus,
    ZoneTransition,
)

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

log = logging.getLogger(__name__)

S = ZoneStatus

ZONE_FIELDS = (
    "code",
    "kind",
    "name",
    "crop",
    "province",
    "district",
    "commune",
    "issuing_authority",
    "decision_number",
    "issued_on",
    "valid_from",
    "valid_until",
    "target_market",
    "declared_area_ha",
    "geometry",
    "member_ids",
    "notes",
)
#: What a cooperative may still change once a code is submitted (certifications have their
#: own service and may change too).
EDITABLE_WHEN_LOCKED = frozenset({"member_ids", "notes"})
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
#: Facts an auditor needs before a code can be submitted.
REQUIRED_FOR_SUBMISSION = {
    "geometry": _l("Draw or upload the zone's location before submitting."),
    "issuing_authority": _l("Enter the issuing authority before submitting."),
    "decision_number": _l("Enter the decision number before submitting."),
    "issued_on": _l("Enter the issue date before submitting."),
}
#: What each text field may hold: the column's own length, and for the notes (a TEXT
#: column) a reasonable bound.
_MAX_LENGTHS = {
    key: max_length(getattr(Zone, key))
    for key in (
        "code",
        "name",
        "crop",
        "province",
        "district",
        "commune",
        "issuing_authority",
        "decision_number",
    )
} | {"notes": 5000}
_MAX_AREA_HA = decimal.Decimal("99999999")
_AREA_PLACES = decimal.Decimal("0.0001")
# An arbitrary constant naming the PostgreSQL advisory lock that serialises overlap checks.
_OVERLAP_LOCK_KEY = 730_100_3


# --- small helpers --------------------------------------------------------------------------


def _to_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value))


def _to_area(value: Any) -> decimal.Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError
    number = decimal.Decimal(str(value))
    if not number.is_finite():
        raise ValueError
    return number.quantize(_AREA_PLACES, rounding=decimal.ROUND_HALF_UP)


def _as_decimal_area(hectares: float | None) -> decimal.Decimal | None:
    if hectares is None:
        return None
    return decimal.Decimal(str(round(hectares, 4))).quantize(_AREA_PLACES)


def scheme_for(kind: ZoneKind | str) -> dict[str, str]:
    """The code scheme (pattern, description, example) of a kind, from the domain settings."""
    return tunables.get("zone_schemes")[ZoneKind(kind).value]


def kind_label(kind: ZoneKind | str) -> str:
    """A kind in words, in the reader's language."""
    return str(KIND_LABELS[ZoneKind(kind)])


def _off_scheme(kind: ZoneKind, code: str, scheme: dict[str, Any]) -> str:
    """Why a code does not fit its kind's scheme: one whole sentence per kind."""
    # A description from the settings file is shown as written; the defaults are translated.
    values = {"code": code, "description": str(scheme["description"]), "example": scheme["example"]}
    if kind == ZoneKind.PACKING_HOUSE:
        return _(
            "%(code)s does not follow the packing house code scheme: %(description)s "
            "(for example %(example)s).",
            **values,
        )
    if kind == ZoneKind.AQUACULTURE_FACILITY:
        return _(
            "%(code)s does not follow the aquaculture facility code scheme: "
            "%(description)s (for example %(example)s).",
            **values,
        )
    if kind == ZoneKind.FISHING_GROUND:
        return _(
            "%(code)s does not follow the fishing ground code scheme: %(description)s "
            "(for example %(example)s).",
            **values,
        )
    # TRANSLATORS: %(code)s is the code as typed; %(description)s explains the scheme (from
    # the settings) and %(example)s is a code that fits it.
    return _(
        "%(code)s does not follow the growing area code scheme: %(description)s "
        "(for example %(example)s).",
        **values,
    )


def bbox_for(kind: ZoneKind | str | None) -> list[float] | None:
    """Where a zone of this kind may lie: Vietnam's box, or anywhere for a fishing ground."""
    if kind is not None and ZoneKind(kind) == ZoneKind.FISHING_GROUND:
        return None
    return list(tunables.get("vietnam_bbox"))


def normalise_geometry(value: Any, kind: ZoneKind | str | None) -> dict[str, Any] | None:
    """The checked, rounded, oriented geometry (or None); ValidationFailed names 'geometry'."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return geo.normalise(value, bbox=bbox_for(kind))
    except geo.GeometryError as exc:
        raise ValidationFailed.field("geometry", str(exc)) from None


def read_geometry_upload(
    filename: str, content: bytes, field: str = "geometry_file"
) -> dict[str, Any]:
    """The geometry in an uploaded GeoJSON or KML file (checked later with the zone's kind)."""
    try:
        return geo.read_file(filename, content)
    except geo.GeometryError as exc:
        raise ValidationFailed.field(field, str(exc)) from None


# --- status ---------------------------------------------------------------------------------


def effective_status(zone: Zone, on_date: dt.date | None = None) -> ZoneStatus:
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
    decides = actor.can_audit(zone.province, zone.district)
    steps = actor.can_write_cooperative(zone.cooperative_id) and not actor.is_auditor
    return [
        end
        for start, end in sorted(DECISIONS | COOPERATIVE_STEPS)
        if start == zone.status
        and ((start, end) in DECISIONS and decides or (start, end) in COOPERATIVE_STEPS and steps)
    ]


# --- checks ---------------------------------------------------------------------------------


def _coerce(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Typed values from API/form input, and the problems of those that cannot be read."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, raw in data.items():
        if key not in ZONE_FIELDS:
            continue
        value = raw if key in ("geometry", "member_ids") else blank_to_none(raw)
        try:
            if key == "code" and value is not None:
                value = str(value).upper()
            elif key == "kind" and value is not None:
                value = ZoneKind(value)
            elif key == "target_market" and value is not None:
                value = TargetMarket(value)
            elif key in ("issued_on", "valid_from", "valid_until"):
                value = _to_date(value)
            elif key == "declared_area_ha":
                value = _to_area(value)
            elif key == "member_ids":
                value = sorted({int(v) for v in (value or [])})
        except (ValueError, TypeError, decimal.InvalidOperation):
            errors[key] = [_unreadable(key)]
            continue
        values[key] = value
    return values, errors


def _unreadable(key: str) -> str:
    """What to enter in a field whose value could not be read."""
    if key == "kind":
        return _("Choose growing area, packing house, aquaculture facility or fishing ground.")
    if key == "target_market":
        # TRANSLATORS: %(names)s lists the codes the API accepts (domestic, china_gacc, ...).
        return _("Choose one of: %(names)s.", names=", ".join(m.value for m in TargetMarket))
    if key == "declared_area_ha":
        return _("Enter the area in hectares as a number, e.g. 2.5.")
    if key == "member_ids":
        return _("Choose members of the cooperative.")
    return _date_format_hint()


def _date_format_hint() -> str:
    # TRANSLATORS: the date format the API and the date fields read (year-month-day): keep
    # the example date as it is.
    return _("Enter a date as 2025-03-31.")


def _check(
    actor: Actor,
    values: dict[str, Any],
    cooperative_id: int,
    existing: Zone | None,
    errors: dict[str, list[str]],
) -> dict[str, Any]:
    """Every problem of the merged zone data, raised together; returns derived columns."""

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    for key, limit in _MAX_LENGTHS.items():
        value = values.get(key)
        if isinstance(value, str) and len(value) > limit:
            add(key, _("At most %(n)d characters.", n=limit))
    kind = values.get("kind")
    code = values.get("code")
    if kind is None and "kind" not in errors:
        add("kind", _("Choose the kind of zone."))
    if not code:
        add("code", _("Enter the code as issued."))
    elif kind is not None and "code" not in errors:
        scheme = scheme_for(kind)
        if not re.fullmatch(scheme["pattern"], code):
            add("code", _off_scheme(ZoneKind(kind), code, scheme))
        else:
            clash = db.session.execute(sa.select(Zone.id).where(Zone.code == code)).first()
            if clash is not None and (existing is None or clash.id != existing.id):
                add("code", _already_registered(code))
    if not values.get("province"):
        add("province", _("Enter the province named in the decision."))
    today = local_today()
    issued = values.get("issued_on")
    if issued and issued > today:
        add("issued_on", _("The issue date is in the future."))
    start, end = values.get("valid_from"), values.get("valid_until")
    if start and end and end < start:
        add("valid_until", _("The code cannot expire before its validity starts."))
    area = values.get("declared_area_ha")
    if area is not None and "declared_area_ha" not in errors:
        if area < 0:
            add("declared_area_ha", _("The area cannot be negative."))
        elif area > _MAX_AREA_HA:
            add("declared_area_ha", _("The area is implausibly large."))
    derived: dict[str, Any] = {}
    if "geometry" not in errors and "kind" not in errors:
        try:
            shape = normalise_geometry(values.get("geometry"), kind)
        except ValidationFailed as exc:
            add("geometry", exc.message)
        else:
            derived["geometry"] = shape
            hectares = geo.area_ha(shape)
            if hectares is not None and hectares > float(_MAX_AREA_HA):
                add("geometry", _("The outline is implausibly large for a zone."))
            derived["computed_area_ha"] = _as_decimal_area(hectares)
            box = geo.bounds(shape) if shape else (None, None, None, None)
            derived.update(zip(("min_lon", "min_lat", "max_lon", "max_lat"), box, strict=True))
    if "member_ids" in values and "member_ids" not in errors:
        derived["members"] = _members(actor, values["member_ids"], cooperative_id, existing, errors)
    if errors:
        raise ValidationFailed(_("The zone code could not be saved."), errors)
    return derived


def _already_registered(code: str) -> str:
    return _("The code %(code)s is already registered.", code=code)


def _members(
    actor: Actor,
    ids: list[int],
    cooperative_id: int,
    existing: Zone | None,
    errors: dict[str, list[str]],
) -> list[Member]:
    """The cooperative's members with these ids; unknown ids and leavers are named."""
    found = scoped_refs(
        Member,
        ids,
        actor,
        "member_ids",
        errors,
        cooperative_id=cooperative_id,
        # The same words for another cooperative's member and a missing id.
        # TRANSLATORS: %(id)d is the member's number in the database, as sent.
        message=lambda ident: _("No member %(id)d in this cooperative.", id=ident),
    )
    already = {m.id for m in existing.members} if existing is not None else set()
    today = local_today()
    for ident in ids:
        member = found.get(ident)
        if member is not None and ident not in already and not member.is_member_on(today):
            errors.setdefault("member_ids", []).append(
                _("%(name)s is no longer a member.", name=member.full_name)
            )
    return [found[i] for i in ids if i in found]


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


# --- registration ---------------------------------------------------------------------------


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
            raise ValidationFailed.field("code", _already_registered(code)) from None
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
    values, errors = _coerce(data)
    values.setdefault("member_ids", [])
    derived = _check(actor, values, cooperative_id, None, errors)
    zone = Zone(cooperative_id=cooperative_id, status=S.DRAFT)
    _save(zone, values, derived, new=True)
    audit.record(actor, "zone.create", zone, changes=audit.created(zone) | _member_change([], zone))
    return zone


def update_zone(actor: Actor, zone: Zone, **data: Any) -> Zone:
    """Change a zone; once submitted, only households and notes may still change (409)."""
    require(
        actor.can_write_cooperative(zone.cooperative_id) and not actor.is_auditor,
        _("Only the cooperative's managers and staff change its zone codes."),
    )
    values, errors = _coerce({k: v for k, v in data.items() if k in ZONE_FIELDS})
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
        derived = _check_editable(actor, values, zone, errors)
    else:
        merged = {k: _current(zone, k) for k in ZONE_FIELDS if k != "member_ids"} | values
        derived = _check(actor, merged, zone.cooperative_id, zone, errors)
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


def _check_editable(
    actor: Actor, values: dict[str, Any], zone: Zone, errors: dict[str, list[str]]
) -> dict[str, Any]:
    """Check the households and notes of a locked zone."""

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    notes = values.get("notes")
    if notes and len(notes) > _MAX_LENGTHS["notes"]:
        add("notes", _("At most %(n)d characters.", n=_MAX_LENGTHS["notes"]))
    derived: dict[str, Any] = {}
    if "member_ids" in values and "member_ids" not in errors:
        derived["members"] = _members(
            actor, values["member_ids"], zone.cooperative_id, zone, errors
        )
    if errors:
        raise ValidationFailed(_("The zone code could not be saved."), errors)
    return derived


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


# --- certifications -------------------------------------------------------------------------

CERTIFICATION_FIELDS = ("scheme", "number", "issuer", "issued_on", "expires_on")


def _certification_values(data: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in CERTIFICATION_FIELDS:
        if key not in data:
            continue
        value = blank_to_none(data[key])
        try:
            if key == "scheme" and value is not None:
                value = CertificationScheme(value)
            elif key in ("issued_on", "expires_on"):
                value = _to_date(value)
        except ValueError:
            errors[key] = [
                _("Choose VietGAP, GlobalGAP, organic or other.")
                if key == "scheme"
                else _date_format_hint()
            ]
            continue
        values[key] = value
    merged = current | values
    if merged.get("scheme") is None and "scheme" not in errors:
        errors["scheme"] = [_("Choose the certification scheme.")]
    if not merged.get("number"):
        errors["number"] = [_("Enter the certificate number.")]
    elif len(merged["number"]) > 60:
        errors["number"] = [_("At most %(n)d characters.", n=60)]
    if merged.get("issuer") and len(merged["issuer"]) > 200:
        errors["issuer"] = [_("At most %(n)d characters.", n=200)]
    issued, expires = merged.get("issued_on"), merged.get("expires_on")
    if issued and issued > local_today():
        errors["issued_on"] = [_("The issue date is in the future.")]
    if issued and expires and expires < issued:
        errors["expires_on"] = [_("The certificate cannot expire before it was issued.")]
    if errors:
        raise ValidationFailed(_("The certification could not be saved."), errors)
    return values


def _require_certification_writer(actor: Actor, zone: Zone) -> None:
    require(
        actor.can_write_cooperative(zone.cooperative_id) and not actor.is_auditor,
        _("Only the cooperative's managers and staff record certifications."),
    )
    if zone.status == S.REVOKED:
        raise Conflict(_("The code was revoked: its certifications can no longer change."))


def add_certification(actor: Actor, zone: Zone, **data: Any) -> ZoneCertification:
    """Record a certificate (VietGAP, GlobalGAP, organic, other) held for a zone."""
    _require_certification_writer(actor, zone)
    values = _certification_values(data, {})
    cert = ZoneCertification(**values)
    zone.certifications.append(cert)
    db.session.flush()
    audit.record(
        actor,
        "zone.certification.add",
        cert,
        changes=audit.created(cert),
        cooperative_id=zone.cooperative_id,
        province=zone.province,
        summary=f"{zone.code}: {cert.scheme.value} {cert.number}",
    )
    return cert


def update_certification(actor: Actor, cert: ZoneCertification, **data: Any) -> ZoneCertification:
    """Correct a certificate's details or record its renewed expiry."""
    zone = cert.zone
    _require_certification_writer(actor, zone)
    values = _certification_values(data, {k: getattr(cert, k) for k in CERTIFICATION_FIELDS})
    audit.apply_changes(
        actor,
        cert,
        values,
        "zone.certification.update",
        cooperative_id=zone.cooperative_id,
        province=zone.province,
        summary=f"{zone.code}: {cert.scheme.value} {cert.number}",
    )
    return cert


def get_certification(zone: Zone, certification_id: Any) -> ZoneCertification:
    """One certificate of a zone the caller has already loaded, or NotFound."""
    try:
        ident = int(certification_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    cert = db.session.execute(
        sa.select(ZoneCertification).where(
            ZoneCertification.id == ident, ZoneCertification.zone_id == zone.id
        )
    ).scalar_one_or_none()
    if cert is None:
        raise NotFound()
    return cert


# --- lifecycle ------------------------------------------------------------------------------


def transition(
    actor: Actor,
    zone: Zone,
    to_status: ZoneStatus | str,
    reason: str | None = None,
    *,
    today: dt.date | None = None,
) -> ZoneTransition:
    """Move a zone through its lifecycle; the one service for every status change.

    The cooperative submits drafts and takes rejected codes back to draft; only an auditor
    whose province covers the zone approves, rejects, suspends, reinstates or revokes, always
    with a reason; a code past ``valid_until`` is recorded as expired.
    """
    day = today or local_today()
    try:
        target = ZoneStatus(to_status)
    except ValueError:
        names = ", ".join(s.value for s in ZoneStatus)
        raise ValidationFailed.field(
            "to_status", _("Choose one of: %(names)s.", names=names)
        ) from None
    reason = (reason or "").strip() or None
    current = zone.status
    effective = effective_status(zone, day)
    if target == S.EXPIRED:
        require(
            actor.is_system or actor.is_admin or actor.can_audit(zone.province, zone.district),
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
                actor.can_audit(zone.province, zone.district),
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
    if reason and len(reason) > 2000:
        raise ValidationFailed.field("reason", _("At most %(n)d characters.", n=2000))
    return _record_transition(actor, zone, target, reason)


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


# --- overlaps -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    """Another active zone of the same kind sharing ground with this one."""

    zone_id: int
    code: str
    status: ZoneStatus
    cooperative_id: int
    overlap_ha: decimal.Decimal


def _lock_overlaps() -> None:
    # Two requests saving overlapping zones at once must not both miss each other; SQLite's
    # single writer already serialises them.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _OVERLAP_LOCK_KEY}
        )


def _overlap_codes(zone_id: int) -> list[str]:
    return sorted(
        db.session.execute(
            sa.select(Zone.code)
            .join(ZoneOverlap, ZoneOverlap.other_zone_id == Zone.id)
            .where(ZoneOverlap.zone_id == zone_id)
        ).scalars()
    )


def refresh_overlaps(actor: Actor, zone: Zone) -> list[Overlap]:
    """Recompute the zone's overlap flags (both directions) from its geometry and status."""
    _lock_overlaps()
    # A declarative class's __table__ is typed as any FromClause; this one is a Table.
    table = cast(sa.Table, ZoneOverlap.__table__)
    before = _overlap_codes(zone.id)
    db.session.execute(
        sa.delete(table).where(sa.or_(table.c.zone_id == zone.id, table.c.other_zone_id == zone.id))
    )
    rows = []
    if zone.status in ACTIVE_STATUSES and zone.geometry and zone.geometry["type"] != "Point":
        candidates = db.session.execute(
            sa.select(Zone).where(
                Zone.id != zone.id,
                Zone.kind == zone.kind,
                Zone.status.in_([s.value for s in ACTIVE_STATUSES]),
                Zone.min_lon <= zone.max_lon,
                Zone.max_lon >= zone.min_lon,
                Zone.min_lat <= zone.max_lat,
                Zone.max_lat >= zone.min_lat,
            )
        ).scalars()
        for other in candidates:
            if not other.geometry:
                continue
            shared = geo.overlap_ha(zone.geometry, other.geometry)
            if shared > 0:
                amount = max(_as_decimal_area(shared) or _AREA_PLACES, _AREA_PLACES)
                rows.append({"zone_id": zone.id, "other_zone_id": other.id, "overlap_ha": amount})
                rows.append({"zone_id": other.id, "other_zone_id": zone.id, "overlap_ha": amount})
    if rows:
        db.session.execute(sa.insert(table), rows)
    after = _overlap_codes(zone.id)
    if before != after:
        audit.record(
            actor,
            "zone.overlaps",
            zone,
            changes={"overlaps": {"before": before, "after": after}},
            summary=f"{zone.code} overlaps {', '.join(after) or 'no other zone'}",
        )
    return overlaps_of(zone)


def overlaps_of(zone: Zone) -> list[Overlap]:
    """The active zones sharing ground with this one, largest overlap first."""
    rows = db.session.execute(
        sa.select(Zone.id, Zone.code, Zone.status, Zone.cooperative_id, ZoneOverlap.overlap_ha)
        .join(ZoneOverlap, ZoneOverlap.other_zone_id == Zone.id)
        .where(ZoneOverlap.zone_id == zone.id)
        .order_by(ZoneOverlap.overlap_ha.desc(), Zone.code)
    ).all()
    return [
        Overlap(r.id, r.code, ZoneStatus(r.status), r.cooperative_id, decimal.Decimal(r.overlap_ha))
        for r in rows
    ]


# --- reading --------------------------------------------------------------------------------


def area_check(zone: Zone) -> geo.AreaCheck:
    """Computed vs declared area, and the EU point-or-polygon warning, for display."""
    return geo.check_area(
        zone.geometry,
        zone.declared_area_ha,
        float(tunables.get("area_tolerance")),
        zone.computed_area_ha,
    )


def filter_zones(
    stmt: sa.Select[Any],
    *,
    kind: str | None = None,
    status: str | None = None,
    province: str | None = None,
    q: str | None = None,
    today: dt.date | None = None,
) -> sa.Select[Any]:
    """Narrow a zone listing by kind, effective status, province (as issued or merged) and text."""
    if kind:
        stmt = stmt.where(Zone.kind == ZoneKind(kind))
    if status:
        stmt = stmt.where(effective_status_clause(today) == ZoneStatus(status).value)
    if province and province.strip():
        stmt = stmt.where(Zone.province_key.in_(names_covered(province)))
    q = (q or "").strip()
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Zone.code).like(like),
                sa.func.lower(Zone.name).like(like),
                sa.func.lower(Zone.crop).like(like),
                sa.func.lower(Zone.commune).like(like),
                sa.func.lower(Zone.district).like(like),
            )
        )
    return stmt


def _number(value: decimal.Decimal | None) -> float | None:
    return None if value is None else float(value)


def feature(zone: Zone, today: dt.date | None = None) -> dict[str, Any]:
    """One zone as a GeoJSON Feature (RFC 7946); a zone without geometry has a null one."""
    return {
        "type": "Feature",
        "id": zone.code,
        "geometry": zone.geometry,
        "properties": {
            "code": zone.code,
            "kind": zone.kind.value,
            "name": zone.name,
            "crop": zone.crop,
            "status": effective_status(zone, today).value,
            "declared_area_ha": _number(zone.declared_area_ha),
            "computed_area_ha": _number(zone.computed_area_ha),
            "province": zone.province,
            "district": zone.district,
            "commune": zone.commune,
            "valid_until": zone.valid_until.isoformat() if zone.valid_until else None,
            "cooperative": zone.cooperative.name,
        },
    }


def feature_collection(stmt: sa.Select[Any], today: dt.date | None = None) -> dict[str, Any]:
    """The zones a (scoped) statement selects, as a GeoJSON FeatureCollection."""
    zones = (
        db.session.execute(stmt.options(selectinload(Zone.cooperative)).order_by(Zone.code))
        .scalars()
        .all()
    )
    return {"type": "FeatureCollection", "features": [feature(z, today) for z in zones]}
