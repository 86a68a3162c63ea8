"""GeoJSON input: decoding, unwrapping a Feature, and checking and normalising a geometry."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from traceapp.core.inputs import json_too_deep, too_deep_message
from traceapp.zones.geometry.explain import invalid_json, invalid_shape
from traceapp.zones.geometry.messages import (
    DECIMALS,
    GEOMETRY_TYPES,
    BBox,
    GeometryError,
    Place,
    degrees_text,
    max_file_bytes,
    max_positions,
    pair_text,
    place_words,
    polygon_place,
    ring_place,
    too_large,
    too_many_positions,
    too_many_positions_error,
)


def load_json(text: str | bytes) -> Any:
    """Decode GeoJSON text, refusing anything that is not JSON, or is too large, nested too
    deep or holds too many positions: all three are judged on the text, before parsing."""
    if len(text) > max_file_bytes():
        raise too_large()
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise GeometryError(_("The GeoJSON file must be UTF-8 text.")) from None
    if json_too_deep(text):
        raise GeometryError(too_deep_message())
    if too_many_positions(text):
        # Parsed, each position costs a list and two floats (about 200 bytes).
        raise too_many_positions_error()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise GeometryError(invalid_json(exc)) from None


def unwrap(obj: Any) -> dict[str, Any]:
    """The geometry object inside a GeoJSON geometry, Feature or one-feature FeatureCollection."""
    if not isinstance(obj, dict):
        raise GeometryError(
            _(
                "The geometry must be a GeoJSON object such as "
                '{"type": "Polygon", "coordinates": [...]}.'
            )
        )
    kind = obj.get("type")
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list) or len(features) != 1:
            count = len(features) if isinstance(features, list) else 0
            # TRANSLATORS: "FeatureCollection", "Feature" and "MultiPolygon" are GeoJSON
            # terms; %(count)d is never 1 here.
            raise GeometryError(
                _(
                    "The FeatureCollection has %(count)d features; a zone is one "
                    "feature (use a MultiPolygon for several plots).",
                    count=count,
                )
            )
        return unwrap(features[0])
    if kind == "Feature":
        geometry = obj.get("geometry")
        if geometry is None:
            raise GeometryError(_("The Feature has no geometry."))
        return unwrap(geometry)
    if kind not in GEOMETRY_TYPES:
        # TRANSLATORS: Point, Polygon and MultiPolygon are GeoJSON types; %(kind)s is the
        # type that was sent, quoted.
        raise GeometryError(
            _("A zone is a Point, a Polygon or a MultiPolygon, not %(kind)s.", kind=repr(kind))
        )
    if "coordinates" not in obj:
        # TRANSLATORS: %(kind)s is a GeoJSON type: Point, Polygon or MultiPolygon.
        raise GeometryError(_("The %(kind)s has no coordinates.", kind=kind))
    return obj


def _inside(lon: float, lat: float, bbox: BBox) -> bool:
    return bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def _position(value: Any, place: Place, bbox: BBox | None) -> tuple[float, float]:
    """One [longitude, latitude] position, checked and rounded; an altitude is dropped.

    ``place`` says where it lies; it is put in words only for a message.
    """
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        # TRANSLATORS: %(where)s says where (e.g. "Polygon, outer ring, position 3");
        # %(value)s is what was sent there, as written.
        raise GeometryError(
            _(
                "%(where)s: a position is [longitude, latitude], got %(value)s.",
                where=place_words(place),
                value=f"{value!r:.60}",
            )
        )
    numbers = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise GeometryError(
                _(
                    "%(where)s: coordinates must be numbers, got %(value)s.",
                    where=place_words(place),
                    value=f"{item!r:.30}",
                )
            )
        if not math.isfinite(item):
            raise GeometryError(
                _(
                    "%(where)s: coordinates must be finite numbers, got %(value)s.",
                    where=place_words(place),
                    value=str(item),
                )
            )
        numbers.append(float(item))
    lon, lat = numbers[0], numbers[1]
    swapped_fits = -90 <= lon <= 90 and -180 <= lat <= 180
    if not (-90 <= lat <= 90) or (bbox and not _inside(lon, lat, bbox) and _inside(lat, lon, bbox)):
        if swapped_fits:
            raise GeometryError(
                # TRANSLATORS: %(sent)s and %(meant)s are positions as GeoJSON writes them,
                # e.g. [109.02, 13.4]: keep the brackets and the words' order in them.
                _(
                    "%(where)s: %(sent)s looks like [latitude, longitude]; GeoJSON (RFC 7946) "
                    "writes [longitude, latitude], i.e. %(meant)s.",
                    where=place_words(place),
                    sent=pair_text(lon, lat),
                    meant=pair_text(lat, lon),
                )
            )
        raise GeometryError(
            _(
                "%(where)s: latitude %(lat)s is outside -90 to 90.",
                where=place_words(place),
                lat=degrees_text(lat),
            )
        )
    if not -180 <= lon <= 180:
        raise GeometryError(
            _(
                "%(where)s: longitude %(lon)s is outside -180 to 180.",
                where=place_words(place),
                lon=degrees_text(lon),
            )
        )
    if bbox and not _inside(lon, lat, bbox):
        raise GeometryError(
            # TRANSLATORS: %(position)s is the position as GeoJSON writes it; the box is in
            # degrees of longitude (west to east) and latitude (south to north).
            _(
                "%(where)s: %(position)s lies outside Vietnam (longitude %(west)s to %(east)s, "
                "latitude %(south)s to %(north)s).",
                where=place_words(place),
                position=pair_text(lon, lat),
                west=degrees_text(bbox[0]),
                east=degrees_text(bbox[2]),
                south=degrees_text(bbox[1]),
                north=degrees_text(bbox[3]),
            )
        )
    return round(lon, DECIMALS), round(lat, DECIMALS)


def _ring(
    value: Any, polygon: int | None, hole: int, bbox: BBox | None
) -> list[tuple[float, float]]:
    """Ring ``hole`` (0: the outer one) of polygon ``polygon``, checked."""
    if not isinstance(value, list | tuple):
        raise GeometryError(
            _("%(where)s: a linear ring is a list of positions.", where=ring_place(polygon, hole))
        )
    if len(value) < 4:
        raise GeometryError(
            ngettext(
                "%(where)s has %(num)d position; a linear ring needs at least 4 (three corners and "
                "the first one repeated at the end).",
                "%(where)s has %(num)d positions; a linear ring needs at least 4 (three corners "
                "and the first one repeated at the end).",
                len(value),
                where=ring_place(polygon, hole),
            )
        )
    ring = [_position(p, (polygon, hole, i), bbox) for i, p in enumerate(value, start=1)]
    if ring[0] != ring[-1]:
        raise GeometryError(
            # TRANSLATORS: %(first)s is the ring's first position as GeoJSON writes it.
            _(
                "%(where)s is not closed: its last position must repeat the first, %(first)s.",
                where=ring_place(polygon, hole),
                first=pair_text(*ring[0]),
            )
        )
    return ring


def _polygon(value: Any, polygon: int | None, bbox: BBox | None) -> Polygon:
    """Polygon ``polygon`` of a MultiPolygon (``None``: the geometry is one Polygon)."""
    if not isinstance(value, list | tuple) or not value:
        raise GeometryError(
            _(
                "%(where)s: a polygon is a list of linear rings (outline first).",
                where=polygon_place(polygon),
            )
        )
    rings = [_ring(ring, polygon, hole, bbox) for hole, ring in enumerate(value)]
    return Polygon(rings[0], rings[1:])


def count_positions(value: Any, depth: int) -> int:
    """How many positions nested lists hold, ``depth`` levels down (1 for a position)."""
    if depth == 0:
        return 1
    if not isinstance(value, list | tuple):
        return 0
    return sum(count_positions(v, depth - 1) for v in value)


def to_shape(geometry: dict[str, Any]) -> BaseGeometry:
    """A shapely geometry from a stored (already normalised) GeoJSON geometry."""
    return shape(geometry)


def _as_lists(value: Any) -> Any:
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], int | float):
            return [round(float(v), DECIMALS) for v in value]
        return [_as_lists(v) for v in value]
    return value


def normalise(obj: Any, *, bbox: Sequence[float] | None = None) -> dict[str, Any]:
    """Check a GeoJSON geometry (or Feature, or text) and return it rounded and oriented.

    ``bbox`` (west, south, east, north) confines every position; ``None`` allows anywhere.
    Polygons come back with counter-clockwise outer rings and clockwise holes (RFC 7946).
    """
    if isinstance(obj, str | bytes):
        obj = load_json(obj)
    geometry = unwrap(obj)
    kind = geometry["type"]
    coords = geometry["coordinates"]
    box: BBox | None = tuple(bbox) if bbox else None  # type: ignore[assignment]
    depth = {"Point": 0, "Polygon": 2, "MultiPolygon": 3}[kind]
    if count_positions(coords, depth) > max_positions():
        raise too_many_positions_error()
    result: BaseGeometry
    if kind == "Point":
        result = Point(_position(coords, None, box))
    elif kind == "Polygon":
        result = _polygon(coords, None, box)
    else:
        if not isinstance(coords, list | tuple) or not coords:
            raise GeometryError(_("A MultiPolygon is a list of polygons."))
        result = MultiPolygon([_polygon(p, i, box) for i, p in enumerate(coords, start=1)])
    if kind != "Point":
        if not result.is_valid:
            raise GeometryError(invalid_shape(result))
        if result.area <= 0:
            raise GeometryError(_("The outline encloses no area."))
        if isinstance(result, Polygon):
            result = orient(result, sign=1.0)
        else:
            result = MultiPolygon([orient(p, sign=1.0) for p in result.geoms])
    out = mapping(result)
    return {"type": out["type"], "coordinates": _as_lists(out["coordinates"])}
