"""JSON API for cooperatives and members."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_babel import gettext as _
from marshmallow import fields

from traceapp.api import api_actor, documented
from traceapp.api.paging import Blueprint, keyset_api_page
from traceapp.api.schemas import BaseSchema
from traceapp.audit import services as audit
from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.cooperatives import services
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.cooperatives.schemas import (
    CooperativeSchema,
    ImportArgsSchema,
    ImportPreviewSchema,
    MemberQuerySchema,
    MemberSchema,
)
from traceapp.errors import ValidationFailed

blp = Blueprint("api_cooperatives", __name__, description="Cooperatives and their members")


class FileSchema(BaseSchema):
    """A multipart upload."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


@blp.route("/cooperatives")
class Cooperatives(MethodView):
    """Cooperatives the caller may see."""

    @documented("listCooperatives")
    @blp.response(200, CooperativeSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters: Any) -> Any:
        """List cooperatives (a cooperative user sees only their own)."""
        items = keyset_api_page(
            scoped(Cooperative, api_actor()),
            [(Cooperative.name, False), (Cooperative.id, False)],
            pagination_parameters,
        )
        return items

    @documented("createCooperative", 403)
    @blp.arguments(CooperativeSchema)
    @blp.response(201, CooperativeSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Register a cooperative (platform administrators)."""
        return services.create_cooperative(api_actor(), **data)


@blp.route("/cooperatives/<int:cooperative_id>")
class CooperativeById(MethodView):
    """One cooperative."""

    @documented("getCooperative")
    @blp.response(200, CooperativeSchema)
    def get(self, cooperative_id: int) -> Any:
        """Read a cooperative."""
        return get_scoped(Cooperative, cooperative_id, api_actor())

    @documented("updateCooperative", 403)
    @blp.arguments(CooperativeSchema(partial=True))
    @blp.response(200, CooperativeSchema)
    def patch(self, data: dict[str, Any], cooperative_id: int) -> Any:
        """Change a cooperative's details (its manager)."""
        coop = get_scoped(Cooperative, cooperative_id, api_actor())
        return services.update_cooperative(api_actor(), coop, **data)


@blp.route("/cooperatives/<int:cooperative_id>/members")
class CooperativeMembers(MethodView):
    """A cooperative's members."""

    @documented("listMembers")
    @blp.arguments(MemberQuerySchema, location="query")
    @blp.response(200, MemberSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], cooperative_id: int, pagination_parameters: Any) -> Any:
        """List and search members."""
        actor = api_actor()
        coop = get_scoped(Cooperative, cooperative_id, actor)
        stmt = scoped(Member, actor).where(Member.cooperative_id == coop.id)
        stmt = services.member_search(stmt, args.get("q"))
        if args.get("active") is True:
            stmt = stmt.where(Member.left_on.is_(None))
        elif args.get("active") is False:
            stmt = stmt.where(Member.left_on.is_not(None))
        items = keyset_api_page(stmt, services.MEMBER_LIST_ORDER, pagination_parameters)
        return items

    @documented("createMember", 403)
    @blp.arguments(MemberSchema)
    @blp.response(201, MemberSchema)
    def post(self, data: dict[str, Any], cooperative_id: int) -> Any:
        """Register a member; a member number is allocated if none is given."""
        return services.create_member(api_actor(), cooperative_id, **data)


@blp.route("/cooperatives/<int:cooperative_id>/members/import", methods=["POST"])
@documented("importMembers", 403)
@blp.arguments(ImportArgsSchema, location="query")
@blp.arguments(FileSchema, location="files")
@blp.response(200, ImportPreviewSchema)
def import_members(args: dict[str, Any], files: dict[str, Any], cooperative_id: int) -> Any:
    """Check a CSV/XLSX member file (``dry_run=true``, the default) or import it all-or-nothing."""
    actor = api_actor()
    upload = files["file"]
    content = services.read_member_upload(upload.stream)
    preview = services.preview_member_import(
        actor, cooperative_id, upload.filename or "upload.csv", content
    )
    result: dict[str, Any] = {
        "filename": preview.filename,
        "ok": preview.ok,
        "problem_count": preview.problem_count,
        "file_problems": preview.file_problems,
        "unknown_columns": preview.unknown_columns,
        "columns": preview.columns,
        "rows": [{"line": r.line, "problems": r.problems} for r in preview.rows if r.problems],
        "updates": [
            {
                "line": r.line,
                "member_number": r.values.get("member_number"),
                "changes": audit.to_jsonable(
                    {k: {"before": old, "after": new} for k, (old, new) in r.changes.items()}
                ),
            }
            for r in preview.updated_rows
        ],
        "imported": None,
    }
    if args["dry_run"]:
        return result
    if not preview.ok:
        # Keys are field names; each message names its line and column.
        raise ValidationFailed(_("Nothing was imported: the file has problems."), preview.errors())
    assert preview.import_id is not None
    created = services.commit_member_import(actor, cooperative_id, preview.import_id)
    result["imported"] = len(created)
    return result


@blp.route("/members/<int:member_id>")
class MemberById(MethodView):
    """One member."""

    @documented("getMember")
    @blp.response(200, MemberSchema)
    def get(self, member_id: int) -> Any:
        """Read a member."""
        return get_scoped(Member, member_id, api_actor())

    @documented("updateMember", 403)
    @blp.arguments(MemberSchema(partial=True))
    @blp.response(200, MemberSchema)
    def patch(self, data: dict[str, Any], member_id: int) -> Any:
        """Change a member's details. Members are never deleted: set ``left_on``."""
        actor = api_actor()
        member = get_scoped(Member, member_id, actor)
        require(actor.can_write_cooperative(member.cooperative_id))
        return services.update_member(actor, member, **data)
