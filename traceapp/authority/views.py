"""Web pages of the authority console, for auditors (and administrators, read-only)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from traceapp import charts
from traceapp.audit import services as audit
from traceapp.authority import (
    dossiers,
    exports,
    figures,
    flags,
    inspections,
    label_flags,
    lots,
    services,
    stats,
)
from traceapp.authority.forms import (
    FLAG_LABELS,
    RESIDUE_LABELS,
    RESULT_LABELS,
    RUN_KIND_LABELS,
    DecisionForm,
    InspectionForm,
)
from traceapp.core.streaming import reading
from traceapp.database import local_today
from traceapp.errors import Conflict, ValidationFailed
from traceapp.public.clone import describe_flag
from traceapp.web import Page, form_failed, nav_item, page_arg
from traceapp.zones import geometry as geo
from traceapp.zones import services as zones
from traceapp.zones.forms import (
    ACTION_LABELS,
    KIND_LABELS,
    SCHEME_LABELS,
    STATUS_LABELS,
    decision_choices,
)
from traceapp.zones.maps import map_settings, map_words
from traceapp.zones.models import Zone, ZoneKind, ZoneStatus

bp = Blueprint("authority", __name__)


@bp.app_template_global()
def flags_refreshed_at() -> Any:
    """When the kept flags were computed (None: the console computes them per request)."""
    return figures.refreshed_at(figures.FLAGS)


nav_item("authority.index", _l("Authority"), lambda user: user.is_auditor or user.is_admin)

_LABELS = {
    "kinds": KIND_LABELS,
    "statuses": STATUS_LABELS,
    "schemes": SCHEME_LABELS,
    "flag_labels": FLAG_LABELS,
    "results": RESULT_LABELS,
    "residues": RESIDUE_LABELS,
    "actions": ACTION_LABELS,
    "run_kinds": RUN_KIND_LABELS,
}


# --- overview and the chain ---------------------------------------------------------------------


def _render_index(verify: Any = None) -> Any:
    scope = services.console_scope(current_user)
    found = flags.compute_flags(scope)
    seq, head = audit.head_hash()
    return render_template(
        "authority/index.html",
        overview=services.overview(scope),
        flag_counts=flags.counts_by_kind(found),
        head_seq=seq,
        head_hash=head,
        verify=verify,
        **_LABELS,
    )


@bp.route("/authority")
@login_required
def index() -> Any:
    """The console's overview: zones by status and kind, flags, and the audit chain head."""
    return _render_index()


@bp.route("/authority/verify", methods=["POST"])
@login_required
def verify() -> Any:
    """Walk the audit chain and report OK or the first broken record."""
    services.console_scope(current_user)
    return _render_index(verify=audit.verify_chain())


# --- one zone -----------------------------------------------------------------------------------


def _render_zone(
    zone: Zone, status: int = 200, decision_form: Any = None, inspection_form: Any = None
) -> Any:
    scope = services.scope_for(current_user)
    today = local_today()
    decide = [
        s
        for s in zones.allowed_transitions(current_user, zone, today)
        if (zone.status, s) in zones.DECISIONS
    ]
    decision_form = decision_form or DecisionForm()
    decision_form.to_status.choices = decision_choices(decide)
    if inspection_form is None:
        inspection_form = InspectionForm()
        if request.method == "GET":
            inspection_form.inspected_on.data = today
            inspection_form.inspector_name.data = current_user.full_name
    outline = Markup(  # noqa: S704 - the outline escapes its own text
        geo.svg_outline(
            zone.geometry,
            _("Outline of zone %(code)s", code=zone.code),
            empty_text=_("No location yet"),
        )
    )
    d = dossiers.dossier(scope, zone, today)
    return render_template(
        "authority/zone.html",
        zone=zone,
        d=d,
        today=today,
        outline=outline,
        map_settings=map_settings(url_for("zones.zone_map_context", zone_id=zone.id)),
        map_words=map_words(),
        last_day=dossiers.last_day,
        shown_reason=zones.shown_reason,
        effective=zones.effective_status(zone, today),
        decide=decide,
        decision_form=decision_form,
        inspection_form=inspection_form,
        can_inspect=current_user.can_audit(zone.province, zone.district, zone.cooperative.country),
        **_LABELS,
    ), status


@bp.route("/authority/zones/<int:zone_id>")
@login_required
def zone(zone_id: int) -> Any:
    """A zone for auditors: facts, outline, flags, seasons, lots, decisions, inspections."""
    return _render_zone(services.get_zone(current_user, zone_id))


@bp.route("/authority/zones/<int:zone_id>/decision", methods=["POST"])
@login_required
def decision(zone_id: int) -> Any:
    """Record a decision with its reason (auditors of the zone's province)."""
    target = services.get_zone(current_user, zone_id)
    form = DecisionForm()
    form.to_status.choices = decision_choices(zones.DECISION_TARGETS)
    if not form.validate_on_submit():
        return _render_zone(target, 422, decision_form=form)
    try:
        step = services.decide(
            current_user, target, form.to_status.data, form.reason.data, **form.decision_facts()
        )
    except (ValidationFailed, Conflict) as exc:
        form_failed(form, exc)
        return _render_zone(
            services.get_zone(current_user, zone_id), exc.status_code, decision_form=form
        )
    flash(
        _("The code is now %(status)s.", status=STATUS_LABELS[ZoneStatus(step.to_status)]),
        "success",
    )
    return redirect(url_for("authority.zone", zone_id=target.id))


@bp.route("/authority/zones/<int:zone_id>/inspections", methods=["POST"])
@login_required
def inspect(zone_id: int) -> Any:
    """Record an inspection; a failed one may suspend the code in the same step."""
    target = services.get_zone(current_user, zone_id)
    form = InspectionForm()
    if not form.validate_on_submit():
        return _render_zone(target, 422, inspection_form=form)
    values = {k: getattr(form, k).data for k in inspections.INSPECTION_FIELDS}
    try:
        inspections.record_inspection(
            current_user,
            target,
            suspend=form.suspend.data,
            suspension_reason=form.suspension_reason.data,
            **values,
        )
    except ValidationFailed as exc:
        form_failed(form, exc)
        return _render_zone(services.get_zone(current_user, zone_id), 422, inspection_form=form)
    flash(_("Inspection recorded."), "success")
    return redirect(url_for("authority.zone", zone_id=target.id))


@bp.route("/authority/zones/<int:zone_id>/dossier.pdf")
@login_required
def dossier(zone_id: int) -> Any:
    """The zone's dossier as a printable PDF."""
    target = services.get_zone(current_user, zone_id)
    scope = services.console_scope(current_user)
    body = dossiers.dossier_pdf(dossiers.dossier(scope, target), target.cooperative.name)
    return Response(
        body,
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="dossier-{target.code}.pdf"',
            **exports.head_headers(),
        },
    )


# --- flags and lots -----------------------------------------------------------------------------


def flag_rows() -> tuple[list[Any], str]:
    """The flags list's filter (the rule) and its rows: the page and its downloads both start
    here (flags are computed, not stored, so the rows come as a list)."""
    scope = services.console_scope(current_user)
    kind = request.args.get("kind") or ""
    kind = kind if kind in flags.FLAG_KINDS else ""
    return flags.compute_flags(scope, kinds=[kind] if kind else None), kind


@bp.route("/authority/flags")
@login_required
def flag_list() -> Any:
    """Every flag in scope, each linking to its evidence."""
    found, kind = flag_rows()
    per_page = 50
    number = min(page_arg(), max(1, -(-len(found) // per_page)))
    page = Page(found[(number - 1) * per_page : number * per_page], number, per_page, len(found))
    return render_template("authority/flags.html", page=page, kind=kind, **_LABELS)


@bp.route("/authority/lots/<int:lot_id>")
@login_required
def lot(lot_id: int) -> Any:
    """A lot in scope: where it came from, its label runs and flagged labels, its recall."""
    review = lots.lot_review(current_user, lot_id)
    return render_template(
        "authority/lot.html",
        lot=review.lot,
        holder=review.holder,
        contributions=review.contributions,
        zones_in_scope=review.zones_in_scope,
        lineage=review.lineage,
        visible_lots=review.visible_lots,
        runs=review.runs,
        flagged=review.flagged,
        describe_flag=describe_flag,
        flags=review.flags,
        **_LABELS,
    )


@bp.route("/authority/unknown-scans")
@login_required
def unknown_scans() -> Any:
    """Serials scanned that were never issued (counterfeit suspicion)."""
    scope = services.console_scope(current_user)

    def serial(name: str) -> str | None:
        # A serial is at most 20 characters: anything else names no row (the first page).
        value = request.args.get(name)
        return value if value and len(value) <= 20 else None

    found = label_flags.unknown_scans(
        scope,
        page_arg(),
        after=serial("after"),
        before=serial("before"),
        last=request.args.get("last") == "1",
    )
    return render_template("authority/unknown_scans.html", page=found)


# --- statistics ---------------------------------------------------------------------------------


def _months() -> int:
    try:
        return max(1, min(stats.MAX_MONTHS, int(request.args.get("months", "12"))))
    except ValueError:
        return 12


@bp.route("/authority/stats")
@login_required
def statistics() -> Any:
    """The region's figures as tables and SVG charts."""
    scope = services.console_scope(current_user)
    months = _months()
    figures = stats.compute(scope, months)
    return render_template(
        "authority/stats.html",
        s=figures,
        months=months,
        chart=stats.charts_for(figures),
        women_share=charts.percent(figures.women_share / 100, 1),
        month_name=charts.month_name,
        kind_enum=ZoneKind,
        status_enum=ZoneStatus,
        **_LABELS,
    )


@bp.route("/authority/stats.csv")
@login_required
def statistics_csv() -> Any:
    """The same figures as CSV."""
    scope = services.console_scope(current_user)
    # Written as it is sent: the first line leaves before anything is counted.
    return Response(
        reading(stats.streamed_csv(stats.region(scope, _months()))),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="stats-{local_today().isoformat()}.csv"'
        },
    )
