"""KML input, and the dispatch of an uploaded geometry file to its reader."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - DOCTYPE/ENTITY are refused before parsing
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from flask_babel import format_number
from flask_babel import gettext as _

from traceapp.zones.geometry.geojson import load_json, unwrap
from traceapp.zones.geometry.messages import (
    MAX_XML_DEPTH,
    GeometryError,
    max_elements,
    max_file_bytes,
    max_positions,
    too_large,
    too_many_positions_error,
)

#: How much text the parser is fed at a time: the element and depth counts are checked
#: between feeds, so a flood of empty elements is stopped after one chunk.
_FEED_CHARS = 64 * 1024
_RUN = re.compile(r"\S+")


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


def _events(parser: ET.XMLPullParser[ET.Element], text: str) -> Iterator[Any]:
    for start in range(0, len(text), _FEED_CHARS):
        parser.feed(text[start : start + _FEED_CHARS])
        yield from parser.read_events()
    parser.close()
    yield from parser.read_events()


def _parse(text: str) -> ET.Element:
    """The XML tree of a KML file, read in chunks and refused as soon as it holds more
    elements, or nests them deeper, than a zone's outline ever needs."""
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))  # noqa: S314
    root: ET.Element | None = None
    count = depth = 0
    limit = max_elements()
    try:
        for event, element in _events(parser, text):
            if event == "end":
                depth -= 1
                continue
            root = element if root is None else root
            count += 1
            depth += 1
            if count > limit:
                raise GeometryError(
                    _(
                        "The KML file has more than %(n)s elements; simplify the drawing.",
                        n=format_number(limit),
                    )
                )
            if depth > MAX_XML_DEPTH:
                raise GeometryError(
                    _(
                        "The KML file nests elements more than %(n)d levels deep.",
                        n=MAX_XML_DEPTH,
                    )
                )
    except ET.ParseError as exc:
        # TRANSLATORS: %(detail)s is the XML parser's explanation in English.
        raise GeometryError(
            _("The KML file is not well-formed XML (%(detail)s).", detail=str(exc))
        ) from None
    if root is None:
        raise GeometryError(_("This is not a KML file (its root element is not <kml>)."))
    return root


def read_kml(content: bytes) -> dict[str, Any]:
    """The geometry drawn in a KML file (Placemarks with Point, Polygon or MultiGeometry).

    DOCTYPE and ENTITY declarations are refused before parsing, so entity expansion
    ("billion laughs") and external entities cannot happen. The result still has to pass
    :func:`normalise`.
    """
    if len(content) > max_file_bytes():
        raise too_large()
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
    root = _parse(text)
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
    # Each position read costs a list and floats: count them in the text first.
    limit = max_positions()
    runs = (
        run for node in _descendants(root, "coordinates") for run in _RUN.finditer(node.text or "")
    )
    if next(islice(runs, limit, None), None) is not None:
        raise too_many_positions_error()
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


def read_file(filename: str, content: bytes) -> dict[str, Any]:
    """The geometry in an uploaded GeoJSON (.geojson, .json) or KML (.kml) file, unchecked."""
    if len(content) > max_file_bytes():
        raise too_large()
    name = (filename or "").lower()
    if name.endswith(".kml"):
        return read_kml(content)
    if name.endswith((".geojson", ".json")):
        return unwrap(load_json(content))
    if name.endswith(".kmz"):
        raise GeometryError(_("KMZ is a zipped KML: unzip it and upload the .kml file inside."))
    raise GeometryError(_("Upload a GeoJSON (.geojson, .json) or KML (.kml) file."))
