"""Zone geometry as pure functions: GeoJSON and KML input, validation, areas, overlaps, SVG."""

from __future__ import annotations

import html
import json
import math
import xml.etree.ElementTree as ET  # noqa: S405 - DOCTYPE/ENTITY are refused before parsing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity

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
    """A geometry or file that cannot be accepted; the message is for the person who sent it."""


# --- GeoJSON --------------------------------------------------------------------------------

def load_json(text: str | bytes) -> Any:
    """Decode GeoJSON text, refusing anything that is not JSON."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise GeometryError("The GeoJSON file must be UTF-8 text.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise GeometryError(
            f"The geometry is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None


def unwrap(obj: Any) -> dict[str, Any]:
    """The geometry object inside a GeoJSON geometry, Feature or one-feature FeatureCollection."""
    if not isinstance(obj, dict):
        raise GeometryError("The geometry must be a GeoJSON object such as "
                            '{"type": "Polygon", "coordinates": [...]}.')
    kind = obj.get("type")
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list) or len(features) != 1:
            count = len(features) if isinstance(features, list) else 0
            raise GeometryError(f"The FeatureCollection has {count} features; a zone is one "
                                "feature (use a MultiPolygon for several plots).")
        return unwrap(features[0])
    if kind == "Feature":
        geometry = obj.get("geometry")
        if geometry is None:
            raise GeometryError("The Feature has no geometry.")
        return unwrap(geometry)
    if kind not in GEOMETRY_TYPES:
        raise GeometryError(f"A zone is a Point, a Polygon or a MultiPolygon, not {kind!r}.")
    if "coordinates" not in obj:
        raise GeometryError(f"The {kind} has no coordinates.")
    return obj


def _bbox_text(bbox: BBox) -> str:
    return (f"longitude {bbox[0]:g} to {bbox[2]:g}, latitude {bbox[1]:g} to {bbox[3]:g}")


def _inside(lon: float, lat: float, bbox: BBox) -> bool:
    return bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def _position(value: Any, where: str, bbox: BBox | None) -> tuple[float, float]:
    """One [longitude, latitude] position, checked and rounded; an altitude is dropped."""
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise GeometryError(f"{where}: a position is [longitude, latitude], got {value!r:.60}.")
    numbers = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise GeometryError(f"{where}: coordinates must be numbers, got {item!r:.30}.")
        if not math.isfinite(item):
            raise GeometryError(f"{where}: coordinates must be finite numbers, got {item}.")
        numbers.append(float(item))
    lon, lat = numbers[0], numbers[1]
    swapped_fits = -90 <= lon <= 90 and -180 <= lat <= 180
    if not (-90 <= lat <= 90) or (bbox and not _inside(lon, lat, bbox)
                                 and _inside(lat, lon, bbox)):
        if swapped_fits:
            raise GeometryError(
                f"{where}: [{lon:g}, {lat:g}] looks like [latitude, longitude]; GeoJSON "
                f"(RFC 7946) writes [longitude, latitude], i.e. [{lat:g}, {lon:g}]."
            )
        raise GeometryError(f"{where}: latitude {lat:g} is outside -90 to 90.")
    if not -180 <= lon <= 180:
        raise GeometryError(f"{where}: longitude {lon:g} is outside -180 to 180.")
    if bbox and not _inside(lon, lat, bbox):
        raise GeometryError(
            f"{where}: [{lon:g}, {lat:g}] lies outside Vietnam ({_bbox_text(bbox)})."
        )
    return round(lon, DECIMALS), round(lat, DECIMALS)


def _ring(value: Any, where: str, bbox: BBox | None) -> list[tuple[float, float]]:
    if not isinstance(value, list | tuple):
        raise GeometryError(f"{where}: a linear ring is a list of positions.")
    if len(value) < 4:
        raise GeometryError(
            f"{where} has {len(value)} positions; a linear ring needs at least 4 (three corners "
            "and the first one repeated at the end)."
        )
    ring = [_position(p, f"{where}, position {i}", bbox) for i, p in enumerate(value, start=1)]
    if ring[0] != ring[-1]:
        first = f"[{ring[0][0]:g}, {ring[0][1]:g}]"
        raise GeometryError(f"{where} is not closed: its last position must repeat the first, "
                            f"{first}.")
    return ring


def _polygon(value: Any, where: str, bbox: BBox | None) -> Polygon:
    if not isinstance(value, list | tuple) or not value:
        raise GeometryError(f"{where}: a polygon is a list of linear rings (outline first).")
    rings = []
    for i, ring in enumerate(value, start=1):
        label = f"{where}, outer ring" if i == 1 else f"{where}, hole {i - 1}"
        rings.append(_ring(ring, label, bbox))
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
        raise GeometryError(f"The outline has more than {MAX_POSITIONS} positions; simplify it.")
    result: BaseGeometry
    if kind == "Point":
        result = Point(_position(coords, "The point", box))
    elif kind == "Polygon":
        result = _polygon(coords, "Polygon", box)
    else:
        if not isinstance(coords, list | tuple) or not coords:
            raise GeometryError("A MultiPolygon is a list of polygons.")
        result = MultiPolygon([_polygon(p, f"Polygon {i}", box)
                               for i, p in enumerate(coords, start=1)])
    if kind != "Point":
        if not result.is_valid:
            raise GeometryError(
                f"The outline is not a valid shape: {explain_validity(result)}. Edges must not "
                "cross, holes must lie inside their outline and plots must not overlap."
            )
        if result.area <= 0:
            raise GeometryError("The outline encloses no area.")
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


def _kml_coordinates(element: ET.Element | None, where: str) -> list[list[float]]:
    nodes = _descendants(element, "coordinates") if element is not None else []
    if not nodes or not (nodes[0].text or "").strip():
        raise GeometryError(f"{where} has no coordinates.")
    positions = []
    for chunk in (nodes[0].text or "").split():
        try:
            positions.append([float(v) for v in chunk.split(",")])
        except ValueError:
            raise GeometryError(f"{where}: {chunk!r:.40} is not 'longitude,latitude'.") from None
    return positions


def read_kml(content: bytes) -> dict[str, Any]:
    """The geometry drawn in a KML file (Placemarks with Point, Polygon or MultiGeometry).

    DOCTYPE and ENTITY declarations are refused before parsing, so entity expansion
    ("billion laughs") and external entities cannot happen. The result still has to pass
    :func:`normalise`.
    """
    if len(content) > MAX_FILE_BYTES:
        raise GeometryError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GeometryError("The KML file must be UTF-8 text.") from None
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise GeometryError("KML files with a DOCTYPE or ENTITY declaration are refused; "
                            "export the file again without one.")
    try:
        root = ET.fromstring(text)  # noqa: S314 - no DTD can reach the parser (checked above)
    except ET.ParseError as exc:
        raise GeometryError(f"The KML file is not well-formed XML ({exc}).") from None
    if _local(root.tag) != "kml":
        raise GeometryError("This is not a KML file (its root element is not <kml>).")
    placemarks = _descendants(root, "Placemark")
    if not placemarks:
        raise GeometryError("The KML file has no Placemark: draw the zone as a placemark with "
                            "a point or a polygon.")
    polygons: list[list[list[list[float]]]] = []
    points: list[list[float]] = []
    for n, placemark in enumerate(placemarks, start=1):
        found = False
        for polygon in _descendants(placemark, "Polygon"):
            where = f"Placemark {n}, polygon {len(polygons) + 1}"
            outer = next(iter(_children(polygon, "outerBoundaryIs")), None)
            rings = [_kml_coordinates(outer, f"{where}, outer boundary")]
            for i, inner in enumerate(_children(polygon, "innerBoundaryIs"), start=1):
                rings.append(_kml_coordinates(inner, f"{where}, inner boundary {i}"))
            polygons.append(rings)
            found = True
        for point in _descendants(placemark, "Point"):
            coords = _kml_coordinates(point, f"Placemark {n}, point")
            points.append(coords[0])
            found = True
        if not found:
            raise GeometryError(f"Placemark {n} has no Point or Polygon (lines are not zones).")
    if polygons and points:
        raise GeometryError("The KML mixes points and polygons; a zone is either one point or "
                            "polygon outlines.")
    if points:
        if len(points) > 1:
            raise GeometryError(f"The KML has {len(points)} points; a zone is one point or "
                                "polygon outlines.")
        return {"type": "Point", "coordinates": points[0]}
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def read_file(filename: str, content: bytes) -> dict[str, Any]:
    """The geometry in an uploaded GeoJSON (.geojson, .json) or KML (.kml) file, unchecked."""
    if len(content) > MAX_FILE_BYTES:
        raise GeometryError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    name = (filename or "").lower()
    if name.endswith(".kml"):
        return read_kml(content)
    if name.endswith((".geojson", ".json")):
        return unwrap(load_json(content))
    if name.endswith(".kmz"):
        raise GeometryError("KMZ is a zipped KML: unzip it and upload the .kml file inside.")
    raise GeometryError("Upload a GeoJSON (.geojson, .json) or KML (.kml) file.")


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


def check_area(geometry: dict[str, Any] | None, declared_ha: Any,
               tolerance: float, computed_ha: Any = None) -> AreaCheck:
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
    needs_polygon = bool(geometry and geometry.get("type") == "Point"
                         and declared is not None and declared > POLYGON_REQUIRED_ABOVE_HA)
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


def svg_outline(geometry: dict[str, Any] | None, label: str, width: int = 320,
                height: int = 240, empty_text: str = "") -> str:
    """An inline SVG drawing of the geometry: no tiles, no network, no style attributes.

    Longitudes are scaled by cos(latitude) around the centre (a local equirectangular
    projection), which keeps small plots in true shape. Holes use the even-odd rule.
    """
    pad = 16.0
    name = html.escape(label, quote=True)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="zone-outline" role="img" '
            f'aria-label="{name}" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}"><title>{name}</title>'
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f4f7f5" '
            f'stroke="#d5ddd8"/>')
    if not geometry:
        return (head + f'<text x="{width / 2:g}" y="{height / 2:g}" text-anchor="middle" '
                'font-size="13" fill="#5b6b61">'
                f'{html.escape(empty_text)}</text></svg>')
    if geometry["type"] == "Point":
        cx, cy = width / 2, height / 2
        return (head + f'<circle cx="{cx:g}" cy="{cy:g}" r="7" fill="#a4262c" stroke="#fff" '
                f'stroke-width="2"/><circle cx="{cx:g}" cy="{cy:g}" r="16" fill="none" '
                'stroke="#a4262c" stroke-width="1.5"/></svg>')
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

    polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
                else geometry["coordinates"])
    parts = []
    for polygon in polygons:
        for ring in polygon:
            parts.append("M" + " L".join(xy(lon, lat) for lon, lat, *_ in ring[:-1]) + " Z")
    path = (f'<path d="{" ".join(parts)}" fill="#1f6f43" fill-opacity="0.25" '
            'fill-rule="evenodd" stroke="#1f6f43" stroke-width="2" '
            'stroke-linejoin="round"/>')
    # A scale bar: one degree of latitude is about 111.32 km.
    metres_per_px = 111_320 / scale
    bar_m = _nice_length(metres_per_px * width / 4)
    bar_px = bar_m / metres_per_px if metres_per_px else 0
    bar = ""
    if bar_px >= 1:
        y = height - 8
        bar = (f'<path d="M8 {y - 4} L8 {y} L{8 + bar_px:.1f} {y} L{8 + bar_px:.1f} {y - 4}" '
               f'fill="none" stroke="#1d2a22" stroke-width="1.5"/><text x="{12 + bar_px:.1f}" '
               f'y="{y}" font-size="11" fill="#1d2a22">{_length_label(bar_m)}</text>')
    return head + path + bar + "</svg>"
