"""Reading a file of many zone codes (GeoJSON FeatureCollection, CSV or XLSX) into rows.

The GeoJSON reader takes the properties of the zone export (``code``, ``kind``, ``name``,
``crop``, ``province`` ...; the export's ``status``, ``computed_area_ha`` and ``cooperative``
are the register's own and are ignored), so an export imports back. A CSV or XLSX row gives
its outline as WKT (``wkt`` or ``geometry``) or as a point (``lat`` and ``lon``). Each row
keeps its number as the reader sees it: the feature's number, or the spreadsheet's line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _
from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from shapely.geometry import mapping

from traceapp.core.inputs import (
    NOT_TEXT_MESSAGE,
    first_not_text,
    json_too_deep,
    too_deep_message,
)

#: Default of TRACEAPP_ZONE_IMPORT_MAX_ROWS.
MAX_ROWS = 20_000

#: The zone fields a file may give, by the names of the zone export and the API.
FIELDS = (
    "code",
    "kind",
    "name",
    "crop",
    "province",
    "district",
    "commune",
    "issuing_authority",
    "decision_number",
    "issued_on",
    "valid_from",
    "valid_until",
    "target_market",
    "declared_area_ha",
    "notes",
    "members",
)
#: Other headings read as one of those fields (or as a position).
ALIASES = {
    "area": "declared_area_ha",
    "area_ha": "declared_area_ha",
    "species": "crop",
    "member_numbers": "members",
    "latitude": "lat",
    "longitude": "lon",
    "lng": "lon",
}
#: The export's columns that the register computes: read, never imported.
IGNORED = frozenset({"id", "status", "computed_area_ha", "cooperative"})
#: The columns of the template, in order.
TEMPLATE_COLUMNS = (*FIELDS[:-1], "members", "wkt", "lat", "lon")


class FileProblem(ValueError):
    """The file as a whole cannot be read (not a row's problem)."""


@dataclass
class SourceRow:
    """One zone of the file: its number, the field values and where each came from."""

    row: int
    values: dict[str, Any] = field(default_factory=dict)
    #: Problems found while reading: (field, message).
    problems: list[tuple[str, str]] = field(default_factory=list)
    #: The heading the outline came from (geometry, wkt or lat), to name it in problems.
    geometry_source: str = "geometry"


@dataclass
class ReadFile:
    """The rows of a file and the headings it had that are not zone fields."""

    rows: list[SourceRow]
    ignored: list[str]


def max_rows() -> int:
    """The most zones one file may hold."""
    return int(current_app.config.get("TRACEAPP_ZONE_IMPORT_MAX_ROWS", MAX_ROWS))


def _key(heading: Any) -> str:
    text = str(heading or "").strip().lower().replace(" ", "_").replace("-", "_")
    return ALIASES.get(text, text)


def _cell(value: Any) -> Any:
    """A spreadsheet cell as the text the zone checks read (dates as 2025-03-31)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if value is None or isinstance(value, str) else str(value)


def _too_many(count: int) -> FileProblem:
    return FileProblem(
        _(
            "The file holds more than %(n)s zones; split it into smaller files.",
            n=format_number(max_rows()),
        )
    )


def _members(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value or "")
    return [part.strip() for part in text.replace(",", ";").split(";") if part.strip()]


def _take(row: SourceRow, key: str, value: Any) -> None:
    if key == "members":
        if value not in (None, "", []):
            row.values["members"] = _members(value)
    elif key in FIELDS:
        row.values[key] = value


def read_rows(filename: str, content: bytes) -> ReadFile:
    """The zones of an uploaded file, by its name's ending: .geojson/.json, .csv or .xlsx."""
    name = (filename or "").lower()
    if name.endswith((".geojson", ".json")):
        read = _read_geojson(content)
    elif name.endswith((".csv", ".txt")):
        read = _read_table(_csv_rows(content))
    elif name.endswith(".xlsx"):
        read = _read_table(_xlsx_rows(content))
    elif name.endswith(".kml"):
        read = _read_kml(content)
    else:
        raise FileProblem(
            _("Upload a GeoJSON (.geojson), KML (.kml), CSV (.csv) or Excel (.xlsx) file.")
        )
    for row in read.rows:
        # A NUL or a lone surrogate is stored by no column: the row says so, by field.
        for key in [k for k, v in row.values.items() if first_not_text(v) is not None]:
            row.problems.append((key, str(NOT_TEXT_MESSAGE)))
            del row.values[key]
    return read


# --- GeoJSON --------------------------------------------------------------------------------


def _read_geojson(content: bytes) -> ReadFile:
    if json_too_deep(content):
        raise FileProblem(too_deep_message())
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        # TRANSLATORS: %(error)s is the JSON parser's own (English) account of the problem.
        raise FileProblem(_("This is not JSON: %(error)s", error=exc)) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise FileProblem(
            _("The GeoJSON file must be a FeatureCollection with one Feature per zone.")
        )
    features = doc.get("features")
    if not isinstance(features, list):
        raise FileProblem(_("The FeatureCollection has no list of features."))
    if len(features) > max_rows():
        raise _too_many(len(features))
    rows, ignored = [], set()
    for number, feature in enumerate(features, start=1):
        row = SourceRow(number)
        rows.append(row)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            row.problems.append(("geometry", _("This is not a GeoJSON Feature.")))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            row.problems.append(("properties", _("The properties must be an object.")))
            continue
        for heading, value in properties.items():
            key = _key(heading)
            if key in FIELDS:
                _take(row, key, value)
            elif key not in IGNORED:
                ignored.add(str(heading))
        if feature.get("geometry") is not None:
            row.values["geometry"] = feature["geometry"]
    return ReadFile(rows, sorted(ignored))


def _read_kml(content: bytes) -> ReadFile:
    from traceapp.zones.geometry.messages import GeometryError
    from traceapp.zones.import_kml import placemarks

    try:
        found = placemarks(content)
    except GeometryError as exc:
        raise FileProblem(str(exc)) from None
    if len(found) > max_rows():
        raise _too_many(len(found))
    rows, ignored = [], set()
    for number, (fields, problems) in enumerate(found, start=1):
        row = SourceRow(number, problems=list(problems))
        rows.append(row)
        for heading, value in fields.items():
            key = _key(heading)
            if key == "geometry":
                if value is not None:
                    row.values["geometry"] = value
            elif key in FIELDS:
                _take(row, key, value)
            elif key not in IGNORED:
                ignored.add(heading)
    return ReadFile(rows, sorted(ignored))


# --- CSV and XLSX ---------------------------------------------------------------------------


def _csv_rows(content: bytes) -> list[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(_("The CSV file must be UTF-8 text.")) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for line in csv.reader(io.StringIO(text), dialect):
        rows.append(line)
        if len(rows) > max_rows() + 1:
            raise _too_many(len(rows))
    return rows


def _unreadable_xlsx() -> FileProblem:
    return FileProblem(
        _("The XLSX file cannot be read. Save it again, or save it as CSV, and upload it.")
    )


def _check_package(content: bytes) -> None:
    """Refuse an XLSX that unpacks past the limit or declares entities, before openpyxl
    opens it (a zip stream never yields more than the size its entry declares)."""
    import zipfile

    limit = int(current_app.config.get("TRACEAPP_ZONE_IMPORT_MAX_EXPANDED_BYTES", 128 << 20))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            parts = package.infolist()
            if len(parts) > 1000 or sum(p.file_size for p in parts) > limit:
                raise _unreadable_xlsx()
            for part in parts:
                with package.open(part) as stream:
                    tail = b""
                    while chunk := stream.read(1 << 20):
                        seen = (tail + chunk).lower()
                        if b"<!doctype" in seen or b"<!entity" in seen:
                            raise _unreadable_xlsx()
                        tail = chunk[-16:]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _unreadable_xlsx() from None


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    import zipfile

    import openpyxl

    _check_package(content)
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise _unreadable_xlsx() from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in values])
            if len(rows) > max_rows() + 1:
                raise _too_many(len(rows))
        return rows
    finally:
        book.close()


def _read_table(lines: list[list[Any]]) -> ReadFile:
    if not lines:
        raise FileProblem(_("The file is empty."))
    keys = [_key(h) for h in lines[0]]
    if "code" not in keys:
        raise FileProblem(_("The first line must name the columns, among them code."))
    known = {*FIELDS, "wkt", "geometry", "lat", "lon"}
    ignored = sorted({str(h) for h, k in zip(lines[0], keys, strict=True) if k not in known})
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = {k: v for k, v in zip(keys, line, strict=False) if k in known}
        if not any(str(v or "").strip() for v in cells.values()):
            continue  # a blank line between rows
        row = SourceRow(number)
        for key, value in cells.items():
            if key in FIELDS:
                _take(row, key, value)
        _position(row, cells)
        rows.append(row)
    return ReadFile(rows, [h for h in ignored if _key(h) not in IGNORED and h])


def _position(row: SourceRow, cells: dict[str, Any]) -> None:
    """The outline of a table row: WKT (or GeoJSON text) or a latitude and longitude."""
    for key in ("wkt", "geometry"):
        text = str(cells.get(key) or "").strip()
        if not text:
            continue
        row.geometry_source = key
        if text.startswith("{"):
            try:
                row.values["geometry"] = json.loads(text)
            except ValueError:
                row.problems.append((key, _("This is neither WKT nor GeoJSON.")))
            return
        try:
            row.values["geometry"] = mapping(shapely_wkt.loads(text))
        except (ShapelyError, ValueError, TypeError):
            # TRANSLATORS: WKT is "well-known text", e.g. POLYGON ((105.1 21.0, ...)).
            row.problems.append((key, _("This is not WKT, e.g. POINT (105.85 21.03).")))
        return
    lat, lon = str(cells.get("lat") or "").strip(), str(cells.get("lon") or "").strip()
    if not lat and not lon:
        return
    row.geometry_source = "lat"
    try:
        point = [float(lon.replace(",", ".")), float(lat.replace(",", "."))]
    except ValueError:
        bad = "lat" if not _is_number(lat) else "lon"
        row.problems.append((bad, _("Enter degrees as a number, e.g. 21.0285.")))
        return
    row.values["geometry"] = {"type": "Point", "coordinates": point}


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def template_csv(code: str = "VN-PYDX-0128", province: str = "Phú Yên") -> str:
    """A CSV with the columns an import reads and one example zone (a code of the
    cooperative's scheme, in its province)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    example = {
        "code": code,
        "kind": "growing_area",
        "name": "Longan garden",
        "crop": "longan",
        "province": province,
        "declared_area_ha": "2.5",
        "valid_from": "2025-01-01",
        "lat": "13.40",
        "lon": "109.02",
    }
    writer.writerow([example.get(c, "") for c in TEMPLATE_COLUMNS])
    return out.getvalue()
