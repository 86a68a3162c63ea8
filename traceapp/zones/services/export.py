"""Zone listings: the filters of the lists and registers, and the GeoJSON export."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from traceapp.core.regions import names_covered
from traceapp.core.streaming import json_chunks
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.zones.models import (
    Zone,
    ZoneKind,
    ZoneStatus,
)

if TYPE_CHECKING:
    pass
from traceapp.core.search import text_match
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


def feature(zone: Zone, today: dt.date | None = None) -> dict[str, Any]:
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


def iter_zones(stmt: sa.Select[Any], batch: int = 500) -> Iterator[Zone]:
    """The zones a (scoped) statement selects, by code, read from the database in batches."""
    stmt = stmt.options(selectinload(Zone.cooperative)).order_by(Zone.code)
    return iter(db.session.execute(stmt.execution_options(yield_per=batch)).scalars())


def feature_collection(stmt: sa.Select[Any], today: dt.date | None = None) -> dict[str, Any]:
    """The zones a (scoped) statement selects, as a GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": [feature(z, today) for z in iter_zones(stmt)]}


def feature_collection_chunks(
    stmt: sa.Select[Any], today: dt.date | None = None, extra: dict[str, Any] | None = None
) -> Iterator[bytes]:
    """:func:`feature_collection` (with ``extra`` members after its features) as JSON text,
    written a feature at a time."""
    today = today or local_today()
    doc = {"type": "FeatureCollection", "features": [], **(extra or {})}
    return json_chunks(doc, ("features",), lambda: (feature(z, today) for z in iter_zones(stmt)))
