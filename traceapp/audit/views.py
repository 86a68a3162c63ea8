"""The audit trail as cooperatives, auditors and administrators see it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from traceapp.audit import services
from traceapp.audit.labels import action_label, object_type_label, summary_label
from traceapp.audit.models import AuditRecord
from traceapp.auth.permissions import require
from traceapp.web import nav_item, page_arg, paginate

bp = Blueprint("audit", __name__)
# For every template: ``{{ code|audit_action }}`` describes an action code ("zone.transition"),
# ``{{ table|audit_object }}`` names an object type, ``{{ summary|audit_summary }}`` translates
# the fixed summaries (others are shown as recorded).
bp.add_app_template_filter(action_label, "audit_action")
bp.add_app_template_filter(object_type_label, "audit_object")
bp.add_app_template_filter(summary_label, "audit_summary")


def may_read_trail(user: Any) -> bool:
    """Managers read their cooperative's trail, auditors their scope's, admins all."""
    return bool(
        user.is_admin
        or user.is_auditor
        or (user.is_cooperative_user and user.can_manage_cooperative(user.cooperative_id))
    )


nav_item("audit.trail", _l("Audit trail"), may_read_trail)


@bp.route("/audit")
@login_required
def trail() -> Any:
    """The records the user may read, newest first, filtered by action and object."""
    require(
        may_read_trail(current_user),
        _("The audit trail is for managers, auditors and administrators."),
    )
    args = {
        k: (request.args.get(k) or "").strip()[:64] for k in ("action", "object_type", "object_id")
    }
    visible = services.visible_records(current_user)
    stmt = services.filter_records(visible, **args).order_by(AuditRecord.seq.desc())
    return render_template(
        "audit/trail.html",
        page=paginate(stmt, page_arg(), 50),
        args=args,
        actions=services.record_actions(visible),
    )
