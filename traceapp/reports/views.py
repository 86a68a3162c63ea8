"""Report a problem: the shopper's short form (no JavaScript), the cooperative's list.

Why a page of its own rather than a form inside the label page: the label page is rendered
once per lot and language and shared by every scan (and by caches), so it cannot carry a
per-visitor CSRF token, and a session cookie on it would make it uncacheable. The label,
voided and unregistered pages carry a plain link, ``/report?about=<the code's URL>``, which
their cached copy fills in like the rest of the anchor; this small page is never cached,
sets the session that holds its CSRF token, and is the only one that writes.

A flood stores nothing: the POST is limited per address and in all (Flask-Limiter, in the
shared store: over the limit, a 429 before the view runs), and a label that already holds
``MAX_OPEN_PER_TARGET`` open reports thanks the sender and drops the report.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from traceapp.auth.permissions import get_scoped
from traceapp.errors import DomainError
from traceapp.extensions import db, limiter
from traceapp.public.respond import finish, lang, page
from traceapp.reports import services
from traceapp.reports.forms import HandledForm, ReportForm
from traceapp.reports.models import LABEL_STATE_LABELS, PROBLEM_KIND_LABELS, ProblemReport
from traceapp.web import apply_errors, keyset_page, nav_item

bp = Blueprint("reports", __name__)
nav_item("reports.index", _l("Problem reports"), lambda user: user.is_cooperative_user)

#: Reports one address may send, and all addresses together (a distributed flood).
ADDRESS_LIMIT = "5 per hour"
GLOBAL_LIMIT = "300 per hour"


def _address_limit() -> str:
    return str(current_app.config.get("TRACEAPP_REPORT_RATE_LIMIT") or ADDRESS_LIMIT)


def _global_limit() -> str:
    return str(current_app.config.get("TRACEAPP_REPORT_GLOBAL_LIMIT") or GLOBAL_LIMIT)


def _everyone() -> str:
    return "problem-reports"


def _report_page(form: ReportForm, target: Any, status: int = 200) -> Any:
    response = page("public/report.html", status, form=form, target=target)
    return finish(response, cache="no-store")


@bp.route("/report", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
@limiter.limit(_global_limit, methods=["POST"], key_func=_everyone)
def report() -> Any:
    """The form for the code in ``about``; its answer, sent to the cooperative concerned."""
    form = ReportForm()
    about = request.values.get("about") or form.about.data
    target = services.target_of(about, lang())
    if target is None:
        response = page("public/report_unknown.html", 404)
        return finish(response, cache="no-store")
    form.about.data = about
    if request.method == "GET" or not form.validate_on_submit():
        return _report_page(form, target, 200 if request.method == "GET" else 422)
    try:
        photo = form.photo.data if getattr(form.photo.data, "filename", "") else None
        services.file_report(
            target,
            kind=form.kind.data,
            text=form.text.data,
            contact=form.contact.data,
            photo=photo,
            lang=lang(),
        )
    except DomainError as exc:
        db.session.rollback()
        loose = apply_errors(form, getattr(exc, "errors", {}) or {})
        if loose:
            form.text.errors = [*form.text.errors, *loose]
        return _report_page(form, target, 422)
    return finish(page("public/report_sent.html", target=target), cache="no-store")


@bp.route("/problem-reports")
@login_required
def index() -> Any:
    """The reports shoppers sent to the user's cooperative: open ones, or handled ones."""
    from flask import render_template

    handled = request.args.get("handled") == "1"
    found = keyset_page(
        services.reports_query(current_user, handled=handled), services.REPORT_LIST_ORDER, 30
    )
    return render_template(
        "reports/index.html",
        page=found,
        handled=handled,
        kinds=PROBLEM_KIND_LABELS,
        states=LABEL_STATE_LABELS,
        form=HandledForm(),
    )


@bp.route("/problem-reports/<int:report_id>/handled", methods=["POST"])
@login_required
def handled(report_id: int) -> Any:
    """Mark a report handled: it leaves the open list and the authority's flags."""
    found = get_scoped(ProblemReport, report_id, current_user)
    form = HandledForm()
    if form.validate_on_submit():
        services.mark_handled(current_user, found, form.note.data)
        flash(_("The report was marked handled."), "success")
    return redirect(url_for("reports.index"))


@bp.route("/problem-reports/<int:report_id>/photo")
@login_required
def photo(report_id: int) -> Any:
    """A report's photo, to the cooperative it was sent to only (never cached publicly)."""
    from flask import Response, abort

    from traceapp.media.models import StoredImage

    found = get_scoped(ProblemReport, report_id, current_user)
    image = db.session.get(StoredImage, found.photo_id) if found.photo_id else None
    if image is None:
        abort(404)
    response = Response(image.data, mimetype=image.content_type)
    response.headers["Cache-Control"] = "private, no-store"
    return response
