"""The public register's pages of a cooperative and of a collective mark: who they are, their
marks and rules of use, and their current products with OCOP stars while valid.

Records carry public facts only: the members are counted, never named, and the share of
women among them is given only when the cooperative chose to show it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from traceapp.brands.models import CollectiveMark, MarkStatus
from traceapp.brands.services import products_marked_on
from traceapp.cooperatives.models import Cooperative
from traceapp.cooperatives.services import member_stats
from traceapp.extensions import db
from traceapp.products.models import Product
from traceapp.products.services import current_ocop
from traceapp.registry.codes import PublicZone, issued_zones, like_patterns, public_zone
from traceapp.zones.models import Zone


@dataclass(frozen=True)
class Ocop:
    """A product's OCOP rating while its certificate is valid."""

    stars: int
    level: str | None
    decision_number: str | None
    valid_until: dt.date


@dataclass(frozen=True)
class PublicProduct:
    """A current product of a cooperative."""

    id: int
    code: str
    name: str
    gtin: str | None
    ocop: Ocop | None
    #: The collective mark members may put on it today (its name), if any.
    mark: str | None = None
    #: How many member households may put the mark on it today (on a mark's page).
    users: int = 0


@dataclass(frozen=True)
class PublicMark:
    """A collective mark with its rules of use (Law on IP Art. 105(4))."""

    id: int
    name: str
    status: MarkStatus
    usable: bool
    certificate_number: str | None
    certificate_date: dt.date | None
    valid_until: dt.date | None
    product_scope: str | None
    geographic_scope: str | None
    owner_name: str | None
    owner_address: str | None
    founding_basis: str | None
    membership_criteria: str | None
    conditions_of_use: str | None
    violation_measures: str | None
    rules_adopted_on: dt.date | None
    cooperative_id: int
    cooperative_name: str
    #: The products members may put the mark on today (on the mark's own page).
    products: tuple[PublicProduct, ...] = ()


@dataclass(frozen=True)
class PublicCooperative:
    """A cooperative's public page."""

    id: int
    name: str
    registration_number: str | None
    address: str | None
    commune: str | None
    district: str | None
    province: str
    website: str | None
    description: str | None
    founded_on: dt.date | None
    members: int
    #: Percent of the members who are women, only when the cooperative chose to show it.
    women_share: int | None
    marks: tuple[PublicMark, ...]
    products: tuple[PublicProduct, ...]
    zones: tuple[PublicZone, ...]


# --- cooperatives, marks, products -----------------------------------------------------------


def cooperatives(text: str, page: int = 1, per_page: int = 25) -> tuple[list[Any], int]:
    """One page of the cooperatives (id, name, district, province) by name, and the count."""
    stmt = sa.select(
        Cooperative.id, Cooperative.name, Cooperative.district, Cooperative.province
    ).order_by(Cooperative.name, Cooperative.id)
    if text.strip():
        lowered, typed = like_patterns(text.strip())
        columns = (Cooperative.name, Cooperative.province, Cooperative.district)
        stmt = stmt.where(
            sa.or_(
                *[sa.func.lower(c).like(lowered, escape="\\") for c in columns],
                *[c.like(typed, escape="\\") for c in columns],
            )
        )
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    rows = db.session.execute(stmt.limit(per_page).offset((max(page, 1) - 1) * per_page))
    return list(rows), total


def _ocop(product: Product, today: dt.date) -> Ocop | None:
    record = current_ocop(product, today)
    if record is None:
        return None
    return Ocop(
        stars=record.stars,
        level=record.level.value if record.level else None,
        decision_number=record.decision_number,
        valid_until=record.valid_until,
    )


def _public_product(
    product: Product, lang: str, today: dt.date, mark: str | None = None, users: int = 0
) -> PublicProduct:
    return PublicProduct(
        id=product.id,
        code=product.code,
        name=product.name_in(lang),
        gtin=product.gtin,
        ocop=_ocop(product, today),
        mark=mark,
        users=users,
    )


def _public_mark(
    mark: CollectiveMark, coop: Cooperative, today: dt.date, products: tuple[PublicProduct, ...]
) -> PublicMark:
    return PublicMark(
        id=mark.id,
        name=mark.name,
        status=mark.effective_status(today),
        usable=mark.is_usable_on(today),
        certificate_number=mark.certificate_number,
        certificate_date=mark.certificate_date,
        valid_until=mark.valid_until,
        product_scope=mark.product_scope,
        geographic_scope=mark.geographic_scope,
        owner_name=mark.owner_name,
        owner_address=mark.owner_address,
        founding_basis=mark.founding_basis,
        membership_criteria=mark.membership_criteria,
        conditions_of_use=mark.conditions_of_use,
        violation_measures=mark.violation_measures,
        rules_adopted_on=mark.rules_adopted_on,
        cooperative_id=coop.id,
        cooperative_name=coop.name,
        products=products,
    )


def mark_page(mark_id: int, lang: str, today: dt.date) -> PublicMark | None:
    """A collective mark's page with the current products members may put it on today."""
    mark = db.session.get(CollectiveMark, mark_id)
    if mark is None:
        return None
    coop = db.session.get_one(Cooperative, mark.cooperative_id)
    products = tuple(
        _public_product(p, lang, today, mark.name, users)
        for p, users in products_marked_on(mark, today)
        if p.is_active
    )
    return _public_mark(mark, coop, today, products)


def cooperative_page(cooperative_id: int, lang: str, today: dt.date) -> PublicCooperative | None:
    """A cooperative's page: who they are, their marks, current products and issued codes."""
    coop = db.session.get(Cooperative, cooperative_id)
    if coop is None:
        return None
    marks = list(
        db.session.execute(
            sa.select(CollectiveMark)
            .where(CollectiveMark.cooperative_id == coop.id)
            .order_by(CollectiveMark.name)
        ).scalars()
    )
    marked: dict[int, str] = {}
    for mark in marks:
        for product, _users in products_marked_on(mark, today):
            marked[product.id] = mark.name
    products = db.session.execute(
        sa.select(Product)
        .where(Product.cooperative_id == coop.id, Product.is_active.is_(True))
        .order_by(Product.code)
    ).scalars()
    stats = member_stats(coop.id)
    codes = db.session.execute(
        issued_zones().where(Zone.cooperative_id == coop.id).order_by(Zone.code)
    ).scalars()
    return PublicCooperative(
        id=coop.id,
        name=coop.name,
        registration_number=coop.registration_number,
        address=coop.address,
        commune=coop.commune,
        district=coop.district,
        province=coop.province,
        website=coop.website,
        description=coop.description,
        founded_on=coop.founded_on,
        members=stats["members"],
        women_share=stats["women_share"] if coop.show_women_share else None,
        marks=tuple(_public_mark(m, coop, today, ()) for m in marks),
        products=tuple(_public_product(p, lang, today, marked.get(p.id)) for p in products),
        zones=tuple(public_zone(z, today) for z in codes),
    )
