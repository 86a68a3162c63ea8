"""JSON API of the audit trail: each caller reads the records of their own scope."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask.views import MethodView
from flask_babel import gettext as _

from traceapp.api import api_actor, documented
from traceapp.api.paging import Blueprint, keyset_api_page
from traceapp.audit import services
from traceapp.audit.models import AuditRecord
from traceapp.audit.schemas import AuditQuerySchema, AuditRecordSchema, HeadSchema, VerifySchema
from traceapp.auth.permissions import require

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

blp = Blueprint("api_audit", __name__, description="The append-only, hash-chained audit trail")


def _console_user(actor: Actor) -> None:
    require(
        actor.is_admin or actor.is_auditor,
        _("The chain head and its verification are for auditors and administrators."),
    )


@blp.route("/audit")
class Trail(MethodView):
    """The records the caller may read, newest first."""

    @documented("listAuditRecords", 403)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditRecordSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """A cooperative's manager reads its records, an auditor those of objects in their
        province, an administrator all; filter by action and object."""
        actor = api_actor()
        require(
            actor.is_admin
            or actor.is_auditor
            or actor.can_manage_cooperative(actor.cooperative_id),
            _("The audit trail is for managers, auditors and administrators."),
        )
        stmt = services.filter_records(services.visible_records(actor), **args)
        items = keyset_api_page(
            stmt, [(AuditRecord.seq, True), (AuditRecord.id, True)], pagination_parameters
        )
        return items


@blp.route("/audit/head")
class Head(MethodView):
    """The chain head."""

    @documented("getAuditHead", 403)
    @blp.response(200, HeadSchema)
    def get(self) -> Any:
        """The number of records and the last hash."""
        _console_user(api_actor())
        seq, digest = services.head_hash()
        return {"seq": seq, "hash": digest}


@blp.route("/audit/verify")
class Verify(MethodView):
    """Walk the chain."""

    @documented("verifyAuditChain", 403)
    @blp.response(200, VerifySchema)
    def post(self) -> Any:
        """Recompute every hash; name the first record that is missing, unlinked or altered."""
        _console_user(api_actor())
        return services.verify_chain()
