"""The audit trail as cooperatives, auditors and administrators see it."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from traceapp import tables
from traceapp.audit import services, wording
from traceapp.audit.labels import action_label, object_type_label, summary_label
from traceapp.audit.models import AuditRecord
from traceapp.auth.permissions import require
from traceapp.tables import Column
from traceapp.web import keyset_page, nav_item

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


def trail_list() -> tuple[Any, dict[str, str]]:
    """The trail's filters (from the query string) and its query, unordered: the page and its
    downloads both start here."""
    require(
        may_read_trail(current_user),
        _("The audit trail is for managers, auditors and administrators."),
    )
    args = {
        k: (request.args.get(k) or "").strip()[:64] for k in ("action", "object_type", "object_id")
    }
    return services.filter_records(services.visible_records(current_user), **args), args


@bp.route("/audit")
@login_required
def trail() -> Any:
    """The records the user may read, newest first, filtered by action and kind of thing."""
    stmt, args = trail_list()
    return render_template(
        "audit/trail.html",
        page=keyset_page(stmt, [(AuditRecord.seq, True), (AuditRecord.id, True)], 50),
        args=args,
        actions=services.record_actions(services.visible_records(current_user)),
        kinds=wording.object_kinds(),
        summary_in_words=wording.summary_in_words,
        changes_in_words=wording.changes_in_words,
    )


TRAIL = tables.Table(
    "audit-trail",
    (
        Column("seq", _l("No."), lambda r: r.seq),
        Column("occurred_at", _l("When"), lambda r: r.occurred_at),
        Column("actor", _l("Who"), lambda r: r.actor_label),
        Column("actor_role", _l("Role"), lambda r: r.actor_role),
        Column("action", _l("Action"), lambda r: r.action, action_label),
        Column("object_type", _l("Kind of thing"), lambda r: r.object_type, object_type_label),
        Column("object_id", _l("Object id"), lambda r: r.object_id),
        Column("summary", _l("Summary"), lambda r: r.summary, text=wording.summary_in_words),
        Column(
            "changes",
            _l("What changed"),
            lambda r: (
                json.dumps(r.changes, ensure_ascii=False, sort_keys=True) if r.changes else ""
            ),
            text=wording.changes_text,
        ),
        Column("hash", _l("Record hash"), lambda r: r.hash),
    ),
)


@tables.routes(bp, "/audit", "trail")
@login_required
def trail_download() -> Any:
    """The trail, filtered as on screen, as CSV or XLSX."""
    stmt, _args = trail_list()
    return tables.download(
        TRAIL, tables.rows_of(stmt.order_by(AuditRecord.seq.desc())), tables.requested_format()
    )
