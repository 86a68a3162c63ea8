"""Zone geometry as pure functions: GeoJSON, KML and GPX input, validation, areas, overlaps, SVG.

One module per job; the public names are re-exported here for callers (``geo.normalise``).
"""

from __future__ import annotations

from traceapp.zones.geometry.drawing import drawable, svg_outline
from traceapp.zones.geometry.geojson import load_json, normalise, to_shape, unwrap
from traceapp.zones.geometry.gpx import read_gpx
from traceapp.zones.geometry.kml import read_file, read_kml
from traceapp.zones.geometry.measures import (
    MIN_OVERLAP_HA,
    POLYGON_REQUIRED_ABOVE_HA,
    AreaCheck,
    area_ha,
    bounds,
    check_area,
    overlap_ha,
)
from traceapp.zones.geometry.messages import (
    DECIMALS,
    GEOMETRY_TYPES,
    MAX_ELEMENTS,
    MAX_FILE_BYTES,
    MAX_POSITIONS,
    BBox,
    GeometryError,
    max_elements,
    max_file_bytes,
    max_positions,
    too_many_positions,
    too_many_positions_error,
)

__all__ = [
    "DECIMALS",
    "GEOMETRY_TYPES",
    "MAX_ELEMENTS",
    "MAX_FILE_BYTES",
    "MAX_POSITIONS",
    "MIN_OVERLAP_HA",
    "POLYGON_REQUIRED_ABOVE_HA",
    "AreaCheck",
    "BBox",
    "GeometryError",
    "area_ha",
    "bounds",
    "check_area",
    "drawable",
    "load_json",
    "max_elements",
    "max_file_bytes",
    "max_positions",
    "normalise",
    "overlap_ha",
    "read_file",
    "read_gpx",
    "read_kml",
    "svg_outline",
    "to_shape",
    "too_many_positions",
    "too_many_positions_error",
    "unwrap",
]
