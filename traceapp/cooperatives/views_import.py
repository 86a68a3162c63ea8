"""The member import's pages: upload and check, the check's summary, confirmation, and the
progress of an import running as a job."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_number, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from traceapp import jobqueue
from traceapp.auth.permissions import get_scoped, require
from traceapp.cooperatives import member_jobs, services
from traceapp.cooperatives.forms import GENDER_LABELS, ROLE_LABELS, ImportConfirmForm, ImportForm
from traceapp.cooperatives.models import Cooperative, Gender, MemberImport, MemberRole
from traceapp.cooperatives.views import bp
from traceapp.core.inputs import id_or_none
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.web import form_failed


def _fresh(job: MemberImport) -> MemberImport:
    """The job as its run left it (it ran in a session of its own)."""
    db.session.expire_all()
    return db.session.get_one(MemberImport, job.id)


@bp.route("/cooperatives/<int:cooperative_id>/members/import", methods=["GET", "POST"])
@login_required
def member_import(cooperative_id: int) -> Any:
    """Upload a member file: a dry run lists every problem; nothing is imported yet. A big
    file is checked by a job, whose page follows the check."""
    coop = get_scoped(Cooperative, cooperative_id, current_user)
    require(current_user.can_write_cooperative(coop.id))
    form = ImportForm()
    job = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        name = upload.filename or "upload"
        try:
            path, size = member_jobs.spool(upload.stream, name)
            job = member_jobs.start_check(current_user, coop.id, path, size, name)
        except ValidationFailed as exc:
            form_failed(form, exc)
            status = 422
        else:
            db.session.commit()
            member_jobs.launch(job)
            job = _fresh(job)
            if job.status == jobqueue.FAILED:
                failed = job.problems or {"file": [job.error or ""]}
                form_failed(form, ValidationFailed(job.error or "", failed))
                member_jobs.forget_failed_check(job)
                status = 422
                job = None
            elif job.status != "done":
                return redirect(url_for(".member_import_job", import_id=job.id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "cooperatives/member_import.html", coop=coop, form=form, **_shown_job(job)
    ), status


def _shown_job(job: MemberImport | None) -> dict[str, Any]:
    return {
        "job": job,
        "confirm": ImportConfirmForm(import_id=job.id if job else None),
        "field_labels": services.MEMBER_FIELD_LABELS,
        "shown": _shown,
    }


@bp.route("/member-imports/<int:import_id>")
@login_required
def member_import_job(import_id: int) -> Any:
    """An import's page: its progress while a job checks or applies it (refreshing by
    itself), then the check to confirm, what was applied, or why it failed."""
    job = get_scoped(MemberImport, import_id, current_user)
    coop = db.session.get_one(Cooperative, job.cooperative_id)
    return render_template(
        "cooperatives/member_import_job.html",
        coop=coop,
        stalled=jobqueue.is_stalled(job),
        waiting=jobqueue.is_waiting(job),
        **_shown_job(job),
    )


def _shown(key: str, value: Any) -> str:
    """A member field's value as the import's check shows it (as kept: JSON)."""
    if value is None or value == "":
        return "—"
    if key == "gender":
        return str(GENDER_LABELS.get(Gender(value), value))
    if key == "role":
        return str(ROLE_LABELS.get(MemberRole(value), value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key in ("joined_on", "left_on"):
        return format_date(dt.date.fromisoformat(value))
    return str(value)


@bp.route("/cooperatives/<int:cooperative_id>/members/import/confirm", methods=["POST"])
@login_required
def member_import_confirm(cooperative_id: int) -> Any:
    """Apply a checked file (checked again as a whole first): at once when small, else by a
    job whose page shows its progress."""
    coop = get_scoped(Cooperative, cooperative_id, current_user)
    require(current_user.can_write_cooperative(coop.id))
    form = ImportConfirmForm()
    import_id = id_or_none(form.import_id.data)
    if not form.validate_on_submit() or import_id is None:
        abort(400)
    try:
        job = member_jobs.confirm(current_user, coop.id, import_id)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".member_import", cooperative_id=coop.id))
    db.session.commit()
    member_jobs.launch(job)
    job = _fresh(job)
    if job.status != "done":
        return redirect(url_for(".member_import_job", import_id=job.id))
    count = job.imported_count or 0
    flash(
        ngettext(
            "%(count)s member imported.",
            "%(count)s members imported.",
            count,
            count=format_number(count),
        ),
        "success",
    )
    return redirect(url_for(".members", cooperative_id=coop.id))
