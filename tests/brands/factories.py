"""Test data builders for marks, products carrying them, and grants (through the service)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from tests.factories import CooperativeFactory, _Base
from traceapp.auth.models import SYSTEM
from traceapp.brands import services
from traceapp.brands.models import CollectiveMark, MarkGrant, MarkStatus
from traceapp.database import local_today
from traceapp.products.models import Product


def days_ago(n: int) -> dt.date:
    """A calendar date ``n`` days before today (negative: after)."""
    return local_today() - dt.timedelta(days=n)


class MarkFactory(_Base):
    class Meta:
        model = CollectiveMark

    cooperative = factory.SubFactory(CooperativeFactory)
    name = factory.Sequence(lambda n: f"Nhãn hiệu tập thể (thử) {n}")
    status = MarkStatus.REGISTERED
    certificate_number = factory.Sequence(lambda n: f"4-{n:07d}-000")
    certificate_date = factory.LazyFunction(lambda: days_ago(3 * 365))
    valid_until = factory.LazyFunction(lambda: days_ago(-5 * 365))
    owner_name = factory.LazyAttribute(lambda o: o.cooperative.name)


class ProductFactory(_Base):
    class Meta:
        model = Product

    cooperative = factory.SubFactory(CooperativeFactory)
    code = factory.Sequence(lambda n: f"BR-{n:04d}")
    name = factory.Sequence(lambda n: f"Sản phẩm {n}")
    category = "peanuts"
    unit_of_trade = "bag"
    mark = None


def make_grant(
    mark: CollectiveMark,
    member: Any,
    products: list[Product],
    granted_on: dt.date | None = None,
    **kw: Any,
) -> MarkGrant:
    """A grant made the way the application makes it, with its first event."""
    return services.create_grant(
        SYSTEM,
        mark,
        member_id=member.id,
        product_ids=[p.id for p in products],
        granted_on=granted_on or days_ago(400),
        **kw,
    )


def marked_setup(tenant: Any, products: int = 2) -> tuple[CollectiveMark, list[Product]]:
    """A registered mark of the tenant's cooperative and products carrying it."""
    mark = MarkFactory(cooperative=tenant.coop, name=f"Đậu phộng {tenant.coop.name}")
    items = [ProductFactory(cooperative=tenant.coop, mark=mark) for _ in range(products)]
    return mark, items
