"""Web pages for a programme's activities: sign-in sheets, their imports, duplicates to merge.

Its routes join the programmes blueprint of :mod:`traceapp.programmes.views` (loaded with it
when the blueprints are mounted), so every URL and endpoint name is ``programmes.<name>``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from traceapp import jobqueue
from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.cooperatives.models import Cooperative
from traceapp.core.inputs import id_or_none
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.programmes import (
    activities,
    attendance,
    import_jobs,
    plans,
    services,
)
from traceapp.programmes.forms import (
    ActivityForm,
    ImportConfirmForm,
    ImportForm,
    MergeForm,
    SheetForm,
)
from traceapp.programmes.models import (
    Activity,
    AttendanceImport,
    Participant,
    Programme,
)
from traceapp.programmes.views import _data, _labels, bp
from traceapp.web import apply_errors, form_failed, options

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


def _flash_failure(message: str, problems: dict[str, list[str]] | None) -> None:
    for messages in (problems or {}).values():
        for line in messages:
            flash(line, "error")
    if not problems:
        flash(message, "error")


def _fresh(job: AttendanceImport) -> AttendanceImport:
    """The job as its run left it (it ran in a session of its own)."""
    db.session.expire_all()
    return db.session.get_one(AttendanceImport, job.id)


@bp.route("/activities/<int:activity_id>/import", methods=["POST"])
@login_required
def sheet_import(activity_id: int) -> Any:
    """Upload a sign-in sheet file: a job checks it and finds likely duplicates before
    anything is counted (a small file at once, a big one with its progress shown)."""
    item = get_scoped(Activity, activity_id, current_user)
    require(item.programme.can_record(current_user))
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a .csv or .xlsx file."), "error")
        return _activity_page(item, SheetForm(formdata=None), 422)
    upload = form.file.data
    try:
        job = import_jobs.start_check(current_user, item, upload.stream, upload.filename)
    except ValidationFailed as exc:
        db.session.rollback()
        _flash_failure(exc.message, exc.errors)
        return _activity_page(item, SheetForm(formdata=None), 422)
    db.session.commit()
    import_jobs.launch(job)
    job = _fresh(job)
    if job.status == jobqueue.FAILED:
        _flash_failure(job.error or "", job.problems)
        db.session.delete(job)  # answered here: nothing is kept of it
        db.session.commit()
        return _activity_page(item, SheetForm(formdata=None), 422)
    if job.status != "done":
        return redirect(url_for("programmes.sheet_import_job", import_id=job.id))
    return _import_page(item, job)


#: Past this many rows, the check's page lists only the rows that need a choice.
LISTED_ROWS = 2000


def _import_page(item: Activity, job: AttendanceImport) -> Any:
    preview: list[dict[str, Any]] = []
    if job.status == "done" and job.phase == "check":
        rows, found = job.rows or [], job.found or []
        preview = [
            {"index": n, "row": row, **found[n]}
            for n, row in enumerate(rows)
            if len(rows) <= LISTED_ROWS or found[n]["matches"] or found[n]["repeats"] is not None
        ]
    return render_template(
        "programmes/import.html",
        activity=item,
        job=job,
        preview=preview,
        stalled=jobqueue.is_stalled(job),
        waiting=jobqueue.is_waiting(job),
        confirm=ImportConfirmForm(import_id=job.id),
        **_labels(),
    )


@bp.route("/attendance-imports/<int:import_id>")
@login_required
def sheet_import_job(import_id: int) -> Any:
    """A sheet import's page: its progress while a job checks or records it (refreshing by
    itself), then the rows to confirm, what was recorded, or why it failed."""
    job = get_scoped(AttendanceImport, import_id, current_user)
    return _import_page(db.session.get_one(Activity, job.activity_id), job)


@bp.route("/activities/<int:activity_id>/import/confirm", methods=["POST"])
@login_required
def sheet_import_confirm(activity_id: int) -> Any:
    """Record the checked rows, each as chosen: a new person, a known one, or skipped (at
    once when few, else by a job whose page shows its progress)."""
    item = get_scoped(Activity, activity_id, current_user)
    require(item.programme.can_record(current_user))
    form = ImportConfirmForm()
    import_id = id_or_none(form.import_id.data)
    job = db.session.get(AttendanceImport, import_id) if import_id is not None else None
    if not form.validate_on_submit() or job is None or job.activity_id != item.id:
        flash(_("The import expired; upload the file again."), "error")
        return _activity_page(item, SheetForm(formdata=None), 422)
    choices = {
        int(k.removeprefix("choice-")): v
        for k, v in request.form.items()
        if k.startswith("choice-") and k.removeprefix("choice-").isdigit()
    }
    try:
        job = import_jobs.confirm(current_user, job, choices)
    except ValidationFailed as exc:
        db.session.rollback()
        _flash_failure(exc.message, exc.errors)
        return _activity_page(item, SheetForm(formdata=None), 422)
    db.session.commit()
    import_jobs.launch(job)
    job = _fresh(job)
    if job.status != "done":
        return redirect(url_for("programmes.sheet_import_job", import_id=job.id))
    flash(_("%(n)d people added to the sheet.", n=job.imported_count or 0), "success")
    return redirect(url_for("programmes.activity", activity_id=item.id))


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
