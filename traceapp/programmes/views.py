"""Web pages for support programmes: organisations, programmes, activities with their sign-in
sheets and imports, duplicates to merge, and reach statistics with charts and downloads."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.brands.models import CollectiveMark
from traceapp.charts import bar_chart, hbar_chart
from traceapp.cooperatives.models import Cooperative
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.programmes import (
    activities,
    attendance,
    iati,
    imports,
    outcomes,
    plans,
    services,
    stats,
)
from traceapp.programmes.forms import (
    GENDER_CHOICES,
    ActivityForm,
    ExtensionForm,
    FoundingForm,
    ImportConfirmForm,
    ImportForm,
    MarkTrainingForm,
    MergeForm,
    OfficerForm,
    OrganisationForm,
    PartnerForm,
    ProgrammeForm,
    SheetForm,
    TargetForm,
)
from traceapp.programmes.models import (
    ACTIVITY_KIND_LABELS,
    AGE_BAND_LABELS,
    ORGANISATION_KIND_LABELS,
    PARTICIPANT_ROLE_LABELS,
    PARTNER_ROLE_LABELS,
    Activity,
    CooperativeFounding,
    Participant,
    Programme,
    SupportOrganisation,
    TrainingModule,
    is_officer,
)
from traceapp.web import apply_errors, form_failed, nav_item, options

bp = Blueprint("programmes", __name__)


def _sees_programmes(user: Any) -> bool:
    return bool(user.is_admin or user.is_auditor or is_officer(user))


nav_item("programmes.index", _l("Programmes"), _sees_programmes)


@bp.app_template_global()
def programme_support(cooperative_id: int) -> list[dict[str, Any]]:
    """The support a cooperative received, for its page (cooperatives/detail.html)."""
    return stats.support_received(cooperative_id)


@bp.app_template_global()
def programme_founding(cooperative_id: int) -> CooperativeFounding | None:
    """The programme a cooperative was founded with, for its page."""
    return db.session.scalar(
        sa.select(CooperativeFounding).where(CooperativeFounding.cooperative_id == cooperative_id)
    )


@bp.app_template_global()
def mark_training(mark_id: int) -> dict[str, Any]:
    """The training a mark requires and the form to change it, for the mark's page."""
    required = outcomes.required_modules(mark_id)
    form = MarkTrainingForm(formdata=None)
    form.module_ids.choices = options(
        [(m.id, m.name) for m in db.session.scalars(scoped(TrainingModule, current_user))]
    )
    form.module_ids.data = [m.id for m in required]
    return {"required": required, "form": form}


@bp.app_template_global()
def missing_training(member_id: int, mark_id: int) -> list[TrainingModule]:
    """The required modules a member has not completed, for a grant's page."""
    return outcomes.missing_training(member_id, mark_id)


@bp.app_template_global()
def member_trainings(member_id: int) -> list[Activity]:
    """The trainings a member attended, for the member's page."""
    return stats.trainings_of_member(member_id)


def _labels() -> dict[str, Any]:
    return {
        "kinds": ACTIVITY_KIND_LABELS,
        "org_kinds": ORGANISATION_KIND_LABELS,
        "partner_roles": PARTNER_ROLE_LABELS,
        "participant_roles": PARTICIPANT_ROLE_LABELS,
        "age_bands": AGE_BAND_LABELS,
        "topics": services.topics(),
        "genders": dict(GENDER_CHOICES),
        "locale": str(get_locale() or "vi"),
    }


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()]


# --- organisations --------------------------------------------------------------------------


@bp.route("/programmes/organisations", methods=["GET", "POST"])
@login_required
def organisations() -> Any:
    """Support organisations; administrators register them."""
    require(_sees_programmes(current_user))
    form = OrganisationForm()
    status = 200
    if request.method == "POST":
        require(current_user.is_admin)
        if form.validate_on_submit():
            try:
                org = services.create_organisation(current_user, **_data(form))
                flash(_("Organisation registered."), "success")
                return redirect(url_for("programmes.organisation", organisation_id=org.id))
            except ValidationFailed as exc:
                form_failed(form, exc)
        status = 422
    orgs = db.session.scalars(
        scoped(SupportOrganisation, current_user).order_by(SupportOrganisation.name)
    )
    return render_template(
        "programmes/organisations.html", orgs=list(orgs), form=form, **_labels()
    ), status


def _data(form: Any) -> dict[str, Any]:
    return {f.name: f.data for f in form if f.name != "csrf_token"}


@bp.route("/programmes/organisations/<int:organisation_id>", methods=["GET", "POST"])
@login_required
def organisation(organisation_id: int) -> Any:
    """An organisation, its programmes and its officers; administrators add officers."""
    org = get_scoped(SupportOrganisation, organisation_id, current_user)
    form = OfficerForm()
    status = 200
    if request.method == "POST":
        require(current_user.is_admin)
        if form.validate_on_submit():
            try:
                user = services.create_officer(current_user, org, **_data(form))
                flash(_("Account %(email)s created.", email=user.email), "success")
                return redirect(url_for("programmes.organisation", organisation_id=org.id))
            except ValidationFailed as exc:
                form_failed(form, exc)
        status = 422
    programmes = db.session.scalars(
        scoped(Programme, current_user)
        .where(Programme.organisation_id == org.id)
        .order_by(Programme.code)
    )
    return render_template(
        "programmes/organisation.html",
        org=org,
        programmes=list(programmes),
        officers=services.officers_of(org) if current_user.is_admin else [],
        form=form,
        **_labels(),
    ), status


# --- programmes -----------------------------------------------------------------------------


@bp.route("/programmes")
@login_required
def index() -> Any:
    """The programmes the user may see."""
    require(_sees_programmes(current_user))
    programmes = db.session.scalars(scoped(Programme, current_user).order_by(Programme.code))
    return render_template("programmes/index.html", programmes=list(programmes), **_labels())


@bp.route("/programmes/new", methods=["GET", "POST"])
@login_required
def create() -> Any:
    """Start a programme (an administrator, or an officer for their organisation)."""
    require(current_user.is_admin or is_officer(current_user))
    form = ProgrammeForm()
    if current_user.is_admin:
        orgs = db.session.scalars(sa.select(SupportOrganisation).order_by(SupportOrganisation.name))
        form.organisation_id.choices = options([(o.id, o.name) for o in orgs])
    else:
        del form.organisation_id
    if form.validate_on_submit():
        org_id = (
            form.organisation_id.data if current_user.is_admin else current_user.organisation_id
        )
        try:
            programme = services.create_programme(
                current_user,
                org_id,
                code=form.code.data,
                names={"vi": form.name_vi.data, "en": form.name_en.data},
                objectives=form.objectives.data,
                whole_country=form.whole_country.data,
                provinces=_split(form.provinces.data),
                sectors=_split(form.sectors.data),
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
            flash(_("Programme saved."), "success")
            return redirect(url_for("programmes.detail", programme_id=programme.id))
        except ValidationFailed as exc:
            form_failed(form, exc)
            for message in exc.errors.get("names", []):
                form.name_vi.errors = [*form.name_vi.errors, message]
    status = 422 if request.method == "POST" else 200
    return render_template("programmes/form.html", form=form), status


@bp.route("/programmes/<int:programme_id>")
@login_required
def detail(programme_id: int) -> Any:
    """A programme: periods, partners, targets against actuals, activities."""
    programme = get_scoped(Programme, programme_id, current_user)
    return _detail(programme)


def _detail(programme: Programme, **forms: Any) -> Any:
    stmt = (
        scoped(Activity, current_user)
        .where(Activity.programme_id == programme.id)
        .order_by(Activity.starts_on.desc(), Activity.id.desc())
    )
    partner = forms.get("partner_form") or PartnerForm(formdata=None)
    partner.organisation_id.choices = options(
        [(o.id, o.name) for o in db.session.scalars(scoped(SupportOrganisation, current_user))]
    )
    status = 422 if forms else 200
    return render_template(
        "programmes/detail.html",
        programme=programme,
        activities=list(db.session.scalars(stmt)),
        targets=stats.targets_vs_actuals(current_user, programme),
        duplicates=len(attendance.likely_duplicates(programme.organisation_id))
        if programme.can_record(current_user)
        else 0,
        extension_form=forms.get("extension_form") or ExtensionForm(formdata=None),
        target_form=forms.get("target_form") or TargetForm(formdata=None),
        partner_form=partner,
        founding_form=_founding_form(forms.get("founding_form")),
        **_labels(),
    ), status


@bp.route("/programmes/<int:programme_id>/extend", methods=["POST"])
@login_required
def extend(programme_id: int) -> Any:
    """Extend the programme by a new period."""
    programme = get_scoped(Programme, programme_id, current_user)
    form = ExtensionForm()
    if form.validate_on_submit():
        try:
            services.extend_programme(current_user, programme, **_data(form))
            flash(_("Programme extended."), "success")
            return redirect(url_for("programmes.detail", programme_id=programme.id))
        except ValidationFailed as exc:
            form_failed(form, exc)
    return _detail(programme, extension_form=form)


@bp.route("/programmes/<int:programme_id>/targets", methods=["POST"])
@login_required
def target(programme_id: int) -> Any:
    """Set an indicator's target for a year."""
    programme = get_scoped(Programme, programme_id, current_user)
    form = TargetForm()
    if form.validate_on_submit():
        try:
            plans.set_target(current_user, programme, **_data(form))
            flash(_("Target saved."), "success")
            return redirect(url_for("programmes.detail", programme_id=programme.id))
        except ValidationFailed as exc:
            form_failed(form, exc)
    return _detail(programme, target_form=form)


@bp.route("/programmes/<int:programme_id>/partners", methods=["POST"])
@login_required
def partner(programme_id: int) -> Any:
    """Name a partner organisation."""
    programme = get_scoped(Programme, programme_id, current_user)
    form = PartnerForm()
    form.organisation_id.choices = []
    if form.validate_on_submit():
        try:
            services.add_partner(current_user, programme, form.organisation_id.data, form.role.data)
            flash(_("Partner added."), "success")
            return redirect(url_for("programmes.detail", programme_id=programme.id))
        except ValidationFailed as exc:
            form_failed(form, exc)
    return _detail(programme, partner_form=form)


def _founding_form(form: FoundingForm | None) -> FoundingForm:
    form = form or FoundingForm(formdata=None)
    coops = db.session.execute(
        sa.select(Cooperative.id, Cooperative.name).order_by(Cooperative.name)
    )
    form.cooperative_id.choices = options([(c.id, c.name) for c in coops])
    return form


@bp.route("/programmes/<int:programme_id>/foundings", methods=["POST"])
@login_required
def founding(programme_id: int) -> Any:
    """Record a cooperative founded with the programme's support."""
    programme = get_scoped(Programme, programme_id, current_user)
    form = FoundingForm()
    form.cooperative_id.choices = []
    if form.validate_on_submit():
        try:
            outcomes.record_founding(current_user, programme, **_data(form))
            flash(_("Founding recorded."), "success")
            return redirect(url_for("programmes.detail", programme_id=programme.id))
        except ValidationFailed as exc:
            form_failed(form, exc)
    return _detail(programme, founding_form=form)


@bp.route("/brands/<int:mark_id>/training", methods=["POST"])
@login_required
def mark_training_set(mark_id: int) -> Any:
    """Change the training a mark's rules of use require (the cooperative's manager)."""
    mark = get_scoped(CollectiveMark, mark_id, current_user)
    form = MarkTrainingForm()
    form.module_ids.choices = []
    if form.validate_on_submit():
        try:
            outcomes.set_required_modules(current_user, mark, form.module_ids.data or [])
            flash(_("Rules of use saved."), "success")
        except ValidationFailed as exc:
            db.session.rollback()
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "error")
            return redirect(url_for("brands.detail", mark_id=mark.id)), 302
    return redirect(url_for("brands.detail", mark_id=mark.id))


@bp.route("/programmes/<int:programme_id>/iati.xml")
@login_required
def iati_file(programme_id: int) -> Any:
    """Download the programme as an IATI 2.03 activity file."""
    programme = get_scoped(Programme, programme_id, current_user)
    return Response(
        iati.export(current_user, programme),
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="iati-{programme.code}.xml"'},
    )


# --- reach ----------------------------------------------------------------------------------


@bp.route("/programmes/<int:programme_id>/reach")
@login_required
def programme_reach(programme_id: int) -> Any:
    """A programme's reach figures, charts and downloads."""
    programme = get_scoped(Programme, programme_id, current_user)
    return _reach(programme.name_in(str(get_locale())), programme=programme)


@bp.route("/programmes/reach")
@login_required
def reach() -> Any:
    """Reach of every programme the user sees: the platform (administrators), an auditor's
    province, an officer's organisation."""
    require(_sees_programmes(current_user))
    org = None
    wanted = request.args.get("organisation") or ""
    if wanted.isdigit() and not is_officer(current_user):
        org = get_scoped(SupportOrganisation, wanted, current_user)
    if org is not None:
        title = org.name
    elif current_user.is_auditor:
        title = _("Programmes in %(province)s", province=current_user.province)
    elif is_officer(current_user):
        title = _("Programmes of my organisation")
    else:
        title = _("All programmes")
    return _reach(title, programme=None, organisation=org)


def _year() -> int | None:
    raw = request.args.get("year") or ""
    return int(raw) if raw.isdigit() and 1990 <= int(raw) <= 2100 else None


def _reach(
    title: str, programme: Programme | None, organisation: SupportOrganisation | None = None
) -> Any:
    year = _year()
    if is_officer(current_user):
        org_id = current_user.organisation_id
    else:
        org_id = organisation.id if organisation else None
    scope = stats.Scope.for_year(
        year,
        programme_id=programme.id if programme else None,
        organisation_id=org_id,
        province=request.args.get("province") or None,
    )
    figures = stats.reach(current_user, scope)
    targets = stats.targets_vs_actuals(current_user, programme) if programme else []
    rows = stats.table(figures, [t for t in targets if year in (None, t["year"])])
    fmt = request.args.get("format")
    name = f"reach-{programme.code if programme else 'all'}{'-' + str(year) if year else ''}"
    if fmt == "csv":
        return Response(
            stats.as_csv(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt == "xlsx":
        return Response(
            stats.as_xlsx(rows, name),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    years = stats.per_year(current_user, scope if year is None else stats.Scope(
        programme_id=scope.programme_id, organisation_id=scope.organisation_id,
        province=scope.province,
    ))  # fmt: skip
    charts = {
        "kinds": hbar_chart(stats.by_activity_kind_points(figures), _("Activities by kind")),
        "ages": hbar_chart(stats.age_points(figures), _("People reached by age band")),
        "years": bar_chart(
            [(str(y), r.people) for y, r in years.items()], _("People reached per year")
        ),
    }
    return render_template(
        "programmes/reach.html",
        title=title,
        programme=programme,
        figures=figures,
        rows=rows,
        targets=targets,
        year=year,
        years=sorted(years, reverse=True),
        charts=charts,
        **_labels(),
    )


# --- activities and sign-in sheets ----------------------------------------------------------


def _activity_form(programme: Programme, activity: Activity | None = None) -> ActivityForm:
    form = ActivityForm(obj=activity)
    form.topic.choices = options([("", "—")] + list(services.topics().items()))
    form.module_id.choices = options(
        [(0, "—")]
        + [
            (m.id, f"{m.name} ({m.hours} h)" if m.hours else m.name)
            for m in plans.modules_for(programme)
        ]
    )
    coops = db.session.execute(
        sa.select(Cooperative.id, Cooperative.name).order_by(Cooperative.name)
    )
    form.cooperative_ids.choices = options([(c.id, c.name) for c in coops])
    if request.method == "GET" and activity is None and len(programme.provinces) == 1:
        form.province.data = programme.provinces[0].province
    return form


@bp.route("/programmes/<int:programme_id>/activities/new", methods=["GET", "POST"])
@login_required
def activity_create(programme_id: int) -> Any:
    """Record an activity of the programme."""
    programme = get_scoped(Programme, programme_id, current_user)
    require(programme.can_record(current_user))
    form = _activity_form(programme)
    if form.validate_on_submit():
        try:
            data = _data(form)
            data["module_id"] = data["module_id"] or None
            activity = activities.create_activity(current_user, programme, **data)
            flash(_("Activity recorded: now the sign-in sheet."), "success")
            return redirect(url_for("programmes.activity", activity_id=activity.id))
        except ValidationFailed as exc:
            form_failed(form, exc)
    status = 422 if request.method == "POST" else 200
    return render_template("programmes/activity_form.html", form=form, programme=programme), status


@bp.route("/activities/<int:activity_id>")
@login_required
def activity(activity_id: int) -> Any:
    """An activity and its sign-in sheet."""
    item = get_scoped(Activity, activity_id, current_user)
    return _activity_page(item, SheetForm(formdata=None))


def _activity_page(item: Activity, sheet: SheetForm, status: int = 200) -> Any:
    present = {a.participant.member_id for a in attendance.attendances_of(item)}
    members = [m for m in activities.member_choices(item) if m["id"] not in present]
    sheet.member_ids.choices = options([(m["id"], m["full_name"]) for m in members])
    return render_template(
        "programmes/activity.html",
        activity=item,
        attendances=attendance.attendances_of(item),
        members=members,
        sheet=sheet,
        import_form=ImportForm(formdata=None),
        may_record=item.programme.can_record(current_user),
        **_labels(),
    ), status


@bp.route("/activities/<int:activity_id>/sheet", methods=["POST"])
@login_required
def sheet(activity_id: int) -> Any:
    """Add the people of a sign-in sheet: ticked members and written-in names."""
    item = get_scoped(Activity, activity_id, current_user)
    form = SheetForm()
    form.member_ids.choices = []
    if form.validate_on_submit():
        rows: list[dict[str, Any]] = [{"member_id": i} for i in form.member_ids.data]
        rows += [r for r in form.rows.data if (r.get("full_name") or "").strip()]
        try:
            added = attendance.record_attendance(current_user, item, rows)
            flash(_("%(n)d people added to the sheet.", n=len(added)), "success")
            return redirect(url_for("programmes.activity", activity_id=item.id))
        except ValidationFailed as exc:
            db.session.rollback()
            loose = _sheet_errors(form, exc.errors, len(form.member_ids.data))
            for message in loose or ([] if exc.errors else [exc.message]):
                flash(message, "error")
    return _activity_page(item, form, 422)


def _sheet_errors(form: SheetForm, errors: dict[str, list[str]], ticked: int) -> list[str]:
    """Put "rows.N.field" errors on the written-in rows (after the ticked members)."""
    loose = []
    for key, messages in errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) >= ticked:
            written = [e for e in form.rows if (e.form.full_name.data or "").strip()]
            index = int(parts[1]) - ticked
            if index < len(written):
                field = getattr(written[index].form, parts[2], None)
                if field is not None:
                    field.errors = [*field.errors, *messages]
                    continue
        loose.extend(messages)
    return loose + apply_errors(form, {})


@bp.route("/activities/<int:activity_id>/import", methods=["POST"])
@login_required
def sheet_import(activity_id: int) -> Any:
    """Read a sign-in sheet file and show its rows with likely duplicates, before counting."""
    item = get_scoped(Activity, activity_id, current_user)
    require(item.programme.can_record(current_user))
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            content = upload.stream.read(imports.MAX_BYTES + 1)
            rows = imports.check(imports.rows_of(imports.read_table(upload.filename, content)))
            confirm = ImportConfirmForm(formdata=None)
            confirm.rows.data = json.dumps(rows, default=str)
            return render_template(
                "programmes/import.html",
                activity=item,
                preview=imports.preview(item, rows),
                confirm=confirm,
                **_labels(),
            )
        except ValidationFailed as exc:
            db.session.rollback()
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "error")
            if not exc.errors:
                flash(exc.message, "error")
    else:
        flash(_("Choose a .csv or .xlsx file."), "error")
    return _activity_page(item, SheetForm(formdata=None), 422)


@bp.route("/activities/<int:activity_id>/import/confirm", methods=["POST"])
@login_required
def sheet_import_confirm(activity_id: int) -> Any:
    """Record the checked rows, each as chosen: a new person, a known one, or skipped."""
    item = get_scoped(Activity, activity_id, current_user)
    require(item.programme.can_record(current_user))
    form = ImportConfirmForm()
    try:
        rows = json.loads(form.rows.data or "[]")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError
    except ValueError:
        flash(_("The import expired; upload the file again."), "error")
        return _activity_page(item, SheetForm(formdata=None), 422)
    if form.validate_on_submit():
        choices = {
            int(k.removeprefix("choice-")): v
            for k, v in request.form.items()
            if k.startswith("choice-") and k.removeprefix("choice-").isdigit()
        }
        try:
            rows = imports.check(rows)
            added = attendance.record_attendance(
                current_user, item, imports.sheet_rows(rows, choices)
            )
            flash(_("%(n)d people added to the sheet.", n=len(added)), "success")
            return redirect(url_for("programmes.activity", activity_id=item.id))
        except ValidationFailed as exc:
            db.session.rollback()
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "error")
            if not exc.errors:
                flash(exc.message, "error")
    return _activity_page(item, SheetForm(formdata=None), 422)


# --- duplicates -----------------------------------------------------------------------------


@bp.route("/programmes/<int:programme_id>/duplicates")
@login_required
def duplicates(programme_id: int) -> Any:
    """Records that are likely one person, to merge before they are counted twice."""
    programme = get_scoped(Programme, programme_id, current_user)
    require(programme.can_record(current_user))
    return render_template(
        "programmes/duplicates.html",
        programme=programme,
        groups=attendance.likely_duplicates(programme.organisation_id),
        form=MergeForm(formdata=None),
    )


@bp.route("/participants/<int:participant_id>/merge", methods=["POST"])
@login_required
def merge(participant_id: int) -> Any:
    """Merge another record into this participant's."""
    keep = get_scoped(Participant, participant_id, current_user)
    form = MergeForm()
    other = None
    if form.validate_on_submit():
        other = db.session.scalar(
            scoped(Participant, current_user).where(
                Participant.id == form.other_id.data,
                Participant.organisation_id == keep.organisation_id,
            )
        )
    if other is None:
        flash(_("Choose another record of the same person."), "error")
        return redirect(url_for("programmes.index"))
    attendance.merge_participants(current_user, keep, other)
    flash(_("Records merged: the person is counted once."), "success")
    programme = db.session.scalar(
        scoped(Programme, current_user).where(Programme.organisation_id == keep.organisation_id)
    )
    if programme is None:
        return redirect(url_for("programmes.index"))
    return redirect(url_for("programmes.duplicates", programme_id=programme.id))
