"""CSV exports that a spreadsheet cannot mistake for formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from traceapp.core.inputs import is_digits

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell(value: Any) -> str:
    """A cell's text; anything a spreadsheet would run as a formula is prefixed with a quote."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_TRIGGERS):
        # A leading minus of a plain number is data, not a formula.
        if text[0] in "+-" and is_digits(text[1:].replace(".", "", 1)):
            return text
        return "'" + text
    return text


def to_csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV document (UTF-8 text with a BOM so spreadsheet programs read Vietnamese)."""
    return "\ufeff" + lines([header]) + lines(rows)


def lines(rows: Iterable[Iterable[Any]]) -> str:
    """Rows as CSV lines, each cell made safe: a part of a document written as it is sent."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()
