"""Support organisations and their programmes: periods, provinces, partners and targets."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceapp.auth.models import enum_column
from traceapp.core.regions import names_covered
from traceapp.database import Base, IdMixin, JSONType, TimestampMixin, now_utc
from traceapp.programmes.models_vocab import (
    OrganisationKind,
    PartnerRole,
    is_officer,
)

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


class SupportOrganisation(IdMixin, TimestampMixin, Base):
    """A ministry, alliance, NGO or international agency that supports cooperatives."""

    __tablename__ = "support_organisations"

    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(sa.String(40))
    kind: Mapped[OrganisationKind] = mapped_column(
        enum_column(OrganisationKind, "organisation_kind")
    )
    #: The IATI organisation identifier (e.g. "XM-DAC-41302" for the ILO), where it has one.
    iati_identifier: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    country: Mapped[str] = mapped_column(sa.String(2), default="VN")

    def __repr__(self) -> str:
        return f"<SupportOrganisation {self.name}>"

    @classmethod
    def visible_to(cls, actor: Actor) -> sa.ColumnElement[bool]:
        """Administrators, auditors and programme officers see every organisation (officers
        name others as partners); cooperative users none."""
        if actor.is_admin or actor.is_auditor or is_officer(actor):
            return sa.true()
        return sa.false()


class Programme(IdMixin, TimestampMixin, Base):
    """A support programme run by one organisation with its partners."""

    __tablename__ = "programmes"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("support_organisations.id", ondelete="RESTRICT"), index=True
    )
    #: A short code, unique: the tail of the programme's IATI activity identifier.
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    #: The programme's name in each language it has one: {"vi": ..., "en": ...}.
    names: Mapped[dict[str, Any]] = mapped_column(JSONType)
    objectives: Mapped[str | None] = mapped_column(sa.Text)
    whole_country: Mapped[bool] = mapped_column(default=False)
    #: DAC 5-digit sector codes; 31194 is "Agricultural co-operatives".
    sectors: Mapped[list[Any]] = mapped_column(JSONType, default=lambda: ["31194"])
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    organisation: Mapped[SupportOrganisation] = relationship(lazy="joined")
    periods: Mapped[list[ProgrammePeriod]] = relationship(
        back_populates="programme", order_by="ProgrammePeriod.starts_on", lazy="selectin"
    )
    provinces: Mapped[list[ProgrammeProvince]] = relationship(
        back_populates="programme", order_by="ProgrammeProvince.province", lazy="selectin"
    )
    partners: Mapped[list[ProgrammePartner]] = relationship(
        back_populates="programme", lazy="selectin"
    )
    targets: Mapped[list[ProgrammeTarget]] = relationship(
        back_populates="programme",
        order_by="(ProgrammeTarget.indicator, ProgrammeTarget.year)",
        lazy="selectin",
    )

    def __repr__(self) -> str:
        return f"<Programme {self.code}>"

    def name_in(self, locale: str | None) -> str:
        """The name in ``locale``, else Vietnamese, else English, else any."""
        names = self.names or {}
        for key in (locale, "vi", "en"):
            if key and names.get(key):
                return str(names[key])
        return next((str(v) for v in names.values() if v), self.code)

    @property
    def starts_on(self) -> dt.date | None:
        """The first day of the first period."""
        return self.periods[0].starts_on if self.periods else None

    @property
    def ends_on(self) -> dt.date | None:
        """The last day of the last period (extensions included)."""
        return max((p.ends_on for p in self.periods), default=None)

    def status_on(self, day: dt.date) -> str:
        """pipeline, implementation or closed, from the periods."""
        if self.starts_on is None or day < self.starts_on:
            return "pipeline"
        if self.ends_on is not None and day > self.ends_on:
            return "closed"
        return "implementation"

    def covers_province(self, province: str | None) -> bool:
        """Whether the programme works in this province (or in the whole country)."""
        from traceapp.core.regions import same_region

        if self.whole_country:
            return True
        return any(same_region(p.province, province) for p in self.provinces)

    @classmethod
    def visible_to(cls, actor: Actor) -> sa.ColumnElement[bool]:
        """Administrators all; officers their organisation's (lead or partner); auditors the
        programmes working in their province; cooperative users none (they see the support
        they received on their cooperative's page)."""
        if actor.is_admin:
            return sa.true()
        if is_officer(actor):
            org = getattr(actor, "organisation_id", None)
            partner = sa.select(ProgrammePartner.programme_id).where(
                ProgrammePartner.organisation_id == org
            )
            return sa.or_(cls.organisation_id == org, cls.id.in_(partner))
        if actor.is_auditor and actor.province:
            provinces = sa.select(ProgrammeProvince.programme_id).where(
                ProgrammeProvince.province_key.in_(names_covered(actor.province))
            )
            return sa.or_(cls.whole_country.is_(True), cls.id.in_(provinces))
        return sa.false()

    def can_record(self, actor: Actor) -> bool:
        """Record activities and attendance: administrators, and the officers of the lead
        organisation or of an implementing partner."""
        if actor.is_admin:
            return True
        if not is_officer(actor):
            return False
        org = getattr(actor, "organisation_id", None)
        if org == self.organisation_id:
            return True
        return any(
            p.organisation_id == org and p.role == PartnerRole.IMPLEMENTING for p in self.partners
        )

    def can_manage(self, actor: Actor) -> bool:
        """Change the programme itself (periods, partners, targets)."""
        if actor.is_admin:
            return True
        return is_officer(actor) and getattr(actor, "organisation_id", None) == (
            self.organisation_id
        )


class _ProgrammeChild:
    """A row that belongs to a programme and is visible with it."""

    programme_id: Mapped[int]

    @classmethod
    def visible_to(cls, actor: Actor) -> sa.ColumnElement[bool]:
        """Visible with its programme."""
        return cls.programme_id.in_(sa.select(Programme.id).where(Programme.visible_to(actor)))


class ProgrammePeriod(IdMixin, _ProgrammeChild, Base):
    """A period of a programme: the first, or an extension (earlier periods are kept)."""

    __tablename__ = "programme_periods"
    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    note: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    programme: Mapped[Programme] = relationship(back_populates="periods")


class ProgrammeProvince(IdMixin, _ProgrammeChild, Base):
    """A province a programme works in."""

    __tablename__ = "programme_provinces"
    __table_args__ = (sa.UniqueConstraint("programme_id", "province_key"),)

    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    province: Mapped[str] = mapped_column(sa.String(100))
    #: The name normalised (core.regions.normalise), for the auditors' filter.
    province_key: Mapped[str] = mapped_column(sa.String(100), index=True)

    programme: Mapped[Programme] = relationship(back_populates="provinces")


class ProgrammePartner(IdMixin, _ProgrammeChild, Base):
    """An organisation's part in a programme."""

    __tablename__ = "programme_partners"
    __table_args__ = (sa.UniqueConstraint("programme_id", "organisation_id", "role"),)

    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("support_organisations.id", ondelete="RESTRICT"), index=True
    )
    role: Mapped[PartnerRole] = mapped_column(enum_column(PartnerRole, "partner_role"))

    programme: Mapped[Programme] = relationship(back_populates="partners")
    organisation: Mapped[SupportOrganisation] = relationship(lazy="joined")


class Indicator(enum.StrEnum):
    """What a target counts; each is a figure of the reach statistics."""

    PEOPLE_REACHED = "people_reached"
    WOMEN_REACHED = "women_reached"
    ACTIVITIES = "activities"
    COOPERATIVES_REACHED = "cooperatives_reached"
    COOPERATIVES_VISITED = "cooperatives_visited"
    NEW_COOPERATIVES = "new_cooperatives"
    NEW_WOMENS_COOPERATIVES = "new_womens_cooperatives"
    TRAINING_HOURS = "training_hours"


INDICATOR_LABELS = {
    Indicator.PEOPLE_REACHED: _l("People reached (each person once)"),
    Indicator.WOMEN_REACHED: _l("Women reached"),
    Indicator.ACTIVITIES: _l("Activities held"),
    Indicator.COOPERATIVES_REACHED: _l("Cooperatives reached"),
    Indicator.COOPERATIVES_VISITED: _l("Cooperatives visited"),
    Indicator.NEW_COOPERATIVES: _l("New cooperatives established"),
    Indicator.NEW_WOMENS_COOPERATIVES: _l("New women's cooperatives established"),
    Indicator.TRAINING_HOURS: _l("Hours of training delivered"),
}


class ProgrammeTarget(IdMixin, _ProgrammeChild, Base):
    """A programme's baseline and target for one indicator in one year."""

    __tablename__ = "programme_targets"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "indicator", "year"),
        sa.CheckConstraint("year >= 1990 AND year <= 2100", name="year_range"),
    )

    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    indicator: Mapped[Indicator] = mapped_column(enum_column(Indicator, "indicator", length=30))
    year: Mapped[int]
    baseline: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal(0))
    target: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))

    programme: Mapped[Programme] = relationship(back_populates="targets")


class TrainingModule(IdMixin, Base):
    """A training module: a standard one (Think.Coop ...) or one a programme defines."""

    __tablename__ = "training_modules"
    __table_args__ = (sa.UniqueConstraint("programme_id", "code"),)

    #: None for the standard modules every programme may use.
    programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(120))
    hours: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 1))

    @classmethod
    def visible_to(cls, actor: Actor) -> sa.ColumnElement[bool]:
        """Standard modules for everyone who sees programmes; others with their programme."""
        if actor.is_admin:
            return sa.true()
        visible = sa.select(Programme.id).where(Programme.visible_to(actor))
        if is_officer(actor) or actor.is_auditor:
            return sa.or_(cls.programme_id.is_(None), cls.programme_id.in_(visible))
        # Cooperatives read which modules their members completed (the marks' rules of use).
        return cls.programme_id.is_(None)
