"""The zone-code register: the codes authorities have issued, as records of public facts.

Which codes are public is the zones' rule, :func:`traceapp.zones.services.issued_clause`:
a code an authority approved, whatever became of it since (suspended, revoked, expired), so
a buyer who is shown one learns its fate. A draft or a submitted code is the cooperative's
application and a rejected one a refused application that may come back corrected: none was
ever a code, so none is public, and the register answers for it as for a made-up code.

Records carry public facts only: no household, zone name, note or decision reason leaves
this module (a zone's households are not even loaded), so no page or export shows one.
"""

from __future__ import annotations

import datetime as dt
import decimal
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import raiseload, selectinload

from traceapp.csvsafe import to_csv
from traceapp.database import local_date
from traceapp.extensions import db
from traceapp.units import number_plain
from traceapp.zones import services as zones
from traceapp.zones.geometry import drawable, svg_outline
from traceapp.zones.geometry.context import locator_svg
from traceapp.zones.models import (
    ISSUE_FIELDS,
    TargetMarket,
    Zone,
    ZoneKind,
    ZoneStatus,
    ZoneTransition,
)

#: The statuses a code of the register can have on a day (see the module docstring).
PUBLIC_STATUSES = (
    ZoneStatus.APPROVED,
    ZoneStatus.SUSPENDED,
    ZoneStatus.REVOKED,
    ZoneStatus.EXPIRED,
)


@dataclass(frozen=True)
class Certificate:
    """A certificate a zone holds (VietGAP, GlobalGAP, organic)."""

    scheme: str
    number: str
    expires_on: dt.date | None
    valid: bool


@dataclass(frozen=True)
class PublicZone:
    """A zone code as the register shows it."""

    code: str
    kind: ZoneKind
    crop: str | None
    #: The status on the day asked about: an approved code past its end date is expired.
    status: ZoneStatus
    valid: bool
    province: str
    district: str | None
    commune: str | None
    issuing_authority: str | None
    decision_number: str | None
    issued_on: dt.date | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    target_market: TargetMarket | None
    declared_area_ha: decimal.Decimal | None
    cooperative_id: int
    cooperative_name: str
    certifications: tuple[Certificate, ...]


@dataclass(frozen=True)
class ZoneDetail:
    """A code's own page: the record, when its current status was decided, its outline."""

    zone: PublicZone
    decided_on: dt.date | None
    outline: str
    #: The code inside its province's (and district's) outline, with a scale.
    locator: str = ""


@dataclass(frozen=True)
class ZoneQuery:
    """A search of the register; every part is optional."""

    text: str = ""
    code: str = ""
    province: str = ""
    kind: ZoneKind | None = None
    market: TargetMarket | None = None
    status: ZoneStatus | None = None


# --- zone codes ------------------------------------------------------------------------------


def public_zone(zone: Zone, today: dt.date) -> PublicZone:
    """A zone as the register shows it on a day."""
    return PublicZone(
        code=zone.code,
        kind=zone.kind,
        crop=zone.crop,
        status=zones.effective_status(zone, today),
        valid=zone.is_valid_on(today),
        province=zone.province,
        district=zone.district,
        commune=zone.commune,
        issuing_authority=zone.issuing_authority,
        decision_number=zone.decision_number,
        issued_on=zone.issued_on,
        valid_from=zone.valid_from,
        valid_until=zone.valid_until,
        target_market=zone.target_market,
        declared_area_ha=zone.declared_area_ha,
        cooperative_id=zone.cooperative_id,
        cooperative_name=zone.cooperative.name,
        certifications=tuple(
            Certificate(c.scheme.value, c.number, c.expires_on, c.is_valid_on(today))
            for c in zone.certifications
        ),
    )


def issued_zones() -> sa.Select[Zone]:
    """The register's codes with their holder, never with their households."""
    # The households are never loaded: touching them here would raise.
    return (
        sa.select(Zone)
        .where(zones.issued_clause())
        .options(selectinload(Zone.cooperative), raiseload(Zone.members))
    )


def like_patterns(text: str) -> tuple[str, str]:
    """LIKE patterns for a typed text: lowered, and as typed (SQLite lowers ASCII only)."""
    # % and _ typed by a reader are searched for, not wildcards.
    typed = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{typed.lower()}%", f"%{typed}%"


def _search(query: ZoneQuery, today: dt.date) -> sa.Select[Zone]:
    stmt = zones.filter_zones(
        issued_zones(),
        kind=query.kind.value if query.kind else None,
        status=query.status.value if query.status else None,
        province=query.province,
        today=today,
    )
    if query.code.strip():
        code = query.code.strip()
        stmt = stmt.where(Zone.code.in_(sorted({code, code.upper()})))
    if query.market:
        stmt = stmt.where(Zone.target_market == query.market)
    if query.text.strip():
        lowered, typed = like_patterns(query.text.strip())
        # SQLite lowers ASCII only, so the text is also matched as typed. The zone's name is
        # not searched: it is not shown, and a match would tell it.
        columns = (Zone.code, Zone.crop, Zone.commune, Zone.district, Zone.province)
        stmt = stmt.where(
            sa.or_(
                *[sa.func.lower(c).like(lowered, escape="\\") for c in columns],
                *[c.like(typed, escape="\\") for c in columns],
            )
        )
    return stmt.order_by(Zone.code)


def search_zones(
    query: ZoneQuery, today: dt.date, page: int = 1, per_page: int = 25
) -> tuple[list[PublicZone], int]:
    """One page of the codes a search finds, in code order, and how many it finds in all."""
    stmt = _search(query, today)
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    found = db.session.execute(stmt.limit(per_page).offset((max(page, 1) - 1) * per_page))
    return [public_zone(z, today) for z in found.scalars()], total


def exact_code(text: str) -> str | None:
    """The register's code when the text is exactly one (any letter case), else None."""
    text = text.strip()
    if not text:
        return None
    return db.session.execute(
        sa.select(Zone.code).where(
            zones.issued_clause(), Zone.code.in_(sorted({text, text.upper()}))
        )
    ).scalar_one_or_none()


def zone_detail(code: str, today: dt.date, lang: str = "vi") -> ZoneDetail | None:
    """A code's page, or None when the register does not hold it."""
    zone = db.session.execute(
        issued_zones().where(Zone.code.in_(sorted({code, code.upper()})))
    ).scalar_one_or_none()
    if zone is None:
        return None
    record = public_zone(zone, today)
    decided_on = None
    if record.status == zone.status:
        # The date of the step into the current status (an expiry by date has none: the
        # end of validity says it).
        at = db.session.execute(
            sa.select(sa.func.max(ZoneTransition.at)).where(
                ZoneTransition.zone_id == zone.id, ZoneTransition.to_status == zone.status.value
            )
        ).scalar_one()
        decided_on = local_date(at) if at else None
    shown = drawable(zone.geometry)
    outline = svg_outline(shown, zone.code, width=320, height=220)
    locator = locator_svg(shown, zone.code, zone.province, zone.district, lang=lang, width=320)
    return ZoneDetail(record, decided_on, outline, locator)


def _sort_key(name: str) -> str:
    # Vietnamese names in alphabetical order whatever their diacritics (Đ with D).
    bare = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in bare if not unicodedata.combining(c)).casefold()


def provinces() -> list[str]:
    """The provinces (as the codes were issued) that hold codes of the register."""
    names = db.session.execute(
        sa.select(Zone.province).where(zones.issued_clause()).distinct()
    ).scalars()
    unique: dict[str, str] = {}
    for name in sorted(names, key=_sort_key):
        unique.setdefault(_sort_key(name), name)
    return list(unique.values())


def zone_record(zone: PublicZone) -> dict[str, Any]:
    """A code as JSON: stable field names and ISO dates, for importers' systems."""

    def day(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "code": zone.code,
        "kind": zone.kind.value,
        "crop_or_species": zone.crop,
        "status": zone.status.value,
        "valid": zone.valid,
        "province": zone.province,
        "district": zone.district,
        "commune": zone.commune,
        "issuing_authority": zone.issuing_authority,
        "decision_number": zone.decision_number,
        "issued_on": day(zone.issued_on),
        "valid_from": day(zone.valid_from),
        "valid_until": day(zone.valid_until),
        "target_market": zone.target_market.value if zone.target_market else None,
        "declared_area_ha": (
            None if zone.declared_area_ha is None else number_plain(zone.declared_area_ha)
        ),
        "cooperative": {"id": zone.cooperative_id, "name": zone.cooperative_name},
        "certifications": [
            {
                "scheme": c.scheme,
                "number": c.number,
                "expires_on": day(c.expires_on),
                "valid": c.valid,
            }
            for c in zone.certifications
        ],
    }


CSV_COLUMNS = (
    "code",
    "kind",
    "crop_or_species",
    "status",
    "valid",
    "status_on",
    *ISSUE_FIELDS,
    "declared_area_ha",
    "cooperative",
    "certifications",
)


def zones_csv(records: list[PublicZone], today: dt.date) -> str:
    """Codes as CSV, one per row, each cell safe against spreadsheet formulas."""
    rows = []
    for zone in records:
        r = zone_record(zone)
        certificates = " ".join(
            f"{c['scheme']}:{c['number']}:{c['expires_on'] or ''}"
            for c in r["certifications"]
            if c["valid"]
        )
        rows.append(
            [
                r["code"],
                r["kind"],
                r["crop_or_species"],
                r["status"],
                "yes" if r["valid"] else "no",
                today.isoformat(),
                r["province"],
                r["district"],
                r["commune"],
                r["issuing_authority"],
                r["decision_number"],
                r["issued_on"],
                r["valid_from"],
                r["valid_until"],
                r["target_market"],
                r["declared_area_ha"],
                zone.cooperative_name,
                certificates,
            ]
        )
    return to_csv(CSV_COLUMNS, rows)
