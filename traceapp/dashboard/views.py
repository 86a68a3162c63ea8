"""Home page per role, and /healthz for load balancers."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, jsonify, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from traceapp.dashboard.services import home_for
from traceapp.extensions import db
from traceapp.web import nav_item

bp = Blueprint("dashboard", __name__)
nav_item("dashboard.index", _l("Start"), lambda user: True)


@bp.route("/")
@login_required
def index() -> Any:
    """What the signed-in user works on: figures from their own scope and what needs doing."""
    return render_template("dashboard/index.html", home=home_for(current_user))


@bp.route("/healthz")
def healthz() -> Any:
    """Answer 200 when the app and its database respond."""
    db.session.execute(sa.text("SELECT 1"))
    return jsonify(status="ok", database=db.engine.dialect.name)
