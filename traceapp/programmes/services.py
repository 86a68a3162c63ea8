"""Support organisations, their officers, and programmes: periods, provinces, partners,
targets and training modules. Activities and attendance are in ``activities``."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp import tunables
from traceapp.audit import services as audit
from traceapp.auth.models import Role, User
from traceapp.auth.permissions import require, scoped_ref
from traceapp.core.inputs import blank_to_none
from traceapp.core.regions import normalise
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.programmes import plans
from traceapp.programmes.models import (
    OrganisationKind,
    PartnerRole,
    Programme,
    ProgrammePartner,
    ProgrammePeriod,
    ProgrammeProvince,
    SupportOrganisation,
    is_officer,
)

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_IATI_ORG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,79}$")
_DAC_RE = re.compile(r"^\d{5}$")
LANGUAGES = ("vi", "en", "fr", "zh", "km", "tr")


def topics() -> dict[str, Any]:
    """The configurable topic list: {key: label}."""
    return dict(tunables.get("programmes")["topics"])


def womens_share() -> float:
    """Women's share of members above which a cooperative counts as a women's cooperative."""
    return float(tunables.get("programmes")["womens_share"])


# --- organisations and officers -------------------------------------------------------------


def create_organisation(
    actor: Actor,
    *,
    name: str,
    kind: OrganisationKind | str,
    short_name: str | None = None,
    iati_identifier: str | None = None,
    country: str | None = "VN",
) -> SupportOrganisation:
    """Register a support organisation (platform administrators)."""
    require(actor.is_admin, _("Only a platform administrator may register an organisation."))
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Enter the organisation's name.")]
    try:
        kind = OrganisationKind(kind)
    except ValueError:
        errors["kind"] = [_("Choose the kind of organisation.")]
    iati = blank_to_none(iati_identifier)
    if iati and not _IATI_ORG_RE.match(iati):
        errors["iati_identifier"] = [
            _("An IATI identifier is letters, digits, dots, dashes (e.g. XM-DAC-41302).")
        ]
    country = (country or "VN").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        errors["country"] = [_("Enter a two-letter country code (VN).")]
    if not errors:
        clash = db.session.scalar(
            sa.select(SupportOrganisation.id).where(
                sa.or_(
                    SupportOrganisation.name == name,
                    sa.and_(
                        SupportOrganisation.iati_identifier.is_not(None),
                        SupportOrganisation.iati_identifier == iati,
                    ),
                )
            )
        )
        if clash is not None:
            errors["name"] = [_("An organisation with this name or IATI identifier exists.")]
    if errors:
        raise ValidationFailed(_("The organisation could not be registered."), errors)
    org = SupportOrganisation(
        name=name,
        kind=OrganisationKind(kind),
        short_name=blank_to_none(short_name),
        iati_identifier=iati,
        country=country,
    )
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "organisation.create", org, changes=audit.created(org))
    return org


def create_officer(
    actor: Actor, org: SupportOrganisation, *, email: str, full_name: str, password: str
) -> User:
    """Add a programme officer account for an organisation (platform administrators)."""
    from traceapp.auth.services import create_user

    require(actor.is_admin, _("Only a platform administrator may add programme officers."))
    return create_user(
        actor,
        email=email,
        full_name=full_name,
        password=password,
        role=Role.PROGRAMME_OFFICER,
        organisation_id=org.id,
    )


def officers_of(org: SupportOrganisation) -> list[User]:
    """The organisation's officer accounts."""
    return list(
        db.session.scalars(
            sa.select(User).where(User.organisation_id == org.id).order_by(User.email)
        )
    )


# --- programmes -----------------------------------------------------------------------------


def _names(names: dict[str, Any] | None, errors: dict[str, list[str]]) -> dict[str, str]:
    out = {
        lang: str(value).strip()
        for lang, value in (names or {}).items()
        if lang in LANGUAGES and value and str(value).strip()
    }
    unknown = sorted(set(names or {}) - set(LANGUAGES))
    if unknown:
        errors["names"] = [
            _(
                "Names are given for %(known)s, not %(langs)s.",
                known=", ".join(LANGUAGES),
                langs=", ".join(unknown),
            )
        ]
    elif not out:
        errors["names"] = [_("Give the programme a name in at least one language.")]
    elif any(len(v) > 300 for v in out.values()):
        errors["names"] = [_("A name is at most 300 characters.")]
    return out


def _sectors(sectors: list[Any] | None, errors: dict[str, list[str]]) -> list[str]:
    out = [str(s).strip() for s in (sectors or ["31194"]) if str(s).strip()]
    if not out or not all(_DAC_RE.match(s) for s in out):
        errors["sectors"] = [_("Sectors are 5-digit DAC codes, such as 31194.")]
    return list(dict.fromkeys(out))


def _provinces(
    provinces: list[str] | None, whole_country: bool, errors: dict[str, list[str]]
) -> list[str]:
    out = list(dict.fromkeys(p.strip() for p in (provinces or []) if p and p.strip()))
    if not whole_country and not out:
        errors["provinces"] = [_("Name the provinces, or choose the whole country.")]
    if any(len(p) > 100 for p in out):
        errors["provinces"] = [_("A province name is at most 100 characters.")]
    return out


def _period(starts_on: Any, ends_on: Any, errors: dict[str, list[str]]) -> None:
    if not isinstance(starts_on, dt.date):
        errors["starts_on"] = [_("Enter the first day of the period.")]
    if not isinstance(ends_on, dt.date):
        errors["ends_on"] = [_("Enter the last day of the period.")]
    elif isinstance(starts_on, dt.date) and ends_on < starts_on:
        errors["ends_on"] = [_("The period ends before it starts.")]


def create_programme(
    actor: Actor,
    organisation_id: Any,
    *,
    code: str,
    names: dict[str, Any],
    starts_on: dt.date,
    ends_on: dt.date,
    objectives: str | None = None,
    provinces: list[str] | None = None,
    whole_country: bool = False,
    sectors: list[Any] | None = None,
) -> Programme:
    """Start a programme for an organisation: an administrator, or an officer for their own."""
    errors: dict[str, list[str]] = {}
    org = scoped_ref(
        SupportOrganisation,
        organisation_id,
        actor,
        "organisation_id",
        message=_("No such organisation."),
        errors=errors,
    )
    if org is not None:
        require(
            actor.is_admin or (is_officer(actor) and actor.organisation_id == org.id),
            _("Only the organisation's officers may start its programmes."),
        )
    code = (code or "").strip()
    if not _CODE_RE.match(code):
        errors["code"] = [_("A code is 1-40 letters, digits, dots or dashes.")]
    elif db.session.scalar(sa.select(Programme.id).where(Programme.code == code)):
        errors["code"] = [_("Another programme has this code.")]
    clean_names = _names(names, errors)
    clean_sectors = _sectors(sectors, errors)
    clean_provinces = _provinces(provinces, bool(whole_country), errors)
    _period(starts_on, ends_on, errors)
    if errors or org is None:
        raise ValidationFailed(_("The programme could not be saved."), errors)
    programme = Programme(
        organisation_id=org.id,
        code=code,
        names=clean_names,
        objectives=blank_to_none(objectives),
        whole_country=bool(whole_country),
        sectors=clean_sectors,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(programme)
    db.session.flush()
    db.session.add(ProgrammePeriod(programme_id=programme.id, starts_on=starts_on, ends_on=ends_on))
    for province in clean_provinces:
        db.session.add(
            ProgrammeProvince(
                programme_id=programme.id, province=province, province_key=normalise(province)
            )
        )
    db.session.flush()
    db.session.refresh(programme)
    audit.record(
        actor,
        "programme.create",
        programme,
        changes=audit.created(programme)
        | {
            "period": {"before": None, "after": f"{starts_on}/{ends_on}"},
            "provinces": {"before": None, "after": clean_provinces},
        },
    )
    plans.ensure_standard_modules()
    return programme


def update_programme(actor: Actor, programme: Programme, **data: Any) -> Programme:
    """Change a programme's names, objectives, sectors or provinces."""
    require(programme.can_manage(actor), _("Only the organisation's officers may edit it."))
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if "names" in data:
        values["names"] = _names(data["names"], errors)
    if "objectives" in data:
        values["objectives"] = blank_to_none(data["objectives"])
    if "sectors" in data:
        values["sectors"] = _sectors(data["sectors"], errors)
    whole = bool(data.get("whole_country", programme.whole_country))
    provinces = None
    if "provinces" in data or "whole_country" in data:
        given = (
            data["provinces"] if "provinces" in data else [p.province for p in programme.provinces]
        )
        provinces = _provinces(given, whole, errors)
        values["whole_country"] = whole
    if errors:
        raise ValidationFailed(_("The programme could not be saved."), errors)
    audit.apply_changes(actor, programme, values, "programme.update")
    if provinces is not None:
        before = [p.province for p in programme.provinces]
        if before != provinces:
            for row in list(programme.provinces):
                db.session.delete(row)
            db.session.flush()
            for province in provinces:
                db.session.add(
                    ProgrammeProvince(
                        programme_id=programme.id,
                        province=province,
                        province_key=normalise(province),
                    )
                )
            db.session.flush()
            db.session.expire(programme, ["provinces"])
            audit.record(
                actor,
                "programme.provinces",
                programme,
                changes={"provinces": {"before": before, "after": provinces}},
            )
    return programme


def extend_programme(
    actor: Actor, programme: Programme, *, ends_on: dt.date, note: str | None = None
) -> ProgrammePeriod:
    """Extend a programme by a new period after its last one; earlier periods are kept."""
    require(programme.can_manage(actor), _("Only the organisation's officers may extend it."))
    last = programme.ends_on
    assert last is not None
    if not isinstance(ends_on, dt.date) or ends_on <= last:
        raise ValidationFailed.field(
            "ends_on", _("An extension ends after the current end (%(day)s).", day=last)
        )
    period = ProgrammePeriod(
        programme_id=programme.id,
        starts_on=last + dt.timedelta(days=1),
        ends_on=ends_on,
        note=blank_to_none(note),
    )
    db.session.add(period)
    db.session.flush()
    db.session.expire(programme, ["periods"])
    audit.record(
        actor,
        "programme.extend",
        programme,
        changes={"ends_on": {"before": last, "after": ends_on}},
        summary=note,
    )
    return period


def add_partner(
    actor: Actor, programme: Programme, organisation_id: Any, role: PartnerRole | str
) -> ProgrammePartner:
    """Name an organisation as a funding, accountable or implementing partner."""
    require(programme.can_manage(actor), _("Only the organisation's officers may edit it."))
    errors: dict[str, list[str]] = {}
    org = scoped_ref(
        SupportOrganisation,
        organisation_id,
        actor,
        "organisation_id",
        message=_("No such organisation."),
        errors=errors,
    )
    try:
        role = PartnerRole(role)
    except ValueError:
        errors["role"] = [_("Choose funding, accountable or implementing.")]
    if errors or org is None:
        raise ValidationFailed(_("The partner could not be added."), errors)
    exists = db.session.scalar(
        sa.select(ProgrammePartner.id).where(
            ProgrammePartner.programme_id == programme.id,
            ProgrammePartner.organisation_id == org.id,
            ProgrammePartner.role == role,
        )
    )
    if exists:
        raise Conflict(_("This organisation already has this role in the programme."))
    partner = ProgrammePartner(programme_id=programme.id, organisation_id=org.id, role=role)
    db.session.add(partner)
    db.session.flush()
    db.session.expire(programme, ["partners"])
    audit.record(actor, "programme.partner", partner, changes=audit.created(partner))
    return partner
