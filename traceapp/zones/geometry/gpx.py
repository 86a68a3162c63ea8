"""GPX input, as phone GPS apps export it: a walked track or route closes into a polygon,
a single waypoint is a point, and waypoints marked at the corners make a polygon."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET  # noqa: S405 - parsed by xmlfile.read_xml only
from typing import Any

from flask_babel import gettext as _

from traceapp.zones.geometry.messages import (
    GeometryError,
    max_positions,
    too_many_positions_error,
)
from traceapp.zones.geometry.xmlfile import children, descendants, local, read_xml


def closed_ring(positions: list[list[float]], where: str) -> list[list[float]]:
    """A line of positions as a closed outer ring: repeated positions in a row (a phone that
    stood still) are dropped, and the first position is repeated at the end."""
    ring: list[list[float]] = []
    for position in positions:
        if not ring or position[:2] != ring[-1][:2]:
            ring.append(position)
    if len(ring) > 1 and ring[0][:2] == ring[-1][:2]:
        ring.pop()
    if len(ring) < 3:
        raise GeometryError(
            # TRANSLATORS: %(where)s names the track, route or line in the file.
            _(
                "%(where)s has %(n)d distinct positions; an outline needs at least 3.",
                where=where,
                n=len(ring),
            )
        )
    return [*ring, ring[0]]


def _position(element: ET.Element, where: str) -> list[float]:
    """[longitude, latitude] from a GPX point's lon and lat attributes."""
    values = []
    for attribute in ("lon", "lat"):
        text = (element.get(attribute) or "").strip()
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise GeometryError(
                # TRANSLATORS: %(attribute)s is "lat" or "lon", the GPX attribute names.
                _(
                    "%(where)s: %(attribute)s=%(text)s is not a number.",
                    where=where,
                    attribute=attribute,
                    text=f"{text!r:.40}",
                )
            )
        values.append(value)
    return values


def _lines(root: ET.Element) -> list[tuple[str, list[ET.Element]]]:
    """Each track segment and route, with its place in words and its points."""
    lines = []
    for t, track in enumerate(children(root, "trk"), start=1):
        for s, segment in enumerate(children(track, "trkseg"), start=1):
            # TRANSLATORS: where a problem lies in a GPX file; it starts an error message.
            where = _("Track %(track)d, segment %(segment)d", track=t, segment=s)
            lines.append((where, list(children(segment, "trkpt"))))
    for r, route in enumerate(children(root, "rte"), start=1):
        lines.append((_("Route %(route)d", route=r), list(children(route, "rtept"))))
    return [(where, points) for where, points in lines if points]


def read_gpx(content: bytes) -> dict[str, Any]:
    """The zone drawn in a GPX file, unchecked (it still has to pass :func:`normalise`).

    Tracks and routes win over waypoints (apps add a start or finish waypoint to a track):
    each track segment or route is one outline, several make a MultiPolygon. Without them,
    one waypoint is a Point and three or more are the corners of a polygon, in file order.
    """
    root = read_xml(content, "GPX")
    if root is None or local(root.tag) != "gpx":
        raise GeometryError(_("This is not a GPX file (its root element is not <gpx>)."))
    everything = [e for name in ("trkpt", "rtept", "wpt") for e in descendants(root, name)]
    if len(everything) > max_positions():
        raise too_many_positions_error()
    lines = _lines(root)
    if lines:
        polygons = []
        for where, points in lines:
            positions = [
                _position(p, _("%(where)s, point %(n)d", where=where, n=i))
                for i, p in enumerate(points, start=1)
            ]
            polygons.append([closed_ring(positions, where)])
        if len(polygons) == 1:
            return {"type": "Polygon", "coordinates": polygons[0]}
        return {"type": "MultiPolygon", "coordinates": polygons}
    waypoints = [
        _position(w, _("Waypoint %(n)d", n=i)) for i, w in enumerate(children(root, "wpt"), start=1)
    ]
    if len(waypoints) == 1:
        return {"type": "Point", "coordinates": waypoints[0]}
    if len(waypoints) >= 3:
        return {"type": "Polygon", "coordinates": [closed_ring(waypoints, _("The waypoints"))]}
    if waypoints:
        raise GeometryError(
            _(
                "The GPX file has 2 waypoints: a zone is one point, or at least 3 corners "
                "of an outline."
            )
        )
    raise GeometryError(
        _(
            "The GPX file has no track, route or waypoint: record the boundary as a track, "
            "or mark the zone with a waypoint."
        )
    )
