"""Web pages for labels: issue a run, print it (at once or as a job with progress), void."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.batches.models import Lot
from traceapp.core.inputs import id_or_none
from traceapp.database import local_today
from traceapp.errors import DomainError, NotFound
from traceapp.extensions import db
from traceapp.labels import contents, downloads, jobs, rendering, services
from traceapp.labels.forms import FORMAT_LABELS, ClearFlagForm, IssueForm, PrintForm, VoidForm
from traceapp.labels.models import (
    JOB_STATUS_LABELS,
    VOID_KIND_LABELS,
    JobStatus,
    Label,
    LabelRun,
    RenderJob,
    RunKind,
)
from traceapp.labels.scanstats import run_scans
from traceapp.web import form_failed, keyset_page, nav_item, writes

bp = Blueprint("labels", __name__)
nav_item("labels.runs", _l("Labels"), lambda user: user.is_cooperative_user or user.is_admin)
nav_item("labels.scans", _l("Scans"), lambda user: user.is_cooperative_user)


@bp.route("/label-runs")
@login_required
def runs() -> Any:
    """Every label run of the cooperative, newest first."""
    page = keyset_page(run_list(), [(LabelRun.id, True)])
    return render_template(
        "labels/runs.html", page=page, scans=run_scans([r.id for r in page.items])
    )


@bp.route("/lots/<int:lot_id>/labels", methods=["GET", "POST"])
@login_required
def issue(lot_id: int) -> Any:
    """Issue labels for a lot; the page lists the lot's earlier runs."""
    lot = get_scoped(Lot, lot_id, current_user)
    require(current_user.can_write_cooperative(lot.cooperative_id))
    form = IssueForm()
    problems = services.issue_problems(lot, 1, RunKind.SERIALISED)
    if form.validate_on_submit():
        try:
            run = services.issue_run(
                current_user,
                lot,
                count=form.count.data,
                template=form.template.data,
                kind=form.kind.data,
                ec=form.ec.data,
            )
            flash(
                ngettext(
                    "%(n)s label issued.",
                    "%(n)s labels issued.",
                    run.count,
                    n=format_number(run.count),
                ),
                "success",
            )
            return redirect(url_for("labels.run", run_id=run.id))
        except DomainError as exc:
            form_failed(form, exc)
    existing = (
        db.session.execute(
            sa.select(LabelRun).where(LabelRun.lot_id == lot.id).order_by(LabelRun.id.desc())
        )
        .scalars()
        .all()
    )
    capacity = services.serial_capacity(lot)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "labels/issue.html",
        lot=lot,
        form=form,
        runs=existing,
        problems=problems,
        capacity=capacity,
        live=contents.live_count,
    ), status


@bp.route("/label-runs/<int:run_id>")
@login_required
def run(run_id: int) -> Any:
    """A run: counts, downloads, voids, and its serials."""
    label_run = get_scoped(LabelRun, run_id, current_user)
    page = keyset_page(
        sa.select(Label).where(Label.run_id == label_run.id),
        [(Label.seq, False), (Label.id, False)],
        per_page=50,
    )
    facts = contents.lot_facts(label_run.lot)
    lot_level = label_run.kind == RunKind.LOT_COPIES
    urls = {
        label.id: contents.label_url(
            facts.product, facts.lot_code, label.serial, lot_level=lot_level
        )
        for label in page.items
    }
    recent_jobs = (
        db.session.execute(
            sa.select(RenderJob)
            .where(RenderJob.run_id == label_run.id)
            .order_by(RenderJob.id.desc())
            .limit(5)
        )
        .scalars()
        .all()
    )
    return render_template(
        "labels/run.html",
        run=label_run,
        page=page,
        urls=urls,
        live=contents.live_count(label_run),
        print_form=PrintForm(),
        void_form=VoidForm(),
        clear_form=ClearFlagForm(),
        can_clear=current_user.can_manage_cooperative(label_run.cooperative_id),
        flagged=db.session.scalar(
            sa.select(sa.func.count(Label.id)).where(
                Label.run_id == label_run.id, Label.flag_open_clause()
            )
        ),
        jobs=recent_jobs,
        scans=run_scans([label_run.id]).get(label_run.id, 0),
        recent_scans=run_scans([label_run.id], local_today() - dt.timedelta(days=29)).get(
            label_run.id, 0
        ),
        facts=facts,
        job_statuses=JOB_STATUS_LABELS,
        layouts=rendering.LAYOUTS,
        formats=FORMAT_LABELS,
        void_kinds=VOID_KIND_LABELS,
        sync_limit=jobs.sync_limit(),
    )


@bp.route("/label-runs/<int:run_id>/print", methods=["POST"])
@login_required
def print_run(run_id: int) -> Any:
    """Render a run: small runs download at once, large ones become a job with progress."""
    label_run = get_scoped(LabelRun, run_id, current_user)
    require(current_user.can_write_cooperative(label_run.cooperative_id))
    form = PrintForm()
    if not form.validate_on_submit():
        flash(_("Choose a format."), "error")
        return redirect(url_for("labels.run", run_id=label_run.id))
    fmt = form.fmt.data
    layout = jobs.check_format(fmt, form.layout.data)
    if contents.live_count(label_run) <= jobs.sync_limit():
        return downloads.run_download(current_user, label_run, fmt, layout)
    job = jobs.start_job(current_user, label_run, fmt, layout)
    db.session.commit()
    jobs.launch(jobs.current_app_object(), job.id)
    return redirect(url_for("labels.job", job_id=job.id))


@bp.route("/label-runs/<int:run_id>/void", methods=["POST"])
@login_required
def void(run_id: int) -> Any:
    """Void one serial, a range of positions, or the whole run."""
    label_run = get_scoped(LabelRun, run_id, current_user)
    form = VoidForm()
    if not form.validate_on_submit():
        flash(_("Say why the labels are voided."), "error")
        return redirect(url_for("labels.run", run_id=label_run.id))
    try:
        count = services.void_labels(
            current_user,
            label_run,
            reason=form.reason.data,
            kind=form.kind.data,
            first=form.first.data,
            last=form.last.data,
            serial=(form.serial.data or "").strip().upper() or None,
        )
        flash(
            ngettext("%(n)s label voided.", "%(n)s labels voided.", count, n=format_number(count)),
            "success",
        )
    except DomainError as exc:
        form_failed(None, exc)  # the page is redirected to: every message is flashed
    return redirect(url_for("labels.run", run_id=label_run.id))


@bp.route("/label-runs/<int:run_id>/clear-flag", methods=["POST"])
@login_required
def clear_flag(run_id: int) -> Any:
    """Clear one label's flag with a reason (managers; audited)."""
    label_run = get_scoped(LabelRun, run_id, current_user)
    form = ClearFlagForm()
    if not form.validate_on_submit():
        flash(_("Give the serial and say why the flag is cleared."), "error")
        return redirect(url_for("labels.run", run_id=label_run.id))
    label = services.flagged_label(label_run, (form.serial.data or "").strip().upper())
    if label is None:
        flash(_("No label of this run has that serial."), "error")
        return redirect(url_for("labels.run", run_id=label_run.id))
    try:
        services.clear_flag(current_user, label, form.reason.data)
        flash(_("The flag of %(serial)s was cleared.", serial=label.serial), "success")
    except DomainError as exc:
        form_failed(None, exc)  # the page is redirected to: every message is flashed
    return redirect(url_for("labels.run", run_id=label_run.id))


@bp.route("/render-jobs/<int:job_id>")
@login_required
def job(job_id: int) -> Any:
    """A rendering job's progress; the page refreshes itself until the file is ready."""
    render_job = get_scoped(RenderJob, job_id, current_user)
    return render_template(
        "labels/job.html",
        job=render_job,
        stalled=jobs.is_stalled(render_job),
        waiting=jobs.is_waiting(render_job),
        finished=render_job.status in (JobStatus.DONE, JobStatus.FAILED),
    )


@bp.route("/render-jobs/<int:job_id>/download")
@login_required
def job_download(job_id: int) -> Any:
    """The finished file of a job."""
    render_job = get_scoped(RenderJob, job_id, current_user)
    if render_job.status != JobStatus.DONE:
        raise NotFound(_("The file is not ready."))
    return downloads.job_download(render_job)


@bp.route("/render-jobs/<int:job_id>/restart", methods=["POST"])
@login_required
@writes
def job_restart(job_id: int) -> Any:
    """Start a stalled or failed job again."""
    render_job = get_scoped(RenderJob, job_id, current_user)
    new = jobs.start_job(current_user, render_job.run, render_job.fmt, render_job.layout)
    db.session.commit()
    jobs.launch(jobs.current_app_object(), new.id)
    return redirect(url_for("labels.job", job_id=new.id))


@bp.route("/label-runs/<int:run_id>/qr/<serial>.png")
@login_required
def qr_png(run_id: int, serial: str) -> Any:
    """A label's QR code for the staff pages."""
    label_run = get_scoped(LabelRun, run_id, current_user)
    label = db.session.execute(
        sa.select(Label).where(Label.run_id == label_run.id, Label.serial == serial)
    ).scalar_one_or_none()
    if label is None:
        raise NotFound()
    facts = contents.lot_facts(label_run.lot)
    url = contents.label_url(
        facts.product, facts.lot_code, label.serial, lot_level=label_run.kind == RunKind.LOT_COPIES
    )
    png = rendering.render_png(url, ec=label_run.ec_level, size_mm=12, dpi=150)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=86400"})


def scan_filters() -> tuple[int, int | None, int | None]:
    """The scans page's filters (days, product, lot) from the query string, each product or
    lot checked against the user's scope: the page and its downloads both start here."""
    from traceapp.products.models import Product

    require(current_user.is_cooperative_user, _("Scan statistics belong to a cooperative."))
    days = request.args.get("days", "30")
    days_n = int(days) if days in ("7", "30", "90", "365") else 30
    product_id = id_or_none(request.args.get("product_id", ""))
    lot_id = id_or_none(request.args.get("lot_id", ""))
    if product_id:
        get_scoped(Product, product_id, current_user)
    if lot_id:
        get_scoped(Lot, lot_id, current_user)
    return days_n, product_id, lot_id


def run_list() -> Any:
    """The label runs the user may see, unordered (the list has no filter yet)."""
    return scoped(LabelRun, current_user)


@bp.route("/scans")
@login_required
def scans() -> Any:
    """How shoppers scan the cooperative's labels: per day, by language, per product and lot."""
    from traceapp.charts import bar_chart, hbar_chart
    from traceapp.i18n import LANGUAGE_NAMES
    from traceapp.labels.scanstats import compute
    from traceapp.products.models import Product

    days_n, product_id, lot_id = scan_filters()
    stats = compute(current_user.cooperative_id, days_n, product_id, lot_id)
    every = max(1, days_n // 8)
    day_chart = bar_chart(stats.days, _("Scans per day"), label_every=every)
    lang_chart = hbar_chart(
        [(LANGUAGE_NAMES.get(k, k), v) for k, v in stats.languages], _("Scans by language")
    )
    products = (
        db.session.execute(scoped(Product, current_user).order_by(Product.name)).scalars().all()
    )
    return render_template(
        "labels/scans.html",
        stats=stats,
        days=days_n,
        day_chart=day_chart,
        lang_chart=lang_chart,
        products=products,
        product_id=product_id,
        lot_id=lot_id,
        lang_names=LANGUAGE_NAMES,
    )
