"""Lists as downloads: every list of the app as CSV or XLSX, with the list's own filters.

A list names its columns once (:class:`Column`); :func:`download` writes the rows of the
list's filtered query in one of two variants:

- for people (the default): headers and values in the reader's language (a status, a kind or
  a market as words, dates in the language's one date format);
- for systems (``?variant=machine``): stable snake_case headers, codes as stored, ISO 8601
  dates and times, so a script reading the file does not break when a translation changes.

Memory stays bounded whatever the size of the list: rows are read from the database in
batches (``yield_per``); a CSV is a generator response, written as it is sent; an XLSX is
zipped as it is sent too (:mod:`traceapp.core.xlsx`), so the first bytes leave at once. Both
are safe against formula injection: a CSV cell that starts like a formula is quoted
(:mod:`traceapp.csvsafe`), an XLSX text cell is stored as text, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Response, request
from flask_babel import (
    format_date,
    format_datetime,
    get_locale,
    get_timezone,
    get_translations,
)
from flask_babel import lazy_gettext as _l

from traceapp.core import xlsx
from traceapp.core.streaming import reading
from traceapp.csvsafe import cell as csv_cell
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.units import number_plain

#: The formats a list downloads as, with their media types.
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: The variant for systems: snake_case headers, codes, ISO dates.
MACHINE = "machine"
#: Rows read from the database per batch, and CSV rows written per chunk sent.
BATCH = 500

YES, NO = _l("yes"), _l("no")


@dataclass(frozen=True)
class Column:
    """One column of a list: its machine key, its header for people, how a row gives its
    value, and (for codes) how the value reads in words."""

    key: str
    label: Any
    value: Callable[[Any], Any]
    words: Mapping[Any, Any] | Callable[[Any], Any] | None = None
    #: How a row reads to people when that is more than its value in words (a sentence).
    text: Callable[[Any], Any] | None = None

    def human(self, row: Any) -> Any:
        """The cell for people: words for a code, the locale's date, yes/no."""
        if self.text is not None:
            return human_value(self.text(row))
        return self.human_of(self.value(row))

    def human_of(self, value: Any) -> Any:
        """The cell for people of a value (for a column without ``text``)."""
        if value is None or value == "":
            return ""
        if self.words is not None:
            key = value.value if isinstance(value, enum.Enum) else value
            if callable(self.words):
                return str(self.words(key))
            return str(self.words.get(key, key))
        return human_value(value)

    def machine(self, row: Any) -> Any:
        """The cell for systems: the code as stored, ISO dates, true/false."""
        return machine_value(self.value(row))


def human_value(value: Any) -> Any:
    """A value as people read it in the request's language."""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return str(YES if value else NO)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(human_value(v)) for v in value)
    return value


def machine_value(value: Any) -> Any:
    """A value as a system reads it: codes, ISO 8601, true/false."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(str(machine_value(v)) for v in value)
    return value


@dataclass(frozen=True)
class Table:
    """A list's download: its file name's stem and its columns."""

    name: str
    columns: tuple[Column, ...]
    #: Lines written after the rows (a register's audit chain head), machine words only.
    footer: Callable[[], Iterable[list[Any]]] | None = field(default=None, compare=False)

    def header(self, machine: bool) -> list[str]:
        """The first row: keys for systems, translated labels for people."""
        return [c.key if machine else str(c.label) for c in self.columns]

    def cells(self, row: Any, machine: bool) -> list[Any]:
        """One row's cells in a variant."""
        return [c.machine(row) if machine else c.human(row) for c in self.columns]

    def writer(self, machine: bool) -> Callable[[Any], list[Any]]:
        """:meth:`cells` for one file, in one language: a code's words and a day's date are
        looked up once per file, not once per row (a hundred thousand rows have a few codes
        and a few hundred days)."""
        if machine:
            return lambda row: self.cells(row, True)
        said: list[dict[Any, Any] | None] = [{} if c.text is None else None for c in self.columns]

        def cells(row: Any) -> list[Any]:
            out = []
            for c, memo in zip(self.columns, said, strict=True):
                if memo is None:
                    out.append(c.human(row))
                    continue
                value = c.value(row)
                if not _said_once(c, value):
                    out.append(c.human_of(value))
                elif value in memo:
                    out.append(memo[value])
                else:
                    out.append(memo.setdefault(value, c.human_of(value)))
            return out

        return cells


def _said_once(column: Column, value: Any) -> bool:
    """Whether a cell's words depend on its value only, from a small set: a code's words or a
    day (not a time, nor free text, which would fill the memo with every row)."""
    if column.words is not None:
        return isinstance(value, str | int | enum.Enum)
    return type(value) in (dt.date, bool)


def rows_of(stmt: sa.Select[Any], batch: int = BATCH, whole_rows: bool = False) -> Iterator[Any]:
    """The objects a query selects (or its whole rows, for a query of several columns), read
    in batches so a long list never sits in memory."""
    result = db.session.execute(stmt.execution_options(yield_per=batch))
    yield from (result if whole_rows else result.scalars())


def wants_machine() -> bool:
    """True when the request asks for the variant for systems (``?variant=machine``)."""
    return request.args.get("variant") == MACHINE


def export_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """A list's active filters, for its download links (the page number is not one)."""
    return {k: v for k, v in args.items() if v not in (None, "", [], False) and k != "page"}


def filename(stem: str, fmt: str, machine: bool) -> str:
    """``members-2026-12-05.xlsx``; the machine variant says so in its name."""
    suffix = "-machine" if machine else ""
    return f"{stem}-{local_today().isoformat()}{suffix}.{fmt}"


def _headers(name: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "private, no-store",
    }


def download(
    table: Table,
    rows: Iterable[Any],
    fmt: str,
    stem: str | None = None,
    machine: bool | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The list as a file in ``fmt`` (csv or xlsx), in the request's variant.

    ``rows`` is a query's :func:`rows_of` (read as the file is written, in a session of the
    stream's own) or plain values: a CSV is written after the view has returned, when the
    objects the request loaded are detached from its session."""
    if fmt not in FORMATS:
        fmt = "csv"
    machine = wants_machine() if machine is None else machine
    name = filename(stem or table.name, fmt, machine)
    extra = {**_headers(name), **(headers or {})}
    # A file is written as it is sent, after the view has returned and its unit of work has
    # ended: the signed-in user's object is gone with the request's session by then, so the
    # language (chosen from that user) and its catalog are fixed now, while it is there.
    get_locale()
    get_translations()
    get_timezone()
    if fmt == "xlsx":
        return Response(
            reading(xlsx_chunks(table, rows, machine)),
            content_type=FORMATS[fmt],
            headers=extra,
        )
    return Response(
        reading(csv_chunks(table, rows, machine)),
        content_type=FORMATS[fmt],
        headers=extra,
    )


class _Line:
    """A file-like sink that keeps what the csv writer wrote until it is taken."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def _csv_cell(value: Any) -> str:
    if isinstance(value, decimal.Decimal):
        return number_plain(value)  # 0.5, not the column's 0.5000 nor 5E+2
    return csv_cell(value)


def csv_chunks(table: Table, rows: Iterable[Any], machine: bool) -> Iterator[bytes]:
    """The CSV document chunk by chunk (UTF-8 with a BOM, so spreadsheets read Vietnamese)."""
    import csv

    sink = _Line()
    writer = csv.writer(sink, lineterminator="\r\n")
    sink.write("\ufeff")
    writer.writerow([csv_cell(h) for h in table.header(machine)])
    cells = table.writer(machine)
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_cell(v) for v in cells(row)])
        if n % BATCH == 0:
            yield sink.take().encode("utf-8")
    for line in table.footer() if table.footer else ():
        writer.writerow([csv_cell(v) for v in line])
    yield sink.take().encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


def xlsx_chunks(table: Table, rows: Iterable[Any], machine: bool) -> Iterator[bytes]:
    """The XLSX workbook piece by piece, written as it is sent (:mod:`traceapp.core.xlsx`)."""
    cells = table.writer(machine)
    lines = ([_xlsx_value(v) for v in cells(row)] for row in rows)
    footer = ([_xlsx_value(v) for v in line] for line in (table.footer() if table.footer else ()))
    return xlsx.chunks(
        table.name, table.header(machine), itertools.chain(lines, footer), not machine
    )


def routes(bp: Any, rule: str, endpoint: str) -> Callable[[Callable[..., Any]], Any]:
    """Mount a list's download view at ``rule.csv`` and ``rule.xlsx`` (endpoints
    ``<endpoint>_csv`` and ``<endpoint>_xlsx``); the view reads its format with
    :func:`requested_format`."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        for fmt in FORMATS:
            bp.add_url_rule(f"{rule}.{fmt}", f"{endpoint}_{fmt}", view)
        return view

    return decorate


def requested_format() -> str:
    """The format of the download asked for, from the URL's suffix."""
    return "xlsx" if request.path.endswith(".xlsx") else "csv"
