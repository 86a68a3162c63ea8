"""Our own sentences, in the reader's language, for what the geometry library and the JSON
parser report in English ("Self-intersection[109.04 13.39]", "Expecting ',' delimiter")."""

from __future__ import annotations

import json
import re

from flask_babel import gettext as _
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

#: GEOS's reason and its position, e.g. "Self-intersection[109.0205 13.4005]".
_REASON = re.compile(r"^\s*(?P<reason>[^\[]*?)\s*\[(?P<x>[-+0-9.eE]+)\s+(?P<y>[-+0-9.eE]+)\]\s*$")


def _shape_reason(reason: str, where: str) -> str:
    key = reason.strip().lower()
    if key == "self-intersection":
        return _("The outline crosses itself at %(where)s.", where=where)
    if key == "ring self-intersection":
        return _("A ring of the outline touches itself at %(where)s.", where=where)
    if key == "hole lies outside shell":
        return _("A hole lies outside its outline, at %(where)s.", where=where)
    if key in ("holes are nested", "nested holes"):
        return _("A hole lies inside another hole, at %(where)s.", where=where)
    if key == "interior is disconnected":
        return _("The holes cut the plot in two, at %(where)s.", where=where)
    if key == "nested shells":
        return _("One polygon lies inside another, at %(where)s.", where=where)
    if key == "duplicate rings":
        return _("The same ring is given twice, at %(where)s.", where=where)
    if key == "too few points":
        return _("A ring has too few distinct positions, at %(where)s.", where=where)
    if key == "invalid coordinate":
        return _("A position is not a number, at %(where)s.", where=where)
    if key == "ring is not closed":
        return _("A ring does not end where it starts, at %(where)s.", where=where)
    return _("The outline is not a valid shape at %(where)s.", where=where)


def invalid_shape(geometry: BaseGeometry) -> str:
    """Why a polygon or multipolygon is not valid, with the position, as our own sentence."""
    match = _REASON.match(explain_validity(geometry) or "")
    if match is None:
        problem = _("The outline is not a valid shape.")
    else:
        # As GeoJSON writes a position, [longitude, latitude], with every digit GEOS gave.
        where = f"[{match['x']}, {match['y']}]"
        problem = _shape_reason(match["reason"], where)
    return " ".join(
        [
            problem,
            _(
                "Edges must not cross, holes must lie inside their outline and plots must "
                "not overlap."
            ),
        ]
    )


def _json_reason(message: str) -> str:
    if message.startswith("Expecting value"):
        return _("a value was expected")
    if message.startswith("Expecting property name"):
        return _("a name in double quotes was expected")
    if message.startswith("Expecting ',' delimiter"):
        return _("a comma was expected")
    if message.startswith("Expecting ':' delimiter"):
        return _("a colon was expected")
    if message.startswith("Unterminated string"):
        return _("a text is not closed with a double quote")
    if message.startswith("Invalid control character"):
        return _("a text holds a line break or another control character")
    if message.startswith("Invalid \\escape") or message.startswith("Invalid \\u"):
        return _("a backslash in a text is not followed by a valid escape")
    if message.startswith("Extra data"):
        return _("there is more after the end of the document")
    return _("the text cannot be read as JSON")


def invalid_json(exc: json.JSONDecodeError) -> str:
    """Where and why JSON text could not be read, as our own sentence."""
    return _(
        "The geometry is not valid JSON: at line %(line)d, column %(column)d, %(reason)s.",
        line=exc.lineno,
        column=exc.colno,
        reason=_json_reason(exc.msg),
    )
