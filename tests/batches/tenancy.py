"""Objects of cooperative A for the cross-tenant walk: a lot, its contribution, an event, a
recall."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tests.tenancy_objects import Reference
from traceapp.auth.models import SYSTEM
from traceapp.batches import events as ev
from traceapp.batches import services
from traceapp.batches.epcis import lot_document
from traceapp.batches.models import Contribution, ImportJob, Lot, Recall, TraceEvent
from traceapp.extensions import db
from traceapp.products.models import Product
from traceapp.zones.models import Zone, ZoneKind, ZoneStatus

HARVEST = dt.date(2026, 3, 10)


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
    import_job = ImportJob(cooperative_id=coop.id, filename="a.jsonld", size=10, status="done")
    db.session.add_all([contribution, event, recall, import_job])
    db.session.flush()
    return {
        "import_job_id": lambda: import_job.id,
        "lot_id": lambda: lot.id,
        "batch_id": lambda: lot.id,
        "contribution_id": lambda: contribution.id,
        "event_id": lambda: event.id,
        "recall_id": lambda: recall.id,
    }


def _b_things(world: Any) -> dict[str, Any]:
    """Cooperative B's own: an unmarked peanut product, an approved field, an open lot with
    two recorded inspections, and a closed lot to make others from."""
    b = world.b
    product = Product(
        cooperative_id=b.coop.id,
        code="B-REFS",
        name="Đậu phộng B",
        category="peanuts",
        unit_of_trade="kg",
        names={},
    )
    zone = Zone(
        cooperative_id=b.coop.id,
        code="VN-KHB-0001",
        kind=ZoneKind.GROWING_AREA,
        province=b.coop.province,
        status=ZoneStatus.APPROVED,
        crop="đậu phộng",
        valid_from=dt.date(2025, 1, 1),
        valid_until=dt.date(2028, 12, 31),
    )
    zone.members = b.members[:2]  # a delivery comes from a zone its member is registered on
    db.session.add_all([product, zone])
    db.session.flush()

    def lot(quantity: str) -> Lot:
        return services.create_lot(
            b.manager, product_id=product.id, production_date=HARVEST, quantity=quantity, unit="KGM"
        )

    open_lot = lot("500")
    events = [
        ev.record_event(b.manager, open_lot, biz_step="inspecting", disposition="conformant")
        for _ in range(2)
    ]
    closed = lot("100")
    services.add_contribution(
        b.manager, closed, member_id=b.members[0].id, zone_id=zone.id, quantity="100"
    )
    services.close_lot(SYSTEM, closed)
    return {"product": product, "zone": zone, "lot": open_lot, "events": events, "closed": closed}


def references(world: Any, a: dict[str, Callable[[], Any]]) -> list[Reference]:
    """Lots, contributions, events, corrections and transformations name products, members,
    zones and lots; the EPCIS export and import name a cooperative."""
    r = Reference
    mine = _b_things(world)
    product, zone, lot, closed = mine["product"], mine["zone"], mine["lot"], mine["closed"]
    member = world.b.members[1].id
    day = HARVEST.isoformat()
    a_product = a["product_id"]()
    a_zone, a_lot, a_member = a["zone_id"](), a["lot_id"](), world.a.members[0].id
    a_coop, b_coop = world.a.coop.id, world.b.coop.id
    lot_body = {"production_date": day, "quantity": "5", "unit": "KGM"}
    contribution = f"/api/v1/batches/{lot.id}/contributions"
    events_url = f"/api/v1/batches/{lot.id}/events"
    inspection = {"biz_step": "inspecting", "disposition": "conformant"}

    def transform_form(lot_id: Any, product_id: Any) -> dict[str, Any]:
        return {
            "kind": "commingling",
            "inputs-0-lot_id": lot_id,
            "inputs-0-quantity": "5",
            "product_id": product_id,
            "quantity": "5",
            "unit": "KGM",
            "production_date": day,
        }

    def transformation(lot_id: Any, product_id: Any) -> dict[str, Any]:
        return {
            "kind": "commingling",
            "inputs": [{"lot_id": lot_id, "quantity": "5"}],
            "outputs": [{"product_id": product_id, **lot_body}],
        }

    return [
        r(
            "POST /api/v1/batches product_id",
            lambda i: ("/api/v1/batches", {"product_id": i, **lot_body}),
            a_product,
            product.id,
        ),
        r(
            "POST /api/v1/batches inputs.0.lot_id",
            lambda i: (
                "/api/v1/batches",
                {
                    "product_id": product.id,
                    **lot_body,
                    "kind": "commingling",
                    "inputs": [{"lot_id": i, "quantity": "5"}],
                },
            ),
            a_lot,
            closed.id,
        ),
        r(
            "GET /api/v1/batches product_id",
            lambda i: (f"/api/v1/batches?product_id={i}", None),
            a_product,
            None,
            method="GET",
        ),
        r(
            "POST /api/v1/batches/{batch_id}/contributions member_id",
            lambda i: (contribution, {"member_id": i, "zone_id": zone.id, "quantity": "10"}),
            a_member,
            member,
        ),
        r(
            "POST /api/v1/batches/{batch_id}/contributions zone_id",
            lambda i: (contribution, {"member_id": member, "zone_id": i, "quantity": "10"}),
            a_zone,
            zone.id,
        ),
        r(
            "POST /api/v1/batches/{batch_id}/events zone_id",
            lambda i: (events_url, {**inspection, "zone_id": i}),
            a_zone,
            zone.id,
        ),
        r(
            "POST /api/v1/events/{event_id}/error-declaration corrections.0.zone_id",
            lambda i: (
                f"/api/v1/events/{mine['events'][0].id}/error-declaration",
                {
                    "reason": "incorrect_data",
                    "explanation": "Inspected at the field",
                    "corrections": [{**inspection, "zone_id": i}],
                },
            ),
            a_zone,
            zone.id,
        ),
        r(
            "POST /api/v1/transformations inputs.0.lot_id",
            lambda i: ("/api/v1/transformations", transformation(i, product.id)),
            a_lot,
            closed.id,
        ),
        r(
            "POST /api/v1/transformations outputs.0.product_id",
            lambda i: ("/api/v1/transformations", transformation(closed.id, i)),
            a_product,
            product.id,
        ),
        r(
            "GET /api/v1/epcis cooperative_id",
            lambda i: (f"/api/v1/epcis?cooperative_id={i}", None),
            a_coop,
            b_coop,
            method="GET",
        ),
        r(
            # A document of B's own lot: importing it again records nothing (duplicates).
            "POST /api/v1/epcis/import cooperative_id",
            lambda i: (f"/api/v1/epcis/import?cooperative_id={i}", lot_document(closed)),
            a_coop,
            b_coop,
        ),
        r(
            "LotForm.product_id",
            lambda i: ("/lots/new", {"product_id": i, **lot_body}),
            a_product,
            product.id,
            form=True,
        ),
        r(
            "ContributionForm.member_id",
            lambda i: (
                f"/lots/{lot.id}/contributions",
                {"c-member_id": i, "c-zone_id": zone.id, "c-quantity": "10", "c-unit": "KGM"},
            ),
            a_member,
            member,
            form=True,
        ),
        r(
            "ContributionForm.zone_id",
            lambda i: (
                f"/lots/{lot.id}/contributions",
                {"c-member_id": member, "c-zone_id": i, "c-quantity": "10", "c-unit": "KGM"},
            ),
            a_zone,
            zone.id,
            form=True,
        ),
        # The event and correction forms take a typed zone code, not an id: a foreign code
        # reads like a missing one in tests/batches/test_references.py.
        r(
            "InputRow.lot_id",
            lambda i: ("/lots/transform", transform_form(i, product.id)),
            a_lot,
            closed.id,
            form=True,
        ),
        r(
            "TransformForm.product_id",
            lambda i: ("/lots/transform", transform_form(closed.id, i)),
            a_product,
            product.id,
            form=True,
        ),
    ]
