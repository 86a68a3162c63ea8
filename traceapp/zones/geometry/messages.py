"""What geometry input may be, and how a problem in it is told: the error, the limits and
the words for where in an outline a problem lies."""

from __future__ import annotations

import re
from itertools import islice

from flask import current_app, has_app_context
from flask_babel import format_decimal, format_number
from flask_babel import gettext as _

#: RFC 7946 asks for enough precision; 7 decimals is about 1 cm, more is noise.
DECIMALS = 7


#: Geometry types a zone may have.
GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")


#: Upload size limit for a GeoJSON or KML file (default of TRACEAPP_GEOMETRY_MAX_BYTES).
MAX_FILE_BYTES = 5 * 1024 * 1024


#: A zone outline with more positions than this is refused (it would slow every overlap check;
#: default of TRACEAPP_GEOMETRY_MAX_POSITIONS).
MAX_POSITIONS = 50_000


#: A KML file with more elements than this is refused while it is read (default of
#: TRACEAPP_GEOMETRY_MAX_ELEMENTS); a zone's placemarks need a few dozen.
MAX_ELEMENTS = 20_000


#: KML nested deeper than this is refused while it is read (a placemark's coordinates lie
#: about eight levels down).
MAX_XML_DEPTH = 64


BBox = tuple[float, float, float, float]


class GeometryError(ValueError):
    """A geometry or file that cannot be accepted; the message is for the person who sent it.

    Messages are translated when raised (the reader's language in a request). Positions are
    quoted as GeoJSON writes them, [longitude, latitude] with decimal points, since that is
    what the sender has to correct; other figures follow the reader's locale.
    """


def _setting(name: str, default: int) -> int:
    if has_app_context():
        return int(current_app.config.get(name, default))
    return default


def max_file_bytes() -> int:
    """The largest GeoJSON or KML file (or zone body) accepted, in bytes."""
    return _setting("TRACEAPP_GEOMETRY_MAX_BYTES", MAX_FILE_BYTES)


def max_positions() -> int:
    """The most positions a zone outline may have."""
    return _setting("TRACEAPP_GEOMETRY_MAX_POSITIONS", MAX_POSITIONS)


def max_elements() -> int:
    """The most XML elements a KML file may have."""
    return _setting("TRACEAPP_GEOMETRY_MAX_ELEMENTS", MAX_ELEMENTS)


#: The start of a position in JSON text: an opening bracket before a number. Every position
#: has one; other arrays of numbers (a bbox) only add to the count, which is a ceiling.
_POSITION_START = re.compile(r"\[\s*[-+.0-9]")
_POSITION_START_BYTES = re.compile(rb"\[\s*[-+.0-9]")


def too_many_positions(text: str | bytes, limit: int | None = None) -> bool:
    """Whether JSON text holds more positions than the limit, counted without parsing it."""
    limit = max_positions() if limit is None else limit
    pattern = _POSITION_START_BYTES if isinstance(text, bytes) else _POSITION_START
    beyond = islice(pattern.finditer(text), limit, None)  # type: ignore[arg-type]
    return next(beyond, None) is not None


def too_many_positions_error() -> GeometryError:
    """The refusal of an outline with too many positions, naming the limit."""
    return GeometryError(
        _(
            "The outline has more than %(n)s positions; simplify it.",
            n=format_number(max_positions()),
        )
    )


# Whole phrases, one per case, so each language can order its words; they start a message.


def _the_point() -> str:
    # TRANSLATORS: where a problem lies; it starts an error message ("The point: ...").
    return _("The point")


def polygon_place(polygon: int | None) -> str:
    """A polygon: the only one of a Polygon (``None``) or part ``polygon`` of a MultiPolygon."""
    if polygon is None:
        # TRANSLATORS: where a problem lies in an uploaded outline; it starts an error message.
        return _("Polygon")
    # TRANSLATORS: where a problem lies: the n-th polygon of a multi-part outline.
    return _("Polygon %(polygon)d", polygon=polygon)


def ring_place(polygon: int | None, hole: int) -> str:
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


def place_words(place: Place) -> str:
    """A position's place in words."""
    return _the_point() if place is None else _position_place(*place)


def degrees_text(value: float) -> str:
    """A longitude or latitude in the reader's locale (up to 7 decimals)."""
    return format_decimal(value, format="0.#######")


def pair_text(lon: float, lat: float) -> str:
    """A position as GeoJSON writes it, for the sender to find and correct."""
    return f"[{lon:g}, {lat:g}]"


def too_large() -> GeometryError:
    """The refusal of a file past the size limit, naming the limit in MB."""
    return GeometryError(
        _("The file is larger than %(n)s MB.", n=format_number(max_file_bytes() // (1024 * 1024)))
    )
