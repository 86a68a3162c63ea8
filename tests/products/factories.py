"""Test data builders for products, OCOP records and the marks products carry."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from tests.factories import CooperativeFactory, _Base
from traceapp.brands.models import CollectiveMark, MarkStatus
from traceapp.database import local_today
from traceapp.products.models import OcopLevel, OcopRecord, Product
from traceapp.products.services import add_months


def with_check_digit(body: str) -> str:
    """Append the GS1 mod-10 check digit to a GTIN body (7, 11, 12 or 13 digits)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


class MarkFactory(_Base):
    class Meta:
        model = CollectiveMark

    cooperative = factory.SubFactory(CooperativeFactory)
    name = factory.Sequence(lambda n: f"Nhãn hiệu thử {n}")
    status = MarkStatus.REGISTERED


class ProductFactory(_Base):
    class Meta:
        model = Product

    cooperative = factory.SubFactory(CooperativeFactory)
    code = factory.Sequence(lambda n: f"P-{n:04d}")
    name = factory.Sequence(lambda n: f"Sản phẩm thử {n}")
    names = factory.LazyFunction(dict)
    category = "peanuts"
    unit_of_trade = "bag"
    net_quantity = Decimal("500")
    net_unit = "GRM"
    is_active = True


class OcopRecordFactory(_Base):
    """A 4-star province certificate decided a year ago (valid today)."""

    class Meta:
        model = OcopRecord

    product = factory.SubFactory(ProductFactory)
    cooperative_id = factory.LazyAttribute(lambda o: o.product.cooperative_id)
    scheme = "148/2023"
    score_a = Decimal("30")
    score_b = Decimal("20")
    score_c = Decimal("25")
    total = factory.LazyAttribute(lambda o: o.score_a + o.score_b + o.score_c)
    stars = 4
    level = OcopLevel.PROVINCE
    decision_number = factory.Sequence(lambda n: f"{n + 100}/QĐ-UBND")
    decided_on = factory.LazyFunction(lambda: local_today() - dt.timedelta(days=365))
    valid_until = factory.LazyAttribute(lambda o: add_months(o.decided_on, 36))
