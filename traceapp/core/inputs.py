"""Reading what people and clients send, safely: numbers, times, text and JSON.

``str.isdigit()`` is true for superscripts and for Arabic-Indic or full-width digits, which
``int()`` then refuses or reads as another number: every check of "digits only" here means
the ASCII digits 0-9. Ids fit a 32-bit integer column on every database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import deque
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter, Map

#: The largest id an integer primary key can hold on PostgreSQL (and so on every engine).
MAX_ID = 2**31 - 1
#: The largest page number a listing accepts (far past any real listing's end).
MAX_PAGE = 1_000_000


def is_digits(text: str | None) -> bool:
    """True for a non-empty string of the ASCII digits 0-9 only."""
    return bool(text) and text.isascii() and text.isdigit()  # type: ignore[union-attr]


def id_or_none(text: str | None) -> int | None:
    """An id from a query string or form value, or None when it is not one."""
    if not is_digits(text):
        return None
    value = int(text)  # type: ignore[arg-type]
    return value if 0 < value <= MAX_ID else None


def page_number(text: str | None) -> int:
    """A ?page= value: 1 when absent or nonsense, never past :data:`MAX_PAGE`."""
    if not is_digits(text):
        return 1
    return max(1, min(int(text), MAX_PAGE))  # type: ignore[arg-type]


class IdConverter(IntegerConverter):
    """The ``<int:...>`` of every route: ASCII digits, 1 to :data:`MAX_ID`; anything else is
    a missing page (404), never a database overflow."""

    regex = r"[0-9]{1,10}"

    def __init__(
        self,
        url_map: Map,
        fixed_digits: int = 0,
        min: int | None = 1,  # noqa: A002
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def add_error(errors: dict[str, list[str]], field: str, message: str) -> None:
    """Add one problem under ``field`` to the errors a check gathers before refusing."""
    errors.setdefault(field, []).append(message)


def blank_to_none(value: Any) -> Any:
    """Trim a typed text; an empty one means "no value" (other values pass unchanged)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# --- times ------------------------------------------------------------------------------------

#: Times outside these years are refused: nothing traceapp records happened before the first
#: or after the last, and near Python's own limits (years 1 and 9999) a time with an offset
#: cannot even be converted to UTC.
FIRST_YEAR, LAST_YEAR = 1900, 2200


def year_in_range(moment: dt.date) -> bool:
    """Whether a date or time falls in the years a record may be about."""
    return FIRST_YEAR <= moment.year <= LAST_YEAR


def year_range_message() -> str:
    """Why a time outside :data:`FIRST_YEAR`..:data:`LAST_YEAR` is refused, translated."""
    return _(
        "Give a time between the years %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR
    )


# --- text and JSON that no column stores and no parser survives ------------------------------

#: JSON nested deeper than this is refused before it is parsed. Python's parser recurses once
#: per level and fails near 1,000 with a RecursionError; no document traceapp reads comes near
#: the limit (a GeoJSON MultiPolygon inside a FeatureCollection is 8 levels deep).
MAX_JSON_DEPTH = 64

#: A NUL (PostgreSQL refuses it in text) or a surrogate code point: decoded JSON holds one
#: only when it was sent unpaired (``"\ud800"``), and it cannot be encoded to UTF-8.
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
#: A JSON string (skipped: brackets inside it do not nest), or a run of brackets.
_JSON_NESTING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]+|[\]}]+', re.DOTALL)

NOT_TEXT_MESSAGE = _l(
    "This holds a character that is not text (a NUL byte or an unpaired surrogate): remove it."
)
NOT_TEXT_SUMMARY = _l("Part of what you sent is not text; nothing was saved.")


def is_text(value: str) -> bool:
    """False for a string holding a NUL byte or an unpaired surrogate."""
    return _NOT_TEXT.search(value) is None


def printable_name(name: str) -> str:
    """A field name fit to be shown back: characters that are not text become U+FFFD."""
    return _NOT_TEXT.sub("\ufffd", name)


def first_not_text(value: Any) -> str | None:
    """The dotted path (``events.0.name``) of the first key or string in decoded JSON that is
    not text, ``""`` for the document itself, or None when every string is text."""
    queue: deque[tuple[str, Any]] = deque([("", value)])
    while queue:
        path, item = queue.popleft()
        if isinstance(item, str):
            if not is_text(item):
                return path
        elif isinstance(item, dict):
            for key, child in item.items():
                inner = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and not is_text(key):
                    return printable_name(inner)
                queue.append((inner, child))
        elif isinstance(item, list):
            queue.extend((f"{path}.{i}" if path else str(i), child) for i, child in enumerate(item))
    return None


def too_deep_message(limit: int = MAX_JSON_DEPTH) -> str:
    """Why JSON nested past the limit is refused, in the reader's language."""
    return _("The JSON is nested more than %(n)d levels deep.", n=limit)


def json_too_deep(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when JSON text opens more than ``limit`` arrays or objects inside one another.

    Read without parsing (no recursion); brackets inside strings do not count. Text that is
    not JSON at all answers False: the parser refuses it with its own message.
    """
    if isinstance(text, bytes):
        try:
            # Decoded as json.loads decodes bytes (UTF-8, -16 or -32).
            text = text.decode(json.detect_encoding(text), "surrogatepass")
        except (UnicodeDecodeError, LookupError):
            return False
    if text.count("[") + text.count("{") <= limit:
        return False  # the common case, without a scan
    depth = 0
    for match in _JSON_NESTING.finditer(text):
        token = match.group()
        if token[0] in "[{":
            depth += len(token)
            if depth > limit:
                return True
        elif token[0] in "]}":
            depth -= len(token)
    return False
