"""Sign in, sign out, one's account and API tokens, and user management."""

from __future__ import annotations

import math
import time
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from traceapp.auth import logins, services
from traceapp.auth.forms import ConfirmForm, LoginForm, PasswordForm, TokenForm, UserForm
from traceapp.auth.models import (
    ApiToken,
    Role,
    User,
    actor_display_name,
    role_display_name,
)
from traceapp.auth.permissions import require
from traceapp.cooperatives.models import Cooperative
from traceapp.errors import NotFound, ValidationFailed
from traceapp.extensions import client_address, db, limiter, login_manager
from traceapp.web import apply_errors, keyset_page, nav_item, options, safe_next

bp = Blueprint("auth", __name__)
nav_item("auth.users", _l("Users"), lambda user: user.is_admin or user.role == Role.MANAGER)

SESSION_KEY = "sid"

# For every template: ``{{ record.actor_label|actor_name }}`` shows a stored "created by" label
# ("system (command line)" translated, e-mails as they are); ``{{ stored_role|role_name }}``
# names a stored role value ("manager") in the reader's language.
bp.add_app_template_filter(actor_display_name, "actor_name")
bp.add_app_template_filter(role_display_name, "role_name")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Only a live server-side session, never a bare signed cookie, signs a browser in."""
    if request.path.startswith("/api/"):
        return None
    return logins.session_user(session.get(SESSION_KEY), user_id)


def _login_limit() -> str:
    return current_app.config["TRACEAPP_LOGIN_RATE_LIMIT"]


def _address_limited_message() -> str:
    limit = limiter.current_limit
    wait = max(1, math.ceil(limit.reset_at - time.time())) if limit else 60
    return _wait_message(_("There were too many sign-in attempts from your network address."), wait)


def _wait_message(what: str, seconds: int) -> str:
    return (
        what
        + " "
        + ngettext("Try again in %(num)s second.", "Try again in %(num)s seconds.", seconds)
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message=_address_limited_message)
def login() -> Any:
    """Sign in; the same answer for an unknown e-mail and a wrong password.

    Each address is limited (Flask-Limiter, shared by the workers); each account answers
    failures from addresses that have not signed in to it lately with a growing delay, which
    never holds back the owner's own address (``logins``; OWASP ASVS 5.0, section 6).
    """
    form = LoginForm()
    target = safe_next(request.args.get("next"), url_for("dashboard.index"))
    if current_user.is_authenticated:
        return redirect(target)
    error = None
    if form.validate_on_submit():
        address = client_address()
        wait = logins.login_wait(form.email.data, address)
        if wait:
            error = _wait_message(
                _(
                    "There were too many failed sign-ins to this account from addresses it "
                    "has not signed in from before."
                ),
                wait,
            )
            response = make_response(
                render_template("auth/login.html", form=form, error=error), 429
            )
            response.headers["Retry-After"] = str(wait)
            return response
        user = logins.authenticate(form.email.data, form.password.data)
        if user is None:
            logins.record_failed_login(form.email.data, address)
            error = _("Invalid e-mail or password.")
        else:
            logins.remember_login_address(user, address)
            # A fresh session on every login: nothing from before survives (no fixation).
            session.clear()
            session.permanent = True
            session[SESSION_KEY] = logins.start_session(
                user, request.user_agent.string, current_app.config["PERMANENT_SESSION_LIFETIME"]
            )
            login_user(user)
            return redirect(target)
    return render_template("auth/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """End the server-side session, so a copied cookie no longer works."""
    user = current_user if current_user.is_authenticated else None
    logins.end_session(session.get(SESSION_KEY), user)
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Any:
    """One's own account: password and API tokens."""
    password_form = PasswordForm(prefix="pw")
    token_form = TokenForm(prefix="tok")
    new_token = None
    status = 200
    if request.method == "POST":
        try:
            if "pw-new_password" in request.form and password_form.validate_on_submit():
                services.change_password(
                    current_user,
                    current_user,
                    password_form.current_password.data,
                    password_form.new_password.data,
                )
                # Changing the password ended every session; start a new one for this browser.
                session[SESSION_KEY] = logins.start_session(
                    current_user,
                    request.user_agent.string,
                    current_app.config["PERMANENT_SESSION_LIFETIME"],
                )
                flash(_("Password changed. Other sessions and API tokens were ended."), "success")
                return redirect(url_for("auth.account"))
            if "tok-name" in request.form and token_form.validate_on_submit():
                _token, new_token = services.create_token(
                    current_user,
                    current_user,
                    token_form.name.data,
                    token_form.expires_in_days.data,
                )
            else:
                status = 422
        except ValidationFailed as exc:
            for form in (password_form, token_form):
                apply_errors(form, exc.errors)
            status = 422
    tokens = (
        db.session.execute(
            sa.select(ApiToken)
            .where(ApiToken.user_id == current_user.id)
            .order_by(ApiToken.created_at.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "auth/account.html",
        password_form=password_form,
        token_form=token_form,
        tokens=tokens,
        new_token=new_token,
        confirm=ConfirmForm(),
    ), status


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> Any:
    """Revoke one of one's tokens."""
    services.revoke_token(current_user, token_id)
    flash(_("The token was revoked."), "success")
    return redirect(url_for("auth.account"))


def _cooperative_choices() -> list[tuple[int, str]]:
    stmt = sa.select(Cooperative.id, Cooperative.name).order_by(Cooperative.name)
    if not current_user.is_admin:
        stmt = stmt.where(Cooperative.id == current_user.cooperative_id)
    return [(0, "—")] + [(row.id, row.name) for row in db.session.execute(stmt)]


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users() -> Any:
    """Accounts: admins manage all, managers their cooperative's."""
    require(current_user.is_admin or current_user.role == Role.MANAGER)
    form = UserForm()
    form.cooperative_id.choices = options(_cooperative_choices())
    if not current_user.is_admin:
        form.role.choices = options((r.value, r.label) for r in (Role.STAFF, Role.MANAGER))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                user = services.create_user(
                    current_user,
                    email=form.email.data,
                    full_name=form.full_name.data,
                    password=form.password.data,
                    role=form.role.data,
                    cooperative_id=form.cooperative_id.data or None,
                    province=form.province.data,
                    district=form.district.data,
                    country=form.country.data,
                )
                flash(_("Account %(email)s created.", email=user.email), "success")
                return redirect(url_for("auth.users"))
            except ValidationFailed as exc:
                for message in apply_errors(form, exc.errors):
                    flash(message, "error")
        status = 422
    page = keyset_page(
        services.users_visible_to(current_user), [(User.email, False), (User.id, False)]
    )
    return render_template("auth/users.html", form=form, page=page, confirm=ConfirmForm()), status


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@login_required
def set_active(user_id: int) -> Any:
    """Disable or re-enable an account."""
    user = db.session.execute(
        services.users_visible_to(current_user).where(User.id == user_id)
    ).scalar_one_or_none()
    if user is None:
        raise NotFound()
    active = request.form.get("active") == "1"
    services.set_active(current_user, user, active)
    flash(
        _("Account enabled.") if active else _("Account disabled; its sessions ended."), "success"
    )
    return redirect(url_for("auth.users"))
