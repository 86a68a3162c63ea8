"""A locator map: a zone inside its district's and province's outlines, as inline SVG.

The outlines come from the boundaries shipped with the app (:mod:`traceapp.core.boundaries`);
nothing is fetched. Drawn small and simplified for display (a few KB): the province as
issued, its neighbours faint, the province it belongs to since the 2025 merges dashed, the
district when the dataset has it, the zone (a dot when too small to see) and a scale bar.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

from traceapp.core import boundaries
from traceapp.core.boundaries import Outline
from traceapp.zones.geometry.drawing import _length_label, _nice_length
from traceapp.zones.geometry.geojson import to_shape


@dataclass(frozen=True)
class Context:
    """The outlines around a zone: its province (as issued), the province it is part of
    since the 2025 merges when another, and its district when shipped."""

    province: Outline | None
    merged: Outline | None
    district: Outline | None


def context_of(
    geometry: dict[str, Any] | None,
    province: str | None,
    district: str | None = None,
    country: str = "VN",
) -> Context:
    """The outlines a zone's map shows: found by the names it was issued under, else by
    where its geometry lies (the district too, where the dataset has districts)."""
    outline = boundaries.find(country, province)
    if outline is None and geometry:
        held = boundaries.containing(to_shape(geometry), 1, country)
        outline = held[0] if held else None
    merged = None
    if outline is not None and country == "VN":
        merged = boundaries.find(country, outline.name, merged=True)
        if merged is not None and merged.code == outline.code and not merged.members:
            merged = None
    district_outline = boundaries.find(country, district, 2) if district else None
    if district_outline is None and geometry:
        held_by = boundaries.containing(to_shape(geometry), 2, country)
        district_outline = held_by[0] if held_by else None
    return Context(outline, merged, district_outline)


class _Frame:
    """Lon/lat to pixels: a local equirectangular projection fitted into the picture."""

    def __init__(self, view: tuple[float, float, float, float], width: int, height: int):
        west, south, east, north = view
        self.west, self.north = west, north
        self.k = math.cos(math.radians((south + north) / 2))
        span_x = max((east - west) * self.k, 1e-9)
        span_y = max(north - south, 1e-9)
        self.scale = min((width - 16) / span_x, (height - 36) / span_y)
        self.off_x = (width - span_x * self.scale) / 2
        self.off_y = 20 + (height - 36 - span_y * self.scale) / 2

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.off_x + (lon - self.west) * self.k * self.scale,
            self.off_y + (self.north - lat) * self.scale,
        )

    def path(self, shape: BaseGeometry) -> str:
        parts = []
        for polygon in _polygons(shape):
            for ring in (polygon.exterior, *polygon.interiors):
                points = [self.xy(lon, lat) for lon, lat, *_ in ring.coords[:-1]]
                if len(points) >= 3:
                    parts.append("M" + "L".join(f"{x:.0f} {y:.0f}" for x, y in points) + "Z")
        return "".join(parts)


def _polygons(shape: BaseGeometry) -> Iterable[Polygon]:
    if isinstance(shape, Polygon):
        yield shape
    for part in getattr(shape, "geoms", ()):
        yield from _polygons(part)


def _for_display(shape: BaseGeometry, view: BaseGeometry, tolerance: float) -> BaseGeometry:
    # Clipped to what is seen, then simplified to about a pixel: a few hundred points at most.
    return shape.intersection(view).simplify(tolerance, preserve_topology=True)


def svg_context(
    geometry: dict[str, Any] | None,
    context: Context,
    *,
    label: str,
    caption: str,
    lang: str,
    width: int = 280,
    height: int = 200,
) -> str:
    """The locator map of ``geometry`` (a zone) in ``context``; "" with no province known.
    ``caption`` is the line written above the map (already in the reader's language)."""
    province = context.province
    if province is None:
        return ""
    west, south, east, north = province.shape.bounds
    margin = max(east - west, north - south) * 0.08
    view = box(west - margin, south - margin, east + margin, north + margin)
    frame = _Frame(view.bounds, width, height)
    tolerance = 1.2 / frame.scale
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="zone-context" role="img" '
        f'aria-label="{html.escape(caption, quote=True)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}"><title>{html.escape(caption)}</title>'
        f'<rect width="{width}" height="{height}" fill="#eef3f6"/>'
    ]
    for near in boundaries.around(view, 0, 1, province.country):
        if near.code != province.code:
            d = frame.path(_for_display(near.shape, view, tolerance))
            out.append(f'<path d="{d}" fill="#f7f7f2" stroke="#c4cbc6" stroke-width="1"/>')
    d = frame.path(_for_display(province.shape, view, tolerance))
    out.append(f'<path d="{d}" fill="#fff" stroke="#1d2a22" stroke-width="1.5"/>')
    if context.merged is not None:
        d = frame.path(_for_display(context.merged.shape, view, tolerance))
        out.append(
            f'<path d="{d}" fill="none" stroke="#5b6b61" stroke-width="1.2" '
            'stroke-dasharray="4 3"/>'
        )
    if context.district is not None:
        d = frame.path(_for_display(context.district.shape, view, tolerance))
        out.append(f'<path d="{d}" fill="#e3efe7" stroke="#1f6f43" stroke-width="1"/>')
    out.append(_zone_mark(geometry, frame))
    out.append(f'<text x="6" y="14" font-size="12" fill="#1d2a22">{html.escape(label)}</text>')
    out.append(_scale_bar(frame, width, height))
    return "".join(out) + "</svg>"


def _zone_mark(geometry: dict[str, Any] | None, frame: _Frame) -> str:
    if not geometry:
        return ""
    shape = to_shape(geometry)
    x0, y0 = frame.xy(*shape.bounds[:2])
    x1, y1 = frame.xy(*shape.bounds[2:])
    if max(abs(x1 - x0), abs(y1 - y0)) >= 8:
        return f'<path d="{frame.path(shape)}" fill="#a4262c" fill-opacity=".5" stroke="#a4262c"/>'
    point = shape.representative_point()
    cx, cy = frame.xy(point.x, point.y)
    return (
        f'<circle cx="{cx:.0f}" cy="{cy:.0f}" r="5" fill="#a4262c" stroke="#fff" '
        f'stroke-width="1.5"/><circle cx="{cx:.0f}" cy="{cy:.0f}" r="11" fill="none" '
        'stroke="#a4262c" stroke-width="1.5"/>'
    )


def _scale_bar(frame: _Frame, width: int, height: int) -> str:
    metres_per_px = 111_320 / frame.scale
    bar_m = _nice_length(metres_per_px * width / 4)
    bar_px = bar_m / metres_per_px
    if bar_px < 1:
        return ""
    y = height - 6
    return (
        f'<path d="M6 {y - 4}L6 {y}L{6 + bar_px:.0f} {y}L{6 + bar_px:.0f} {y - 4}" '
        f'fill="none" stroke="#1d2a22" stroke-width="1.5"/><text x="{10 + bar_px:.0f}" '
        f'y="{y}" font-size="11" fill="#1d2a22">{_length_label(bar_m)}</text>'
    )


def locator_svg(
    geometry: dict[str, Any] | None,
    code: str,
    province: str | None,
    district: str | None = None,
    *,
    lang: str,
    country: str = "VN",
    width: int = 280,
    height: int = 200,
) -> str:
    """The locator map of a zone, with its caption in the current locale ("" when its
    province is not in the shipped boundaries)."""
    from flask_babel import gettext

    context = context_of(geometry, province, district, country)
    if context.province is None:
        return ""
    name = context.province.name_in(lang)
    label = name
    if context.merged is not None:
        label = gettext(
            "%(province)s, part of %(merged)s since 2025",
            province=name,
            merged=context.merged.name_in(lang),
        )
    caption = gettext("Where %(code)s lies in %(province)s", code=code, province=name)
    return svg_context(
        geometry, context, label=label, caption=caption, lang=lang, width=width, height=height
    )
