"""Exports of the zone register (CSV, GeoJSON, KML), each printing the audit chain's head.

A zone's dossier (PDF) is in :mod:`traceapp.authority.dossiers`.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET  # noqa: S405 - only builds documents, never parses input
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from traceapp.audit import services as audit
from traceapp.authority.flags import Flag
from traceapp.csvsafe import lines, to_csv
from traceapp.database import local_today
from traceapp.zones import services as zones
from traceapp.zones.models import ISSUE_FIELDS
from traceapp.zones.services.export import ZoneRow

KML_NS = "http://www.opengis.net/kml/2.2"
#: The first cell of the CSV's last line, which prints the audit chain's head.
HEAD_LABEL = "# audit chain head"
#: The response header that also carries it, for every export and dossier.
HEAD_HEADER = "X-Audit-Chain-Head"

REGISTER_COLUMNS = (
    "code",
    "kind",
    "name",
    "crop_or_species",
    "status",
    "cooperative",
    *ISSUE_FIELDS,
    "declared_area_ha",
    "computed_area_ha",
    "households",
    "flags",
)


def head_headers() -> dict[str, str]:
    """The audit chain's head as a response header, as the export's body prints it."""
    return {HEAD_HEADER: audit.printed_head()}


#: Zones read from the database per batch, and CSV rows written per chunk sent.
BATCH = 500


def _zones(stmt: sa.Select[Any], households: bool = True) -> Iterator[ZoneRow]:
    return zones.iter_zones(stmt, BATCH, households)


def _date(value: dt.date | None) -> str:
    """A date in a data export (CSV, KML): ISO 8601."""
    return value.isoformat() if value else ""


# --- CSV ----------------------------------------------------------------------------------------


def register_csv(stmt: sa.Select[Any], flags: list[Flag], today: dt.date | None = None) -> str:
    """The register as CSV, each cell safe against spreadsheet formula injection."""
    chunks = register_csv_chunks(stmt, flags, audit.printed_head(), today)
    return b"".join(chunks).decode("utf-8")


def register_csv_chunks(
    stmt: sa.Select[Any], flags: list[Flag], head: str, today: dt.date | None = None
) -> Iterator[bytes]:
    """The register as CSV, written a batch of zones at a time; its last line prints the audit
    chain's head ``head``, for a later `traceapp audit verify --head`."""
    today = today or local_today()
    by_zone: dict[int, list[str]] = {}
    for f in flags:
        if f.zone_id is not None and f.kind not in by_zone.get(f.zone_id, []):
            by_zone.setdefault(f.zone_id, []).append(f.kind)

    def chunks() -> Iterator[bytes]:
        yield to_csv(REGISTER_COLUMNS, []).encode("utf-8")
        rows: list[list[Any]] = []
        for z in _zones(stmt):
            rows.append(_csv_row(z, today, by_zone.get(z.id, [])))
            if len(rows) == BATCH:
                yield lines(rows).encode("utf-8")
                rows.clear()
        rows.append([HEAD_LABEL, head])
        yield lines(rows).encode("utf-8")

    return chunks()


def _csv_row(z: ZoneRow, today: dt.date, kinds: list[str]) -> list[Any]:
    return [
        z.code,
        z.kind.value,
        z.name,
        z.crop,
        zones.effective_status(z, today).value,
        z.cooperative.name,
        z.province,
        z.district,
        z.commune,
        z.issuing_authority,
        z.decision_number,
        _date(z.issued_on),
        _date(z.valid_from),
        _date(z.valid_until),
        z.target_market.value if z.target_market else "",
        "" if z.declared_area_ha is None else z.declared_area_ha,
        "" if z.computed_area_ha is None else z.computed_area_ha,
        z.households,
        " ".join(kinds),
    ]


# --- GeoJSON ------------------------------------------------------------------------------------


def register_geojson(stmt: sa.Select[Any], today: dt.date | None = None) -> dict[str, Any]:
    """The register as an RFC 7946 FeatureCollection ([longitude, latitude], WGS84), with
    the audit chain's head as a foreign member."""
    return {**zones.feature_collection(stmt, today), "audit_chain_head": audit.printed_head()}


def register_geojson_chunks(
    stmt: sa.Select[Any], head: str, today: dt.date | None = None
) -> Iterator[bytes]:
    """:func:`register_geojson` as text, a feature at a time (the chain's head ``head``)."""
    return zones.feature_collection_chunks(stmt, today, {"audit_chain_head": head})


# --- KML ----------------------------------------------------------------------------------------


def _coords(ring: list[list[float]]) -> str:
    return " ".join(f"{lon:.7f},{lat:.7f}" for lon, lat, *_rest in ring)


def _kml_polygon(parent: ET.Element, rings: list[list[list[float]]]) -> None:
    polygon = ET.SubElement(parent, f"{{{KML_NS}}}Polygon")
    for i, ring in enumerate(rings):
        boundary = ET.SubElement(
            polygon, f"{{{KML_NS}}}{'outerBoundaryIs' if i == 0 else 'innerBoundaryIs'}"
        )
        linear = ET.SubElement(boundary, f"{{{KML_NS}}}LinearRing")
        ET.SubElement(linear, f"{{{KML_NS}}}coordinates").text = _coords(ring)


def _kml_geometry(parent: ET.Element, geometry: dict[str, Any] | None) -> None:
    if not geometry:
        return
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        point = ET.SubElement(parent, f"{{{KML_NS}}}Point")
        ET.SubElement(point, f"{{{KML_NS}}}coordinates").text = _coords([coords])
    elif kind == "Polygon":
        _kml_polygon(parent, coords)
    elif kind == "MultiPolygon":
        multi = ET.SubElement(parent, f"{{{KML_NS}}}MultiGeometry")
        for polygon in coords:
            _kml_polygon(multi, polygon)


def register_kml(stmt: sa.Select[Any], today: dt.date | None = None) -> bytes:
    """The register as a KML 2.2 document (text escaped by the XML writer)."""
    return b"".join(register_kml_chunks(stmt, audit.printed_head(), today))


def _placemark(zone: ZoneRow, today: dt.date) -> ET.Element:
    mark = ET.Element(f"{{{KML_NS}}}Placemark", id=f"zone-{zone.id}")
    ET.SubElement(mark, f"{{{KML_NS}}}name").text = zone.code
    ET.SubElement(mark, f"{{{KML_NS}}}description").text = " · ".join(
        filter(None, [zone.name, zone.crop, zone.cooperative.name])
    )
    data = ET.SubElement(mark, f"{{{KML_NS}}}ExtendedData")
    for key, value in (
        ("kind", zone.kind.value),
        ("status", zones.effective_status(zone, today).value),
        ("province", zone.province),
        ("district", zone.district),
        ("commune", zone.commune),
        ("valid_until", _date(zone.valid_until)),
        (
            "declared_area_ha",
            "" if zone.declared_area_ha is None else str(zone.declared_area_ha),
        ),
    ):
        item = ET.SubElement(data, f"{{{KML_NS}}}Data", name=key)
        ET.SubElement(item, f"{{{KML_NS}}}value").text = value or ""
    _kml_geometry(mark, zone.geometry)
    return mark


#: Stands in for the placemarks while the rest of the document is written.
_MARK = "streamed-placemarks"


def register_kml_chunks(
    stmt: sa.Select[Any], head: str, today: dt.date | None = None
) -> Iterator[bytes]:
    """The register as a KML 2.2 document written a placemark at a time: the document with a
    stand-in for its placemarks is split there, and each placemark, written alone, loses the
    namespace declaration that the document's root already makes."""
    today = today or local_today()
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    document = ET.SubElement(root, f"{{{KML_NS}}}Document")
    ET.SubElement(document, f"{{{KML_NS}}}name").text = f"traceapp zones {today.isoformat()}"
    ET.SubElement(document, _MARK)
    ends = ET.SubElement(ET.SubElement(document, f"{{{KML_NS}}}ExtendedData"), f"{{{KML_NS}}}Data")
    ends.set("name", "audit_chain_head")
    ET.SubElement(ends, f"{{{KML_NS}}}value").text = head
    before, after = ET.tostring(root, encoding="utf-8", xml_declaration=True).split(
        f"<{_MARK} />".encode()
    )
    declaration = f' xmlns="{KML_NS}"'.encode()

    def chunks() -> Iterator[bytes]:
        yield before
        parts: list[bytes] = []
        for n, zone in enumerate(_zones(stmt, households=False), 1):
            text = ET.tostring(_placemark(zone, today), encoding="utf-8")
            parts.append(text.replace(declaration, b"", 1))
            if n % BATCH == 0:
                yield b"".join(parts)
                parts.clear()
        parts.append(after)
        yield b"".join(parts)

    return chunks()
