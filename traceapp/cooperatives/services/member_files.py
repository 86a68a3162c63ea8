"""Reading an uploaded member file (CSV or XLSX) into rows of text."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from traceapp.errors import ValidationFailed

if TYPE_CHECKING:
    pass


log = logging.getLogger(__name__)


#: Largest member file accepted, in bytes.
MAX_IMPORT_BYTES = 8 * 1024 * 1024


MAX_IMPORT_ROWS = 5000


def _read_table(filename: str, content: bytes) -> list[list[str]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a bad file
            log.info("unreadable XLSX member file %r: %s", filename, exc)
            raise ValidationFailed.field(
                "file",
                _(
                    "The XLSX file cannot be read. Save it again from the spreadsheet program, or "
                    "save it as CSV, and upload it again."
                ),
            ) from None
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(["" if v is None else _cell_text(v) for v in row])
            if len(rows) > MAX_IMPORT_ROWS + 1:
                break
        book.close()
        return rows
    if name.endswith((".csv", ".txt")):
        for encoding in ("utf-8-sig", "cp1258", "latin-1"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        sample = text[:4096]
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return list(csv.reader(io.StringIO(text), dialect))
    raise ValidationFailed.field("file", _("Upload a .csv or .xlsx file."))


def _cell_text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
