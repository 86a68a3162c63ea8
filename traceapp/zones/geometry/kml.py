"""KML input, and the dispatch of an uploaded geometry file to its reader."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - parsed by xmlfile.read_xml only
from itertools import chain, islice
from typing import Any

from flask_babel import gettext as _

from traceapp.zones.geometry.geojson import load_json, unwrap
from traceapp.zones.geometry.gpx import closed_ring, read_gpx
from traceapp.zones.geometry.messages import (
    GeometryError,
    max_file_bytes,
    max_positions,
    too_large,
    too_many_positions_error,
)
from traceapp.zones.geometry.xmlfile import children, descendants, local, read_xml

_RUN = re.compile(r"\S+")


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
    nodes = descendants(element, "coordinates") if element is not None else []
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


def _track_position(element: ET.Element, where: str) -> list[float]:
    """A gx:coord's "longitude latitude altitude" as a position."""
    text = (element.text or "").strip()
    try:
        return [float(v) for v in text.split()]
    except ValueError:
        raise GeometryError(
            # TRANSLATORS: %(chunk)s is the text found in the file; keep 'longitude latitude'
            # as gx:coord writes it (spaces).
            _(
                "%(where)s: %(chunk)s is not 'longitude latitude'.",
                where=where,
                chunk=f"{text!r:.40}",
            )
        ) from None


def read_kml(content: bytes) -> dict[str, Any]:
    """The geometry drawn in a KML file (Placemarks with Point, Polygon, LineString or
    MultiGeometry); a line, as a phone app records a walked boundary, closes into an outline.

    The file is read by :func:`~traceapp.zones.geometry.xmlfile.read_xml` (no DOCTYPE or
    ENTITY, bounded). The result still has to pass :func:`normalise`.
    """
    root = read_xml(content, "KML")
    if root is None or local(root.tag) != "kml":
        raise GeometryError(_("This is not a KML file (its root element is not <kml>)."))
    placemarks = descendants(root, "Placemark")
    if not placemarks:
        raise GeometryError(
            _(
                "The KML file has no Placemark: draw the zone as a placemark "
                "with a point or a polygon."
            )
        )
    # Each position read costs a list and floats: count them in the text first.
    limit = max_positions()
    runs = (
        run for node in descendants(root, "coordinates") for run in _RUN.finditer(node.text or "")
    )
    tracked = (node for node in root.iter() if local(node.tag) == "coord")
    if next(islice(chain(runs, tracked), limit, None), None) is not None:
        raise too_many_positions_error()
    polygons: list[list[list[list[float]]]] = []
    points: list[list[float]] = []
    for n, placemark in enumerate(placemarks, start=1):
        found = False
        for polygon in descendants(placemark, "Polygon"):
            number = len(polygons) + 1
            outer = next(iter(children(polygon, "outerBoundaryIs")), None)
            rings = [_kml_coordinates(outer, _kml_place(n, number))]
            for i, inner in enumerate(children(polygon, "innerBoundaryIs"), start=1):
                rings.append(_kml_coordinates(inner, _kml_place(n, number, i)))
            polygons.append(rings)
            found = True
        for line in descendants(placemark, "LineString"):
            # A boundary walked with a phone app: the track closes into an outline.
            where = _("Placemark %(placemark)d, line", placemark=n)
            polygons.append([closed_ring(_kml_coordinates(line, where), where)])
            found = True
        for track in descendants(placemark, "Track"):
            # Google's gx:Track: one <gx:coord>lon lat alt</gx:coord> per recorded position.
            where = _("Placemark %(placemark)d, line", placemark=n)
            positions = [_track_position(c, where) for c in descendants(track, "coord")]
            polygons.append([closed_ring(positions, where)])
            found = True
        for point in descendants(placemark, "Point"):
            coords = _kml_coordinates(point, _kml_place(n))
            points.append(coords[0])
            found = True
        if not found:
            # TRANSLATORS: "Point", "Polygon" and "LineString" are KML elements.
            raise GeometryError(_("Placemark %(n)d has no Point, Polygon or LineString.", n=n))
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


def read_file(filename: str, content: bytes) -> dict[str, Any]:
    """The geometry in an uploaded GeoJSON (.geojson, .json), KML (.kml) or GPX (.gpx) file,
    unchecked."""
    if len(content) > max_file_bytes():
        raise too_large()
    name = (filename or "").lower()
    if name.endswith(".kml"):
        return read_kml(content)
    if name.endswith(".gpx"):
        return read_gpx(content)
    if name.endswith((".geojson", ".json")):
        return unwrap(load_json(content))
    if name.endswith(".kmz"):
        raise GeometryError(_("KMZ is a zipped KML: unzip it and upload the .kml file inside."))
    raise GeometryError(_("Upload a GeoJSON (.geojson, .json), KML (.kml) or GPX (.gpx) file."))
