"""Objects of cooperative A for the cross-tenant walk: a product with an OCOP record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.products.factories import MarkFactory, OcopRecordFactory, ProductFactory


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
