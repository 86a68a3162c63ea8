"""Geodesic areas and overlaps, and the area check of a zone's declared size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from traceapp.zones.geometry.geojson import to_shape
from traceapp.zones.geometry.messages import BBox

#: EU deforestation rules: plots above this size need a polygon, not a point.
POLYGON_REQUIRED_ABOVE_HA = 4.0


#: Intersections smaller than this (0.01 m²) are rounding noise, not an overlap.
MIN_OVERLAP_HA = 1e-6


_GEOD = Geod(ellps="WGS84")


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
