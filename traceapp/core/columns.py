"""Facts about model columns that the edges of the app repeat: a form, a schema and a service
check the same limit the database column sets, read from the column instead of written again."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def max_length(attribute: Any) -> int:
    """The length of a ``String(n)`` column, from its mapped attribute (``Zone.code``)."""
    column = sa.inspect(attribute).property.columns[0]
    length = getattr(column.type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{attribute} has no fixed length")
    return length
