"""Zone geometry as pure functions: GeoJSON and KML input, validation, areas, overlaps, SVG."""

from __future__ import annotations

import html
import json
import math
import xml.etree.ElementTree as ET  # noqa: S405 - DOCTYPE/ENTITY are refused before parsing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal, format_number, ngettext
from flask_babel import gettext as _
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity

from traceapp.core.inputs import json_too_deep, too_deep_message

#: RFC 7946 asks for enough precision; 7 decimals is about 1 cm, more is noise.
DECIMALS = 7
#: Geometry types a zone may have.
GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")
#: Upload size limit for a GeoJSON or KML file.
MAX_FILE_BYTES = 5 * 1024 * 1024
#: A zone outline with more positions than this is refused (it would slow every overlap check).
MAX_POSITIONS = 50_000
#: EU deforestation rules: plots above this size need a polygon, not a point.
POLYGON_REQUIRED_ABOVE_HA = 4.0
#: Intersections smaller than this (0.01 m²) are rounding noise, not an overlap.
MIN_OVERLAP_HA = 1e-6

_GEOD = Geod(ellps="WGS84")
BBox = tuple[float, float, float, float]


class GeometryError(ValueError):
    """A geometry or file that cannot be accepted; the message is for the person who sent it.

    Messages are translated when raised (the reader's language in a request). Positions are
    quoted as GeoJSON writes them, [longitude, latitude] with decimal points, since that is
    what the sender has to correct; other figures follow the reader's locale.
    """


# --- where a problem lies -----------------------------------------------------------------------
# Whole phrases, one per case, so each language can order its words; they start a message.


def _the_point() -> str:
    # TRANSLATORS: where a problem lies; it starts an error message ("The point: ...").
    return _("The point")


def _polygon_place(polygon: int | None) -> str:
    """A polygon: the only one of a Polygon (``None``) or part ``polygon`` of a MultiPolygon."""
    if polygon is None:
        # TRANSLATORS: where a problem lies in an uploaded outline; it starts an error message.
        return _("Polygon")
    # TRANSLATORS: where a problem lies: the n-th polygon of a multi-part outline.
    return _("Polygon %(polygon)d", polygon=polygon)


def _ring_place(polygon: int | None, hole: int) -> str:
    """A ring of a polygon: the outer one (``hole`` 0) or hole ``hole``."""
    if polygon is None:
        if hole == 0:
            # TRANSLATORS: where a problem lies: the outline (outer boundary) of the polygon.
            return _("Polygon, outer ring")
        # TRANSLATORS: where a problem lies: the n-th hole (inner boundary) of the polygon.
        return _("Polygon, hole %(hole)d", hole=hole)
    if hole == 0:
        return _("Polygon %(polygon)d, outer ring", polygon=polygon)
    return _("Polygon %(polygon)d, hole %(hole)d", polygon=polygon, hole=hole)


def _position_place(polygon: int | None, hole: int, position: int) -> str:
    """One position of a ring, counted from 1."""
    if polygon is None:
        if hole == 0:
            # TRANSLATORS: where a problem lies: the n-th position (corner) of the outline.
            return _("Polygon, outer ring, position %(position)d", position=position)
        return _("Polygon, hole %(hole)d, position %(position)d", hole=hole, position=position)
    if hole == 0:
        return _(
            "Polygon %(polygon)d, outer ring, position %(position)d",
            polygon=polygon,
            position=position,
        )
    return _(
        "Polygon %(polygon)d, hole %(hole)d, position %(position)d",
        polygon=polygon,
        hole=hole,
        position=position,
    )


#: Where a position lies: (polygon or None, ring with 0 for the outer one, position), or None
#: for the position of a Point.
Place = tuple[int | None, int, int] | None


def _where(place: Place) -> str:
    """A position's place in words."""
    return _the_point() if place is None else _position_place(*place)


def _degrees(value: float) -> str:
    """A longitude or latitude in the reader's locale (up to 7 decimals)."""
    return format_decimal(value, format="0.#######")


def _pair(lon: float, lat: float) -> str:
    """A position as GeoJSON writes it, for the sender to find and correct."""
    return f"[{lon:g}, {lat:g}]"


# --- GeoJSON --------------------------------------------------------------------------------


def load_json(text: str | bytes) -> Any:
    """Decode GeoJSON text, refusing anything that is not JSON (or is nested too deep to parse)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise GeometryError(_("The GeoJSON file must be UTF-8 text.")) from None
    if json_too_deep(text):
        raise GeometryError(too_deep_message())
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise GeometryError(
            # TRANSLATORS: %(detail)s is the JSON parser's own explanation, in English.
            _(
                "The geometry is not valid JSON (line %(line)d, column %(column)d: %(detail)s).",
                line=exc.lineno,
                column=exc.colno,
                detail=exc.msg,
            )
        ) from None


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
                where=_where(place),
                value=f"{value!r:.60}",
            )
        )
    numbers = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise GeometryError(
                _(
                    "%(where)s: coordinates must be numbers, got %(value)s.",
                    where=_where(place),
                    value=f"{item!r:.30}",
                )
            )
        if not math.isfinite(item):
            raise GeometryError(
                _(
                    "%(where)s: coordinates must be finite numbers, got %(value)s.",
                    where=_where(place),
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
                    where=_where(place),
                    sent=_pair(lon, lat),
                    meant=_pair(lat, lon),
                )
            )
        raise GeometryError(
            _(
                "%(where)s: latitude %(lat)s is outside -90 to 90.",
                where=_where(place),
                lat=_degrees(lat),
            )
        )
    if not -180 <= lon <= 180:
        raise GeometryError(
            _(
                "%(where)s: longitude %(lon)s is outside -180 to 180.",
                where=_where(place),
                lon=_degrees(lon),
            )
        )
    if bbox and not _inside(lon, lat, bbox):
        raise GeometryError(
            # TRANSLATORS: %(position)s is the position as GeoJSON writes it; the box is in
            # degrees of longitude (west to east) and latitude (south to north).
            _(
                "%(where)s: %(position)s lies outside Vietnam (longitude %(west)s to %(east)s, "
                "latitude %(south)s to %(north)s).",
                where=_where(place),
                position=_pair(lon, lat),
                west=_degrees(bbox[0]),
                east=_degrees(bbox[2]),
                south=_degrees(bbox[1]),
                north=_degrees(bbox[3]),
            )
        )
    return round(lon, DECIMALS), round(lat, DECIMALS)


def _ring(
    value: Any, polygon: int | None, hole: int, bbox: BBox | None
) -> list[tuple[float, float]]:
    """Ring ``hole`` (0: the outer one) of polygon ``polygon``, checked."""
    if not isinstance(value, list | tuple):
        raise GeometryError(
            _("%(where)s: a linear ring is a list of positions.", where=_ring_place(polygon, hole))
        )
    if len(value) < 4:
        raise GeometryError(
            ngettext(
                "%(where)s has %(num)d position; a linear ring needs at least 4 (three corners and "
                "the first one repeated at the end).",
                "%(where)s has %(num)d positions; a linear ring needs at least 4 (three corners "
                "and the first one repeated at the end).",
                len(value),
                where=_ring_place(polygon, hole),
            )
        )
    ring = [_position(p, (polygon, hole, i), bbox) for i, p in enumerate(value, start=1)]
    if ring[0] != ring[-1]:
        raise GeometryError(
            # TRANSLATORS: %(first)s is the ring's first position as GeoJSON writes it.
            _(
                "%(where)s is not closed: its last position must repeat the first, %(first)s.",
                where=_ring_place(polygon, hole),
                first=_pair(*ring[0]),
            )
        )
    return ring


def _polygon(value: Any, polygon: int | None, bbox: BBox | None) -> Polygon:
    """Polygon ``polygon`` of a MultiPolygon (``None``: the geometry is one Polygon)."""
    if not isinstance(value, list | tuple) or not value:
        raise GeometryError(
            _(
                "%(where)s: a polygon is a list of linear rings (outline first).",
                where=_polygon_place(polygon),
            )
        )
    rings = [_ring(ring, polygon, hole, bbox) for hole, ring in enumerate(value)]
    return Polygon(rings[0], rings[1:])


def _count_positions(value: Any, depth: int) -> int:
    if depth == 0:
        return 1
    if not isinstance(value, list | tuple):
        return 0
    return sum(_count_positions(v, depth - 1) for v in value)


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
    if _count_positions(coords, depth) > MAX_POSITIONS:
        raise GeometryError(
            _(
                "The outline has more than %(n)s positions; simplify it.",
                n=format_number(MAX_POSITIONS),
            )
        )
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
            raise GeometryError(
                # TRANSLATORS: %(detail)s is the geometry library's explanation in English,
                # e.g. "Self-intersection[109.0205 13.4005]".
                _(
                    "The outline is not a valid shape: %(detail)s. Edges must not cross, holes "
                    "must lie inside their outline and plots must not overlap.",
                    detail=explain_validity(result),
                )
            )
        if result.area <= 0:
            raise GeometryError(_("The outline encloses no area."))
        if isinstance(result, Polygon):
            result = orient(result, sign=1.0)
        else:
            result = MultiPolygon([orient(p, sign=1.0) for p in result.geoms])
    out = mapping(result)
    return {"type": out["type"], "coordinates": _as_lists(out["coordinates"])}


# --- KML ------------------------------------------------------------------------------------


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: ET.Element, name: str) -> Iterable[ET.Element]:
    return (e for e in element if _local(e.tag) == name)


def _descendants(element: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in element.iter() if _local(e.tag) == name]


def _kml_place(placemark: int, polygon: int | None = None, inner: int | None = None) -> str:
    """Where in a KML file: a placemark's point, or a boundary of one of its polygons."""
    if polygon is None:
        # TRANSLATORS: where a problem lies in a KML file; it starts an error message.
        return _("Placemark %(placemark)d, point", placemark=placemark)
    if inner is None:
        return _(
            "Placemark %(placemark)d, polygon %(polygon)d, outer boundary",
            placemark=placemark,
            polygon=polygon,
        )
    return _(
        "Placemark %(placemark)d, polygon %(polygon)d, inner boundary %(inner)d",
        placemark=placemark,
        polygon=polygon,
        inner=inner,
    )


def _kml_coordinates(element: ET.Element | None, where: str) -> list[list[float]]:
    nodes = _descendants(element, "coordinates") if element is not None else []
    if not nodes or not (nodes[0].text or "").strip():
        raise GeometryError(_("%(where)s has no coordinates.", where=where))
    positions = []
    for chunk in (nodes[0].text or "").split():
        try:
            positions.append([float(v) for v in chunk.split(",")])
        except ValueError:
            # TRANSLATORS: %(chunk)s is the text found in the file; keep 'longitude,latitude'
            # as KML writes it (a comma, no space).
            raise GeometryError(
                _(
                    "%(where)s: %(chunk)s is not 'longitude,latitude'.",
                    where=where,
                    chunk=f"{chunk!r:.40}",
                )
            ) from None
    return positions


def read_kml(content: bytes) -> dict[str, Any]:
    """The geometry drawn in a KML file (Placemarks with Point, Polygon or MultiGeometry).

    DOCTYPE and ENTITY declarations are refused before parsing, so entity expansion
    ("billion laughs") and external entities cannot happen. The result still has to pass
    :func:`normalise`.
    """
    if len(content) > MAX_FILE_BYTES:
        raise _too_large()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GeometryError(_("The KML file must be UTF-8 text.")) from None
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise GeometryError(
            _(
                "KML files with a DOCTYPE or ENTITY declaration are refused; "
                "export the file again without one."
            )
        )
    try:
        root = ET.fromstring(text)  # noqa: S314 - no DTD can reach the parser (checked above)
    except ET.ParseError as exc:
        # TRANSLATORS: %(detail)s is the XML parser's explanation in English.
        raise GeometryError(
            _("The KML file is not well-formed XML (%(detail)s).", detail=str(exc))
        ) from None
    if _local(root.tag) != "kml":
        raise GeometryError(_("This is not a KML file (its root element is not <kml>)."))
    placemarks = _descendants(root, "Placemark")
    if not placemarks:
        raise GeometryError(
            _(
                "The KML file has no Placemark: draw the zone as a placemark "
                "with a point or a polygon."
            )
        )
    polygons: list[list[list[list[float]]]] = []
    points: list[list[float]] = []
    for n, placemark in enumerate(placemarks, start=1):
        found = False
        for polygon in _descendants(placemark, "Polygon"):
            number = len(polygons) + 1
            outer = next(iter(_children(polygon, "outerBoundaryIs")), None)
            rings = [_kml_coordinates(outer, _kml_place(n, number))]
            for i, inner in enumerate(_children(polygon, "innerBoundaryIs"), start=1):
                rings.append(_kml_coordinates(inner, _kml_place(n, number, i)))
            polygons.append(rings)
            found = True
        for point in _descendants(placemark, "Point"):
            coords = _kml_coordinates(point, _kml_place(n))
            points.append(coords[0])
            found = True
        if not found:
            # TRANSLATORS: "Point" and "Polygon" are KML elements.
            raise GeometryError(
                _("Placemark %(n)d has no Point or Polygon (lines are not zones).", n=n)
            )
    if polygons and points:
        raise GeometryError(
            _("The KML mixes points and polygons; a zone is either one point or polygon outlines.")
        )
    if points:
        if len(points) > 1:
            # TRANSLATORS: %(n)d is never 1 here.
            raise GeometryError(
                _(
                    "The KML has %(n)d points; a zone is one point or polygon outlines.",
                    n=len(points),
                )
            )
        return {"type": "Point", "coordinates": points[0]}
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def _too_large() -> GeometryError:
    return GeometryError(
        _("The file is larger than %(n)s MB.", n=format_number(MAX_FILE_BYTES // (1024 * 1024)))
    )


def read_file(filename: str, content: bytes) -> dict[str, Any]:
    """The geometry in an uploaded GeoJSON (.geojson, .json) or KML (.kml) file, unchecked."""
    if len(content) > MAX_FILE_BYTES:
        raise _too_large()
    name = (filename or "").lower()
    if name.endswith(".kml"):
        return read_kml(content)
    if name.endswith((".geojson", ".json")):
        return unwrap(load_json(content))
    if name.endswith(".kmz"):
        raise GeometryError(_("KMZ is a zipped KML: unzip it and upload the .kml file inside."))
    raise GeometryError(_("Upload a GeoJSON (.geojson, .json) or KML (.kml) file."))


# --- measures -------------------------------------------------------------------------------


def _polygonal_area_m2(geom: BaseGeometry) -> float:
    if isinstance(geom, Polygon | MultiPolygon):
        area, _perimeter = _GEOD.geometry_area_perimeter(geom)
        return abs(area)
    parts = getattr(geom, "geoms", None)
    if parts is not None:
        return sum(_polygonal_area_m2(part) for part in parts)
    return 0.0


def area_ha(geometry: dict[str, Any] | None) -> float | None:
    """Geodesic area on the WGS84 ellipsoid in hectares; ``None`` for a point or nothing."""
    if not geometry or geometry.get("type") == "Point":
        return None
    return _polygonal_area_m2(to_shape(geometry)) / 10_000


def bounds(geometry: dict[str, Any]) -> BBox:
    """(west, south, east, north) of a geometry."""
    return tuple(float(v) for v in to_shape(geometry).bounds)  # type: ignore[return-value]


def overlap_ha(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Geodesic area shared by two geometries; touching edges and points share none."""
    if a.get("type") == "Point" or b.get("type") == "Point":
        return 0.0
    first, second = to_shape(a), to_shape(b)
    if not first.intersects(second):
        return 0.0
    shared = first.intersection(second)
    if shared.is_empty or shared.area == 0:
        return 0.0
    hectares = _polygonal_area_m2(shared) / 10_000
    return hectares if hectares > MIN_OVERLAP_HA else 0.0


@dataclass(frozen=True)
class AreaCheck:
    """Computed against declared area, and the EU point-or-polygon rule."""

    computed_ha: float | None
    declared_ha: float | None
    difference: float | None
    mismatch: bool
    needs_polygon: bool

    @property
    def difference_percent(self) -> int | None:
        """The relative difference, in whole percent (positive when computed is larger)."""
        return None if self.difference is None else round(self.difference * 100)


def check_area(
    geometry: dict[str, Any] | None, declared_ha: Any, tolerance: float, computed_ha: Any = None
) -> AreaCheck:
    """Flag a declared area that differs from the computed one by more than ``tolerance``.

    A zone over 4 ha drawn only as a point is flagged too (EU deforestation default); both
    are warnings for people to look at, never refusals. ``computed_ha`` saves recomputing an
    area already stored.
    """
    computed = area_ha(geometry) if computed_ha is None else float(computed_ha)
    declared = None if declared_ha is None else float(declared_ha)
    difference = None
    mismatch = False
    if computed is not None and declared is not None:
        if declared > 0:
            difference = (computed - declared) / declared
            mismatch = abs(difference) > tolerance
        else:
            mismatch = computed > 0
    needs_polygon = bool(
        geometry
        and geometry.get("type") == "Point"
        and declared is not None
        and declared > POLYGON_REQUIRED_ABOVE_HA
    )
    return AreaCheck(computed, declared, difference, mismatch, needs_polygon)


# --- drawing --------------------------------------------------------------------------------


def _nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 x 10^n not above ``metres``."""
    if metres <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(metres))
    for step in (5, 2, 1):
        if step * power <= metres:
            return step * power
    return power


def _length_label(metres: float) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def drawable(geometry: dict[str, Any] | None, max_vertices: int = 400) -> dict[str, Any] | None:
    """The geometry to draw: simplified to about a pixel when it has many positions."""
    # A surveyed boundary of thousands of points would weigh more than the page it is on.
    if not geometry or geometry["type"] == "Point":
        return geometry
    depth = 2 if geometry["type"] == "Polygon" else 3
    if _count_positions(geometry["coordinates"], depth) <= max_vertices:
        return geometry
    outline = to_shape(geometry)
    west, south, east, north = outline.bounds
    tolerance = max(east - west, north - south) / 300
    return dict(mapping(outline.simplify(tolerance, preserve_topology=True)))


def svg_outline(
    geometry: dict[str, Any] | None,
    label: str,
    width: int = 320,
    height: int = 240,
    empty_text: str = "",
) -> str:
    """An inline SVG drawing of the geometry: no tiles, no network, no style attributes.

    Longitudes are scaled by cos(latitude) around the centre (a local equirectangular
    projection), which keeps small plots in true shape. Holes use the even-odd rule.
    """
    pad = 16.0
    name = html.escape(label, quote=True)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="zone-outline" role="img" '
        f'aria-label="{name}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}"><title>{name}</title>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f4f7f5" '
        f'stroke="#d5ddd8"/>'
    )
    if not geometry:
        return (
            head + f'<text x="{width / 2:g}" y="{height / 2:g}" text-anchor="middle" '
            'font-size="13" fill="#5b6b61">'
            f"{html.escape(empty_text)}</text></svg>"
        )
    if geometry["type"] == "Point":
        cx, cy = width / 2, height / 2
        return (
            head + f'<circle cx="{cx:g}" cy="{cy:g}" r="7" fill="#a4262c" stroke="#fff" '
            f'stroke-width="2"/><circle cx="{cx:g}" cy="{cy:g}" r="16" fill="none" '
            'stroke="#a4262c" stroke-width="1.5"/></svg>'
        )
    west, south, east, north = bounds(geometry)
    k = math.cos(math.radians((south + north) / 2))
    span_x = max((east - west) * k, 1e-12)
    span_y = max(north - south, 1e-12)
    # The bottom margin keeps the scale bar clear of the outline.
    bottom = 2 * pad
    scale = min((width - 2 * pad) / span_x, (height - pad - bottom) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = pad + (height - pad - bottom - span_y * scale) / 2

    def xy(lon: float, lat: float) -> str:
        return f"{off_x + (lon - west) * k * scale:.2f} {off_y + (north - lat) * scale:.2f}"

    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    parts = []
    for polygon in polygons:
        for ring in polygon:
            parts.append("M" + " L".join(xy(lon, lat) for lon, lat, *_ in ring[:-1]) + " Z")
    path = (
        f'<path d="{" ".join(parts)}" fill="#1f6f43" fill-opacity="0.25" '
        'fill-rule="evenodd" stroke="#1f6f43" stroke-width="2" '
        'stroke-linejoin="round"/>'
    )
    # A scale bar: one degree of latitude is about 111.32 km.
    metres_per_px = 111_320 / scale
    bar_m = _nice_length(metres_per_px * width / 4)
    bar_px = bar_m / metres_per_px if metres_per_px else 0
    bar = ""
    if bar_px >= 1:
        y = height - 8
        bar = (
            f'<path d="M8 {y - 4} L8 {y} L{8 + bar_px:.1f} {y} L{8 + bar_px:.1f} {y - 4}" '
            f'fill="none" stroke="#1d2a22" stroke-width="1.5"/><text x="{12 + bar_px:.1f}" '
            f'y="{y}" font-size="11" fill="#1d2a22">{_length_label(bar_m)}</text>'
        )
    return head + path + bar + "</svg>"
