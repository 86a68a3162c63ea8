"""Collective marks, their rules of use (Law on IP Art. 105(4)), and grants of use."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceapp.auth.models import enum_column
from traceapp.cooperatives.models import TenantMixin
from traceapp.database import Base, IdMixin, TimestampMixin, now_utc

if TYPE_CHECKING:
    from traceapp.cooperatives.models import Cooperative, Member
    from traceapp.products.models import Product


class MarkStatus(enum.StrEnum):
    """Where a mark stands with the IP office."""

    PENDING = "pending"
    REGISTERED = "registered"
    SUSPENDED = "suspended"
    EXPIRED = "expired"


class CollectiveMark(IdMixin, TimestampMixin, TenantMixin, Base):
    """A collective mark (nhãn hiệu tập thể) owned by a cooperative, with its rules of use."""

    __tablename__ = "collective_marks"
    __table_args__ = (sa.UniqueConstraint("cooperative_id", "name"),)

    name: Mapped[str] = mapped_column(sa.String(200))
    certificate_number: Mapped[str | None] = mapped_column(sa.String(40))
    certificate_date: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]
    status: Mapped[MarkStatus] = mapped_column(
        enum_column(MarkStatus, "mark_status"), default=MarkStatus.PENDING
    )
    product_scope: Mapped[str | None] = mapped_column(sa.Text)
    geographic_scope: Mapped[str | None] = mapped_column(sa.Text)
    logo: Mapped[str | None] = mapped_column(sa.String(80))
    # Rules of use, Law on IP Art. 105(4)
    owner_name: Mapped[str | None] = mapped_column(sa.String(200))
    owner_address: Mapped[str | None] = mapped_column(sa.String(300))
    founding_basis: Mapped[str | None] = mapped_column(sa.Text)
    membership_criteria: Mapped[str | None] = mapped_column(sa.Text)
    conditions_of_use: Mapped[str | None] = mapped_column(sa.Text)
    violation_measures: Mapped[str | None] = mapped_column(sa.Text)
    rules_adopted_on: Mapped[dt.date | None]

    cooperative: Mapped[Cooperative] = relationship()
    grants: Mapped[list[MarkGrant]] = relationship(back_populates="mark", lazy="raise")

    def __repr__(self) -> str:
        return f"<CollectiveMark {self.name}>"


class GrantStatus(enum.StrEnum):
    """A grant's state; its history lives in grant events."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


mark_grant_products = sa.Table(
    "mark_grant_products",
    Base.metadata,
    sa.Column("grant_id", sa.ForeignKey("mark_grants.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("product_id", sa.ForeignKey("products.id", ondelete="RESTRICT"), primary_key=True),
)


class MarkGrant(IdMixin, TimestampMixin, TenantMixin, Base):
    """Permission for one member to put the mark on named products. Never deleted."""

    __tablename__ = "mark_grants"

    mark_id: Mapped[int] = mapped_column(
        sa.ForeignKey("collective_marks.id", ondelete="RESTRICT"), index=True
    )
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[GrantStatus] = mapped_column(
        enum_column(GrantStatus, "grant_status"), default=GrantStatus.ACTIVE
    )
    granted_on: Mapped[dt.date]
    valid_until: Mapped[dt.date | None]
    notes: Mapped[str | None] = mapped_column(sa.Text)

    mark: Mapped[CollectiveMark] = relationship(back_populates="grants")
    member: Mapped[Member] = relationship()
    products: Mapped[list[Product]] = relationship(secondary=mark_grant_products)
    events: Mapped[list[GrantEvent]] = relationship(
        back_populates="grant", order_by="GrantEvent.id", lazy="selectin"
    )


class GrantAction(enum.StrEnum):
    """What happened to a grant."""

    GRANTED = "granted"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"
    REVOKED = "revoked"
    PRODUCTS_CHANGED = "products_changed"


class GrantEvent(IdMixin, Base):
    """One entry of a grant's history: who did what, effective from which day, and why."""

    __tablename__ = "mark_grant_events"

    grant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mark_grants.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[GrantAction] = mapped_column(enum_column(GrantAction, "grant_action"))
    effective_on: Mapped[dt.date]
    reason: Mapped[str | None] = mapped_column(sa.Text)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    details: Mapped[str | None] = mapped_column(sa.Text)

    grant: Mapped[MarkGrant] = relationship(back_populates="events")
