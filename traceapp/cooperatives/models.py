"""Cooperatives (the tenants) and their member households, fishers and vessel owners."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from traceapp.auth.models import enum_column
from traceapp.core.columns import text_limit
from traceapp.core.scoping import own_rows
from traceapp.database import Base, IdMixin, JSONType, TimestampMixin, add_trigram_indexes, now_utc

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


class TenantMixin:
    """A row owned by one cooperative. ``visible_to`` is the single tenant filter."""

    @declared_attr
    def cooperative_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(sa.ForeignKey("cooperatives.id", ondelete="RESTRICT"), index=True)

    @classmethod
    def visible_to(cls, actor: Actor) -> sa.ColumnElement[bool]:
        """Rows the actor may read: admins all, cooperative users their own, others none.

        Models that auditors may read (zones, lots in their province) widen this.
        """
        return own_rows(cls.cooperative_id, actor)


class Cooperative(IdMixin, TimestampMixin, Base):
    """A cooperative (hợp tác xã): the tenant that owns members, marks, zones, products, lots."""

    __tablename__ = "cooperatives"

    name: Mapped[str] = mapped_column(sa.String(200))
    short_code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    registration_number: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    #: ISO 3166-1 alpha-2 code of the country it is registered in (``core/countries.py``):
    #: its provinces, zone-code schemes, time zone, language and GS1 prefixes follow it.
    country: Mapped[str] = mapped_column(
        sa.String(2), default="VN", server_default="VN", index=True
    )
    province: Mapped[str] = mapped_column(sa.String(100))
    district: Mapped[str | None] = mapped_column(sa.String(100))
    commune: Mapped[str | None] = mapped_column(sa.String(100))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    website: Mapped[str | None] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(5000))
    founded_on: Mapped[dt.date | None]
    logo: Mapped[str | None] = mapped_column(sa.String(80))
    #: Whether the public pages may show the share of women among the members: the
    #: cooperative chooses (off until it does).
    show_women_share: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The cooperative declares itself a women's cooperative (programmes count them).
    womens_cooperative: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: GDST: the cooperative's human welfare policy for its workers ("None", "Internal",
    #: "3P Audit") and its certificates ([{type, agency, standard, value, identification}]).
    human_welfare_policy: Mapped[str | None] = mapped_column(sa.String(10))
    certifications: Mapped[list[Any] | None] = mapped_column(JSONType)

    members: Mapped[list[Member]] = relationship(back_populates="cooperative", lazy="raise")

    def __repr__(self) -> str:
        return f"<Cooperative {self.short_code}>"

    @classmethod
    def visible_to(cls, actor: Actor) -> sa.ColumnElement[bool]:
        """Cooperative users see their own; admins and auditors see all (names are public)."""
        if actor.is_auditor:
            return sa.true()
        return own_rows(cls.id, actor)


class Gender(enum.StrEnum):
    """Gender as the member declares it; authorities report the share of women."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNSPECIFIED = "unspecified"


class MemberRole(enum.StrEnum):
    """What the member does in the cooperative."""

    HOUSEHOLD = "household"
    VESSEL_OWNER = "vessel_owner"
    FISHER = "fisher"
    FARMER = "farmer"
    PROCESSOR = "processor"
    OTHER = "other"


class Member(IdMixin, TimestampMixin, TenantMixin, Base):
    """A member household or person of a cooperative, with vessel data for fishers."""

    __tablename__ = "members"
    __table_args__ = (
        sa.UniqueConstraint("cooperative_id", "member_number"),
        sa.CheckConstraint(
            "birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)",
            name="birth_year_range",
        ),
        sa.CheckConstraint("left_on IS NULL OR left_on >= joined_on", name="left_after_joined"),
        # Members leaving on a later day are still members: the authority's statistics add
        # them to the kept counts of members without a leaving date (a few rows).
        sa.Index("ix_members_left_on", "left_on"),
    )

    member_number: Mapped[str] = mapped_column(sa.String(20))
    full_name: Mapped[str] = mapped_column(sa.String(120))
    gender: Mapped[Gender] = mapped_column(
        enum_column(Gender, "gender"), default=Gender.UNSPECIFIED
    )
    birth_year: Mapped[int | None]
    village: Mapped[str | None] = mapped_column(sa.String(100))
    commune: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    role: Mapped[MemberRole] = mapped_column(
        enum_column(MemberRole, "member_role"), default=MemberRole.HOUSEHOLD
    )
    vessel_registration: Mapped[str | None] = mapped_column(sa.String(30))
    vessel_name: Mapped[str | None] = mapped_column(sa.String(100))
    flag_state: Mapped[str | None] = mapped_column(sa.String(3))
    imo_number: Mapped[str | None] = mapped_column(sa.String(10))
    joined_on: Mapped[dt.date | None]
    left_on: Mapped[dt.date | None]
    public_name_consent: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(5000))

    cooperative: Mapped[Cooperative] = relationship(back_populates="members")

    def __repr__(self) -> str:
        return f"<Member {self.member_number} {self.full_name}>"

    def is_member_on(self, day: dt.date) -> bool:
        """Whether the person was a member on that day."""
        if self.joined_on and day < self.joined_on:
            return False
        return not (self.left_on and day > self.left_on)

    def public_name(self) -> str | None:
        """The name to show on public pages, only with the member's consent."""
        return self.full_name if self.public_name_consent else None


class Counter(Base):
    """A per-cooperative sequence (member numbers, lot codes per year), locked when drawn.

    Drawing a number and using it happen in one transaction, so a rolled-back request gives
    its number back and the sequence stays gapless.
    """

    __tablename__ = "counters"

    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class MemberImport(IdMixin, TenantMixin, Base):
    """A checked member file waiting for the manager's go-ahead (kept in the database so any
    app server behind the load balancer can finish it)."""

    __tablename__ = "member_imports"

    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    filename: Mapped[str] = mapped_column(sa.String(200))
    #: The checked rows to apply (loaded only when read: a big file's are megabytes).
    rows: Mapped[list[Any]] = mapped_column(JSONType, deferred=True)
    imported_at: Mapped[dt.datetime | None]
    imported_count: Mapped[int | None]
    # The import as a background job (traceapp.jobqueue): first its check (phase "check"),
    # which ends "done" with the summary shown for confirmation; then, once confirmed, its
    # application (phase "apply"), a slice of rows per write transaction.
    #: queued, running, done, failed (the words of the other jobs)
    status: Mapped[str] = mapped_column(
        sa.String(10), default="queued", server_default="done", index=True
    )
    phase: Mapped[str] = mapped_column(sa.String(10), default="check", server_default="check")
    #: Apply as soon as the check finds no problem (the API's ``dry_run=false``).
    apply_when_checked: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The uploaded file while its check waits or runs (removed once read).
    path: Mapped[str | None] = mapped_column(sa.String(500))
    size: Mapped[int | None]
    #: What the check found: counts, problems and changes (the first of each), columns.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: Rows of the phase running, and how many of them are done (applied rows are kept).
    total: Mapped[int | None]
    done: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Why the job failed: the message, and the problems by line and column.
    error: Mapped[str | None] = mapped_column(sa.Text)
    problems: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    started_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    worker: Mapped[str | None] = mapped_column(sa.String(100))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")


add_trigram_indexes(Member.__table__)  # type: ignore[arg-type]
