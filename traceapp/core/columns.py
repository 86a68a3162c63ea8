"""Facts about model columns that the edges of the app repeat: a form, a schema and a service
check the same limit the database column sets, read from the column instead of written again."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

#: The ``info`` key of a TEXT column that states the longest text the app accepts in it
#: (``mapped_column(sa.Text, info=text_limit(5000))``): the database sets no bound there.
MAX_LENGTH = "max_length"


def text_limit(length: int) -> dict[str, int]:
    """The ``info`` of a TEXT column whose text the app bounds to ``length`` characters."""
    return {MAX_LENGTH: length}


def max_length(attribute: Any) -> int:
    """The length of a ``String(n)`` column, or the bound stated on a TEXT column, from its
    mapped attribute (``Zone.code``, ``Lot.notes``)."""
    column = sa.inspect(attribute).property.columns[0]
    length = getattr(column.type, "length", None) or column.info.get(MAX_LENGTH)
    if not isinstance(length, int):
        raise TypeError(f"{attribute} has no fixed length")
    return length
