"""The farm fixture (a pytest plugin, see tests/conftest.py): products of each kind, approved
zones, a mark with grants; used by the lot, label and public page tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from traceapp.brands.models import CollectiveMark, MarkStatus
from traceapp.brands.services import create_grant
from traceapp.cooperatives.models import Member
from traceapp.extensions import db
from traceapp.products.models import Product
from traceapp.zones.models import Zone, ZoneKind, ZoneStatus

HARVEST = dt.date(2026, 3, 10)


@dataclass
class Farm:
    """Cooperative A's things the lot tests use."""

    world: Any
    peanuts: Product
    peanuts_packed: Product
    tuna: Product
    lobster: Product
    mark: CollectiveMark
    field: Zone
    field2: Zone
    ground: Zone
    cages: Zone
    packing: Zone
    growers: list[Member]
    fisher: Member

    @property
    def coop(self) -> Any:
        """Cooperative A."""
        return self.world.a.coop


def _zone(
    coop_id: int, code: str, kind: ZoneKind, crop: str, area: str | None = None, **kw: Any
) -> Zone:
    zone = Zone(
        cooperative_id=coop_id,
        code=code,
        kind=kind,
        crop=crop,
        province="Phú Yên",
        district="Đồng Xuân",
        commune="Xuân Phước",
        status=ZoneStatus.APPROVED,
        valid_from=dt.date(2025, 1, 1),
        valid_until=dt.date(2028, 12, 31),
        declared_area_ha=Decimal(area) if area else None,
        **kw,
    )
    db.session.add(zone)
    return zone


@pytest.fixture
def farm(world: Any) -> Farm:
    """Products (peanuts with a mark, packed peanuts, tuna, lobster), zones and grants."""
    a = world.a
    coop = a.coop
    mark = CollectiveMark(
        cooperative_id=coop.id,
        name="Đậu phộng Thử",
        status=MarkStatus.REGISTERED,
        certificate_number="4-0000001-000",
        certificate_date=dt.date(2020, 1, 1),
    )
    db.session.add(mark)
    db.session.flush()
    peanuts = Product(
        cooperative_id=coop.id,
        code="DP-THO",
        name="Đậu phộng thô",
        category="peanuts",
        unit_of_trade="kg",
        names={},
        mark_id=mark.id,
    )
    packed = Product(
        cooperative_id=coop.id,
        code="DP-500",
        name="Đậu phộng túi 500 g",
        category="peanuts",
        unit_of_trade="bag",
        net_quantity=Decimal("0.5"),
        net_unit="KGM",
        names={"en": "Peanuts 500 g"},
        mark_id=mark.id,
        gtin="08934567890120",
        shelf_life_days=180,
    )
    tuna = Product(
        cooperative_id=coop.id,
        code="CN-LOIN",
        name="Cá ngừ vây vàng",
        category="tuna",
        unit_of_trade="kg",
        names={},
    )
    lobster = Product(
        cooperative_id=coop.id,
        code="TH-XANH",
        name="Tôm hùm xanh",
        category="lobster",
        unit_of_trade="piece",
        names={},
    )
    db.session.add_all([peanuts, packed, tuna, lobster])
    field = _zone(coop.id, "VN-TEST-0001", ZoneKind.GROWING_AREA, "đậu phộng", "2.0")
    field2 = _zone(coop.id, "VN-TEST-0002", ZoneKind.GROWING_AREA, "đậu phộng", "1.0")
    ground = _zone(coop.id, "VN-PYOFF-01", ZoneKind.FISHING_GROUND, "cá ngừ vây vàng")
    cages = _zone(coop.id, "54-TH-0001-001", ZoneKind.AQUACULTURE_FACILITY, "tôm hùm xanh", "0.5")
    packing = _zone(coop.id, "VN-PYPH-0001", ZoneKind.PACKING_HOUSE, "đậu phộng")
    fisher = Member(
        cooperative_id=coop.id,
        member_number="0099",
        full_name="Ngư dân Thử",
        vessel_registration="PY-90001-TS",
        vessel_name="Thử 01",
        flag_state="VN",
    )
    db.session.add(fisher)
    db.session.flush()
    # Every member of A is registered on every zone: the checks at entry refuse a delivery
    # from a zone the member is not registered on (tests of that rule take a member off).
    for zone in (field, field2, ground, cages, packing):
        zone.members = [*a.members, fisher]
    growers = a.members[:2]
    for member in growers:
        create_grant(
            a.manager,
            mark,
            member_id=member.id,
            product_ids=[peanuts.id, packed.id],
            granted_on=dt.date(2025, 1, 1),
        )
    db.session.flush()
    return Farm(
        world=world,
        peanuts=peanuts,
        peanuts_packed=packed,
        tuna=tuna,
        lobster=lobster,
        mark=mark,
        field=field,
        field2=field2,
        ground=ground,
        cages=cages,
        packing=packing,
        growers=growers,
        fisher=fisher,
    )


def harvest_lot(
    farm: Farm,
    quantity: str = "1000",
    contributions: list[tuple] | None = None,
    close: bool = True,
    product: Product | None = None,
    confirm: str | None = None,
    **kw: Any,
) -> Any:
    """A peanut harvest lot with contributions [(member, zone, quantity)], closed by default.

    ``confirm``: the reason an implausible quantity is confirmed with (checks at entry)."""
    from traceapp.batches import services

    actor = farm.world.a.manager
    lot = services.create_lot(
        actor,
        product_id=(product or farm.peanuts).id,
        production_date=kw.pop("production_date", HARVEST),
        quantity=quantity,
        unit="KGM",
        **kw,
    )
    if contributions is None:
        contributions = [(farm.growers[0], farm.field, quantity)]
    for member, zone, q in contributions:
        services.add_contribution(
            actor,
            lot,
            member_id=member.id,
            zone_id=zone.id,
            quantity=q,
            unit="KGM",
            confirm_implausible=confirm is not None,
            confirmation_reason=confirm,
        )
    if close:
        services.close_lot(actor, lot)
    return lot
