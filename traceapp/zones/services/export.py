"""Zone listings: the filters of the lists and registers, and the GeoJSON export."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from traceapp.cooperatives.models import Cooperative
from traceapp.core.regions import names_covered
from traceapp.core.search import text_match
from traceapp.core.streaming import json_chunks
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.zones.models import (
    ISSUE_FIELDS,
    Zone,
    ZoneKind,
    ZoneStatus,
    zone_members,
)
from traceapp.zones.services.status import effective_status, effective_status_clause

#: The zone lists' order (column, descending), ending with the id (keyset paging).
ZONE_LIST_ORDER = [(Zone.code, False), (Zone.id, False)]


def filter_zones(
    stmt: sa.Select[Any],
    *,
    kind: str | None = None,
    status: str | None = None,
    province: str | None = None,
    q: str | None = None,
    today: dt.date | None = None,
) -> sa.Select[Any]:
    """Narrow a zone listing by kind, effective status, province (as issued or merged) and text."""
    if kind:
        stmt = stmt.where(Zone.kind == ZoneKind(kind))
    if status:
        stmt = stmt.where(effective_status_clause(today) == ZoneStatus(status).value)
    if province and province.strip():
        stmt = stmt.where(Zone.province_key.in_(names_covered(province)))
    q = (q or "").strip()
    if q:
        stmt = stmt.where(text_match(Zone, ["code", "name", "crop", "commune", "district"], q))
    return stmt


def _number(value: decimal.Decimal | None) -> float | None:
    return None if value is None else float(value)


def feature(zone: Zone | ZoneRow, today: dt.date | None = None) -> dict[str, Any]:
    """One zone as a GeoJSON Feature (RFC 7946); a zone without geometry has a null one."""
    return {
        "type": "Feature",
        "id": zone.code,
        "geometry": zone.geometry,
        "properties": {
            "code": zone.code,
            "kind": zone.kind.value,
            "name": zone.name,
            "crop": zone.crop,
            "status": effective_status(zone, today).value,
            "declared_area_ha": _number(zone.declared_area_ha),
            "computed_area_ha": _number(zone.computed_area_ha),
            "province": zone.province,
            "district": zone.district,
            "commune": zone.commune,
            "valid_until": zone.valid_until.isoformat() if zone.valid_until else None,
            "cooperative": zone.cooperative.name,
        },
    }


#: The columns of a zone its exports read (CSV, GeoJSON, KML and the lists' downloads).
ROW_FIELDS = (
    "id",
    "code",
    "kind",
    "name",
    "crop",
    "status",
    *ISSUE_FIELDS,
    "declared_area_ha",
    "computed_area_ha",
)


class _Cooperative:
    """A zone's cooperative as its exports read it: its name."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class ZoneRow:
    """A zone as its exports read it, from one row of one query: its columns
    (:data:`ROW_FIELDS`), ``cooperative.name``, ``households`` (its number of members) and
    ``geometry``, parsed from the row's JSON text when it is read.

    An export reads thousands of zones; as ORM objects, each with its state, its collections
    and its parsed geometry, a batch of them lived long enough to be moved to the collector's
    oldest generation, so that a large export set off full collections of the whole process
    (and cost more per zone the more zones there were). A row's values are plain, and its
    geometry lives only while its zone is written."""

    __slots__ = (*ROW_FIELDS, "cooperative", "households", "_geometry")

    id: int
    code: str
    kind: ZoneKind
    name: str | None
    crop: str | None
    status: ZoneStatus
    province: str
    district: str | None
    commune: str | None
    issuing_authority: str | None
    decision_number: str | None
    issued_on: dt.date | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    target_market: Any
    declared_area_ha: decimal.Decimal | None
    computed_area_ha: decimal.Decimal | None
    cooperative: _Cooperative
    households: int

    def __init__(self, row: Any) -> None:
        for key in ROW_FIELDS:
            setattr(self, key, getattr(row, key))
        self.cooperative = _Cooperative(row.cooperative_name)
        self.households = row.households
        self._geometry: str | None = row.geometry_text

    @property
    def geometry(self) -> dict[str, Any] | None:
        """The GeoJSON geometry (RFC 7946), or None."""
        return None if self._geometry is None else json.loads(self._geometry)


def _households() -> sa.ScalarSelect[Any]:
    return (
        sa.select(sa.func.count())
        .select_from(zone_members)
        .where(zone_members.c.zone_id == Zone.id)
        .scalar_subquery()
    )


def iter_zones(
    stmt: sa.Select[Any], batch: int = 500, households: bool = True
) -> Iterator[ZoneRow]:
    """The zones a (scoped) statement of zones selects, by code, read from the database in
    batches as :class:`ZoneRow` (``households`` 0 when not asked for). The query runs when
    the first zone is asked for (in a streamed body, after the view has returned)."""
    coop_name = sa.select(Cooperative.name).where(Cooperative.id == Zone.cooperative_id)
    columns = [
        *(getattr(Zone, key) for key in ROW_FIELDS),
        coop_name.scalar_subquery().label("cooperative_name"),
        (_households() if households else sa.literal(0)).label("households"),
        # As text: parsed only when its zone is written (see ZoneRow).
        sa.cast(Zone.geometry, sa.Text).label("geometry_text"),
    ]
    rows = stmt.with_only_columns(*columns).order_by(None).order_by(Zone.code)
    for row in db.session.execute(rows.execution_options(yield_per=batch)):
        yield ZoneRow(row)


def feature_collection(stmt: sa.Select[Any], today: dt.date | None = None) -> dict[str, Any]:
    """The zones a (scoped) statement selects, as a GeoJSON FeatureCollection."""
    zones = iter_zones(stmt, households=False)
    return {"type": "FeatureCollection", "features": [feature(z, today) for z in zones]}


def feature_collection_chunks(
    stmt: sa.Select[Any], today: dt.date | None = None, extra: dict[str, Any] | None = None
) -> Iterator[bytes]:
    """:func:`feature_collection` (with ``extra`` members after its features) as JSON text,
    written a feature at a time."""
    today = today or local_today()
    doc = {"type": "FeatureCollection", "features": [], **(extra or {})}
    return json_chunks(
        doc,
        ("features",),
        lambda: (feature(z, today) for z in iter_zones(stmt, households=False)),
    )
