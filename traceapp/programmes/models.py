"""Support programmes: the organisations that run them, their activities (trainings, workshops,
visits), the people who attend, and the cooperatives founded with their support."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceapp.auth.models import Role, enum_column
from traceapp.cooperatives.models import Cooperative, Gender, Member
from traceapp.core.regions import names_covered
from traceapp.database import Base, IdMixin, JSONType, TimestampMixin, now_utc

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


class OrganisationKind(enum.StrEnum):
    """What kind of body supports cooperatives."""

    MINISTRY = "ministry"
    ALLIANCE = "alliance"
    NGO = "ngo"
    INTERNATIONAL = "international"
    OTHER = "other"


ORGANISATION_KIND_LABELS = {
    OrganisationKind.MINISTRY: _l("Ministry or government agency"),
    OrganisationKind.ALLIANCE: _l("Cooperative alliance"),
    OrganisationKind.NGO: _l("Non-governmental organisation"),
    OrganisationKind.INTERNATIONAL: _l("International agency"),
    OrganisationKind.OTHER: _l("Other"),
}

#: IATI organisation type codes (OrganisationType codelist) for each kind.
IATI_ORGANISATION_TYPES = {
    OrganisationKind.MINISTRY: "10",
    OrganisationKind.ALLIANCE: "22",
    OrganisationKind.NGO: "21",
    OrganisationKind.INTERNATIONAL: "40",
    OrganisationKind.OTHER: "90",
}


class PartnerRole(enum.StrEnum):
    """An organisation's part in a programme (the IATI organisation roles)."""

    FUNDING = "funding"
    ACCOUNTABLE = "accountable"
    IMPLEMENTING = "implementing"


PARTNER_ROLE_LABELS = {
    PartnerRole.FUNDING: _l("Funding"),
    PartnerRole.ACCOUNTABLE: _l("Accountable"),
    PartnerRole.IMPLEMENTING: _l("Implementing"),
}

IATI_PARTNER_ROLES = {
    PartnerRole.FUNDING: "1",
    PartnerRole.ACCOUNTABLE: "2",
    PartnerRole.IMPLEMENTING: "4",
}


class ActivityKind(enum.StrEnum):
    """What kind of event an activity is."""

    TRAINING = "training"
    WORKSHOP = "workshop"
    SEMINAR = "seminar"
    INFORMATION_MEETING = "information_meeting"
    COOPERATIVE_VISIT = "cooperative_visit"
    REGIONAL_MEETING = "regional_meeting"
    CONSULTATION = "consultation"
    TRAINING_OF_FACILITATORS = "training_of_facilitators"


ACTIVITY_KIND_LABELS = {
    ActivityKind.TRAINING: _l("Training"),
    ActivityKind.WORKSHOP: _l("Workshop"),
    ActivityKind.SEMINAR: _l("Seminar"),
    ActivityKind.INFORMATION_MEETING: _l("Information meeting"),
    ActivityKind.COOPERATIVE_VISIT: _l("Cooperative visit"),
    ActivityKind.REGIONAL_MEETING: _l("Regional meeting"),
    ActivityKind.CONSULTATION: _l("Consultation"),
    ActivityKind.TRAINING_OF_FACILITATORS: _l("Training of facilitators"),
}


class ParticipantRole(enum.StrEnum):
    """Why a person attends."""

    MEMBER = "member"
    MANAGER = "manager"
    FOUNDER = "would_be_founder"
    OFFICIAL = "local_official"
    FACILITATOR = "facilitator"
    OTHER = "other"


PARTICIPANT_ROLE_LABELS = {
    ParticipantRole.MEMBER: _l("Cooperative member"),
    ParticipantRole.MANAGER: _l("Cooperative manager"),
    ParticipantRole.FOUNDER: _l("Would-be founder"),
    ParticipantRole.OFFICIAL: _l("Local official"),
    ParticipantRole.FACILITATOR: _l("Facilitator"),
    ParticipantRole.OTHER: _l("Other"),
}

#: Age bands, from the youngest: (key, first age, last age or None).
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under_25", 0, 24),
    ("25_34", 25, 34),
    ("35_44", 35, 44),
    ("45_54", 45, 54),
    ("55_64", 55, 64),
    ("65_plus", 65, None),
)
AGE_BAND_LABELS = {
    "under_25": _l("under 25"),
    "25_34": "25–34",
    "35_44": "35–44",
    "45_54": "45–54",
    "55_64": "55–64",
    "65_plus": _l("65 and over"),
    "unknown": _l("age not known"),
}


def age_band(birth_year: int | None, in_year: int) -> str | None:
    """The band of a person born in ``birth_year`` during ``in_year``; None when unknown."""
    if birth_year is None:
        return None
    age = in_year - birth_year
    for key, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return key
    return None


def is_officer(actor: Actor) -> bool:
    """A programme officer of a support organisation."""
    return getattr(actor, "role", None) == Role.PROGRAMME_OFFICER


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


activity_cooperatives = sa.Table(
    "activity_cooperatives",
    Base.metadata,
    sa.Column("activity_id", sa.ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "cooperative_id",
        sa.ForeignKey("cooperatives.id", ondelete="RESTRICT"),
        primary_key=True,
        index=True,
    ),
)


class Activity(IdMixin, TimestampMixin, _ProgrammeChild, Base):
    """A training, workshop, meeting or visit held by a programme."""

    __tablename__ = "activities"
    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        sa.CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"),
    )

    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind, "activity_kind", 30))
    title: Mapped[str] = mapped_column(sa.String(200))
    #: A key of the configurable topic list (programmes.topics in the settings).
    topic: Mapped[str | None] = mapped_column(sa.String(40))
    module_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("training_modules.id", ondelete="RESTRICT"), index=True
    )
    starts_on: Mapped[dt.date] = mapped_column(index=True)
    ends_on: Mapped[dt.date | None]
    #: Hours of training delivered; the module's hours when not given.
    hours: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 1))
    province: Mapped[str] = mapped_column(sa.String(100))
    province_key: Mapped[str] = mapped_column(sa.String(100), index=True)
    district: Mapped[str | None] = mapped_column(sa.String(100))
    commune: Mapped[str | None] = mapped_column(sa.String(100))
    facilitators: Mapped[str | None] = mapped_column(sa.String(500))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    programme: Mapped[Programme] = relationship(lazy="joined")
    module: Mapped[TrainingModule | None] = relationship(lazy="joined")
    cooperatives: Mapped[list[Cooperative]] = relationship(
        secondary=activity_cooperatives, lazy="selectin", order_by=Cooperative.name
    )

    def __repr__(self) -> str:
        return f"<Activity {self.id} {self.kind}>"

    @property
    def audit_province(self) -> str:
        """The province named in the audit trail."""
        return self.province

    @property
    def training_hours(self) -> Decimal:
        """The hours delivered: as recorded, else the module's, else none."""
        if self.hours is not None:
            return self.hours
        if self.module is not None and self.module.hours is not None:
            return self.module.hours
        return Decimal(0)


class Participant(IdMixin, TimestampMixin, Base):
    """A person who attends activities: a cooperative member (linked) or someone else."""

    __tablename__ = "participants"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "member_id"),
        sa.CheckConstraint(
            "birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)",
            name="birth_year_range",
        ),
    )

    #: The organisation whose officers recorded the person.
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("support_organisations.id", ondelete="RESTRICT"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    full_name: Mapped[str] = mapped_column(sa.String(120))
    #: The name folded (lower case, no accents, single spaces): for finding duplicates.
    name_key: Mapped[str] = mapped_column(sa.String(120), index=True)
    gender: Mapped[Gender] = mapped_column(
        enum_column(Gender, "participant_gender"), default=Gender.UNSPECIFIED
    )
    birth_year: Mapped[int | None]
    age_band: Mapped[str | None] = mapped_column(sa.String(10))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    cooperative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[ParticipantRole] = mapped_column(
        enum_column(ParticipantRole, "participant_role"), default=ParticipantRole.MEMBER
    )
    province: Mapped[str | None] = mapped_column(sa.String(100))
    district: Mapped[str | None] = mapped_column(sa.String(100))
    commune: Mapped[str | None] = mapped_column(sa.String(100))

    member: Mapped[Member | None] = relationship(lazy="joined")
    cooperative: Mapped[Cooperative | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Participant {self.id} {self.full_name}>"

    @classmethod
    def visible_to(cls, actor: Actor) -> sa.ColumnElement[bool]:
        """Administrators all; an officer the people their organisation recorded and those
        who attended the activities they see."""
        if actor.is_admin:
            return sa.true()
        if is_officer(actor):
            seen = sa.select(Attendance.participant_id).where(
                Attendance.activity_id.in_(sa.select(Activity.id).where(Activity.visible_to(actor)))
            )
            return sa.or_(
                cls.organisation_id == getattr(actor, "organisation_id", None), cls.id.in_(seen)
            )
        return sa.false()

    @property
    def person_key(self) -> str:
        """Who the person is for counting: the member where linked, else this record."""
        return f"m{self.member_id}" if self.member_id else f"p{self.id}"

    def band_in(self, year: int) -> str:
        """The person's age band in a year, from the birth year, else as recorded."""
        birth = self.member.birth_year if self.member is not None else None
        return age_band(birth or self.birth_year, year) or self.age_band or "unknown"

    @property
    def effective_gender(self) -> Gender:
        """The gender the member declared, else as recorded on the sign-in sheet."""
        if self.member is not None and self.member.gender != Gender.UNSPECIFIED:
            return self.member.gender
        return self.gender


class Attendance(IdMixin, Base):
    """A person's presence at an activity: counted once per activity."""

    __tablename__ = "attendances"
    __table_args__ = (sa.UniqueConstraint("activity_id", "participant_id"),)

    activity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    completed: Mapped[bool] = mapped_column(default=True)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    activity: Mapped[Activity] = relationship(lazy="joined")
    participant: Mapped[Participant] = relationship(lazy="joined")

    @classmethod
    def visible_to(cls, actor: Actor) -> sa.ColumnElement[bool]:
        """Visible with its activity."""
        return cls.activity_id.in_(sa.select(Activity.id).where(Activity.visible_to(actor)))


class CooperativeFounding(IdMixin, Base):
    """A cooperative established with a programme's support."""

    __tablename__ = "cooperative_foundings"

    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="CASCADE"), unique=True
    )
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="RESTRICT"), index=True
    )
    founded_on: Mapped[dt.date]
    #: The activity (a Start.Coop training, say) that led to it, where there was one.
    activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activities.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    cooperative: Mapped[Cooperative] = relationship(lazy="joined")
    programme: Mapped[Programme] = relationship(lazy="joined")

    @classmethod
    def visible_to(cls, actor: Actor) -> sa.ColumnElement[bool]:
        """With the programme, and to the cooperative itself."""
        programmes = sa.select(Programme.id).where(Programme.visible_to(actor))
        if actor.is_cooperative_user:
            return sa.or_(
                cls.cooperative_id == actor.cooperative_id, cls.programme_id.in_(programmes)
            )
        return cls.programme_id.in_(programmes)


class MarkRequiredModule(Base):
    """A training module a collective mark's rules of use require before a member may use
    the mark."""

    __tablename__ = "mark_required_modules"

    mark_id: Mapped[int] = mapped_column(
        sa.ForeignKey("collective_marks.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_modules.id", ondelete="RESTRICT"), primary_key=True
    )
