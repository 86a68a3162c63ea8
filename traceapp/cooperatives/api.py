"""JSON API for cooperatives and members."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from marshmallow import fields

from traceapp.api import api_actor, documented
from traceapp.api.paging import Blueprint, keyset_api_page
from traceapp.api.schemas import BaseSchema
from traceapp.auth.permissions import get_scoped, require, scoped
from traceapp.cooperatives import member_jobs, services
from traceapp.cooperatives.models import Cooperative, Member, MemberImport
from traceapp.cooperatives.schemas import (
    CooperativeSchema,
    ImportArgsSchema,
    ImportPreviewSchema,
    MemberImportJobSchema,
    MemberQuerySchema,
    MemberSchema,
)
from traceapp.errors import ValidationFailed
from traceapp.extensions import db

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
@blp.alt_response(
    202,
    schema=MemberImportJobSchema,
    description="A large file: checked (and with dry_run=false applied) by a background job",
)
def import_members(args: dict[str, Any], files: dict[str, Any], cooperative_id: int) -> Any:
    """Check a CSV/XLSX member file (``dry_run=true``, the default) or import it all-or-nothing.
    A file above the synchronous size limit (or an import of many rows) runs as a background
    job: 202 with the job's address (``Location``) to follow its progress."""
    actor = api_actor()
    get_scoped(Cooperative, cooperative_id, actor)
    upload = files["file"]
    name = upload.filename or "upload.csv"
    path, size = member_jobs.spool(upload.stream, name)
    small = size <= int(
        current_app.config.get("TRACEAPP_MEMBER_IMPORT_SYNC_BYTES", member_jobs.SYNC_BYTES)
    )
    job = member_jobs.start_check(
        actor, cooperative_id, path, size, name, apply_when_checked=not (args["dry_run"] or small)
    )
    job = _run(job)
    if job.status != "done":
        return _accepted(job)
    summary = job.summary or {}
    result = _preview(job.filename, summary)
    if args["dry_run"]:
        return result
    if not summary.get("ok"):
        # Keys are field names; each message names its line and column.
        raise ValidationFailed(
            _("Nothing was imported: the file has problems."), services.summary_errors(summary)
        )
    job = _run(member_jobs.confirm(actor, cooperative_id, job.id))
    if job.status != "done":
        return _accepted(job)
    result["imported"] = job.imported_count
    return result


def _run(job: MemberImport) -> MemberImport:
    """Commit the queued job and run it now if small; a failure is the request's error."""
    db.session.commit()
    member_jobs.launch(job)
    db.session.expire_all()
    job = db.session.get_one(MemberImport, job.id)
    if job.status == "failed":
        error = ValidationFailed(job.error or "", job.problems or {"file": [job.error or ""]})
        member_jobs.forget_failed_check(job)
        raise error
    return job


def _accepted(job: MemberImport) -> Any:
    url = url_for("api_cooperatives.member_import_job", import_id=job.id)
    # A response of its own: the operation's 200 schema must not filter the job's fields.
    response = jsonify(MemberImportJobSchema().dump(job))
    response.status_code = 202
    response.headers["Location"] = url
    return response


def _preview(filename: str, summary: dict[str, Any]) -> dict[str, Any]:
    """The dry run's report from a kept check."""
    rows: dict[int, list[dict[str, str]]] = {}
    for p in summary.get("problems", []):
        rows.setdefault(p["line"], []).append(
            {"column": p["column"], "field": p["field"], "message": p["message"]}
        )
    return {
        "filename": filename,
        "ok": summary.get("ok", False),
        "problem_count": summary.get("problem_count", 0),
        "file_problems": summary.get("file_problems", []),
        "unknown_columns": summary.get("unknown_columns", []),
        "columns": summary.get("columns", {}),
        "rows": [{"line": line, "problems": found} for line, found in rows.items()],
        "updates": summary.get("changes", []),
        "imported": None,
    }


@blp.route("/member-imports/<int:import_id>")
@documented("getMemberImport")
@blp.response(200, MemberImportJobSchema)
def member_import_job(import_id: int) -> Any:
    """A member import: its check (the summary, while it waits to be applied), the progress
    of its application, what it applied, or why it failed."""
    return get_scoped(MemberImport, import_id, api_actor())


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
