"""Signing in: passwords checked at one cost, a growing delay for strangers, sessions.

Each address is limited by Flask-Limiter (in the views). Each account is protected by a
growing delay (OWASP ASVS 5.0, section 6): failures from addresses that have not signed in
to it lately are counted in the shared database; after ``FREE_FAILURES`` of them, each
further failure doubles the wait before the next try from such an address, up to
``MAX_DELAY_S``. The owner's own address is never held back, so strangers cannot lock the
owner out, and a run of failures is forgotten ``FAILURE_MEMORY_S`` after its last one.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from typing import Any

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from traceapp.audit import services as audit
from traceapp.auth.models import LoginAddress, User, UserSession
from traceapp.auth.services import find_user_by_email, hash_secret, normalise_email
from traceapp.core import ratelimit
from traceapp.database import now_utc
from traceapp.extensions import db

#: Summaries of failed logins as stored in the audit trail (English, like every stored
#: record; the trail page translates them when it shows them).
FAILED_LOGIN_KNOWN = "failed login for an existing account"
FAILED_LOGIN_UNKNOWN = "failed login, unknown e-mail"
#: An address a user signed in from within this many days is theirs: failures from it never
#: count towards the account's delay.
KNOWN_ADDRESS_DAYS = 90
#: Failures to an account from addresses it has not signed in from, before any delay.
FREE_FAILURES = 5
#: The wait after the first failure past the free ones; it doubles with each further one.
FIRST_DELAY_S = 2
#: The longest wait: a stranger's address is slowed down, never locked out.
MAX_DELAY_S = 15 * 60
#: A run of failures is forgotten this long after its last failure.
FAILURE_MEMORY_S = 24 * 3600
# A real scrypt hash, so an unknown e-mail costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


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
    # Unknown e-mails are counted like real ones, so the delay tells nothing about accounts.
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


def failure_delay(failures: int) -> int:
    """Seconds a stranger waits after ``failures`` failures in a run: 0, then 2, 4, 8, ..."""
    if failures <= FREE_FAILURES:
        return 0
    doublings = min(failures - FREE_FAILURES - 1, 20)  # 2^20 s is far past the cap
    return int(min(MAX_DELAY_S, FIRST_DELAY_S * 2**doublings))


def login_wait(email: str, address: str) -> int:
    """Seconds to wait before this address may try this account again; 0 when it may now."""
    if _known_address(find_user_by_email(email), address):
        return 0
    failures, forgotten_at = ratelimit.peek(db.session.connection(), _account_key(email))
    if not failures:
        return 0
    last_failure = forgotten_at - FAILURE_MEMORY_S
    return max(0, math.ceil(last_failure + failure_delay(failures) - ratelimit.now()))


def record_failed_login(email: str, address: str) -> None:
    """Audit a failed login; the typed address is kept only if it names a real account.

    A failure from an address that has not signed in to the account lately adds to the
    account's run of failures, and so to the next stranger's wait.
    """
    user = find_user_by_email(email)
    if not _known_address(user, address):
        ratelimit.strike(db.session.connection(), _account_key(email), FAILURE_MEMORY_S)
    audit.record(
        user if user is not None else None,
        "auth.login_failed",
        object_type="users",
        object_id=user.id if user else None,
        cooperative_id=user.cooperative_id if user else None,
        summary=FAILED_LOGIN_KNOWN if user else FAILED_LOGIN_UNKNOWN,
    )


def remember_login_address(user: User, address: str) -> None:
    """Note that the user signed in from this address (its keyed hash), end the account's
    run of failures, and forget their addresses not used for KNOWN_ADDRESS_DAYS."""
    now = now_utc()
    digest = ratelimit.address_hash(address)
    row = db.session.get(LoginAddress, (user.id, digest))
    if row is None:
        db.session.add(LoginAddress(user_id=user.id, address_hash=digest, last_login_at=now))
    else:
        row.last_login_at = now
    ratelimit.forget(db.session.connection(), _account_key(user.email))
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
