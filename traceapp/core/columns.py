"""Facts about model columns that the edges of the app repeat: a form, a schema and a service
check the same limit the database column sets, read from the column instead of written again."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

#: The key of a TEXT column's ``info`` that bounds what the app accepts in it (the database
#: sets no limit): ``mapped_column(sa.Text, info=text_limit(5000))``.
MAX_LENGTH_INFO = "max_length"


def text_limit(length: int) -> dict[str, int]:
    """The ``info`` of a TEXT column whose input the forms, schemas and services bound."""
    return {MAX_LENGTH_INFO: length}


def max_length(attribute: Any) -> int:
    """The length of a ``String(n)`` column, or the bound a TEXT column declares in its
    ``info`` (:func:`text_limit`), from its mapped attribute (``Zone.code``)."""
    column = sa.inspect(attribute).property.columns[0]
    length = getattr(column.type, "length", None) or column.info.get(MAX_LENGTH_INFO)
    if not isinstance(length, int):
        raise TypeError(f"{attribute} has no fixed length")
    return length
