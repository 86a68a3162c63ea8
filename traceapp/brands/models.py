"""Collective marks, their rules of use (Law on IP Art. 105(4)), and grants of use."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceapp.auth.models import enum_column
from traceapp.cooperatives.models import TenantMixin
from traceapp.core.columns import text_limit
from traceapp.database import Base, IdMixin, JSONType, TimestampMixin, now_utc

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
    __table_args__ = (
        sa.UniqueConstraint("cooperative_id", "name"),
        sa.CheckConstraint(
            "valid_until IS NULL OR certificate_date IS NULL OR valid_until >= certificate_date",
            name="validity_order",
        ),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    certificate_number: Mapped[str | None] = mapped_column(sa.String(40))
    certificate_date: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]
    status: Mapped[MarkStatus] = mapped_column(
        enum_column(MarkStatus, "mark_status"), default=MarkStatus.PENDING
    )
    product_scope: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(5000))
    geographic_scope: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(5000))
    logo: Mapped[str | None] = mapped_column(sa.String(80))
    # Rules of use, Law on IP Art. 105(4)
    owner_name: Mapped[str | None] = mapped_column(sa.String(200))
    owner_address: Mapped[str | None] = mapped_column(sa.String(300))
    founding_basis: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(5000))
    membership_criteria: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(10000))
    conditions_of_use: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(10000))
    violation_measures: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(10000))
    rules_adopted_on: Mapped[dt.date | None]

    cooperative: Mapped[Cooperative] = relationship()
    grants: Mapped[list[MarkGrant]] = relationship(back_populates="mark", lazy="raise")

    def __repr__(self) -> str:
        return f"<CollectiveMark {self.name}>"

    def effective_status(self, day: dt.date) -> MarkStatus:
        """The status on a day: past ``valid_until`` a mark is expired whatever was recorded."""
        if self.valid_until is not None and day > self.valid_until:
            return MarkStatus.EXPIRED
        return self.status

    def is_usable_on(self, day: dt.date) -> bool:
        """Registered, already certified on that day, and not expired."""
        if self.effective_status(day) != MarkStatus.REGISTERED:
            return False
        return self.certificate_date is None or self.certificate_date <= day


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
    """Permission for one member to put the mark on named products. Never deleted.

    ``status`` and the product list are the state after the last event; what held on an
    earlier day is found by replaying the events (:meth:`state_on`).
    """

    __tablename__ = "mark_grants"
    __table_args__ = (
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until >= granted_on", name="validity_order"
        ),
    )

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
    notes: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(5000))

    mark: Mapped[CollectiveMark] = relationship(back_populates="grants")
    member: Mapped[Member] = relationship()
    products: Mapped[list[Product]] = relationship(
        secondary=mark_grant_products, order_by="Product.code"
    )
    events: Mapped[list[GrantEvent]] = relationship(
        back_populates="grant", order_by="GrantEvent.id", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<MarkGrant {self.id} mark={self.mark_id} member={self.member_id}>"

    def state_on(self, day: dt.date) -> tuple[GrantStatus | None, frozenset[int]]:
        """Status and covered product ids on a day, by replaying the events up to that day.

        The status is None before the grant starts. Status events, and product events, are
        each kept in effective-date order (the services refuse one dated before the previous
        one of its kind), so replaying them in that order is unambiguous.
        """
        status: GrantStatus | None = None
        products: set[int] = set()
        for event in sorted(self.events, key=_event_order):
            if event.effective_on > day:
                break
            details = event.details or {}
            if event.action == GrantAction.GRANTED:
                status = GrantStatus.ACTIVE
                products = set(details.get("product_ids", []))
            elif event.action == GrantAction.PRODUCTS_CHANGED:
                products |= set(details.get("added", []))
                products -= set(details.get("removed", []))
            elif event.action in _STATUS_AFTER:
                status = _STATUS_AFTER[event.action]
        return status, frozenset(products)

    def last_status_change_on(self) -> dt.date:
        """The effective date of the latest status event (or the grant's start): a new status
        event may not be dated earlier."""
        return self._last_effective_on(_STATUS_EVENTS)

    def last_products_change_on(self) -> dt.date:
        """The effective date of the latest change of products (or the grant's start)."""
        return self._last_effective_on(_PRODUCT_EVENTS)

    def _last_effective_on(self, actions: frozenset[GrantAction]) -> dt.date:
        return max(
            (e.effective_on for e in self.events if e.action in actions), default=self.granted_on
        )


class GrantAction(enum.StrEnum):
    """What happened to a grant."""

    GRANTED = "granted"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"
    REVOKED = "revoked"
    PRODUCTS_CHANGED = "products_changed"
    VALIDITY_CHANGED = "validity_changed"


_STATUS_AFTER = {
    GrantAction.SUSPENDED: GrantStatus.SUSPENDED,
    GrantAction.REINSTATED: GrantStatus.ACTIVE,
    GrantAction.REVOKED: GrantStatus.REVOKED,
}


_STATUS_EVENTS = frozenset({GrantAction.GRANTED, *_STATUS_AFTER})
_PRODUCT_EVENTS = frozenset({GrantAction.GRANTED, GrantAction.PRODUCTS_CHANGED})


def _event_order(event: GrantEvent) -> tuple[dt.date, float]:
    # Unflushed events have no id yet; they were added last.
    return event.effective_on, event.id if event.id is not None else float("inf")


class GrantEvent(IdMixin, Base):
    """One entry of a grant's history: who did what, effective from which day, and why.

    ``details`` holds what the replay needs: ``product_ids`` for a grant, ``added`` and
    ``removed`` product ids for a product change, ``before``/``after`` for a validity change,
    plus ``labels`` ({product id: "code name"}) so the history reads well later.
    """

    __tablename__ = "mark_grant_events"

    grant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mark_grants.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[GrantAction] = mapped_column(enum_column(GrantAction, "grant_action"))
    effective_on: Mapped[dt.date]
    reason: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(500))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    grant: Mapped[MarkGrant] = relationship(back_populates="events")
