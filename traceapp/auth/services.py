"""Accounts and API tokens: every change goes through here and is audited.

Signing in and sessions are in :mod:`traceapp.auth.logins`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

import sqlalchemy as sa
from flask_babel import format_number, get_locale, ngettext
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from traceapp.audit import services as audit
from traceapp.auth.models import Actor, ApiToken, Role, User, UserSession
from traceapp.auth.permissions import require, scoped_ref
from traceapp.cooperatives.models import Cooperative
from traceapp.core import countries
from traceapp.database import now_utc
from traceapp.errors import Conflict, NotFound, ValidationFailed
from traceapp.extensions import db

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "ta_"  # noqa: S105 - a public marker, not a secret


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
    country: str | None = None,
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
    country = (country or countries.DEFAULT).strip().upper()
    if role == Role.AUDITOR and not countries.is_known(country):
        errors["country"] = [_("Choose a country from the list.")]
    if role == Role.AUDITOR and not (province or "").strip():
        errors["province"] = [_("An auditor is bound to a province.")]
    elif (
        role == Role.AUDITOR
        and "country" not in errors
        and not countries.province_ok(country, province)
    ):
        errors["province"] = [
            _(
                "%(name)s is not a province of %(country)s.",
                name=province,
                country=countries.get(country).name(str(get_locale())),
            )
        ]
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
        country=country if role == Role.AUDITOR else None,
        province=(province or "").strip() or None,
        district=(district or "").strip() or None,
        organisation_id=organisation_id,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, changes=audit.created(user), province=user.province)
    return user


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
