"""Objects of cooperative A for the cross-tenant walk: a product with an OCOP record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from tests.products.factories import MarkFactory, OcopRecordFactory, ProductFactory
from tests.tenancy_objects import Reference
from traceapp.extensions import db
from traceapp.products.models import OcopRecord


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """Cooperative A's product (with a mark and a certificate), by URL argument name."""
    mark = MarkFactory(cooperative=world.a.coop, name="Nhãn hiệu của A")
    product = ProductFactory(
        cooperative=world.a.coop,
        code="A-SECRET",
        name="Sản phẩm của A",
        gtin="08934567890120",
        mark=mark,
    )
    OcopRecordFactory(product=product)
    return {"product_id": lambda: product.id}


def references(world: Any, a: dict[str, Callable[[], Any]]) -> list[Reference]:
    """A product names its mark (and, new through the API, its cooperative); an OCOP record
    the earlier record it corrects."""
    b = world.b
    mark = MarkFactory(cooperative=b.coop, name="Nhãn hiệu của B")
    product = ProductFactory(cooperative=b.coop, code="B-OWN", name="Sản phẩm của B")
    records = [OcopRecordFactory(product=product) for _ in range(2)]
    a_mark = a["mark_id"]()
    a_record = db.session.scalars(
        sa.select(OcopRecord.id).where(OcopRecord.cooperative_id == world.a.coop.id)
    ).first()
    body = {"name": "Sản phẩm mới", "category": "peanuts", "unit_of_trade": "bag"}
    ocop = {
        "scheme": "148/2023",
        "score_a": "32",
        "score_b": "20",
        "score_c": "25",
        "decided_on": "2025-06-15",
        "decision_number": "1023/QĐ-UBND",
        "notes": "Điểm phần C được chấm lại",
    }
    return [
        Reference(
            "POST /api/v1/products mark_id",
            lambda i: ("/api/v1/products", {**body, "code": "B-NEW-1", "mark_id": i}),
            a_mark,
            mark.id,
        ),
        Reference(
            "POST /api/v1/products cooperative_id",
            lambda i: (f"/api/v1/products?cooperative_id={i}", {**body, "code": "B-NEW-2"}),
            world.a.coop.id,
            b.coop.id,
        ),
        Reference(
            "PATCH /api/v1/products/{product_id} mark_id",
            lambda i: (f"/api/v1/products/{product.id}", {"mark_id": i}),
            a_mark,
            mark.id,
            method="PATCH",
        ),
        Reference(
            "POST /api/v1/products/{product_id}/ocop supersedes_id",
            lambda i: (f"/api/v1/products/{product.id}/ocop", {**ocop, "supersedes_id": i}),
            a_record,
            records[0].id,
        ),
        Reference(
            "ProductForm.mark_id",
            lambda i: ("/products/new", {**body, "code": "B-NEW-3", "mark_id": i}),
            a_mark,
            mark.id,
            form=True,
        ),
        Reference(
            "ProductForm.mark_id",
            lambda i: (
                f"/products/{product.id}/edit",
                {**body, "code": product.code, "mark_id": i},
            ),
            a_mark,
            mark.id,
            form=True,
        ),
        Reference(
            "OcopForm.supersedes_id",
            lambda i: (f"/products/{product.id}/ocop/new", {**ocop, "supersedes_id": i}),
            a_record,
            records[1].id,
            form=True,
        ),
    ]
