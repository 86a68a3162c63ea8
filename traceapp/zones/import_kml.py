"""Reading a KML file of many zones: one Placemark per zone, its fields in ExtendedData
(``<Data name="code"><value>…</value></Data>`` or a schema's ``SimpleData``), its code
otherwise in ``<name>``, its outline drawn as for one zone (Point, Polygon, LineString).

The file is parsed by :func:`~traceapp.zones.geometry.xmlfile.read_xml`, within the limits
of an uploaded outline (TRACEAPP_GEOMETRY_MAX_BYTES and _MAX_ELEMENTS): a few thousand
placemarks. Larger registers import as GeoJSON or CSV.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - parsed by xmlfile.read_xml only
from typing import Any

from flask_babel import gettext as _

from traceapp.zones.geometry.gpx import closed_ring
from traceapp.zones.geometry.kml import _kml_coordinates, _kml_place
from traceapp.zones.geometry.messages import GeometryError
from traceapp.zones.geometry.xmlfile import children, descendants, local, read_xml


def placemarks(content: bytes) -> list[tuple[dict[str, Any], list[tuple[str, str]]]]:
    """Each Placemark's fields (by their names in the file, with ``geometry``) and the
    problems of its outline; GeometryError when the file is not KML at all."""
    root = read_xml(content, "KML")
    if root is None or local(root.tag) != "kml":
        raise GeometryError(_("This is not a KML file (its root element is not <kml>)."))
    found = []
    for n, placemark in enumerate(descendants(root, "Placemark"), start=1):
        fields: dict[str, Any] = {}
        for data in descendants(placemark, "Data"):
            value = next(iter(children(data, "value")), None)
            fields[data.get("name") or ""] = (value.text or "").strip() if value is not None else ""
        for data in descendants(placemark, "SimpleData"):
            fields[data.get("name") or ""] = (data.text or "").strip()
        title = next(iter(children(placemark, "name")), None)
        text = (title.text or "").strip() if title is not None else ""
        if text:
            fields.setdefault("code" if "code" not in fields else "name", text)
        problems: list[tuple[str, str]] = []
        try:
            fields["geometry"] = _outline(placemark, n)
        except GeometryError as exc:
            problems.append(("geometry", str(exc)))
        found.append((fields, problems))
    return found


def _outline(placemark: ET.Element, n: int) -> dict[str, Any] | None:
    polygons: list[list[list[list[float]]]] = []
    points: list[list[float]] = []
    for polygon in descendants(placemark, "Polygon"):
        number = len(polygons) + 1
        outer = next(iter(children(polygon, "outerBoundaryIs")), None)
        rings = [_kml_coordinates(outer, _kml_place(n, number))]
        for i, inner in enumerate(children(polygon, "innerBoundaryIs"), start=1):
            rings.append(_kml_coordinates(inner, _kml_place(n, number, i)))
        polygons.append(rings)
    for line in descendants(placemark, "LineString"):
        where = _("Placemark %(placemark)d, line", placemark=n)
        polygons.append([closed_ring(_kml_coordinates(line, where), where)])
    for point in descendants(placemark, "Point"):
        points.append(_kml_coordinates(point, _kml_place(n))[0])
    if polygons and points:
        raise GeometryError(
            _("The KML mixes points and polygons; a zone is either one point or polygon outlines.")
        )
    if len(points) > 1:
        raise GeometryError(
            _("The KML has %(n)d points; a zone is one point or polygon outlines.", n=len(points))
        )
    if points:
        return {"type": "Point", "coordinates": points[0]}
    if not polygons:
        return None
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}
