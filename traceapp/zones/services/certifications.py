"""The certificates (VietGAP, GlobalGAP, organic, other) a cooperative records for a zone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.permissions import require
from traceapp.core.columns import max_length
from traceapp.core.inputs import blank_to_none
from traceapp.database import local_today
from traceapp.errors import Conflict, NotFound, ValidationFailed
from traceapp.extensions import db
from traceapp.zones.models import (
    CertificationScheme,
    Zone,
    ZoneCertification,
)
from traceapp.zones.services.status import S
from traceapp.zones.services.values import date_format_hint, to_date

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


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
                value = to_date(value)
        except ValueError:
            errors[key] = [
                _("Choose VietGAP, GlobalGAP, organic or other.")
                if key == "scheme"
                else date_format_hint()
            ]
            continue
        values[key] = value
    merged = current | values
    if merged.get("scheme") is None and "scheme" not in errors:
        errors["scheme"] = [_("Choose the certification scheme.")]
    if not merged.get("number"):
        errors["number"] = [_("Enter the certificate number.")]
    elif len(merged["number"]) > max_length(ZoneCertification.number):
        errors["number"] = [_("At most %(n)d characters.", n=max_length(ZoneCertification.number))]
    if merged.get("issuer") and len(merged["issuer"]) > max_length(ZoneCertification.issuer):
        errors["issuer"] = [_("At most %(n)d characters.", n=max_length(ZoneCertification.issuer))]
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
