"""Accounts, login sessions and API tokens: every change goes through here and is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import secrets
import time
from typing import Any

import sqlalchemy as sa
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from traceapp.audit import services as audit
from traceapp.auth.models import Actor, ApiToken, LoginAddress, Role, User, UserSession
from traceapp.auth.permissions import require, scoped_ref
from traceapp.cooperatives.models import Cooperative
from traceapp.core import ratelimit
from traceapp.database import now_utc
from traceapp.errors import Conflict, NotFound, ValidationFailed
from traceapp.extensions import db

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "ta_"  # noqa: S105 - a public marker, not a secret
#: Summaries of failed logins as stored in the audit trail (English, like every stored
#: record; the trail page translates them when it shows them).
FAILED_LOGIN_KNOWN = "failed login for an existing account"
FAILED_LOGIN_UNKNOWN = "failed login, unknown e-mail"
#: An address a user signed in from within this many days is theirs: failures from it never
#: count towards the account's limit.
KNOWN_ADDRESS_DAYS = 90
# A real scrypt hash, so an unknown e-mail costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


def hash_secret(raw: str) -> str:
    """SHA-256 of a high-entropy secret (session id, API token); enough since it is random."""
    return hashlib.sha256(raw.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively and without surrounding spaces."""
    return (email or "").strip().lower()


def check_password_strength(password: str) -> None:
    """Refuse short or trivially guessable passwords, naming the field."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed.field(
            "password",
            ngettext(
                "The password must have at least %(count)s character.",
                "The password must have at least %(count)s characters.",
                MIN_PASSWORD_LENGTH,
                count=format_number(MIN_PASSWORD_LENGTH),
            ),
        )
    if len(set(password)) < 4:
        raise ValidationFailed.field("password", _("The password is too easy to guess."))


def find_user_by_email(email: str) -> User | None:
    """The user with this e-mail, whatever its case."""
    return db.session.execute(
        sa.select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def create_user(
    actor: Actor,
    *,
    email: str,
    full_name: str,
    password: str,
    role: Role | str,
    cooperative_id: int | None = None,
    province: str | None = None,
    district: str | None = None,
    organisation_id: int | None = None,
) -> User:
    """Create an account. Admins create any; a manager creates staff or managers of their own.

    A programme officer is created from their organisation's page (traceapp.programmes), which
    loads the organisation and passes its id."""
    try:
        role = Role(role)
    except ValueError:
        # TRANSLATORS: %(role)s is the role code that was sent, such as "owner".
        raise ValidationFailed.field("role", _("Unknown role “%(role)s”.", role=role)) from None
    email = normalise_email(email)
    errors: dict[str, list[str]] = {}
    if "@" not in email or len(email) > 254:
        errors["email"] = [_("Enter a valid e-mail address.")]
    if not (full_name or "").strip():
        errors["full_name"] = [_("Enter the person's name.")]
    if role in (Role.MANAGER, Role.STAFF):
        if cooperative_id is None:
            errors["cooperative_id"] = [_("A cooperative user needs a cooperative.")]
        else:
            # Through the actor's scope: to a manager another cooperative reads like none.
            scoped_ref(
                Cooperative,
                cooperative_id,
                actor,
                "cooperative_id",
                message=_("No such cooperative."),
                errors=errors,
            )
        province = district = None
    elif cooperative_id is not None:
        # Never dropped silently: the person who chose a cooperative meant a cooperative role.
        errors["cooperative_id"] = [
            _(
                "Only cooperative managers and staff belong to a cooperative: choose one of "
                "those roles, or no cooperative."
            )
        ]
    if role == Role.PROGRAMME_OFFICER and organisation_id is None:
        errors["role"] = [_("A programme officer is added from their support organisation's page.")]
    if role != Role.PROGRAMME_OFFICER:
        organisation_id = None
    if role == Role.AUDITOR and not (province or "").strip():
        errors["province"] = [_("An auditor is bound to a province.")]
    if role != Role.AUDITOR:
        province = district = None
    if errors:
        raise ValidationFailed(_("The account could not be created."), errors)
    check_password_strength(password)
    if actor.is_admin:
        pass
    else:
        require(
            role in (Role.MANAGER, Role.STAFF) and actor.can_manage_cooperative(cooperative_id),
            _(
                "Only a platform administrator, or a manager for their own cooperative, may add "
                "users."
            ),
        )
    if find_user_by_email(email) is not None:
        raise ValidationFailed.field("email", _("An account with this e-mail already exists."))
    user = User(
        email=email,
        full_name=full_name.strip(),
        password_hash=generate_password_hash(password),
        role=role,
        cooperative_id=cooperative_id,
        province=(province or "").strip() or None,
        district=(district or "").strip() or None,
        organisation_id=organisation_id,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, changes=audit.created(user), province=user.province)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None; the same cost either way."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    if not user.is_active:
        return None
    return user


def _account_key(email: str) -> str:
    # Unknown e-mails are counted like real ones, so the limit tells nothing about accounts.
    return "login-account:" + ratelimit.address_hash(normalise_email(email))


def _known_address(user: User | None, address: str) -> bool:
    if user is None:
        return False
    since = now_utc() - dt.timedelta(days=KNOWN_ADDRESS_DAYS)
    return (
        db.session.execute(
            sa.select(LoginAddress.user_id).where(
                LoginAddress.user_id == user.id,
                LoginAddress.address_hash == ratelimit.address_hash(address),
                LoginAddress.last_login_at >= since,
            )
        ).first()
        is not None
    )


def login_wait(email: str, address: str, limit: int) -> int:
    """Seconds to wait before this address may try this account again; 0 when it may now.

    Only failures from addresses that have not signed in to the account lately count, and
    their window ends by itself: the owner's own address is never held back by them.
    """
    if _known_address(find_user_by_email(email), address):
        return 0
    count, ends = ratelimit.peek(db.session.connection(), _account_key(email))
    if count < limit:
        return 0
    return max(1, math.ceil(ends - time.time()))


def record_failed_login(email: str, address: str, window_s: float) -> None:
    """Audit a failed login; the typed address is kept only if it names a real account.

    A failure from an address that has not signed in to the account lately counts towards
    the account's limit for ``window_s`` seconds.
    """
    user = find_user_by_email(email)
    if not _known_address(user, address):
        ratelimit.hit(db.session.connection(), _account_key(email), window_s)
    audit.record(
        user if user is not None else None,
        "auth.login_failed",
        object_type="users",
        object_id=user.id if user else None,
        cooperative_id=user.cooperative_id if user else None,
        summary=FAILED_LOGIN_KNOWN if user else FAILED_LOGIN_UNKNOWN,
    )


def remember_login_address(user: User, address: str) -> None:
    """Note that the user signed in from this address (its keyed hash), and forget their
    addresses not used for KNOWN_ADDRESS_DAYS."""
    now = now_utc()
    digest = ratelimit.address_hash(address)
    row = db.session.get(LoginAddress, (user.id, digest))
    if row is None:
        db.session.add(LoginAddress(user_id=user.id, address_hash=digest, last_login_at=now))
    else:
        row.last_login_at = now
    db.session.execute(
        sa.delete(LoginAddress).where(
            LoginAddress.user_id == user.id,
            LoginAddress.last_login_at < now - dt.timedelta(days=KNOWN_ADDRESS_DAYS),
        )
    )


def start_session(user: User, user_agent: str | None, lifetime_s: int) -> str:
    """Open a server-side session and return its secret id for the cookie."""
    raw = secrets.token_urlsafe(32)
    now = now_utc()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=hash_secret(raw),
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(seconds=lifetime_s),
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    user.last_login_at = now
    audit.record(user, "auth.login", user, cooperative_id=user.cooperative_id)
    return raw


def session_user(raw_session_id: str | None, user_id: Any) -> User | None:
    """The user of a live, unrevoked, unexpired session whose id matches the cookie."""
    if not raw_session_id:
        return None
    row = db.session.execute(
        sa.select(UserSession).where(UserSession.token_hash == hash_secret(raw_session_id))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= now_utc():
        return None
    if str(row.user_id) != str(user_id):
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user


def end_session(raw_session_id: str | None, user: User | None) -> None:
    """Revoke the session behind a cookie (logout)."""
    if not raw_session_id:
        return
    row = db.session.execute(
        sa.select(UserSession).where(UserSession.token_hash == hash_secret(raw_session_id))
    ).scalar_one_or_none()
    if row is not None and row.revoked_at is None:
        row.revoked_at = now_utc()
        if user is not None:
            audit.record(user, "auth.logout", user, cooperative_id=user.cooperative_id)


def _revoke_all(user: User) -> None:
    now = now_utc()
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def set_active(actor: Actor, user: User, active: bool) -> User:
    """Disable (ending every session and token) or re-enable an account."""
    require(
        actor.is_admin
        or (user.cooperative_id is not None and actor.can_manage_cooperative(user.cooperative_id)),
        _("Only an administrator or the cooperative's manager may do this."),
    )
    if getattr(actor, "id", None) == user.id and not active:
        raise Conflict(_("You cannot disable your own account."))
    if user.is_active == active:
        return user
    user.is_active = active
    if not active:
        _revoke_all(user)
    audit.record(
        actor,
        "user.enable" if active else "user.disable",
        user,
        changes={"is_active": {"before": not active, "after": active}},
        province=user.province,
    )
    return user


def change_password(actor: Actor, user: User, current: str | None, new: str) -> None:
    """Change a password; other sessions and tokens of the user end."""
    if getattr(actor, "id", None) == user.id:
        if not check_password_hash(user.password_hash, current or ""):
            raise ValidationFailed.field("current_password", _("The current password is wrong."))
    else:
        require(actor.is_admin, _("Only an administrator may set another user's password."))
    check_password_strength(new)
    user.password_hash = generate_password_hash(new)
    user.password_changed_at = now_utc()
    _revoke_all(user)
    audit.record(actor, "user.password_change", user, province=user.province)


def create_token(
    actor: Actor, user: User, name: str, days: int | None = None
) -> tuple[ApiToken, str]:
    """Create an API token for ``user``; the raw token is returned once and never stored."""
    require(
        getattr(actor, "id", None) == user.id or actor.is_system,
        _("You can only create tokens for yourself."),
    )
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.field(
            "name", _("Give the token a name, such as the script using it.")
        )
    if len(name) > 80:
        raise ValidationFailed.field(
            "name", _("At most %(num)s characters.", num=format_number(80))
        )
    if not user.is_active:
        raise Conflict(_("The account is disabled."))
    secret = secrets.token_urlsafe(32)
    raw = f"{TOKEN_PREFIX}{secret}"
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=raw[:10],
        token_hash=hash_secret(raw),
        expires_at=now_utc() + dt.timedelta(days=days) if days else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        actor,
        "token.create",
        token,
        cooperative_id=user.cooperative_id,
        changes={
            "name": {"before": None, "after": name},
            "user": {"before": None, "after": user.email},
        },
    )
    return token, raw


def revoke_token(actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (admins may revoke any)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or not (actor.is_admin or token.user_id == getattr(actor, "id", None)):
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = now_utc()
        audit.record(actor, "token.revoke", token, cooperative_id=token.user.cooperative_id)
    return token


def user_for_token(raw: str | None) -> User | None:
    """The active user behind a bearer token, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_secret(raw))
    ).scalar_one_or_none()
    if token is None or not token.is_usable:
        return None
    user = token.user
    if not user.is_active:
        return None
    now = now_utc()
    # Touch at most once a minute, so reads do not all turn into writes.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        token.last_used_at = now
    return user


def users_visible_to(actor: Actor) -> sa.Select[User]:
    """Admins list everyone; managers list their cooperative's users; others only themselves."""
    stmt = sa.select(User).order_by(User.email)
    if actor.is_admin:
        return stmt
    if actor.role == Role.MANAGER:
        return stmt.where(User.cooperative_id == actor.cooperative_id)
    return stmt.where(User.id == actor.id)
