"""Drawing an outline: the simplified geometry for maps and an inline SVG."""

from __future__ import annotations

import html
import math
from typing import Any

from shapely.geometry import mapping

from traceapp.zones.geometry.geojson import count_positions, to_shape
from traceapp.zones.geometry.measures import bounds


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
    if count_positions(geometry["coordinates"], depth) <= max_vertices:
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
