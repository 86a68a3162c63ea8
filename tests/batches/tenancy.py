"""Objects of cooperative A for the cross-tenant walk: a lot, its contribution, an event, a
recall."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from traceapp.batches.models import Contribution, Lot, Recall, TraceEvent
from traceapp.extensions import db
from traceapp.products.models import Product
from traceapp.zones.models import Zone, ZoneKind, ZoneStatus


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """A lot of cooperative A with one contribution, one event and a recall record."""
    coop = world.a.coop
    product = Product(
        cooperative_id=coop.id,
        code="TENANCY-LOT",
        name="Sản phẩm thử A",
        category="peanuts",
        unit_of_trade="bag",
        names={},
    )
    zone = Zone(
        cooperative_id=coop.id,
        code="VN-TENA-0001",
        kind=ZoneKind.GROWING_AREA,
        province=coop.province,
        status=ZoneStatus.APPROVED,
        crop="đậu phộng",
    )
    db.session.add_all([product, zone])
    db.session.flush()
    lot = Lot(
        cooperative_id=coop.id,
        product_id=product.id,
        code="A-LOT-1",
        production_date=dt.date(2026, 3, 1),
        quantity=Decimal(100),
        unit="KGM",
    )
    db.session.add(lot)
    db.session.flush()
    contribution = Contribution(
        cooperative_id=coop.id,
        lot_id=lot.id,
        member_id=world.a.members[0].id,
        zone_id=zone.id,
        quantity=Decimal(100),
        unit="KGM",
        delivered_on=dt.date(2026, 3, 1),
    )
    event = TraceEvent(
        cooperative_id=coop.id,
        event_uid="urn:uuid:tenancy-a-event",
        lot_id=lot.id,
        event_type="ObjectEvent",
        action="ADD",
        biz_step="commissioning",
        event_time=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        tz_offset="+07:00",
        recorded_by_label="test",
    )
    recall = Recall(
        cooperative_id=coop.id,
        root_lot_id=lot.id,
        reason="test recall",
        instructions="return it",
        decided_by="manager A",
    )
    db.session.add_all([contribution, event, recall])
    db.session.flush()
    return {
        "lot_id": lambda: lot.id,
        "batch_id": lambda: lot.id,
        "contribution_id": lambda: contribution.id,
        "event_id": lambda: event.id,
        "recall_id": lambda: recall.id,
    }
