"""Collective marks: registering a mark, editing its registration and rules of use, its logo,
and searching marks.

Grants of use (``grants``, ``grant_status``) and the mark-use rule (``mark_use``) live
beside this module; their public names are re-exported here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.audit import services as audit
from traceapp.auth.permissions import get_scoped, require
from traceapp.brands.grant_status import reinstate_grant, revoke_grant, suspend_grant
from traceapp.brands.grants import (
    GRANT_LIST_ORDER,
    create_grant,
    grant_display_status,
    grant_listing,
    update_grant,
)
from traceapp.brands.mark_use import (
    mark_use_problem,
    mark_use_problems,
    may_use_mark,
    products_marked_on,
)
from traceapp.brands.models import (
    CollectiveMark,
    MarkStatus,
)
from traceapp.cooperatives.models import Cooperative
from traceapp.core.columns import max_length
from traceapp.core.inputs import add_error, blank_to_none
from traceapp.database import local_today
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.media.services import store_image

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


__all__ = [
    "MARK_FIELDS",
    "check_mark",
    "create_grant",
    "create_mark",
    "grant_display_status",
    "GRANT_LIST_ORDER",
    "grant_listing",
    "mark_search",
    "mark_use_problem",
    "mark_use_problems",
    "may_use_mark",
    "products_marked_on",
    "reinstate_grant",
    "revoke_grant",
    "set_mark_logo",
    "suspend_grant",
    "update_grant",
    "update_mark",
]

MARK_FIELDS = (
    "name",
    "certificate_number",
    "certificate_date",
    "valid_until",
    "status",
    "product_scope",
    "geographic_scope",
    "owner_name",
    "owner_address",
    "founding_basis",
    "membership_criteria",
    "conditions_of_use",
    "violation_measures",
    "rules_adopted_on",
)
#: Fields whose length is bounded (by their columns).
_BOUNDED = (
    "name",
    "certificate_number",
    "owner_name",
    "owner_address",
    "product_scope",
    "geographic_scope",
    "founding_basis",
    "membership_criteria",
    "conditions_of_use",
    "violation_measures",
)


# --- marks ------------------------------------------------------------------------------------


def _mark_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {k: blank_to_none(data[k]) for k in MARK_FIELDS if k in data}
    if isinstance(values.get("status"), str):
        try:
            values["status"] = MarkStatus(values["status"])
        except ValueError:
            raise ValidationFailed.field("status", _("Unknown status.")) from None
    return values


def check_mark(
    values: dict[str, Any], cooperative_id: int, existing: CollectiveMark | None = None
) -> dict[str, list[str]]:
    """Every problem of a mark's data, by field (empty when it may be saved)."""
    errors: dict[str, list[str]] = {}
    today = local_today()
    if not values.get("name"):
        add_error(errors, "name", _("Enter the mark's name."))
    for key in _BOUNDED:
        limit = max_length(getattr(CollectiveMark, key))
        if isinstance(values.get(key), str) and len(values[key]) > limit:
            add_error(errors, key, _("At most %(n)d characters.", n=limit))
    if values.get("name") and "name" not in errors:
        clash = db.session.execute(
            sa.select(CollectiveMark.id).where(
                CollectiveMark.cooperative_id == cooperative_id,
                CollectiveMark.name == values["name"],
            )
        ).first()
        if clash is not None and (existing is None or clash.id != existing.id):
            add_error(errors, "name", _("The cooperative already has a mark of this name."))
    issued, until = values.get("certificate_date"), values.get("valid_until")
    if issued and issued > today:
        add_error(errors, "certificate_date", _("The certificate date is in the future."))
    if issued and until and until < issued:
        add_error(errors, "valid_until", _("The mark cannot expire before its certificate date."))
    adopted = values.get("rules_adopted_on")
    if adopted and adopted > today:
        add_error(errors, "rules_adopted_on", _("The rules cannot be adopted in the future."))
    if values.get("status") == MarkStatus.REGISTERED:
        # A registered mark is one the IP office has certified: say which certificate.
        if not values.get("certificate_number"):
            add_error(
                errors, "certificate_number", _("A registered mark needs the certificate number.")
            )
        if not issued:
            add_error(
                errors, "certificate_date", _("A registered mark needs the certificate date.")
            )
    return errors


def create_mark(actor: Actor, cooperative_id: int, **data: Any) -> CollectiveMark:
    """Register a cooperative's collective mark (its manager or an administrator)."""
    coop = get_scoped(Cooperative, cooperative_id, actor)
    require(
        actor.can_manage_cooperative(coop.id),
        _("Only the cooperative's manager may register its marks."),
    )
    values = _mark_values(data)
    if values.get("status") is None:
        values["status"] = MarkStatus.PENDING
    errors = check_mark(values, coop.id)
    if errors:
        raise ValidationFailed(_("The mark could not be saved."), errors)
    mark = CollectiveMark(cooperative_id=coop.id, **values)
    db.session.add(mark)
    db.session.flush()
    audit.record(actor, "mark.create", mark, changes=audit.created(mark))
    return mark


def update_mark(actor: Actor, mark: CollectiveMark, **data: Any) -> CollectiveMark:
    """Change a mark's registration details or rules of use (its cooperative's manager)."""
    require(
        actor.can_manage_cooperative(mark.cooperative_id),
        _("Only the cooperative's manager may edit its marks."),
    )
    values = _mark_values(data)
    if "name" in values and not values["name"]:
        raise ValidationFailed.field("name", _("Enter the mark's name."))
    if "status" in values and values["status"] is None:
        values.pop("status")
    merged = {k: getattr(mark, k) for k in MARK_FIELDS} | values
    errors = check_mark(merged, mark.cooperative_id, existing=mark)
    if errors:
        raise ValidationFailed(_("The mark could not be saved."), errors)
    audit.apply_changes(actor, mark, values, "mark.update")
    return mark


def set_mark_logo(actor: Actor, mark: CollectiveMark, upload: Any) -> CollectiveMark:
    """Replace the mark's logo with a checked, re-encoded image."""
    require(
        actor.can_manage_cooperative(mark.cooperative_id),
        _("Only the cooperative's manager may change the logo."),
    )
    stored = store_image(upload, "logo", mark.cooperative_id)
    audit.replace_image(actor, mark, "logo", stored.key, "mark.logo")
    return mark


def mark_search(
    stmt: sa.Select[Any], q: str | None = None, status: MarkStatus | str | None = None
) -> sa.Select[Any]:
    """Filter marks by name, certificate number or scope, and by recorded status."""
    q = (q or "").strip()
    if q:
        columns = (
            CollectiveMark.name,
            CollectiveMark.certificate_number,
            CollectiveMark.product_scope,
            CollectiveMark.geographic_scope,
        )
        # SQLite's lower() folds ASCII only, so match the text as typed or lower-cased.
        stmt = stmt.where(
            sa.or_(
                *(
                    clause
                    for column in columns
                    for clause in (
                        column.contains(q, autoescape=True),
                        sa.func.lower(column).contains(q.lower(), autoescape=True),
                    )
                )
            )
        )
    if status:
        stmt = stmt.where(CollectiveMark.status == MarkStatus(status))
    return stmt
