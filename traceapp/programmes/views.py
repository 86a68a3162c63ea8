"""Web pages for support programmes: organisations, programmes, activities with their sign-in
sheets and imports, duplicates to merge, and reach statistics with charts and downloads."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.brands.models import CollectiveMark
from traceapp.cooperatives.models import Cooperative
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.form_pages import form_page
from traceapp.programmes import (
    attendance,
    outcomes,
    plans,
    services,
    stats,
)
from traceapp.programmes.forms import (
    GENDER_CHOICES,
    ExtensionForm,
    FoundingForm,
    MarkTrainingForm,
    PartnerForm,
    ProgrammeForm,
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
    Programme,
    SupportOrganisation,
    TrainingModule,
    is_officer,
)
from traceapp.web import form_failed, nav_item, options

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


def _data(form: Any) -> dict[str, Any]:
    return {f.name: f.data for f in form if f.name != "csrf_token"}


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
    return form_page(
        form,
        lambda: services.extend_programme(current_user, programme, **_data(form)),
        message=_("Programme extended."),
        next_url=lambda _result: url_for("programmes.detail", programme_id=programme.id),
        render=lambda: _detail(programme, extension_form=form),
    )


@bp.route("/programmes/<int:programme_id>/targets", methods=["POST"])
@login_required
def target(programme_id: int) -> Any:
    """Set an indicator's target for a year."""
    programme = get_scoped(Programme, programme_id, current_user)
    form = TargetForm()
    return form_page(
        form,
        lambda: plans.set_target(current_user, programme, **_data(form)),
        message=_("Target saved."),
        next_url=lambda _result: url_for("programmes.detail", programme_id=programme.id),
        render=lambda: _detail(programme, target_form=form),
    )


@bp.route("/programmes/<int:programme_id>/partners", methods=["POST"])
@login_required
def partner(programme_id: int) -> Any:
    """Name a partner organisation."""
    programme = get_scoped(Programme, programme_id, current_user)
    form = PartnerForm()
    form.organisation_id.choices = []
    return form_page(
        form,
        lambda: services.add_partner(
            current_user, programme, form.organisation_id.data, form.role.data
        ),
        message=_("Partner added."),
        next_url=lambda _result: url_for("programmes.detail", programme_id=programme.id),
        render=lambda: _detail(programme, partner_form=form),
    )


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
    return form_page(
        form,
        lambda: outcomes.record_founding(current_user, programme, **_data(form)),
        message=_("Founding recorded."),
        next_url=lambda _result: url_for("programmes.detail", programme_id=programme.id),
        render=lambda: _detail(programme, founding_form=form),
    )


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
