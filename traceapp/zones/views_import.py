"""Web pages for importing many zone codes from a file: upload, the check's preview with
every problem by row and field, confirmation, and the import's progress.

Its routes join the zones blueprint of :mod:`traceapp.zones.views` (loaded with it when the
blueprints are mounted), so every endpoint name is ``zones.<name>``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, url_for
from flask_login import current_user, login_required

from traceapp import jobqueue
from traceapp.auth.permissions import get_scoped, require
from traceapp.errors import DomainError
from traceapp.extensions import db
from traceapp.zones import import_files, import_jobs, services
from traceapp.zones.forms import ZoneImportForm
from traceapp.zones.models import ZoneImportJob, ZoneKind
from traceapp.zones.views import bp


@bp.route("/zones/import", methods=["GET", "POST"])
@login_required
def import_zones() -> Any:
    """Upload a file of zone codes; it is checked in the background."""
    require(current_user.is_cooperative_user)
    form = ZoneImportForm()
    status = 200
    if form.validate_on_submit():
        try:
            path, size = import_jobs.spool(form.file.data.stream, "file")
            job = import_jobs.start_job(
                current_user, current_user.cooperative_id, path, size, form.file.data.filename
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            form.file.errors = [exc.message, *exc.errors.get("file", [])]
            status = 422
        else:
            import_jobs.launch(job.id)
            return redirect(url_for("zones.import_job", zone_import_id=job.id))
    elif form.is_submitted():
        status = 422
    return render_template("zones/import.html", form=form), status


@bp.route("/zones/import/template.csv")
@login_required
def import_template() -> Any:
    """A CSV with the columns the import reads and one example zone."""
    coop = current_user.cooperative
    example = services.scheme_for(ZoneKind.GROWING_AREA, coop.country if coop else None)
    return Response(
        "\ufeff" + import_files.template_csv(example["example"], coop.province if coop else ""),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="zones-template.csv"'},
    )


@bp.route("/zones/import/<int:zone_import_id>")
@login_required
def import_job(zone_import_id: int) -> Any:
    """The check's progress, then its preview; after confirmation the import's progress."""
    job = get_scoped(ZoneImportJob, zone_import_id, current_user)
    return render_template(
        "zones/import_job.html",
        job=job,
        stalled=jobqueue.is_stalled(job),
        waiting=import_jobs.is_waiting(job),
    )


@bp.route("/zones/import/<int:zone_import_id>/confirm", methods=["POST"])
@login_required
def import_confirm(zone_import_id: int) -> Any:
    """Import a checked file: queued for a worker, with its progress on the job's page."""
    job = get_scoped(ZoneImportJob, zone_import_id, current_user, for_update=True)
    import_jobs.confirm(current_user, job)
    db.session.commit()
    import_jobs.launch(job.id)
    return redirect(url_for("zones.import_job", zone_import_id=job.id))
