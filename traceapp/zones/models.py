"""Zone codes: growing areas, packing houses, aquaculture facilities and fishing grounds."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from traceapp.auth.models import enum_column
from traceapp.cooperatives.models import Cooperative, TenantMixin
from traceapp.core.columns import text_limit
from traceapp.core.regions import names_covered, normalise
from traceapp.database import Base, IdMixin, JSONType, TimestampMixin, add_trigram_indexes, now_utc

if TYPE_CHECKING:
    from traceapp.auth.models import Actor
    from traceapp.cooperatives.models import Member


class ZoneKind(enum.StrEnum):
    """What a code identifies."""

    GROWING_AREA = "growing_area"
    PACKING_HOUSE = "packing_house"
    AQUACULTURE_FACILITY = "aquaculture_facility"
    FISHING_GROUND = "fishing_ground"


class ZoneStatus(enum.StrEnum):
    """The code's lifecycle: cooperatives draft and submit; auditors decide."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


class TargetMarket(enum.StrEnum):
    """Where the produce of a code may be sold (GACC registration for China, ...)."""

    DOMESTIC = "domestic"
    CHINA_GACC = "china_gacc"
    EU = "eu"
    USA = "usa"
    JAPAN = "japan"
    KOREA = "korea"
    OTHER = "other"


# What readers see for the stored codes (the forms, pages and messages all use these).
KIND_LABELS = {
    ZoneKind.GROWING_AREA: _l("Growing area"),
    ZoneKind.PACKING_HOUSE: _l("Packing house"),
    ZoneKind.AQUACULTURE_FACILITY: _l("Aquaculture facility"),
    ZoneKind.FISHING_GROUND: _l("Fishing ground"),
}
STATUS_LABELS = {
    ZoneStatus.DRAFT: _l("Draft"),
    ZoneStatus.SUBMITTED: _l("Submitted"),
    ZoneStatus.APPROVED: _l("Approved"),
    ZoneStatus.REJECTED: _l("Rejected"),
    ZoneStatus.SUSPENDED: _l("Suspended"),
    ZoneStatus.REVOKED: _l("Revoked"),
    ZoneStatus.EXPIRED: _l("Expired"),
}
MARKET_LABELS = {
    TargetMarket.DOMESTIC: _l("Domestic"),
    TargetMarket.CHINA_GACC: _l("China (GACC)"),
    TargetMarket.EU: _l("European Union"),
    TargetMarket.USA: _l("United States"),
    TargetMarket.JAPAN: _l("Japan"),
    TargetMarket.KOREA: _l("Korea"),
    TargetMarket.OTHER: _l("Other"),
}

#: What each transition is called on a button, by target status.
ACTION_LABELS = {
    ZoneStatus.SUBMITTED: _l("Submit for approval"),
    ZoneStatus.DRAFT: _l("Return to draft to correct it"),
    ZoneStatus.APPROVED: _l("Approve (or reinstate)"),
    ZoneStatus.REJECTED: _l("Reject"),
    ZoneStatus.SUSPENDED: _l("Suspend"),
    ZoneStatus.REVOKED: _l("Revoke (final)"),
    ZoneStatus.EXPIRED: _l("Record expiry"),
}


zone_members = sa.Table(
    "zone_members",
    Base.metadata,
    sa.Column("zone_id", sa.ForeignKey("zones.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.ForeignKey("members.id", ondelete="RESTRICT"), primary_key=True),
)


#: Where a code was issued and by whom, its validity and its market: the register's facts
#: of a code, in the order the register, the console's export and the zone form list them.
ISSUE_FIELDS = (
    "province",
    "district",
    "commune",
    "issuing_authority",
    "decision_number",
    "issued_on",
    "valid_from",
    "valid_until",
    "target_market",
)


class Zone(IdMixin, TimestampMixin, TenantMixin, Base):
    """A registered code with its issuing decision, validity, households and geometry."""

    __tablename__ = "zones"
    __table_args__ = (
        sa.CheckConstraint(
            "declared_area_ha IS NULL OR declared_area_ha >= 0", name="declared_area_not_negative"
        ),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from",
            name="validity_order",
        ),
        sa.Index("ix_zones_province_key_status", "province_key", "status"),
    )

    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[ZoneKind] = mapped_column(enum_column(ZoneKind, "zone_kind", 30))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    crop: Mapped[str | None] = mapped_column(sa.String(100))  # crop or species
    province: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str | None] = mapped_column(sa.String(100))
    commune: Mapped[str | None] = mapped_column(sa.String(100))
    #: Normalised province and district names (see core.regions.normalise), kept in step
    #: by a validator, so auditor scoping compares exactly on both databases.
    province_key: Mapped[str] = mapped_column(sa.String(100))
    district_key: Mapped[str | None] = mapped_column(sa.String(100))
    issuing_authority: Mapped[str | None] = mapped_column(sa.String(200))
    decision_number: Mapped[str | None] = mapped_column(sa.String(60))
    issued_on: Mapped[dt.date | None]
    valid_from: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]
    target_market: Mapped[TargetMarket | None] = mapped_column(
        enum_column(TargetMarket, "target_market")
    )
    declared_area_ha: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(12, 4))
    status: Mapped[ZoneStatus] = mapped_column(
        enum_column(ZoneStatus, "zone_status"), default=ZoneStatus.DRAFT, index=True
    )
    #: GeoJSON geometry (RFC 7946): Point, Polygon or MultiPolygon, WGS84 lon/lat.
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    computed_area_ha: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(12, 4))
    # Bounding box, for a cheap overlap pre-filter in SQL.
    min_lon: Mapped[float | None]
    min_lat: Mapped[float | None]
    max_lon: Mapped[float | None]
    max_lat: Mapped[float | None]
    notes: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(5000))

    cooperative: Mapped[Cooperative] = relationship()
    members: Mapped[list[Member]] = relationship(secondary=zone_members, lazy="selectin")
    certifications: Mapped[list[ZoneCertification]] = relationship(
        back_populates="zone", order_by="ZoneCertification.expires_on", lazy="selectin"
    )
    transitions: Mapped[list[ZoneTransition]] = relationship(
        back_populates="zone", order_by="ZoneTransition.id", lazy="raise"
    )

    def __repr__(self) -> str:
        return f"<Zone {self.code}>"

    @classmethod
    def visible_to(cls, actor: Actor) -> sa.ColumnElement[bool]:
        """Cooperative users see their own zones; auditors those issued in their province of
        their country (the zone's cooperative's country)."""
        if actor.is_auditor:
            in_country = sa.select(Cooperative.id).where(Cooperative.country == actor.audit_country)
            clause: sa.ColumnElement[bool] = sa.and_(
                cls.province_key.in_(names_covered(actor.province or "")),
                cls.cooperative_id.in_(in_country),
            )
            if actor.district:
                clause = sa.and_(clause, cls.district_key == normalise(actor.district))
            return clause
        return super().visible_to(actor)

    @validates("province", "district")
    def _keep_keys(self, key: str, value: str | None) -> str | None:
        setattr(self, f"{key}_key", normalise(value) if value else None)
        return value

    def is_valid_on(self, day: dt.date) -> bool:
        """Approved, and the day lies within the validity period."""
        if self.status != ZoneStatus.APPROVED:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


class CertificationScheme(enum.StrEnum):
    """Good-practice and organic certifications a zone may hold."""

    VIETGAP = "vietgap"
    GLOBALGAP = "globalgap"
    ORGANIC = "organic"
    OTHER = "other"


SCHEME_LABELS = {
    CertificationScheme.VIETGAP: "VietGAP",
    CertificationScheme.GLOBALGAP: "GlobalGAP",
    CertificationScheme.ORGANIC: _l("Organic"),
    CertificationScheme.OTHER: _l("Other"),
}


class ZoneCertification(IdMixin, TimestampMixin, Base):
    """A certificate held for a zone (VietGAP, GlobalGAP, organic), with its expiry."""

    __tablename__ = "zone_certifications"

    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zones.id", ondelete="CASCADE"), index=True)
    scheme: Mapped[CertificationScheme] = mapped_column(
        enum_column(CertificationScheme, "certification_scheme")
    )
    number: Mapped[str] = mapped_column(sa.String(60))
    issuer: Mapped[str | None] = mapped_column(sa.String(200))
    issued_on: Mapped[dt.date | None]
    expires_on: Mapped[dt.date | None]

    zone: Mapped[Zone] = relationship(back_populates="certifications")

    def is_valid_on(self, day: dt.date) -> bool:
        """Not yet expired on that day."""
        return self.expires_on is None or day <= self.expires_on


class ZoneTransition(IdMixin, Base):
    """A status change of a zone: who, when, why. Kept forever."""

    __tablename__ = "zone_transitions"

    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zones.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(2000))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    actor_role: Mapped[str | None] = mapped_column(sa.String(20))
    at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    zone: Mapped[Zone] = relationship(back_populates="transitions")


class ZoneOverlap(Base):
    """Two active zones of the same kind whose geometries overlap; stored in both directions."""

    __tablename__ = "zone_overlaps"

    zone_id: Mapped[int] = mapped_column(
        sa.ForeignKey("zones.id", ondelete="CASCADE"), primary_key=True
    )
    other_zone_id: Mapped[int] = mapped_column(
        sa.ForeignKey("zones.id", ondelete="CASCADE"), primary_key=True
    )
    overlap_ha: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(12, 4))
    detected_at: Mapped[dt.datetime] = mapped_column(default=now_utc)


add_trigram_indexes(Zone.__table__)  # type: ignore[arg-type]


class ZoneImportJob(IdMixin, TenantMixin, Base):
    """Importing many zone codes from a file in the background: first a check that names
    every problem by row and field and shows what would change, then, once confirmed, the
    import itself, with its progress (see traceapp.zones.import_jobs)."""

    __tablename__ = "zone_import_jobs"

    #: queued, running, checked (waiting for confirmation), done, failed
    status: Mapped[str] = mapped_column(sa.String(10), default="queued", index=True)
    #: What the job does when a worker takes it: check (the dry run) or apply.
    stage: Mapped[str] = mapped_column(sa.String(10), default="check")
    filename: Mapped[str] = mapped_column(sa.String(200))
    #: The uploaded file while the job needs it (removed when it ends).
    path: Mapped[str | None] = mapped_column(sa.String(500))
    size: Mapped[int]
    #: Rows checked (check stage) or applied (apply stage; a resumed job goes on from here).
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    #: Counts: new, updated, unchanged (the check); created, updated, unchanged (the import).
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: The first rows' changes: {"row", "code", "new", "changes": {field: [old, new]}}.
    preview: Mapped[list[Any] | None] = mapped_column(JSONType)
    #: Problems of the file's rows: {"row", "field", "message"}; any one refuses the import.
    problems: Mapped[list[Any] | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    confirmed_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    #: The worker holding the job while it runs (host:pid), and how often one took it.
    worker: Mapped[str | None] = mapped_column(sa.String(100))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
