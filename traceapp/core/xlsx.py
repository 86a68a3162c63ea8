"""An XLSX workbook of one sheet written as it is sent.

A workbook is a zip of a few XML parts; the sheet's part is written row by row into a zip
stream that gives its bytes back as they are compressed, so the first bytes leave before the
last row is read and memory stays flat whatever the number of rows. Zip entries whose size is
not known in advance carry a data descriptor, which spreadsheet programs read.

Cells: text is stored inline as text (a value starting with "=" is shown, never run as a
formula), int and float as numbers, bool as TRUE/FALSE, None as an empty cell.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape

#: Characters XML 1.0 cannot carry (control characters other than tab and line breaks).
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Excel's limit on a cell's text.
CELL_LIMIT = 32767
#: Rows written between two hand-overs of compressed bytes.
ROWS_PER_CHUNK = 500

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/officeDocument"'
        ' Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/>'
        '</font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="2">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    ),
}


class _Sink(io.RawIOBase):
    """Where the zip writes: it keeps the bytes until they are taken, and knows its position
    (it cannot seek, so the zip writes data descriptors)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def column_name(index: int) -> str:
    """A column's letters from its 0-based index: A, B, ... Z, AA, AB ..."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _cell(ref: str, value: Any, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"{s}><v>{int(value)}</v></c>'
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    text = escape(ILLEGAL.sub("", str(value))[:CELL_LIMIT])
    return f'<c r="{ref}" t="inlineStr"{s}><is><t xml:space="preserve">{text}</t></is></c>'


def _row(number: int, values: Iterable[Any], style: int = 0) -> str:
    cells = "".join(_cell(f"{column_name(i)}{number}", v, style) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def chunks(
    sheet_name: str, header: list[str], rows: Iterable[Iterable[Any]], bold_header: bool = True
) -> Iterator[bytes]:
    """The workbook's bytes, a piece at a time: ``header`` (bold unless told otherwise), then
    each of ``rows``."""
    sink = _Sink()
    book = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED)
    for name, xml in _PARTS.items():
        book.writestr(name, _HEAD + xml)
    title = escape(ILLEGAL.sub("", sheet_name)[:31] or "Sheet1", {'"': "&quot;"})
    book.writestr(
        "xl/workbook.xml",
        _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>',
    )
    yield sink.take()
    with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
        sheet.write(f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
        sheet.write(_row(1, header, 1 if bold_header else 0).encode())
        for number, values in enumerate(rows, 2):
            sheet.write(_row(number, values).encode())
            if number % ROWS_PER_CHUNK == 0:
                piece = sink.take()
                if piece:
                    yield piece
        sheet.write(b"</sheetData></worksheet>")
    book.close()
    yield sink.take()
