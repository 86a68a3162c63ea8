"""Web pages for a lot's exchange with partners: EPCIS and GDST downloads, the EPCIS import.

Its routes join the batches blueprint of :mod:`traceapp.batches.views` (loaded with it when
the blueprints are mounted), so every URL and endpoint name is ``batches.<name>``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from traceapp.auth.permissions import get_scoped, require
from traceapp.batches import epcis_import as importer
from traceapp.batches import epcis_jobs, epcis_stream, gdst_stream
from traceapp.batches.forms import ImportForm
from traceapp.batches.models import ImportJob, Lot
from traceapp.batches.views import bp
from traceapp.core.inputs import json_too_deep, too_deep_message
from traceapp.core.streaming import streamed
from traceapp.errors import DomainError, ValidationFailed
from traceapp.extensions import db


@bp.route("/lots/<int:lot_id>/epcis.jsonld")
@login_required
def epcis_export(lot_id: int) -> Any:
    """Download the lot's EPCIS 2.0 document."""
    lot = get_scoped(Lot, lot_id, current_user)
    return streamed(
        epcis_stream.lot_chunks(lot.id, indent=1),
        "application/ld+json",
        {"Content-Disposition": f'attachment; filename="epcis-{lot.code}.jsonld"'},
    )


@bp.route("/lots/<int:lot_id>/gdst.jsonld")
@login_required
def gdst_export(lot_id: int) -> Any:
    """Download the seafood lot's GDST 1.2 document (422 naming what is missing)."""
    lot = get_scoped(Lot, lot_id, current_user)
    return streamed(
        gdst_stream.lot_chunks(lot, indent=1),
        "application/ld+json",
        {"Content-Disposition": f'attachment; filename="gdst-{lot.code}.jsonld"'},
    )


@bp.route("/lots/epcis-import", methods=["GET", "POST"])
@login_required
def epcis_import() -> Any:
    """Import a partner's EPCIS document (a large one as a background job, with progress)."""
    require(current_user.is_cooperative_user)
    form = ImportForm()
    result = None
    status = 200
    if form.validate_on_submit():
        try:
            raw, path, size = epcis_jobs.read_or_spool(form.file.data.stream, "file")
            if path is not None:
                job = epcis_jobs.start_job(
                    current_user, current_user.cooperative_id, path, size, form.file.data.filename
                )
                db.session.commit()
                epcis_jobs.launch(job.id)
                return redirect(url_for("batches.epcis_import_job", import_job_id=job.id))
            if json_too_deep(raw or b""):
                raise ValidationFailed.field("file", too_deep_message())
            try:
                doc = json.loads((raw or b"").decode("utf-8-sig"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise ValidationFailed.field(
                    "file", _("This is not a JSON file (%(e)s).", e=exc)
                ) from None
            result = importer.import_document(current_user, current_user.cooperative_id, doc)
        except DomainError as exc:
            db.session.rollback()
            errors = exc.errors.get("document") or exc.errors.get("file") or []
            form.file.errors = [exc.message, *errors]
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("batches/import.html", form=form, result=result), status


@bp.route("/lots/epcis-import/jobs/<int:import_job_id>")
@login_required
def epcis_import_job(import_job_id: int) -> Any:
    """A background EPCIS import's progress, then its outcome."""
    job = get_scoped(ImportJob, import_job_id, current_user)
    return render_template(
        "batches/import_job.html",
        job=job,
        stalled=epcis_jobs.is_stalled(job),
        waiting=epcis_jobs.is_waiting(job),
    )
