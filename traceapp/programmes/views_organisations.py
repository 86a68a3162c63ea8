"""Web pages for the support organisations and their officers.

Its routes join the programmes blueprint of :mod:`traceapp.programmes.views` (loaded with it
when the blueprints are mounted), so every URL and endpoint name is ``programmes.<name>``.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.programmes import (
    services,
)
from traceapp.programmes.forms import (
    OfficerForm,
    OrganisationForm,
)
from traceapp.programmes.models import (
    Programme,
    SupportOrganisation,
)
from traceapp.programmes.views import _data, _labels, _sees_programmes, bp
from traceapp.web import form_failed

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
