"""Users, their roles, server-side login sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceapp.database import Base, IdMixin, TimestampMixin, now_utc

if TYPE_CHECKING:
    from traceapp.cooperatives.models import Cooperative


class Role(enum.StrEnum):
    """What a user is: each role but admin is bound to a cooperative or a province."""

    ADMIN = "admin"
    MANAGER = "manager"
    STAFF = "staff"
    AUDITOR = "auditor"
    PROGRAMME_OFFICER = "programme_officer"

    @property
    def label(self) -> str:
        """A human name for the role, in the reader's language (a lazy string)."""
        return ROLE_LABELS[self.value]


#: The name of each role, keyed by the stored value.
ROLE_LABELS = {
    "admin": _l("Platform administrator"),
    "manager": _l("Cooperative manager"),
    "staff": _l("Cooperative staff"),
    "auditor": _l("Authority auditor"),
    "programme_officer": _l("Programme officer"),
}

COOPERATIVE_ROLES = (Role.MANAGER, Role.STAFF)


def enum_column(enum_cls: type[enum.Enum], name: str, length: int = 20) -> sa.Enum:
    """A portable enum: a VARCHAR with a named CHECK constraint, storing the member values."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


class User(UserMixin, IdMixin, TimestampMixin, Base):
    """A person who signs in: platform admin, cooperative manager or staff, or an auditor."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "(role IN ('manager', 'staff')) = (cooperative_id IS NOT NULL)",
            name="cooperative_matches_role",
        ),
        sa.CheckConstraint(
            "role <> 'auditor' OR province IS NOT NULL", name="auditor_has_province"
        ),
        sa.CheckConstraint(
            "(role = 'programme_officer') = (organisation_id IS NOT NULL)",
            name="organisation_matches_role",
        ),
    )

    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    cooperative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cooperatives.id", ondelete="RESTRICT"), index=True
    )
    #: An auditor's country (ISO 3166-1 alpha-2; Vietnam when unset) and unit within it.
    country: Mapped[str | None] = mapped_column(sa.String(2))
    province: Mapped[str | None] = mapped_column(sa.String(100))
    district: Mapped[str | None] = mapped_column(sa.String(100))
    #: The support organisation a programme officer works for (traceapp.programmes).
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("support_organisations.id", ondelete="RESTRICT"), index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    last_login_at: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    cooperative: Mapped[Cooperative | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

    @property
    def is_admin(self) -> bool:
        """A platform administrator."""
        return self.role == Role.ADMIN

    @property
    def is_auditor(self) -> bool:
        """An authority auditor, scoped to a province (and maybe a district)."""
        return self.role == Role.AUDITOR

    @property
    def is_cooperative_user(self) -> bool:
        """A manager or staff member of one cooperative."""
        return self.role in COOPERATIVE_ROLES

    @property
    def is_system(self) -> bool:
        """Only the command-line actor is the system."""
        return False

    @property
    def label(self) -> str:
        """How the user is named in audit records."""
        return self.email

    def can_manage_cooperative(self, cooperative_id: int | None) -> bool:
        """Manage a cooperative's settings, marks, grants and users."""
        if self.is_admin:
            return True
        return self.role == Role.MANAGER and self.cooperative_id == cooperative_id

    def can_write_cooperative(self, cooperative_id: int | None) -> bool:
        """Record day-to-day data (members, lots, events, labels) for a cooperative."""
        if self.is_admin:
            return True
        return self.is_cooperative_user and self.cooperative_id == cooperative_id

    @property
    def audit_country(self) -> str:
        """The country an auditor's province lies in (Vietnam unless set)."""
        return (self.country or "VN").upper()

    def can_audit(
        self, province: str | None, district: str | None = None, country: str | None = None
    ) -> bool:
        """Decide on zone codes issued in this province (and district, if scoped to one) of
        this country (Vietnam unless given)."""
        from traceapp.core.regions import same_region

        if not self.is_auditor or not province:
            return False
        if (country or "VN").upper() != self.audit_country:
            return False
        if not same_region(self.province, province):
            return False
        if self.district is None:
            return True
        return district is not None and same_region(self.district, district)


class SystemActor:
    """The actor behind command-line operations: allowed everything, named in the audit trail."""

    id = None
    role = Role.ADMIN
    cooperative_id = None
    organisation_id = None
    country = None
    audit_country = "VN"
    province = None
    district = None
    is_admin = True
    is_auditor = False
    is_cooperative_user = False
    is_system = True
    is_authenticated = True
    email = "system"
    #: Stored as written in audit records and "created by" columns: never translated there
    #: (see :func:`actor_display_name` for the reader's version).
    label = "system (command line)"

    def can_manage_cooperative(self, cooperative_id: int | None) -> bool:
        """The command line may manage any cooperative."""
        return True

    def can_write_cooperative(self, cooperative_id: int | None) -> bool:
        """The command line may write any cooperative's data."""
        return True

    def can_audit(
        self, province: str | None, district: str | None = None, country: str | None = None
    ) -> bool:
        """The command line is not an auditor: decisions need a named person."""
        return False


SYSTEM = SystemActor()

#: Actor names that are stored as fixed English words rather than a person's e-mail, with
#: their translation for display ("anonymous" is the audit trail's actor for unknown logins;
#: "system" is an older fallback of some "created by" columns).
STORED_ACTOR_NAMES = {
    SystemActor.label: _l("system (command line)"),
    "system": _l("system (command line)"),
    "anonymous": _l("anonymous"),
}


def actor_display_name(stored: str | None) -> str:
    """A stored actor label for display: e-mails as stored, the fixed words translated."""
    if not stored:
        return ""
    name = STORED_ACTOR_NAMES.get(stored)
    return str(name) if name is not None else stored


def role_display_name(stored: str | None) -> str:
    """A stored role value ("manager") as the reader's name for it; unknown values as stored."""
    if not stored:
        return ""
    name = ROLE_LABELS.get(str(stored))
    return str(name) if name is not None else str(stored)


#: Anyone who can act: a signed-in user or the command line.
Actor = User | SystemActor


class UserSession(IdMixin, Base):
    """A server-side login session, so logout and disabling a user really end it."""

    __tablename__ = "user_sessions"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))

    user: Mapped[User] = relationship()


class ApiToken(IdMixin, Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    last_used_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_usable(self) -> bool:
        """Not revoked and not past its expiry."""
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now_utc()


class LoginAddress(Base):
    """An address (its keyed hash) a user signed in from: failed logins from it never count
    towards the account's limit, so strangers' failures cannot lock the owner out."""

    __tablename__ = "login_addresses"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    address_hash: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    last_login_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
