"""Web pages for zone codes: list, detail with outline and flags, forms, decisions, export."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
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
from markupsafe import Markup

from traceapp import tunables
from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.cooperatives.models import Member
from traceapp.core.streaming import reading
from traceapp.database import local_today
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.web import (
    apply_errors,
    form_failed,
    keyset_page,
    nav_item,
    options,
)
from traceapp.zones import geometry as geo
from traceapp.zones import services
from traceapp.zones.forms import (
    ACTION_LABELS,
    KIND_LABELS,
    MARKET_LABELS,
    SCHEME_LABELS,
    STATUS_LABELS,
    CertificationForm,
    LockedZoneForm,
    TransitionForm,
    ZoneForm,
    decision_choices,
)
from traceapp.zones.maps import map_settings, map_words, picker_words
from traceapp.zones.models import Zone, ZoneKind, ZoneStatus

bp = Blueprint("zones", __name__)
# Programme officers work on training, not on zones (traceapp.programmes).
nav_item("zones.index", _l("Zone codes"), lambda user: user.role != "programme_officer")

_FORM_FIELDS = tuple(f for f in services.ZONE_FIELDS if f != "geometry")
#: The role stored with each status change, in words (the same words as the user roles).
ACTOR_ROLE_LABELS = {
    "admin": _l("Platform administrator"),
    "manager": _l("Cooperative manager"),
    "staff": _l("Cooperative staff"),
    "auditor": _l("Authority auditor"),
    # TRANSLATORS: who recorded a change that nobody made by hand (the nightly expiry).
    "system": _l("scheduled job"),
}
_LABELS = {
    "kinds": KIND_LABELS,
    "statuses": STATUS_LABELS,
    "markets": MARKET_LABELS,
    "schemes": SCHEME_LABELS,
    "actions": ACTION_LABELS,
    "roles": ACTOR_ROLE_LABELS,
}


def _filters() -> dict[str, str]:
    """The list filters from the query string; values that name nothing are dropped."""
    kind = request.args.get("kind", "")
    status = request.args.get("status", "")
    return {
        "q": (request.args.get("q") or "").strip(),
        "kind": kind if kind in {k.value for k in ZoneKind} else "",
        "status": status if status in {s.value for s in ZoneStatus} else "",
    }


def zone_list() -> tuple[sa.Select[Any], dict[str, str]]:
    """The zones list's filters (from the query string) and its query, unordered: the page
    and its downloads both start here."""
    args = _filters()
    stmt = services.filter_zones(
        scoped(Zone, current_user),
        kind=args["kind"] or None,
        status=args["status"] or None,
        q=args["q"],
    )
    return stmt, args


@bp.route("/zones")
@login_required
def index() -> Any:
    """Zone codes the user may see, with search, filters and pagination."""
    stmt, args = zone_list()
    page = keyset_page(stmt, services.ZONE_LIST_ORDER)
    today = local_today()
    return render_template(
        "zones/index.html",
        page=page,
        args=args,
        today=today,
        export_args={k: v for k, v in args.items() if v},
        status_of={z.id: services.effective_status(z, today) for z in page.items},
        can_create=current_user.is_cooperative_user,
        **_LABELS,
    )


@bp.route("/zones/export.geojson")
@login_required
def export() -> Any:
    """The listed zones (same filters) as a GeoJSON file."""
    stmt, _args = zone_list()
    return Response(
        reading(services.feature_collection_chunks(stmt)),
        content_type="application/geo+json; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="zones-{local_today().isoformat()}'
            '.geojson"'
        },
    )


def _member_choices(form: Any, cooperative_id: int, zone: Zone | None) -> None:
    linked = {m.id for m in zone.members} if zone is not None else set()
    members = db.session.execute(
        sa.select(Member)
        .where(
            Member.cooperative_id == cooperative_id,
            sa.or_(Member.left_on.is_(None), Member.id.in_(linked)),
        )
        .order_by(Member.member_number)
    ).scalars()
    form.member_ids.choices = options(
        [(str(m.id), f"{m.member_number} · {m.full_name}") for m in members]
    )


def _geometry_input(form: ZoneForm) -> tuple[Any, bool]:
    """The geometry sent: a parsed upload if there is one, else the pasted text."""
    upload = form.geometry_file.data
    if upload is not None and getattr(upload, "filename", None):
        content = upload.stream.read(geo.max_file_bytes() + 1)
        return services.read_geometry_upload(upload.filename, content), True
    return form.geometry.data or None, False


def _save_failed(form: Any, exc: ValidationFailed, from_file: bool) -> None:
    if from_file and "geometry" in exc.errors:
        exc.errors["geometry_file"] = exc.errors.pop("geometry")
    form_failed(form, exc)


def _render_form(form: Any, zone: Zone | None, locked: bool, status: int) -> Any:
    """The zone form, with its map (the geometry field's editor) unless the code is locked."""
    context = (
        url_for("zones.zone_map_context", zone_id=zone.id)
        if zone is not None
        else url_for("zones.map_context")
    )
    return render_template(
        "zones/form.html",
        form=form,
        zone=zone,
        locked=locked,
        map_settings=map_settings(context),
        map_words=map_words(),
        picker_words=picker_words(),
    ), status


@bp.route("/zones/new", methods=["GET", "POST"])
@login_required
def create() -> Any:
    """Register a zone code (cooperative managers and staff)."""
    require(
        current_user.is_cooperative_user,
        _("Zone codes are registered by the cooperative's managers and staff."),
    )
    form = ZoneForm()
    _member_choices(form, current_user.cooperative_id, None)
    if request.method == "GET":
        form.province.data = current_user.cooperative.province
        form.district.data = current_user.cooperative.district
    if form.validate_on_submit():
        from_file = False
        try:
            geometry, from_file = _geometry_input(form)
            values = {k: getattr(form, k).data for k in _FORM_FIELDS}
            zone = services.create_zone(
                current_user, current_user.cooperative_id, geometry=geometry, **values
            )
            flash(_("Zone code %(code)s saved as a draft.", code=zone.code), "success")
            return redirect(url_for("zones.detail", zone_id=zone.id))
        except ValidationFailed as exc:
            _save_failed(form, exc, from_file)
    status = 422 if request.method == "POST" else 200
    return _render_form(form, None, False, status)


def _authority_context(zone: Zone) -> dict[str, Any]:
    """The console link for the zone's auditors, and the inspections of the zone for the
    cooperative that holds it, when the authority package is installed."""
    if "authority.zone" not in current_app.view_functions:
        return {"inspections": None, "console": None}
    from traceapp.authority.forms import RESIDUE_LABELS, RESULT_LABELS
    from traceapp.authority.inspections import inspections_of

    console = None
    if current_user.can_audit(zone.province, zone.district, zone.cooperative.country):
        console = url_for("authority.zone", zone_id=zone.id)
    return {
        "inspections": inspections_of(zone),
        "console": console,
        "results": RESULT_LABELS,
        "residues": RESIDUE_LABELS,
    }


def _render_detail(
    zone: Zone, status: int = 200, transition_form: Any = None, certification_form: Any = None
) -> Any:
    today = local_today()
    overlaps = services.overlaps_of(zone)
    visible = (
        set(
            db.session.execute(
                sa.select(Zone.id).where(
                    Zone.visible_to(current_user), Zone.id.in_([o.zone_id for o in overlaps])
                )
            ).scalars()
        )
        if overlaps
        else set()
    )
    allowed = services.allowed_transitions(current_user, zone, today)
    decide = [s for s in allowed if (zone.status, s) in services.DECISIONS]
    steps = [s for s in allowed if (zone.status, s) in services.COOPERATIVE_STEPS]
    if transition_form is None:
        transition_form = TransitionForm()
    if decide:
        transition_form.to_status.choices = decision_choices(decide)
    can_write = (
        current_user.can_write_cooperative(zone.cooperative_id) and not current_user.is_auditor
    )
    label = _("Outline of zone %(code)s", code=zone.code)
    outline = Markup(  # noqa: S704 - escaped inside
        geo.svg_outline(
            zone.geometry,
            label,
            empty_text=_("No location yet"),
        )
    )
    return render_template(
        "zones/detail.html",
        zone=zone,
        today=today,
        **_authority_context(zone),
        effective=services.effective_status(zone, today),
        area=services.area_check(zone),
        tolerance=tunables.get("area_tolerance"),
        overlaps=overlaps,
        visible_overlaps=visible,
        transitions=services.zone_transitions(zone),
        outline=outline,
        decide=decide,
        steps=steps,
        transition_form=transition_form,
        certification_form=certification_form or CertificationForm(),
        can_write=can_write,
        locked=services.is_locked(zone),
        shown_reason=services.shown_reason,
        map_settings=map_settings(
            url_for("zones.zone_map_context", zone_id=zone.id), zone_id=zone.id
        ),
        map_words=map_words(),
        **_LABELS,
    ), status


@bp.route("/zones/<int:zone_id>")
@login_required
def detail(zone_id: int) -> Any:
    """A zone's page: facts, outline, area check, overlaps, certificates, households, history."""
    zone = get_scoped(Zone, zone_id, current_user)
    return _render_detail(zone)


@bp.route("/zones/<int:zone_id>/edit", methods=["GET", "POST"])
@login_required
def edit(zone_id: int) -> Any:
    """Edit a draft or rejected code; after submission, households and notes only."""
    zone = get_scoped(Zone, zone_id, current_user)
    require(
        current_user.can_write_cooperative(zone.cooperative_id) and not current_user.is_auditor,
        _("Only the cooperative's managers and staff change its zone codes."),
    )
    locked = services.is_locked(zone)
    form: Any = LockedZoneForm(obj=zone) if locked else ZoneForm(obj=zone)
    _member_choices(form, zone.cooperative_id, zone)
    if request.method == "GET":
        form.member_ids.data = [m.id for m in zone.members]
        if not locked:
            form.geometry.data = json.dumps(zone.geometry) if zone.geometry else ""
    if form.validate_on_submit():
        from_file = False
        try:
            if locked:
                services.update_zone(
                    current_user, zone, member_ids=form.member_ids.data or [], notes=form.notes.data
                )
            else:
                geometry, from_file = _geometry_input(form)
                values = {k: getattr(form, k).data for k in _FORM_FIELDS}
                services.update_zone(current_user, zone, geometry=geometry, **values)
            flash(_("Saved."), "success")
            return redirect(url_for("zones.detail", zone_id=zone.id))
        except ValidationFailed as exc:
            _save_failed(form, exc, from_file)
    status = 422 if request.method == "POST" else 200
    return _render_form(form, zone, locked, status)


@bp.route("/zones/<int:zone_id>/transition", methods=["POST"])
@login_required
def transition(zone_id: int) -> Any:
    """Submit, return to draft, or decide (auditors of the province), with a reason."""
    zone = get_scoped(Zone, zone_id, current_user)
    form = TransitionForm()
    if not form.validate_on_submit():
        return _render_detail(zone, 422, transition_form=form)
    try:
        step = services.transition(
            current_user, zone, form.to_status.data, form.reason.data, **form.decision_facts()
        )
    except ValidationFailed as exc:
        db.session.rollback()
        zone = get_scoped(Zone, zone_id, current_user)
        loose = apply_errors(form, exc.errors) if exc.errors else [exc.message]
        for message in loose:
            flash(message, "error")
        return _render_detail(zone, 422, transition_form=form)
    flash(
        _("The code is now %(status)s.", status=STATUS_LABELS[ZoneStatus(step.to_status)]),
        "success",
    )
    return redirect(url_for("zones.detail", zone_id=zone.id))


@bp.route("/zones/<int:zone_id>/certifications", methods=["POST"])
@login_required
def add_certification(zone_id: int) -> Any:
    """Record a certificate for the zone."""
    zone = get_scoped(Zone, zone_id, current_user)
    require(
        current_user.can_write_cooperative(zone.cooperative_id) and not current_user.is_auditor,
        _("Only the cooperative's managers and staff record certifications."),
    )
    form = CertificationForm()
    if form.validate_on_submit():
        try:
            services.add_certification(
                current_user,
                zone,
                **{k: getattr(form, k).data for k in services.CERTIFICATION_FIELDS},
            )
            flash(_("Certificate recorded."), "success")
            return redirect(url_for("zones.detail", zone_id=zone.id))
        except ValidationFailed as exc:
            form_failed(form, exc)
            zone = get_scoped(Zone, zone_id, current_user)
    return _render_detail(zone, 422, certification_form=form)
