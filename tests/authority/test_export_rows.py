"""The exports read plain rows (not ORM objects) and write what the objects would have said:
the zone register's CSV, GeoJSON and KML, the zones list, the lots and the members lists. A
register longer than a batch is written whole, each zone once."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET  # noqa: S405 - our own output
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from tests.authority.test_exports import odd_zone  # noqa: F401 - a fixture
from tests.farm import harvest_lot
from tests.zones.factories import ZoneFactory
from traceapp import tables
from traceapp.authority import exports
from traceapp.batches.models import Lot
from traceapp.batches.views_exports import LOTS
from traceapp.cooperatives.models import Member
from traceapp.cooperatives.views_exports import MEMBERS
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.zones import services as zones
from traceapp.zones.models import TargetMarket, Zone, ZoneStatus
from traceapp.zones.services.export import ROW_FIELDS

pytestmark = pytest.mark.usefixtures("odd_zone")


@pytest.fixture
def households(world: Any) -> Zone:
    """A zone with households, a market, dates and a declared area."""
    zone = ZoneFactory(
        cooperative=world.a.coop,
        status=ZoneStatus.APPROVED,
        target_market=TargetMarket.CHINA_GACC,
        declared_area_ha=2.5,
    )
    zone.members = list(world.a.members)
    db.session.flush()
    assert len(zone.members) >= 2
    return zone


def test_a_zone_row_says_what_the_zone_says(households: Zone, farm: Any) -> None:
    today = local_today()
    db.session.expire_all()  # the objects as read back from the database, as an export read them
    objects = db.session.scalars(sa.select(Zone).order_by(Zone.code)).all()
    rows = list(zones.iter_zones(sa.select(Zone)))
    assert [r.code for r in rows] == [z.code for z in objects] and len(rows) >= 3
    for zone, row in zip(objects, rows, strict=True):
        for key in ROW_FIELDS:
            assert getattr(row, key) == getattr(zone, key), key
        assert row.geometry == zone.geometry
        assert row.cooperative.name == zone.cooperative.name
        assert row.households == len(zone.members)
        assert zones.feature(row, today) == zones.feature(zone, today)
        mark = exports._placemark(row, today)
        assert ET.tostring(mark) == ET.tostring(exports._placemark(zone, today))  # type: ignore[arg-type]
    assert next(r for r in rows if r.id == households.id).households >= 2


def test_a_register_longer_than_a_batch_is_written_whole_and_once(
    households: Zone, farm: Any, auditor_client: Any, manager_client: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(exports, "BATCH", 2)
    monkeypatch.setattr(tables, "BATCH", 2)
    codes = sorted(db.session.scalars(sa.select(Zone.code)))
    assert len(codes) >= 5  # more than two batches of two
    body = auditor_client.get("/authority/zones.csv?variant=machine").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert [line[0] for line in lines[1:-1]] == codes
    assert lines[-1][0] == exports.HEAD_LABEL
    at = lines[0].index("households")
    assert lines[1 + codes.index(households.code)][at] == str(len(households.members))
    kml = auditor_client.get("/authority/zones.kml").get_data()
    names = ET.fromstring(kml).iter(f"{{{exports.KML_NS}}}Placemark")  # noqa: S314 - ours
    assert sorted(m.attrib["id"] for m in names) == sorted(
        f"zone-{i}" for i in db.session.scalars(sa.select(Zone.id))
    )
    features = auditor_client.get("/authority/zones.geojson").get_json()["features"]
    assert [f["id"] for f in features] == codes


def _orm_csv(table: tables.Table, objects: list[Any]) -> str:
    return b"".join(tables.csv_chunks(table, objects, machine=True)).decode()


def test_the_lots_and_members_files_say_what_their_objects_say(
    farm: Any, manager_client: Any, world: Any
) -> None:
    harvest_lot(farm, "100")
    harvest_lot(farm, "250.5", close=False)
    lots = db.session.scalars(
        sa.select(Lot)
        .where(Lot.cooperative_id == world.a.coop.id)
        .order_by(Lot.production_date.desc(), Lot.id.desc())
    ).all()
    assert len(lots) >= 2
    fields = ("code", "production_date", "best_before", "quantity", "unit", "status", "closed_at")
    read = [
        SimpleNamespace(
            **{k: getattr(lot, k) for k in fields},
            product_code=lot.product.code,
            product_name=lot.product.name,
        )
        for lot in lots
    ]
    answer = manager_client.get("/lots.csv?variant=machine").get_data(as_text=True)
    assert answer == _orm_csv(LOTS, read)
    assert lots[0].product.name in answer
    members = db.session.scalars(
        sa.select(Member)
        .where(Member.cooperative_id == world.a.coop.id)
        .order_by(Member.member_number, Member.id)
    ).all()
    assert len(members) >= 2
    url = f"/cooperatives/{world.a.coop.id}/members.csv?variant=machine"
    assert manager_client.get(url).get_data(as_text=True) == _orm_csv(MEMBERS, list(members))


def test_a_file_for_people_says_each_code_and_day_as_each_row_would(
    app: Any, farm: Any, world: Any
) -> None:
    harvest_lot(farm, "100")
    harvest_lot(farm, "250.5", close=False)
    lots = db.session.scalars(sa.select(Lot).where(Lot.cooperative_id == world.a.coop.id)).all()
    members = db.session.scalars(
        sa.select(Member).where(Member.cooperative_id == world.a.coop.id)
    ).all()
    read = [
        SimpleNamespace(
            **{k: getattr(lot, k) for k in vars(lot) if not k.startswith("_")},
            product_code=lot.product.code,
            product_name=lot.product.name,
        )
        for lot in lots
    ]
    for lang in ("vi", "en"):
        with app.test_request_context(headers={"Accept-Language": lang}):
            for table, objects in ((LOTS, read * 2), (MEMBERS, list(members) * 2)):
                cells = table.writer(machine=False)
                assert [cells(o) for o in objects] == [table.cells(o, False) for o in objects]
            day = LOTS.writer(machine=False)(read[0])[3]
            assert isinstance(day, str) and day and day != read[0].production_date.isoformat()
