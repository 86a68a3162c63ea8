"""Reading an uploaded member file (CSV or XLSX) into rows of text, within limits.

Each limit holds before the work it bounds: the file's size before it is read, what an XLSX
unpacks to (shared strings included) before it is opened, a sheet's declared dimension
before its rows are read, a CSV line's length before it is split. Rows past the limit are
never read; a cell past the limit stops the reading. The limits are settings
(``TRACEAPP_IMPORT_MAX_*``, README).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from flask import current_app, has_app_context
from flask_babel import format_number
from flask_babel import gettext as _

from traceapp.errors import ValidationFailed
from traceapp.media.services import too_large_message

log = logging.getLogger(__name__)

#: Defaults of the TRACEAPP_IMPORT_MAX_* settings.
MAX_IMPORT_BYTES = 8 * 1024 * 1024
MAX_IMPORT_EXPANDED_BYTES = 64 * 1024 * 1024  # a 50,000-member sheet unpacks to ~50 MB
MAX_IMPORT_ROWS = 50_000
MAX_IMPORT_COLUMNS = 100
MAX_IMPORT_CELL_CHARS = 5000
#: Parts of an XLSX package: a workbook of one sheet has about a dozen.
MAX_XLSX_PARTS = 1000
#: Markup that declares entities, which no spreadsheet needs and an entity bomb does.
_DECLARATIONS = (b"<!doctype", b"<!entity")
_READ_CHUNK = 1024 * 1024
#: A row or cell start tag, with or without a namespace prefix (<row r="2">, <x:c>).
_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)[\s/>]")
_TAIL_BYTES = 64


@dataclass(frozen=True)
class ImportLimits:
    """What one member file may hold."""

    bytes: int = MAX_IMPORT_BYTES
    expanded_bytes: int = MAX_IMPORT_EXPANDED_BYTES
    rows: int = MAX_IMPORT_ROWS
    columns: int = MAX_IMPORT_COLUMNS
    cell_chars: int = MAX_IMPORT_CELL_CHARS


def import_limits() -> ImportLimits:
    """The limits from the settings (their defaults outside an app)."""
    if not has_app_context():
        return ImportLimits()
    config = current_app.config
    return ImportLimits(
        bytes=int(config.get("TRACEAPP_IMPORT_MAX_BYTES", MAX_IMPORT_BYTES)),
        expanded_bytes=int(
            config.get("TRACEAPP_IMPORT_MAX_EXPANDED_BYTES", MAX_IMPORT_EXPANDED_BYTES)
        ),
        rows=int(config.get("TRACEAPP_IMPORT_MAX_ROWS", MAX_IMPORT_ROWS)),
        columns=int(config.get("TRACEAPP_IMPORT_MAX_COLUMNS", MAX_IMPORT_COLUMNS)),
        cell_chars=int(config.get("TRACEAPP_IMPORT_MAX_CELL_CHARS", MAX_IMPORT_CELL_CHARS)),
    )


def read_member_upload(stream: IO[bytes]) -> bytes:
    """An uploaded member file's bytes, refused past the size limit without reading it all."""
    limit = import_limits().bytes
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise ValidationFailed.field("file", too_large_message(limit))
    return content


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed.field("file", message)


def _unreadable_xlsx() -> ValidationFailed:
    return _refuse(
        _(
            "The XLSX file cannot be read. Save it again from the spreadsheet program, or "
            "save it as CSV, and upload it again."
        )
    )


def _long_cell(line: int, column: int, limit: int) -> ValidationFailed:
    # TRANSLATORS: %(line)s and %(column)s count from 1, as the spreadsheet program does.
    return _refuse(
        _(
            "Line %(line)s, column %(column)s holds more than %(num)s characters; "
            "a member file's cell holds at most that many.",
            line=line,
            column=column,
            num=format_number(limit),
        )
    )


def _too_many_columns(count: int, limit: int) -> ValidationFailed:
    # TRANSLATORS: %(count)s is how many columns the file has (or its sheet declares).
    return _refuse(
        _(
            "The file has %(count)s columns; a member file has at most %(num)s.",
            count=format_number(count),
            num=format_number(limit),
        )
    )


def read_table(filename: str, content: bytes) -> list[list[str]]:
    """The rows of a member file as text: the heading row and at most one row past the limit
    (so the import can say the file is too long), each cell checked against its limit."""
    limits = import_limits()
    if len(content) > limits.bytes:
        raise _refuse(too_large_message(limits.bytes))
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(filename, content, limits)
    if name.endswith((".csv", ".txt")):
        return _read_csv(content, limits)
    raise _refuse(_("Upload a .csv or .xlsx file."))


# --- XLSX -----------------------------------------------------------------------------------


def _check_package(filename: str, content: bytes, limits: ImportLimits) -> None:
    """Refuse an XLSX whose parts unpack past the limit or declare entities, before openpyxl
    reads any of it (it reads every shared string into memory when it opens a workbook)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            parts = package.infolist()
            if len(parts) > MAX_XLSX_PARTS:
                raise _unreadable_xlsx()
            # Reading a part stops at its declared size (and fails its checksum if it held
            # more), so the declared sizes bound all the unpacking.
            expanded = sum(part.file_size for part in parts)
            if expanded > limits.expanded_bytes:
                log.info("XLSX member file %r unpacks to %d bytes", filename, expanded)
                raise _refuse(
                    # TRANSLATORS: %(size)s is a number of megabytes, such as 16.
                    _(
                        "The XLSX file unpacks to more than %(size)s MB. Remove what the "
                        "member list does not need (other sheets, pictures), or save it as CSV.",
                        size=format_number(limits.expanded_bytes // (1024 * 1024)),
                    )
                )
            for part in parts:
                if part.filename.endswith((".xml", ".rels")):
                    _scan_part(package, part, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        log.info("unreadable XLSX member file %r: %s", filename, exc)
        raise _unreadable_xlsx() from None


def _scan_part(package: zipfile.ZipFile, part: zipfile.ZipInfo, limits: ImportLimits) -> None:
    """Read one XML part as it unpacks: refuse entity declarations, and a sheet row of more
    cells than the column limit (openpyxl builds a whole row before it hands it over, and
    the sheet's declared dimension need not tell the truth)."""
    sheet = part.filename.startswith("xl/worksheets/")
    widest = cells = 0
    tail = b""
    with package.open(part) as stream:
        while True:
            chunk = stream.read(_READ_CHUNK)
            window = tail + chunk
            if any(marker in window.lower() for marker in _DECLARATIONS):
                raise _unreadable_xlsx()
            # A tag that starts in the last bytes may be cut: it is read with the next chunk.
            keep = _TAIL_BYTES if chunk else 0
            end = len(window) - keep
            if sheet:
                for match in _ROW_OR_CELL.finditer(window, 0, len(window)):
                    if match.start() >= end:
                        break
                    if match.group(1) == b"row":
                        cells = 0
                    else:
                        cells += 1
                        widest = max(widest, cells)
                if widest > limits.columns:
                    raise _refuse(
                        _(
                            "A row of the file has more than %(num)s cells; a member file "
                            "has at most %(num)s columns.",
                            num=format_number(limits.columns),
                        )
                    )
            if not chunk:
                return
            tail = window[end:]


def _read_xlsx(filename: str, content: bytes, limits: ImportLimits) -> list[list[str]]:
    import openpyxl

    _check_package(filename, content, limits)
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        log.info("unreadable XLSX member file %r: %s", filename, exc)
        raise _unreadable_xlsx() from None
    try:
        sheet = book.worksheets[0]
        # The declared dimension (A1:XFD5002) sets how wide openpyxl makes every row.
        declared = sheet.max_column
        if declared is not None and declared > limits.columns:
            raise _too_many_columns(declared, limits.columns)
        rows: list[list[str]] = []
        cells = sheet.iter_rows(
            max_row=limits.rows + 2, max_col=declared or limits.columns, values_only=True
        )
        for line, row in enumerate(cells, start=1):
            end = len(row)
            while end and row[end - 1] is None:  # the padding up to the sheet's width
                end -= 1
            rows.append(
                [
                    _cell_text(value, line, column, limits)
                    for column, value in enumerate(row[:end], 1)
                ]
            )
        return rows
    except ValidationFailed:
        raise
    except Exception as exc:  # a part that opened but does not parse
        log.info("unreadable XLSX member file %r: %s", filename, exc)
        raise _unreadable_xlsx() from None
    finally:
        book.close()


def _cell_text(value: Any, line: int, column: int, limits: ImportLimits) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if len(text) > limits.cell_chars:
        raise _long_cell(line, column, limits.cell_chars)
    return text


# --- CSV ------------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


#: One physical line and what ends it: LF, CRLF, a bare CR, or the end of the text.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str, limit: int) -> Iterator[str]:
    """The file's physical lines, whatever ends them (LF, CRLF or a bare CR), each refused
    past ``limit`` characters before it is copied or split into fields."""
    for number, match in enumerate(_LINE.finditer(text), start=1):
        if match.end() - match.start() > limit:
            raise _refuse(
                # TRANSLATORS: %(line)s is a line number of the uploaded file.
                _(
                    "Line %(line)s is longer than %(num)s characters.",
                    line=number,
                    num=format_number(limit),
                )
            )
        yield match.group()


def _read_csv(content: bytes, limits: ImportLimits) -> list[list[str]]:
    text = _decode(content)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # A line holds at most a row's worth of cells, with their separators and quotes.
    reader = csv.reader(_lines(text, limits.columns * (limits.cell_chars + 3)), dialect)
    rows: list[list[str]] = []
    try:
        for row in reader:
            line = reader.line_num
            if len(row) > limits.columns:
                raise _too_many_columns(len(row), limits.columns)
            for column, cell in enumerate(row, start=1):
                if len(cell) > limits.cell_chars:
                    raise _long_cell(line, column, limits.cell_chars)
            rows.append(row)
            if len(rows) > limits.rows + 1:
                break
    except csv.Error as exc:
        # The reader's own limit on a field (128 KB), far past the cell limit, is the one
        # error a decoded text with universal line endings can still meet.
        log.info("unreadable CSV member file: %s", exc)
        raise _refuse(
            # TRANSLATORS: %(line)s is a line number of the uploaded file.
            _(
                "Line %(line)s holds a cell of more than %(num)s characters; a member file's "
                "cell holds at most that many.",
                line=reader.line_num,
                num=format_number(limits.cell_chars),
            )
        ) from None
    return rows
