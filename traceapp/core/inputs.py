"""Reading numbers typed or sent by people and clients, safely.

``str.isdigit()`` is true for superscripts and for Arabic-Indic or full-width digits, which
``int()`` then refuses or reads as another number: every check of "digits only" here means
the ASCII digits 0-9. Ids fit a 32-bit integer column on every database.
"""

from __future__ import annotations

from typing import Any

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


def blank_to_none(value: Any) -> Any:
    """Trim a typed text; an empty one means "no value" (other values pass unchanged)."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value
