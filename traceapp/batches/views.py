"""Web pages for lots: the list, a lot's page with its timeline and genealogy, and the forms."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.batches import events as ev
from traceapp.batches import (
    genealogy,
    overview,
    services,
    transformations,
)
from traceapp.batches import recall as recalls
from traceapp.batches.corrections import declare_error
from traceapp.batches.entry_checks import describe as describe_entry_warning
from traceapp.batches.forms import (
    CorrectionForm,
    LotEditForm,
    LotForm,
    ReasonForm,
    RecallForm,
    TransformForm,
)
from traceapp.batches.forms_lot_page import contribution_form, event_form
from traceapp.batches.models import (
    Contribution,
    Lot,
    LotStatus,
    Recall,
    TraceEvent,
)
from traceapp.batches.timeline import timeline_entries
from traceapp.core.inputs import id_or_none
from traceapp.database import local_today
from traceapp.errors import DomainError, ValidationFailed
from traceapp.extensions import db
from traceapp.form_pages import form_page
from traceapp.products.models import Product
from traceapp.units import fmt
from traceapp.web import form_failed, keyset_page, nav_item, options

bp = Blueprint("batches", __name__)
bp.add_app_template_filter(describe_entry_warning, "entry_warning")
nav_item("batches.index", _l("Lots"), lambda user: user.is_cooperative_user or user.is_admin)


def _products(lot_coop: int | None = None) -> list[tuple[int, str]]:
    stmt = scoped(Product, current_user).where(Product.is_active.is_(True))
    if lot_coop:
        stmt = stmt.where(Product.cooperative_id == lot_coop)
    return [
        (p.id, f"{p.name} ({p.code})")
        for p in db.session.execute(stmt.order_by(Product.name)).scalars()
    ]


def lot_list() -> tuple[Any, dict[str, str]]:
    """The lots list's filters (from the query string) and its query, unordered: the page
    and its downloads both start here."""
    q = request.args.get("q", "")
    status = request.args.get("status", "")
    if status not in {s.value for s in LotStatus}:
        status = ""
    return services.lot_list(current_user, q=q, status=status), {"q": q, "status": status}


@bp.route("/lots")
@login_required
def index() -> Any:
    """Lots, newest first, with search and filters."""
    stmt, args = lot_list()
    q, status = args["q"], args["status"]
    page = keyset_page(stmt, services.LOT_LIST_ORDER)
    return render_template(
        "batches/index.html", page=page, q=q, status=status, statuses=[s.value for s in LotStatus]
    )


@bp.route("/lots/new", methods=["GET", "POST"])
@login_required
def create() -> Any:
    """Register a harvest, catch or production lot."""
    require(current_user.is_cooperative_user or current_user.is_admin)
    form = LotForm()
    form.product_id.choices = options(_products())
    if request.method == "GET":
        form.production_date.data = local_today()
        form.unit.data = "KGM"
        form.product_id.data = id_or_none(request.args.get("product_id", ""))
    kinds = _lot_kinds(form.product_id.data)
    return form_page(
        form,
        lambda: services.create_lot(current_user, **form.values()),
        errors=lambda exc: ValidationFailed(
            exc.message, {k.removeprefix("catch_data."): v for k, v in exc.errors.items()}
        ),
        message=lambda lot: _("Lot %(code)s created.", code=lot.code),
        next_url=lambda lot: url_for("batches.detail", lot_id=lot.id),
        template="batches/form.html",
        kinds=kinds,
        choose_first=len(kinds) > 1,
    )


def _lot_kinds(product_id: Any) -> set[str]:
    """The kinds of production whose fields the lot form shows: the chosen product's, or
    those of the products on offer (a cooperative of peanuts never sees fishing fields)."""
    stmt = scoped(Product, current_user).where(Product.is_active.is_(True))
    if isinstance(product_id, int):
        chosen = db.session.execute(stmt.where(Product.id == product_id)).scalar_one_or_none()
        if chosen is not None:
            return {services.production_type(chosen)}
    kinds = {services.production_type(p) for p in db.session.execute(stmt).scalars()}
    return kinds or {"crop"}


def _render_detail(lot: Lot, status: int = 200, **forms: Any) -> Any:
    context = overview.lot_page(
        lot,
        label_runs_shown="labels.run" in current_app.view_functions,
        contributions_after=id_or_none(request.args.get("c_after")),
        events_after=id_or_none(request.args.get("e_after")),
    )
    can_write = current_user.can_write_cooperative(lot.cooperative_id)
    # The delivery form lists every member and zone: built only where it is shown.
    takes_deliveries = can_write and lot.status == LotStatus.OPEN
    context |= {
        "can_write": can_write,
        "can_manage": current_user.can_manage_cooperative(lot.cooperative_id),
        "contribution_form": forms.get("contribution_form")
        or (contribution_form(lot) if takes_deliveries else None),
        "event_form": forms.get("event_form") or event_form(lot),
        "void_form": ReasonForm(prefix="v"),
    }
    return render_template("batches/detail.html", **context), status


@bp.route("/lots/<int:lot_id>")
@login_required
def detail(lot_id: int) -> Any:
    """A lot: facts, contributions, timeline, genealogy both ways, and what can be done next."""
    return _render_detail(get_scoped(Lot, lot_id, current_user))


@bp.route("/lots/<int:lot_id>/edit", methods=["GET", "POST"])
@login_required
def edit(lot_id: int) -> Any:
    """Correct an open lot."""
    lot = get_scoped(Lot, lot_id, current_user)
    require(current_user.can_write_cooperative(lot.cooperative_id))
    form = LotEditForm(obj=lot)
    return form_page(
        form,
        lambda: services.update_lot(current_user, lot, **form.values()),
        catch=(DomainError,),
        next_url=lambda _saved: url_for("batches.detail", lot_id=lot.id),
        template="batches/edit.html",
        lot=lot,
    )


@bp.route("/lots/<int:lot_id>/contributions", methods=["POST"])
@login_required
def add_contribution(lot_id: int) -> Any:
    """Record a member's delivery."""
    lot = get_scoped(Lot, lot_id, current_user)
    require(current_user.can_write_cooperative(lot.cooperative_id))
    form = contribution_form(lot)
    if form.validate_on_submit():
        member_id, zone_id = form.chosen()
        try:
            services.add_contribution(
                current_user,
                lot,
                member_id=member_id,
                zone_id=zone_id,
                quantity=form.quantity.data,
                unit=form.unit.data,
                delivered_on=form.delivered_on.data,
                notes=form.notes.data,
                confirm_implausible=form.confirm_implausible.data,
                confirmation_reason=form.confirmation_reason.data,
            )
            flash(_("Contribution recorded."), "success")
            return redirect(url_for("batches.detail", lot_id=lot.id) + "#contributions")
        except DomainError as exc:
            if isinstance(exc, ValidationFailed):
                errors = {form.field_name(k): v for k, v in exc.errors.items()}
                exc = ValidationFailed(exc.message, errors)
            form_failed(form, exc)
    return _render_detail(lot, 422, contribution_form=form)


@bp.route("/contributions/<int:contribution_id>/void", methods=["POST"])
@login_required
def void_contribution(contribution_id: int) -> Any:
    """Withdraw a contribution, with a reason."""
    contribution = get_scoped(Contribution, contribution_id, current_user)
    form = ReasonForm(prefix="v")
    if not form.validate_on_submit():
        flash(_("Say why the contribution is withdrawn."), "error")
    else:
        try:
            services.void_contribution(current_user, contribution, form.reason.data)
            flash(_("Contribution withdrawn."), "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for("batches.detail", lot_id=contribution.lot_id) + "#contributions")


@bp.route("/lots/<int:lot_id>/close", methods=["POST"])
@login_required
def close(lot_id: int) -> Any:
    """Close a lot."""
    lot = get_scoped(Lot, lot_id, current_user)
    try:
        services.close_lot(current_user, lot)
        flash(_("Lot %(code)s closed.", code=lot.code), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("batches.detail", lot_id=lot_id))


@bp.route("/lots/<int:lot_id>/events", methods=["POST"])
@login_required
def add_event(lot_id: int) -> Any:
    """Record an event in the lot's history."""
    lot = get_scoped(Lot, lot_id, current_user)
    require(current_user.can_write_cooperative(lot.cooperative_id))
    form = event_form(lot)
    if form.validate_on_submit():
        try:
            ev.record_event(current_user, lot, **form.values())
            flash(_("Event recorded."), "success")
            return redirect(url_for("batches.detail", lot_id=lot.id) + "#timeline")
        except DomainError as exc:
            form_failed(form, exc)
    return _render_detail(lot, 422, event_form=form)


@bp.route("/lots/<int:lot_id>/events/<int:event_id>/correct", methods=["GET", "POST"])
@login_required
def correct_event(lot_id: int, event_id: int) -> Any:
    """Declare an event wrong and record the corrected one; the original stays visible."""
    lot = get_scoped(Lot, lot_id, current_user)
    event = get_scoped(TraceEvent, event_id, current_user)
    if event.lot_id != lot.id:
        from traceapp.errors import NotFound

        raise NotFound()
    require(current_user.can_write_cooperative(lot.cooperative_id))
    form = event_form(lot, CorrectionForm, prefix="x")
    if request.method == "GET":
        form.biz_step.data = event.biz_step if event.biz_step in ev.STEPS else "inspecting"
        form.location.data = event.location
        form.quantity.data = event.quantity
        form.unit.data = event.unit or lot.unit
    if form.validate_on_submit():
        corrections = []
        if form.reason.data == "incorrect_data":
            corrections.append(form.values())
        try:
            declare_error(
                current_user,
                event,
                reason=form.reason.data,
                explanation=form.explanation.data,
                corrections=corrections,
            )
            flash(_("The event was declared wrong and its correction recorded."), "success")
            return redirect(url_for("batches.detail", lot_id=lot.id) + "#timeline")
        except DomainError as exc:
            errors = {k.split(".")[-1]: v for k, v in exc.errors.items()}
            form_failed(form, ValidationFailed(exc.message, errors))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "batches/correct.html", form=form, lot=lot, event=event, entry=timeline_entries([event])[0]
    ), status


@bp.route("/lots/transform", methods=["GET", "POST"])
@login_required
def transform() -> Any:
    """Make a lot from other lots (commingling, processing, grading, packing)."""
    require(current_user.is_cooperative_user or current_user.is_admin)
    form = TransformForm()
    closed = (
        db.session.execute(
            scoped(Lot, current_user)
            .where(Lot.status == LotStatus.CLOSED)
            .order_by(Lot.production_date.desc())
        )
        .scalars()
        .all()
    )
    # Only lots with something left to use: an emptied lot cannot be an input.
    left = [(lot, services.available(lot)) for lot in closed]
    lot_choices = [(0, "—")] + [
        (lot.id, f"{lot.code} · {lot.product.name} · {fmt(rest, lot.unit)}")
        for lot, rest in left
        if rest > 0
    ]
    for row in form.inputs:
        row.form.lot_id.choices = options(lot_choices)
    form.product_id.choices = options(_products())
    if request.method == "GET":
        form.production_date.data = local_today()
        form.unit.data = "KGM"
        if id_or_none(request.args.get("from")) is not None:
            form.inputs[0].form.lot_id.data = id_or_none(request.args.get("from"))
    if form.validate_on_submit():
        inputs = [
            {"lot_id": row.form.lot_id.data, "quantity": row.form.quantity.data}
            for row in form.inputs
            if row.form.lot_id.data
        ]
        try:
            made = transformations.transform(
                current_user,
                kind=form.kind.data,
                inputs=inputs,
                location=form.location.data,
                outputs=[
                    {
                        "product_id": form.product_id.data,
                        "quantity": form.quantity.data,
                        "unit": form.unit.data,
                        "production_date": form.production_date.data,
                        "code": form.code.data,
                        "best_before": form.best_before.data,
                    }
                ],
            )
            flash(_("Lot %(code)s made.", code=made[0].code), "success")
            return redirect(url_for("batches.detail", lot_id=made[0].id))
        except DomainError as exc:
            db.session.rollback()
            for key, messages in exc.errors.items():
                for message in messages:
                    flash(f"{key}: {message}", "error")
            if not exc.errors:
                flash(exc.message, "error")
    status = 422 if request.method == "POST" else 200
    return render_template("batches/transform.html", form=form), status


@bp.route("/lots/<int:lot_id>/recall", methods=["GET", "POST"])
@login_required
def recall(lot_id: int) -> Any:
    """Recall a lot and everything made from it."""
    lot = get_scoped(Lot, lot_id, current_user)
    require(current_user.can_manage_cooperative(lot.cooperative_id))
    form = RecallForm()
    affected = [lot] + [x for x, _ in genealogy.descendants(lot)]
    return form_page(
        form,
        lambda: recalls.recall_lot(
            current_user,
            lot,
            **form.values_of(("reason", "instructions", "decided_by")),
            texts=form.texts(),
        ),
        catch=(DomainError,),
        message=_("Recall recorded: %(n)d lots withdrawn.", n=len(affected)),
        next_url=lambda decision: url_for("batches.recall_report", recall_id=decision.id),
        template="batches/recall.html",
        lot=lot,
        affected=affected,
    )


@bp.route("/recalls/<int:recall_id>")
@login_required
def recall_report(recall_id: int) -> Any:
    """The recall report on screen."""
    decision = get_scoped(Recall, recall_id, current_user)
    return render_template(
        "batches/recall_report.html", report=recalls.report(decision), party_labels=ev.PARTY_LABELS
    )
