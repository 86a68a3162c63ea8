"""JSON API for zone codes: registry, lifecycle transitions, certifications, GeoJSON export."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask.views import MethodView
from flask_babel import format_decimal
from flask_babel import gettext as _

from traceapp.api import api_actor, documented
from traceapp.api.openapi import JSON_DOCUMENT
from traceapp.api.paging import Blueprint, keyset_api_page
from traceapp.auth.permissions import get_scoped, scoped
from traceapp.core.streaming import reading
from traceapp.errors import ValidationFailed
from traceapp.zones import geometry as geo
from traceapp.zones import services
from traceapp.zones.models import Zone
from traceapp.zones.schemas import (
    CertificationSchema,
    TransitionSchema,
    ZoneQuerySchema,
    ZoneSchema,
)

blp = Blueprint(
    "api_zones",
    __name__,
    description="Growing-area, packing-house, aquaculture and fishing-ground codes",
)

#: Room in a zone's body for the fields beside its outline.
_BODY_MARGIN = 64 * 1024


@blp.before_request
def _refuse_outsized_outlines() -> None:
    """Judge a zone's body by its size and its positions before it is parsed: decoded, each
    position costs a list and two floats, so 600,000 of them take over 100 MB."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    limit = geo.max_file_bytes() + _BODY_MARGIN
    if (request.content_length or 0) > limit or len(request.get_data(cache=True)) > limit:
        # TRANSLATORS: %(size)s is a number of megabytes, such as 5.
        message = _(
            "The zone is larger than %(size)s MB; simplify its outline.",
            size=format_decimal(round(limit / (1024 * 1024), 1)),
        )
        raise ValidationFailed.field("geometry", message)
    if geo.too_many_positions(request.get_data(cache=True)):
        raise ValidationFailed.field("geometry", str(geo.too_many_positions_error()))


def _listing(args: dict[str, Any]) -> Any:
    stmt = scoped(Zone, api_actor())
    return services.filter_zones(
        stmt,
        kind=args.get("kind"),
        status=args.get("status"),
        province=args.get("province"),
        q=args.get("q"),
    )


@blp.route("/zones")
class Zones(MethodView):
    """Zone codes the caller may see: their cooperative's, or their province's for auditors."""

    @documented("listZones")
    @blp.arguments(ZoneQuerySchema, location="query")
    @blp.response(200, ZoneSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """List zone codes, filtered by kind, effective status, province and text."""
        items = keyset_api_page(_listing(args), services.ZONE_LIST_ORDER, pagination_parameters)
        return items

    @documented("createZone", 403, 404)
    @blp.arguments(ZoneSchema)
    @blp.response(201, ZoneSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Register a zone code as a draft of the caller's cooperative."""
        actor = api_actor()
        return services.create_zone(actor, actor.cooperative_id, **data)


@blp.route("/zones.geojson")
class ZonesGeoJSON(MethodView):
    """The caller's visible zones as one GeoJSON FeatureCollection."""

    @documented("exportZonesGeoJson", media="application/geo+json", body=JSON_DOCUMENT)
    @blp.arguments(ZoneQuerySchema, location="query")
    @blp.response(
        200,
        content_type="application/geo+json",
        description="A GeoJSON FeatureCollection (RFC 7946)",
    )
    def get(self, args: dict[str, Any]) -> Any:
        """Export zones as GeoJSON ([longitude, latitude], WGS84)."""
        return Response(
            reading(services.feature_collection_chunks(_listing(args))),
            content_type="application/geo+json; charset=utf-8",
        )


@blp.route("/zones/<int:zone_id>")
class ZoneById(MethodView):
    """One zone code."""

    @documented("getZone")
    @blp.response(200, ZoneSchema)
    def get(self, zone_id: int) -> Any:
        """Read a zone code with its area check, overlaps and certifications."""
        return get_scoped(Zone, zone_id, api_actor())

    @documented("updateZone", 403, 409)
    @blp.arguments(ZoneSchema(partial=True))
    @blp.response(200, ZoneSchema)
    def patch(self, data: dict[str, Any], zone_id: int) -> Any:
        """Change a zone; after submission only member_ids and notes may change (else 409)."""
        actor = api_actor()
        zone = get_scoped(Zone, zone_id, actor)
        return services.update_zone(actor, zone, **data)


@blp.route("/zones/<int:zone_id>/transitions")
class ZoneTransitions(MethodView):
    """The zone's lifecycle."""

    @documented("listZoneTransitions")
    @blp.response(200, TransitionSchema(many=True))
    def get(self, zone_id: int) -> Any:
        """The status history: from, to, who, when and why."""
        zone = get_scoped(Zone, zone_id, api_actor())
        return services.zone_transitions(zone)

    @documented("transitionZone", 403, 409)
    @blp.arguments(TransitionSchema)
    @blp.response(201, TransitionSchema)
    def post(self, data: dict[str, Any], zone_id: int) -> Any:
        """Submit (cooperative) or decide (auditor of the province, with a reason)."""
        actor = api_actor()
        zone = get_scoped(Zone, zone_id, actor)
        return services.transition(
            actor,
            zone,
            data["to_status"],
            data.get("reason"),
            decision_number=data.get("decision_number"),
            issued_on=data.get("issued_on"),
        )


@blp.route("/zones/<int:zone_id>/certifications")
class ZoneCertifications(MethodView):
    """Certificates held for a zone."""

    @documented("listCertifications")
    @blp.response(200, CertificationSchema(many=True))
    def get(self, zone_id: int) -> Any:
        """The zone's certificates, soonest expiry first."""
        return get_scoped(Zone, zone_id, api_actor()).certifications

    @documented("createCertification", 403, 409)
    @blp.arguments(CertificationSchema)
    @blp.response(201, CertificationSchema)
    def post(self, data: dict[str, Any], zone_id: int) -> Any:
        """Record a certificate (VietGAP, GlobalGAP, organic, other)."""
        actor = api_actor()
        zone = get_scoped(Zone, zone_id, actor)
        return services.add_certification(actor, zone, **data)


@blp.route("/zones/<int:zone_id>/certifications/<int:certification_id>")
class ZoneCertificationById(MethodView):
    """One certificate of a zone."""

    @documented("getCertification")
    @blp.response(200, CertificationSchema)
    def get(self, zone_id: int, certification_id: int) -> Any:
        """Read a certificate."""
        zone = get_scoped(Zone, zone_id, api_actor())
        return services.get_certification(zone, certification_id)

    @documented("updateCertification", 403, 409)
    @blp.arguments(CertificationSchema(partial=True))
    @blp.response(200, CertificationSchema)
    def patch(self, data: dict[str, Any], zone_id: int, certification_id: int) -> Any:
        """Correct a certificate or record its renewed expiry."""
        actor = api_actor()
        zone = get_scoped(Zone, zone_id, actor)
        cert = services.get_certification(zone, certification_id)
        return services.update_certification(actor, cert, **data)


from traceapp.zones import api_import  # noqa: E402 - its routes share this package's API

blueprints = [blp, api_import.blp]
