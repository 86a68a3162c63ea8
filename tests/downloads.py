"""Reading a list's download in tests: CSV or XLSX, as rows of text."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook


def rows(response: Any) -> list[list[str]]:
    """The rows of a CSV or XLSX download (the XLSX opened with openpyxl), cells as text."""
    assert response.status_code == 200, response.status_code
    disposition = response.headers["Content-Disposition"]
    body = response.get_data()
    if disposition.rstrip('"').endswith(".xlsx"):
        assert response.mimetype.endswith("spreadsheetml.sheet")
        book = load_workbook(io.BytesIO(body), read_only=True)
        sheet = book.worksheets[0]
        return [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    assert response.mimetype == "text/csv"
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def column(table: list[list[str]], header: str) -> list[str]:
    """The values of one column, by its header."""
    at = table[0].index(header)
    return [row[at] for row in table[1:]]
