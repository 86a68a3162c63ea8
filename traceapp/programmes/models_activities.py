"""A programme's activities: training modules, the people who attend, their attendance, and
the cooperatives founded with a programme's support."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceapp.auth.models import enum_column
from traceapp.cooperatives.models import Cooperative, Gender, Member
from traceapp.database import Base, IdMixin, TimestampMixin, now_utc
from traceapp.programmes.models_programmes import (
    Programme,
    TrainingModule,
    _ProgrammeChild,
)
from traceapp.programmes.models_vocab import (
    ActivityKind,
    ParticipantRole,
    age_band,
    is_officer,
)

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

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


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
