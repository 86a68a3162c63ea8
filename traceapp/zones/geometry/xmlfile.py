"""Reading an uploaded XML file (KML, GPX) safely: UTF-8 only, no DOCTYPE or ENTITY, and the
element count and depth bounded while it is read."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - DOCTYPE/ENTITY are refused before parsing
from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import format_number
from flask_babel import gettext as _

from traceapp.zones.geometry.messages import (
    MAX_XML_DEPTH,
    GeometryError,
    max_elements,
    max_file_bytes,
    too_large,
)

#: How much text the parser is fed at a time: the element and depth counts are checked
#: between feeds, so a flood of empty elements is stopped after one chunk.
_FEED_CHARS = 64 * 1024


def local(tag: Any) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(element: ET.Element, name: str) -> Iterable[ET.Element]:
    """The direct children of that name (any namespace)."""
    return (e for e in element if local(e.tag) == name)


def descendants(element: ET.Element, name: str) -> list[ET.Element]:
    """The element and everything below it of that name (any namespace), in document order."""
    return [e for e in element.iter() if local(e.tag) == name]


def _events(parser: ET.XMLPullParser[ET.Element], text: str) -> Iterator[Any]:
    for start in range(0, len(text), _FEED_CHARS):
        parser.feed(text[start : start + _FEED_CHARS])
        yield from parser.read_events()
    parser.close()
    yield from parser.read_events()


def _parse(text: str, fmt: str) -> ET.Element | None:
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
                    # TRANSLATORS: %(format)s is KML or GPX.
                    _(
                        "The %(format)s file has more than %(n)s elements; simplify the drawing.",
                        format=fmt,
                        n=format_number(limit),
                    )
                )
            if depth > MAX_XML_DEPTH:
                raise GeometryError(
                    _(
                        "The %(format)s file nests elements more than %(n)d levels deep.",
                        format=fmt,
                        n=MAX_XML_DEPTH,
                    )
                )
    except ET.ParseError as exc:
        # TRANSLATORS: %(detail)s is the XML parser's explanation in English.
        raise GeometryError(
            _(
                "The %(format)s file is not well-formed XML (%(detail)s).",
                format=fmt,
                detail=str(exc),
            )
        ) from None
    return root


def read_xml(content: bytes, fmt: str) -> ET.Element | None:
    """The root element of an uploaded XML file (``fmt`` names its format in messages), or
    None for an empty document.

    DOCTYPE and ENTITY declarations are refused before parsing, so entity expansion
    ("billion laughs") and external entities cannot happen.
    """
    if len(content) > max_file_bytes():
        raise too_large()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GeometryError(_("The %(format)s file must be UTF-8 text.", format=fmt)) from None
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered:
        raise GeometryError(
            _(
                "%(format)s files with a DOCTYPE or ENTITY declaration are refused; "
                "export the file again without one.",
                format=fmt,
            )
        )
    return _parse(text, fmt)
