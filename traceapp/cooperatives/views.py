"""Web pages for cooperatives and their members."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.cooperatives import services
from traceapp.cooperatives.forms import (
    GENDER_LABELS,
    ROLE_LABELS,
    CooperativeForm,
    LogoForm,
    MemberForm,
)
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.form_pages import form_page, upload_page
from traceapp.web import keyset_page, nav_item

bp = Blueprint("cooperatives", __name__)
nav_item(
    "cooperatives.index", _l("Cooperative"), lambda user: user.is_admin or user.is_cooperative_user
)


@bp.route("/cooperatives")
@login_required
def index() -> Any:
    """All cooperatives for admins and auditors; a cooperative user goes to their own."""
    if current_user.is_cooperative_user:
        return redirect(url_for("cooperatives.detail", cooperative_id=current_user.cooperative_id))
    q = (request.args.get("q") or "").strip()
    stmt = scoped(Cooperative, current_user)
    if q:
        stmt = stmt.where(Cooperative.name.ilike(f"%{q}%") | Cooperative.province.ilike(f"%{q}%"))
    return render_template(
        "cooperatives/index.html",
        page=keyset_page(stmt, [(Cooperative.name, False), (Cooperative.id, False)]),
        q=q,
    )


@bp.route("/cooperatives/new", methods=["GET", "POST"])
@login_required
def create() -> Any:
    """Register a cooperative (administrators)."""
    require(current_user.is_admin)
    form = CooperativeForm()
    return form_page(
        form,
        lambda: services.create_cooperative(
            current_user, **form.values_of(services.COOPERATIVE_FIELDS)
        ),
        message=_("Cooperative registered."),
        next_url=lambda coop: url_for("cooperatives.detail", cooperative_id=coop.id),
        template="cooperatives/form.html",
        coop=None,
    )


@bp.route("/cooperatives/<int:cooperative_id>")
@login_required
def detail(cooperative_id: int) -> Any:
    """A cooperative's page: details, logo and member figures."""
    coop = get_scoped(Cooperative, cooperative_id, current_user)
    stats = services.member_stats(coop.id)
    return render_template("cooperatives/detail.html", coop=coop, stats=stats, logo_form=LogoForm())


@bp.route("/cooperatives/<int:cooperative_id>/edit", methods=["GET", "POST"])
@login_required
def edit(cooperative_id: int) -> Any:
    """Edit a cooperative's details (its manager)."""
    coop = get_scoped(Cooperative, cooperative_id, current_user)
    require(current_user.can_manage_cooperative(coop.id))
    form = CooperativeForm(obj=coop)
    return form_page(
        form,
        lambda: services.update_cooperative(
            current_user, coop, **form.values_of(services.COOPERATIVE_FIELDS)
        ),
        next_url=lambda _saved: url_for("cooperatives.detail", cooperative_id=coop.id),
        template="cooperatives/form.html",
        coop=coop,
    )


@bp.route("/cooperatives/<int:cooperative_id>/logo", methods=["POST"])
@login_required
def logo(cooperative_id: int) -> Any:
    """Replace the logo."""
    coop = get_scoped(Cooperative, cooperative_id, current_user)
    require(current_user.can_manage_cooperative(coop.id))
    form = LogoForm()
    return upload_page(
        form,
        lambda: services.set_cooperative_logo(current_user, coop, form.logo.data),
        back=url_for("cooperatives.detail", cooperative_id=coop.id),
        done=_("Logo updated."),
        refused=lambda: render_template(
            "cooperatives/detail.html",
            coop=coop,
            stats=services.member_stats(coop.id),
            logo_form=form,
        ),
    )


def member_list(coop: Cooperative) -> tuple[Any, dict[str, str]]:
    """The members list's filters (from the query string) and its query, unordered: the page
    and its downloads both start here."""
    args = {"q": (request.args.get("q") or "").strip()}
    return services.member_list(current_user, coop.id, args["q"]), args


@bp.route("/cooperatives/<int:cooperative_id>/members")
@login_required
def members(cooperative_id: int) -> Any:
    """Members with search and pagination."""
    coop = get_scoped(Cooperative, cooperative_id, current_user)
    stmt, args = member_list(coop)
    return render_template(
        "cooperatives/members.html",
        coop=coop,
        q=args["q"],
        args=args,
        page=keyset_page(stmt, services.MEMBER_LIST_ORDER),
        genders=GENDER_LABELS,
        roles=ROLE_LABELS,
    )


@bp.route("/cooperatives/<int:cooperative_id>/members/new", methods=["GET", "POST"])
@login_required
def member_create(cooperative_id: int) -> Any:
    """Register a member."""
    coop = get_scoped(Cooperative, cooperative_id, current_user)
    require(current_user.can_write_cooperative(coop.id))
    form = MemberForm()
    return form_page(
        form,
        lambda: services.create_member(
            current_user, coop.id, **form.values_of(services.MEMBER_FIELDS)
        ),
        message=lambda member: _("Member %(number)s registered.", number=member.member_number),
        next_url=lambda member: url_for("cooperatives.member_detail", member_id=member.id),
        template="cooperatives/member_form.html",
        coop=coop,
        member=None,
    )


@bp.route("/members/<int:member_id>")
@login_required
def member_detail(member_id: int) -> Any:
    """A member's page."""
    member = get_scoped(Member, member_id, current_user)
    coop = get_scoped(Cooperative, member.cooperative_id, current_user)
    return render_template(
        "cooperatives/member_detail.html",
        member=member,
        coop=coop,
        genders=GENDER_LABELS,
        roles=ROLE_LABELS,
    )


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def member_edit(member_id: int) -> Any:
    """Edit a member."""
    member = get_scoped(Member, member_id, current_user)
    require(current_user.can_write_cooperative(member.cooperative_id))
    coop = get_scoped(Cooperative, member.cooperative_id, current_user)
    form = MemberForm(obj=member)
    if request.method == "GET":
        form.gender.data = member.gender.value
        form.role.data = member.role.value
    return form_page(
        form,
        lambda: services.update_member(
            current_user, member, **form.values_of(services.MEMBER_FIELDS)
        ),
        next_url=lambda _saved: url_for("cooperatives.member_detail", member_id=member.id),
        template="cooperatives/member_form.html",
        coop=coop,
        member=member,
    )
