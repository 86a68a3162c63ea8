"""Web pages for collective marks, their rules of use, and grants of use to members."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.brands import services
from traceapp.brands.forms import (
    GRANT_ACTION_LABELS,
    GRANT_STATUS_LABELS,
    MARK_STATUS_LABELS,
    GrantActionForm,
    GrantEditForm,
    GrantForm,
    MarkForm,
    MarkLogoForm,
)
from traceapp.brands.models import CollectiveMark, GrantStatus, MarkGrant, MarkStatus
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.database import local_today
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.form_pages import form_page, upload_page
from traceapp.products.models import Product
from traceapp.web import keyset_page, nav_item, options

bp = Blueprint("brands", __name__)
nav_item(
    "brands.index", _l("Collective marks"), lambda user: user.is_admin or user.is_cooperative_user
)

#: Which changes the grant page offers in each status.
ACTIONS_BY_STATUS = {
    GrantStatus.ACTIVE: ("suspend", "revoke"),
    GrantStatus.SUSPENDED: ("reinstate", "revoke"),
    GrantStatus.REVOKED: (),
}


def _may_read() -> None:
    # Marks belong to cooperatives; auditors have no business here (tenant scoping agrees).
    require(current_user.is_admin or current_user.is_cooperative_user)


def _iso_date(value: str | None) -> dt.date | None:
    """A date kept as ISO text in a grant event's details, for the date filters."""
    return dt.date.fromisoformat(value) if value else None


def _labels() -> dict[str, Any]:
    return {
        "mark_statuses": MARK_STATUS_LABELS,
        "grant_statuses": GRANT_STATUS_LABELS,
        "actions": GRANT_ACTION_LABELS,
        "today": local_today(),
        "display_status": services.grant_display_status,
        "actions_by_status": ACTIONS_BY_STATUS,
        "iso_date": _iso_date,
    }


# --- marks ------------------------------------------------------------------------------------


@bp.route("/brands")
@login_required
def index() -> Any:
    """Collective marks with search and pagination."""
    _may_read()
    q = (request.args.get("q") or "").strip()
    status = request.args.get("status") or None
    if status not in {s.value for s in MarkStatus}:
        status = None
    stmt = services.mark_search(scoped(CollectiveMark, current_user), q, status)
    stmt = stmt.options(joinedload(CollectiveMark.cooperative))
    status_choices = [("", _("any status"))] + [
        (s.value, label) for s, label in MARK_STATUS_LABELS.items()
    ]
    return render_template(
        "brands/index.html",
        page=keyset_page(stmt, [(CollectiveMark.name, False), (CollectiveMark.id, False)]),
        q=q,
        status=status or "",
        status_choices=status_choices,
        **_labels(),
    )


def _mark_form(mark: CollectiveMark | None) -> MarkForm:
    form = MarkForm(obj=mark)
    if request.method == "GET":
        form.status.data = (mark.status if mark else MarkStatus.PENDING).value
    if mark is None and current_user.is_admin:
        coops = scoped(Cooperative, current_user).order_by(Cooperative.name)
        form.cooperative_id.choices = options(
            [(c.id, c.name) for c in db.session.execute(coops).scalars()]
        )
    else:
        del form.cooperative_id
    return form


@bp.route("/brands/new", methods=["GET", "POST"])
@login_required
def create() -> Any:
    """Register a collective mark (the cooperative's manager, or an administrator)."""
    require(
        current_user.is_admin or current_user.can_manage_cooperative(current_user.cooperative_id),
        _("Only a cooperative's manager may register a mark."),
    )
    form = _mark_form(None)
    return form_page(
        form,
        lambda: services.create_mark(
            current_user,
            form.cooperative_id.data if current_user.is_admin else current_user.cooperative_id,
            **form.values_of(services.MARK_FIELDS),
        ),
        message=_("Mark registered."),
        next_url=lambda mark: url_for("brands.detail", mark_id=mark.id),
        template="brands/form.html",
        mark=None,
    )


def _detail(mark: CollectiveMark, logo_form: MarkLogoForm | None = None) -> str:
    grants = scoped(MarkGrant, current_user).where(MarkGrant.mark_id == mark.id)
    stmt = services.grant_listing(grants, request.args.get("q"))
    return render_template(
        "brands/detail.html",
        mark=mark,
        coop=mark.cooperative,
        grants=keyset_page(stmt, services.GRANT_LIST_ORDER, per_page=50),
        q=request.args.get("q") or "",
        logo_form=logo_form or MarkLogoForm(),
        **_labels(),
    )


@bp.route("/brands/<int:mark_id>")
@login_required
def detail(mark_id: int) -> Any:
    """A mark's page: registration, rules of use, logo and the grants of use."""
    mark = get_scoped(CollectiveMark, mark_id, current_user)
    return _detail(mark)


@bp.route("/brands/<int:mark_id>/edit", methods=["GET", "POST"])
@login_required
def edit(mark_id: int) -> Any:
    """Edit a mark's registration and rules of use (its cooperative's manager)."""
    mark = get_scoped(CollectiveMark, mark_id, current_user)
    require(current_user.can_manage_cooperative(mark.cooperative_id))
    form = _mark_form(mark)
    return form_page(
        form,
        lambda: services.update_mark(current_user, mark, **form.values_of(services.MARK_FIELDS)),
        next_url=lambda _saved: url_for("brands.detail", mark_id=mark.id),
        template="brands/form.html",
        mark=mark,
    )


@bp.route("/brands/<int:mark_id>/logo", methods=["POST"])
@login_required
def logo(mark_id: int) -> Any:
    """Replace the mark's logo."""
    mark = get_scoped(CollectiveMark, mark_id, current_user)
    require(current_user.can_manage_cooperative(mark.cooperative_id))
    form = MarkLogoForm()
    return upload_page(
        form,
        lambda: services.set_mark_logo(current_user, mark, form.logo.data),
        back=url_for("brands.detail", mark_id=mark.id),
        done=_("Logo updated."),
        refused=lambda: _detail(mark, form),
        invalid=lambda: _detail(mark, form),
    )


# --- grants -----------------------------------------------------------------------------------


def _product_choices(
    mark: CollectiveMark, form: Any, extra: tuple[Product, ...] = ()
) -> list[Product]:
    """Offer the cooperative's products that carry the mark (and those already granted)."""
    products = (
        db.session.execute(
            scoped(Product, current_user)
            .where(Product.mark_id == mark.id, Product.cooperative_id == mark.cooperative_id)
            .order_by(Product.code)
        )
        .scalars()
        .all()
    )
    shown = sorted({p.id: p for p in [*products, *extra]}.values(), key=lambda p: p.code)
    form.product_ids.choices = options([(p.id, f"{p.code} · {p.name}") for p in shown])
    return shown


@bp.route("/brands/<int:mark_id>/grants/new", methods=["GET", "POST"])
@login_required
def grant_create(mark_id: int) -> Any:
    """Grant a member use of the mark for named products."""
    mark = get_scoped(CollectiveMark, mark_id, current_user)
    require(current_user.can_manage_cooperative(mark.cooperative_id))
    form = GrantForm()
    today = local_today()
    members = (
        db.session.execute(
            scoped(Member, current_user)
            .where(
                Member.cooperative_id == mark.cooperative_id,
                sa.or_(Member.left_on.is_(None), Member.left_on >= today),
            )
            .order_by(Member.member_number)
        )
        .scalars()
        .all()
    )
    form.member_id.choices = options(
        [(m.id, f"{m.member_number} · {m.full_name}") for m in members]
    )
    products = _product_choices(mark, form)
    if request.method == "GET":
        form.granted_on.data = today
        form.product_ids.data = [p.id for p in products]
    return form_page(
        form,
        lambda: services.create_grant(
            current_user,
            mark,
            **form.values_of(("member_id", "product_ids", "granted_on", "valid_until", "notes")),
        ),
        message=lambda grant: _(
            "Use of the mark granted to %(name)s.", name=grant.member.full_name
        ),
        next_url=lambda grant: url_for("brands.grant_detail", grant_id=grant.id),
        template="brands/grant_form.html",
        mark=mark,
        grant=None,
    )


@bp.route("/grants/<int:grant_id>")
@login_required
def grant_detail(grant_id: int) -> Any:
    """A grant of use and its history."""
    grant = get_scoped(MarkGrant, grant_id, current_user)
    return render_template("brands/grant_detail.html", grant=grant, mark=grant.mark, **_labels())


@bp.route("/grants/<int:grant_id>/edit", methods=["GET", "POST"])
@login_required
def grant_edit(grant_id: int) -> Any:
    """Change a grant's products, end date or notes."""
    grant = get_scoped(MarkGrant, grant_id, current_user, for_update=request.method == "POST")
    require(current_user.can_manage_cooperative(grant.cooperative_id))
    form = GrantEditForm(obj=grant)
    _product_choices(grant.mark, form, tuple(grant.products))
    if request.method == "GET":
        form.product_ids.data = [p.id for p in grant.products]
    return form_page(
        form,
        lambda: services.update_grant(
            current_user,
            grant,
            **form.values_of(("product_ids", "valid_until", "notes", "effective_on")),
        ),
        catch=(ValidationFailed, Conflict),
        own_status=True,
        next_url=lambda _saved: url_for("brands.grant_detail", grant_id=grant.id),
        template="brands/grant_form.html",
        mark=grant.mark,
        grant=grant,
    )


_ACTIONS = {
    "suspend": (services.suspend_grant, _l("Suspend the grant"), _l("Grant suspended.")),
    "reinstate": (services.reinstate_grant, _l("Reinstate the grant"), _l("Grant reinstated.")),
    "revoke": (services.revoke_grant, _l("Revoke the grant"), _l("Grant revoked.")),
}


def _grant_action(grant_id: int, action: str) -> Any:
    grant = get_scoped(MarkGrant, grant_id, current_user, for_update=request.method == "POST")
    require(current_user.can_manage_cooperative(grant.cooperative_id))
    change, title, done = _ACTIONS[action]
    form = GrantActionForm()
    if request.method == "GET":
        form.effective_on.data = local_today()
    return form_page(
        form,
        lambda: change(current_user, grant, **form.values_of(("reason", "effective_on"))),
        catch=(ValidationFailed, Conflict),
        own_status=True,
        message=done,
        next_url=lambda _changed: url_for("brands.grant_detail", grant_id=grant.id),
        template="brands/grant_action.html",
        grant=grant,
        mark=grant.mark,
        action=action,
        title=title,
        **_labels(),
    )


@bp.route("/grants/<int:grant_id>/suspend", methods=["GET", "POST"])
@login_required
def grant_suspend(grant_id: int) -> Any:
    """Suspend an active grant from a date, with a reason."""
    return _grant_action(grant_id, "suspend")


@bp.route("/grants/<int:grant_id>/reinstate", methods=["GET", "POST"])
@login_required
def grant_reinstate(grant_id: int) -> Any:
    """Reinstate a suspended grant from a date, with a reason."""
    return _grant_action(grant_id, "reinstate")


@bp.route("/grants/<int:grant_id>/revoke", methods=["GET", "POST"])
@login_required
def grant_revoke(grant_id: int) -> Any:
    """Revoke a grant from a date, with a reason (final)."""
    return _grant_action(grant_id, "revoke")
