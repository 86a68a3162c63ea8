"""The zone maps' routes: the context layer a map draws around a zone (the cooperative's
other zones, later the administrative outlines), and the headers a map page needs.

The map (static/js/zone-map.js, on the vendored Leaflet) is an editor and a viewer only: what
it writes into the form's geometry field is checked by the server exactly as typed GeoJSON.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from shapely.geometry import shape
from shapely.ops import unary_union

from traceapp.auth.permissions import get_scoped, scoped
from traceapp.core import boundaries
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.web import CONTENT_SECURITY_POLICY
from traceapp.zones import services
from traceapp.zones.forms import KIND_LABELS, STATUS_LABELS
from traceapp.zones.maps import tile_origin
from traceapp.zones.models import Zone
from traceapp.zones.views import bp

#: Most zones a context layer carries: a cooperative has tens; the bound keeps one request
#: small whatever the data.
MAX_CONTEXT_ZONES = 1000
#: Provinces within this distance of a cooperative's zones are drawn as context.
BOUNDARY_CONTEXT_KM = 15.0
#: The pages that draw a map; they get the tile server in img-src, and the form may ask for
#: the phone's position ("walk the boundary").
MAP_ENDPOINTS = frozenset({"zones.create", "zones.edit", "zones.detail", "authority.zone"})
GEOLOCATION_ENDPOINTS = frozenset({"zones.create", "zones.edit"})


def _zone_feature(zone: Zone, today: Any) -> dict[str, Any]:
    status = services.effective_status(zone, today)
    return {
        "type": "Feature",
        "geometry": zone.geometry,
        "properties": {
            "layer": "zone",
            "zone_id": zone.id,
            "code": zone.code,
            "name": zone.name or "",
            "kind": str(KIND_LABELS[zone.kind]),
            "status": str(STATUS_LABELS[status]),
            "url": url_for("zones.detail", zone_id=zone.id),
        },
    }


def cooperative_zone_features(actor: Any, cooperative_id: int | None) -> list[dict[str, Any]]:
    """The located zones of one cooperative that the actor may read, as GeoJSON features."""
    if cooperative_id is None:
        return []
    zones = db.session.execute(
        scoped(Zone, actor)
        .where(Zone.cooperative_id == cooperative_id, Zone.min_lon.is_not(None))
        .order_by(Zone.code)
        .limit(MAX_CONTEXT_ZONES)
    ).scalars()
    today = local_today()
    # The bounding box is kept with every stored outline; the check below is belt and braces.
    return [_zone_feature(z, today) for z in zones if z.geometry]


def boundary_features(zone_features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The administrative outlines shipped with the app (traceapp/core/boundaries.py) around
    the cooperative's zones, as features of layer "boundary", named in the reader's language."""
    if not zone_features:
        return []
    shapes = [shape(f["geometry"]) for f in zone_features[:MAX_CONTEXT_ZONES]]
    lang = str(get_locale() or "vi")
    found: dict[tuple[str, str], boundaries.Outline] = {}
    for outline in boundaries.around(unary_union(shapes), km=BOUNDARY_CONTEXT_KM):
        found.setdefault((outline.country, outline.code), outline)
    return [
        {
            "type": "Feature",
            "geometry": outline.geojson(),
            "properties": {
                "layer": "boundary",
                "code": outline.code,
                "name": outline.name_in(lang),
            },
        }
        for outline in found.values()
    ]


def context_layers(actor: Any, cooperative_id: int | None) -> list[dict[str, Any]]:
    """Everything a zone map draws as context around the zone being edited or shown: the
    provinces around the cooperative's zones (layer "boundary"), then its other located zones
    (layer "zone"). The map styles and labels features by ``properties.layer``."""
    zones = cooperative_zone_features(actor, cooperative_id)
    return boundary_features(zones) + zones


def _collection(features: list[dict[str, Any]]) -> Response:
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    return Response(
        body,
        content_type="application/geo+json; charset=utf-8",
        headers={"Cache-Control": "private, no-store"},
    )


@bp.route("/zones/map-context.geojson")
@login_required
def map_context() -> Any:
    """The context of a new zone's map: the user's cooperative's zones (none for others)."""
    cooperative_id = current_user.cooperative_id if current_user.is_cooperative_user else None
    return _collection(context_layers(current_user, cooperative_id))


@bp.route("/zones/<int:zone_id>/map-context.geojson")
@login_required
def zone_map_context(zone_id: int) -> Any:
    """The context of one zone's map: the other zones of its cooperative the user may read."""
    zone = get_scoped(Zone, zone_id, current_user)
    features = context_layers(current_user, zone.cooperative_id)
    return _collection([f for f in features if f["properties"].get("zone_id") != zone.id])


@bp.after_app_request
def _map_page_headers(response: Response) -> Response:
    """A map page may load tiles from the configured server, and the zone form may ask for
    the phone's position (only when the user starts walking a boundary)."""
    if request.endpoint not in MAP_ENDPOINTS:
        return response
    tiles = current_app.config.get("TRACEAPP_MAP_TILE_URL")
    if tiles:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "img-src 'self' data:", f"img-src 'self' data: {tile_origin(tiles)}"
        )
    if request.endpoint in GEOLOCATION_ENDPOINTS:
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self)"
    return response
