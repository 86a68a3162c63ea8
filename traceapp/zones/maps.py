"""What a zone map page tells its script: the settings (tiles, the context layer's address)
and the map's words in the reader's language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _


def tile_origin(url: str) -> str:
    """The CSP source of a tile URL template ("{s}." subdomains become a wildcard)."""
    parts = urlsplit(url.replace("{s}.", "x-sub."))
    host = parts.netloc.replace("x-sub.", "*.")
    return f"{parts.scheme}://{host}"


def map_settings(context_url: str, **extra: Any) -> dict[str, Any]:
    """What the map script reads from its element's data attributes."""
    return {
        "tiles": current_app.config.get("TRACEAPP_MAP_TILE_URL") or "",
        "attribution": current_app.config.get("TRACEAPP_MAP_TILE_ATTRIBUTION") or "",
        "context": context_url,
        **extra,
    }


def map_words() -> dict[str, str]:
    """The map's words in the reader's language (its buttons, hints and messages)."""
    return {
        "polygon": _("Draw an outline"),
        "point": _("Place a point"),
        "newPart": _("Add another outline"),
        "undo": _("Undo"),
        "remove": _("Remove the chosen corner"),
        "clear": _("Clear"),
        "walk": _("Walk the boundary"),
        "stop": _("Stop walking"),
        "finish": _("Use the walked points"),
        "drop": _("Drop"),
        "hintPolygon": _(
            "Tap the map at each corner of the zone; drag a corner to move it, tap it to choose "
            "it; tap or drag a small dot halfway along a side to add a corner there."
        ),
        "hintPoint": _("Tap the map where the zone lies."),
        "addCorner": _("Add a corner here"),
        "hintWalk": _(
            "Walk along the boundary with the phone; a point is recorded every few metres. "
            "Drop the points with poor accuracy, then use the walked points."
        ),
        "accuracy": _("±%(m)s m"),
        "poor": _("poor accuracy"),
        "noGeolocation": _("This browser cannot give the phone's position."),
        "geoDenied": _("The position was refused: allow location for this site and try again."),
        "geoError": _("No position yet: go outside, away from buildings, and wait a moment."),
        "walked": _("Points walked: %(n)s"),
        "corners": _("Corners: %(n)s"),
        "holes": _(
            "This outline has holes: the map keeps them as they are; edit them in the text."
        ),
        "badText": _("The text below is not GeoJSON the map can draw; it is sent as it is."),
        "mapLabel": _("Map of the zone"),
    }


def picker_words() -> dict[str, str]:
    """The household picker's words (static/js/pick-list.js)."""
    return {
        "filter": _("Find a household (member number or name)"),
        "ticked": _("Ticked: %(n)s"),
        "shown": _("%(n)s of %(total)s shown"),
    }
