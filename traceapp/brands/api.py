"""JSON API for collective marks, grants of use, and the mark-use check."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from traceapp.api import api_actor, documented, owner_cooperative_id
from traceapp.api.paging import Blueprint, keyset_api_page
from traceapp.api.schemas import OwnerArgsSchema
from traceapp.auth.permissions import get_scoped, scoped
from traceapp.brands import services
from traceapp.brands.models import CollectiveMark, MarkGrant
from traceapp.brands.schemas import (
    GrantActionSchema,
    GrantQuerySchema,
    GrantSchema,
    GrantUpdateSchema,
    LogoSchema,
    MarkQuerySchema,
    MarkSchema,
    MarkUseQuerySchema,
    MarkUseSchema,
)
from traceapp.cooperatives.models import Member
from traceapp.database import local_today
from traceapp.products.models import Product

blp = Blueprint("api_brands", __name__, description="Collective marks and grants of use")


@blp.route("/brands")
class Marks(MethodView):
    """Collective marks the caller may see."""

    @documented("listMarks")
    @blp.arguments(MarkQuerySchema, location="query")
    @blp.response(200, MarkSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """List marks; search by name, certificate number or scope, filter by status."""
        stmt = services.mark_search(
            scoped(CollectiveMark, api_actor()), args.get("q"), args.get("status")
        )
        items = keyset_api_page(
            stmt, [(CollectiveMark.name, False), (CollectiveMark.id, False)], pagination_parameters
        )
        return items

    @documented("createMark", 403, 404)
    @blp.arguments(OwnerArgsSchema, location="query")
    @blp.arguments(MarkSchema)
    @blp.response(201, MarkSchema)
    def post(self, owner: dict[str, Any], data: dict[str, Any]) -> Any:
        """Register a mark (managers; administrators name the cooperative)."""
        return services.create_mark(api_actor(), owner_cooperative_id(owner), **data)


@blp.route("/brands/<int:mark_id>")
class MarkById(MethodView):
    """One collective mark."""

    @documented("getMark")
    @blp.response(200, MarkSchema)
    def get(self, mark_id: int) -> Any:
        """Read a mark and its rules of use."""
        return get_scoped(CollectiveMark, mark_id, api_actor())

    @documented("updateMark", 403)
    @blp.arguments(MarkSchema(partial=True))
    @blp.response(200, MarkSchema)
    def patch(self, data: dict[str, Any], mark_id: int) -> Any:
        """Change a mark's registration or rules of use (its cooperative's manager)."""
        actor = api_actor()
        mark = get_scoped(CollectiveMark, mark_id, actor)
        return services.update_mark(actor, mark, **data)


@blp.route("/brands/<int:mark_id>/logo", methods=["POST"])
@documented("setMarkLogo", 403)
@blp.arguments(LogoSchema, location="files")
@blp.response(200, MarkSchema)
def mark_logo(files: dict[str, Any], mark_id: int) -> Any:
    """Replace the mark's logo (PNG, JPEG or WebP; re-encoded without metadata)."""
    actor = api_actor()
    mark = get_scoped(CollectiveMark, mark_id, actor)
    return services.set_mark_logo(actor, mark, files["logo"])


@blp.route("/brands/<int:mark_id>/grants")
class MarkGrants(MethodView):
    """Grants of use of one mark."""

    @documented("listGrants")
    @blp.arguments(GrantQuerySchema, location="query")
    @blp.response(200, GrantSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], mark_id: int, pagination_parameters: Any) -> Any:
        """List the mark's grants with their history; filter by member or status."""
        actor = api_actor()
        mark = get_scoped(CollectiveMark, mark_id, actor)
        stmt = scoped(MarkGrant, actor).where(MarkGrant.mark_id == mark.id)
        if args.get("status"):
            stmt = stmt.where(MarkGrant.status == args["status"])
        if args.get("member_id"):
            stmt = stmt.where(MarkGrant.member_id == args["member_id"])
        return keyset_api_page(
            services.grant_listing(stmt, args.get("q")),
            services.GRANT_LIST_ORDER,
            pagination_parameters,
        )

    @documented("createGrant", 403, 409)
    @blp.arguments(GrantSchema)
    @blp.response(201, GrantSchema)
    def post(self, data: dict[str, Any], mark_id: int) -> Any:
        """Grant a member use of the mark for named products (the cooperative's manager)."""
        actor = api_actor()
        mark = get_scoped(CollectiveMark, mark_id, actor)
        return services.create_grant(actor, mark, **data)


@blp.route("/grants/<int:grant_id>")
class GrantById(MethodView):
    """One grant of use."""

    @documented("getGrant")
    @blp.response(200, GrantSchema)
    def get(self, grant_id: int) -> Any:
        """Read a grant and its history."""
        return get_scoped(MarkGrant, grant_id, api_actor())

    @documented("updateGrant", 403, 409)
    @blp.arguments(GrantUpdateSchema)
    @blp.response(200, GrantSchema)
    def patch(self, data: dict[str, Any], grant_id: int) -> Any:
        """Change the products (an event), the end date or the notes of a grant."""
        actor, grant = _locked_grant(grant_id)
        return services.update_grant(actor, grant, **data)


def _locked_grant(grant_id: int) -> tuple[Any, MarkGrant]:
    # Locked, so two managers changing one grant at once line up instead of racing.
    actor = api_actor()
    return actor, get_scoped(MarkGrant, grant_id, actor, for_update=True)


@blp.route("/grants/<int:grant_id>/suspend", methods=["POST"])
@documented("suspendGrant", 403, 409)
@blp.arguments(GrantActionSchema)
@blp.response(200, GrantSchema)
def grant_suspend(data: dict[str, Any], grant_id: int) -> Any:
    """Suspend an active grant from a date, saying why."""
    actor, grant = _locked_grant(grant_id)
    return services.suspend_grant(actor, grant, **data)


@blp.route("/grants/<int:grant_id>/reinstate", methods=["POST"])
@documented("reinstateGrant", 403, 409)
@blp.arguments(GrantActionSchema)
@blp.response(200, GrantSchema)
def grant_reinstate(data: dict[str, Any], grant_id: int) -> Any:
    """Lift a suspension from a date, saying why (a revoked grant stays revoked)."""
    actor, grant = _locked_grant(grant_id)
    return services.reinstate_grant(actor, grant, **data)


@blp.route("/grants/<int:grant_id>/revoke", methods=["POST"])
@documented("revokeGrant", 403, 409)
@blp.arguments(GrantActionSchema)
@blp.response(200, GrantSchema)
def grant_revoke(data: dict[str, Any], grant_id: int) -> Any:
    """Revoke a grant from a date, saying why. Revocation is final."""
    actor, grant = _locked_grant(grant_id)
    return services.revoke_grant(actor, grant, **data)


@blp.route("/mark-use", methods=["GET"])
@documented("checkMarkUse", 404)
@blp.arguments(MarkUseQuerySchema, location="query")
@blp.response(200, MarkUseSchema)
def mark_use(args: dict[str, Any]) -> Any:
    """May this member put this product's collective mark on it on that day? And if not, why."""
    actor = api_actor()
    member = get_scoped(Member, args["member_id"], actor)
    product = get_scoped(Product, args["product_id"], actor)
    on = args.get("on") or local_today()
    problem = services.mark_use_problem(member, product, on)
    return {
        "member_id": member.id,
        "product_id": product.id,
        "on": on,
        "allowed": problem is None,
        "problem": problem,
    }
