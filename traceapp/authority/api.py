"""JSON API of the authority console: register, exports, dossier, inspections, flags, stats."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import Response
from flask.views import MethodView

from traceapp.api import api_actor, documented
from traceapp.api.openapi import JSON_DOCUMENT, TEXT
from traceapp.api.paging import Blueprint, keyset_api_page, list_api_page
from traceapp.auth.permissions import get_scoped
from traceapp.authority import dossiers, exports, figures, flags, inspections, services, stats
from traceapp.authority.schemas import (
    FlagQuerySchema,
    FlagSchema,
    InspectionSchema,
    RegisterQuerySchema,
    RegisterZoneSchema,
    StatsQuerySchema,
    StatsSchema,
)
from traceapp.core.streaming import reading
from traceapp.database import local_today
from traceapp.zones.models import Zone
from traceapp.zones.services import ZONE_LIST_ORDER

blp = Blueprint(
    "api_authority",
    __name__,
    description="The authority console: zone register, inspections, flags, "
    "statistics and exports (auditors and administrators)",
)


def _register(args: dict[str, Any]) -> tuple[services.Scope, Any]:
    scope = services.console_scope(api_actor())
    return scope, services.register_query(scope, services.check_filters(args))


def _download(
    body: str | bytes | Callable[[str], Iterator[bytes]], content_type: str, name: str
) -> Response:
    """A download with the audit chain's head in its header. A register export is written
    as it is sent: ``body`` is then what writes it, with the same head."""
    head = exports.head_headers()
    sent = reading(body(head[exports.HEAD_HEADER])) if callable(body) else body
    return Response(
        sent,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', **head},
    )


@blp.route("/authority/zones")
class RegisterZones(MethodView):
    """The zone register of the caller's province (everything for administrators)."""

    @documented("listRegisterZones", 403)
    @blp.arguments(RegisterQuerySchema, location="query")
    @blp.response(200, RegisterZoneSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """List zone codes in scope, filtered by kind, crop, status, cooperative, commune,
        expiry window and flags."""
        _scope, stmt = _register(args)
        items = keyset_api_page(stmt, ZONE_LIST_ORDER, pagination_parameters)
        return items


@blp.route("/authority/zones.csv")
class RegisterCSV(MethodView):
    """The register as CSV."""

    @documented("exportRegisterCsv", 403, media="text/csv", body=TEXT, attachment=True)
    @blp.arguments(RegisterQuerySchema, location="query")
    @blp.response(200, content_type="text/csv", description="The register, formula-safe")
    def get(self, args: dict[str, Any]) -> Any:
        """Export the filtered register as CSV (cells safe against formula injection)."""
        scope, stmt = _register(args)
        found = flags.compute_flags(scope, kinds=flags.ZONE_KINDS)
        today = local_today()
        return _download(
            lambda head: exports.register_csv_chunks(stmt, found, head, today),
            "text/csv; charset=utf-8",
            f"zones-{today.isoformat()}.csv",
        )


@blp.route("/authority/zones.geojson")
class RegisterGeoJSON(MethodView):
    """The register as GeoJSON."""

    @documented(
        "exportRegisterGeoJson",
        403,
        media="application/geo+json",
        body=JSON_DOCUMENT,
        attachment=True,
    )
    @blp.arguments(RegisterQuerySchema, location="query")
    @blp.response(
        200,
        content_type="application/geo+json",
        description="A GeoJSON FeatureCollection (RFC 7946)",
    )
    def get(self, args: dict[str, Any]) -> Any:
        """Export the filtered register as GeoJSON ([longitude, latitude], WGS84)."""
        _scope, stmt = _register(args)
        today = local_today()
        return _download(
            lambda head: exports.register_geojson_chunks(stmt, head, today),
            "application/geo+json; charset=utf-8",
            f"zones-{today.isoformat()}.geojson",
        )


@blp.route("/authority/zones.kml")
class RegisterKML(MethodView):
    """The register as KML."""

    @documented(
        "exportRegisterKml",
        403,
        media="application/vnd.google-earth.kml+xml",
        body=TEXT,
        attachment=True,
    )
    @blp.arguments(RegisterQuerySchema, location="query")
    @blp.response(
        200, content_type="application/vnd.google-earth.kml+xml", description="A KML 2.2 document"
    )
    def get(self, args: dict[str, Any]) -> Any:
        """Export the filtered register as KML."""
        _scope, stmt = _register(args)
        today = local_today()
        return _download(
            lambda head: exports.register_kml_chunks(stmt, head, today),
            "application/vnd.google-earth.kml+xml",
            f"zones-{today.isoformat()}.kml",
        )


@blp.route("/authority/zones/<int:zone_id>/dossier.pdf")
class ZoneDossier(MethodView):
    """A zone's dossier."""

    @documented("downloadZoneDossier", 403, media="application/pdf", attachment=True)
    @blp.response(200, content_type="application/pdf", description="A printable PDF")
    def get(self, zone_id: int) -> Any:
        """Decisions, inspections, lots and volumes per season, certifications, overlaps."""
        actor = api_actor()
        zone = services.get_zone(actor, zone_id)
        scope = services.console_scope(actor)
        body = dossiers.dossier_pdf(dossiers.dossier(scope, zone), zone.cooperative.name)
        return _download(body, "application/pdf", f"dossier-{zone.code}.pdf")


@blp.route("/zones/<int:zone_id>/inspections")
class ZoneInspections(MethodView):
    """Field inspections of a zone: read by its cooperative and the auditors of its province,
    recorded by those auditors."""

    @documented("listInspections")
    @blp.response(200, InspectionSchema(many=True))
    def get(self, zone_id: int) -> Any:
        """The zone's inspections, latest first."""
        zone = get_scoped(Zone, zone_id, api_actor())
        return inspections.inspections_of(zone)

    @documented("createInspection", 403, 409)
    @blp.arguments(InspectionSchema)
    @blp.response(201, InspectionSchema)
    def post(self, data: dict[str, Any], zone_id: int) -> Any:
        """Record an inspection; with ``suspend`` a failed one suspends the code at once."""
        actor = api_actor()
        zone = get_scoped(Zone, zone_id, actor)
        suspend = data.pop("suspend", False)
        reason = data.pop("suspension_reason", None)
        return inspections.record_inspection(
            actor, zone, suspend=suspend, suspension_reason=reason, **data
        )


#: The header telling how fresh the kept flags are.
FLAGS_AS_OF = {
    "X-Flags-As-Of": {
        "description": "When the kept flags were made (ISO 8601, UTC), or `live`.",
        "schema": {"type": "string"},
    }
}


@blp.route("/authority/flags")
class Flags(MethodView):
    """Everything in scope an auditor should look at."""

    @documented("listFlags", 403)
    @blp.arguments(FlagQuerySchema, location="query")
    @blp.response(200, FlagSchema(many=True), headers=FLAGS_AS_OF)
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Overclaimed zones, borrowed codes, overlaps, area mismatches, expired
        certifications, cloned labels, unknown serials and recalled lots. The flags are
        figures kept by the job worker: ``X-Flags-As-Of`` says when they were made (``live``
        before the first refresh, when the rules ran for this request). Kept flags are
        paged by key (``after``: the ``next_after`` of the page before); the unknown-serials
        summary, counted for each request, sits in its place in the rules' order."""
        scope = services.console_scope(api_actor())
        kinds = [args["kind"]] if args.get("kind") else None
        made = figures.refreshed_at(figures.FLAGS)
        as_of = made.isoformat().replace("+00:00", "Z") if made else "live"
        parts = flags.kept_page_parts(scope, kinds)
        if parts is None:
            found = flags.compute_flags(scope, kinds=kinds)
            return list_api_page(found, pagination_parameters), 200, {"X-Flags-As-Of": as_of}
        stmt, live, follows = parts
        rows = keyset_api_page(stmt, figures.KEPT_ORDER, pagination_parameters)
        page = pagination_parameters.keyset
        out = [figures.flag_of(row) for row in rows]
        # The flags computed live sit in the rules' order: after the kept row they follow,
        # or first on the first page.
        if live:
            page.total += len(live) if page.total_exact else 0
            pagination_parameters.item_count = page.total
            at = next((i + 1 for i, row in enumerate(rows) if row.position == follows), None)
            if at is None and follows is None and not page.more_before:
                at = 0
            if at is not None:
                out[at:at] = live
        return out, 200, {"X-Flags-As-Of": as_of}


def _stats_body(figures: stats.Stats) -> dict[str, Any]:
    def count_area(items: dict[str, Any]) -> dict[str, Any]:
        return {k: {"count": n, "hectares": ha} for k, (n, ha) in items.items()}

    return {
        "cooperatives": figures.cooperatives,
        "members": figures.members,
        "women": figures.women,
        "women_share": figures.women_share,
        "zones_by_status": count_area(figures.zones.by_status),
        "zones_by_kind": count_area(figures.zones.by_kind),
        "lots": figures.lots,
        "labels": figures.labels,
        "scans": figures.scans,
        "months": figures.months,
        "as_of": figures.as_of,
    }


@blp.route("/authority/stats")
class Stats(MethodView):
    """The region's figures."""

    @documented("getStats", 403)
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.response(200, StatsSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Cooperatives, members and women, zones and hectares by status and kind, lots,
        labels issued and scans, per month."""
        scope = services.console_scope(api_actor())
        return _stats_body(stats.compute(scope, args["months"]))


@blp.route("/authority/stats.csv")
class StatsCSV(MethodView):
    """The region's figures as CSV."""

    @documented("exportStatsCsv", 403, media="text/csv", body=TEXT, attachment=True)
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.response(200, content_type="text/csv", description="The statistics, formula-safe")
    def get(self, args: dict[str, Any]) -> Any:
        """The same figures as /authority/stats, one row per figure."""
        scope = services.console_scope(api_actor())
        figures = stats.region(scope, args["months"])
        return _download(
            lambda _head: stats.streamed_csv(figures),
            "text/csv; charset=utf-8",
            f"stats-{local_today().isoformat()}.csv",
        )
