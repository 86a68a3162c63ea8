"""Finding what a Digital Link names: a product by GTIN, a public lot, a product's latest lot."""

from __future__ import annotations

import sqlalchemy as sa

from traceapp.batches.models import Lot
from traceapp.extensions import db
from traceapp.labels.models import Label
from traceapp.products.models import Product


def product_by_gtin(gtin14: str) -> Product | None:
    """The product with this GTIN (GTINs are unique nationally)."""
    return db.session.execute(sa.select(Product).where(Product.gtin == gtin14)).scalar_one_or_none()


def lot_by_gtin(gtin14: str, lot_code: str) -> Lot | None:
    """The lot of a product, by GTIN and lot code, if a live label points at it."""
    # Lot codes follow a pattern (XP-2026-0001, ...): answering for every lot would let anyone
    # walk a cooperative's production, open lots included. A lot becomes public when labels
    # are issued for it (a lot-level run prints this very URL) and stops being public once
    # they are all voided; until then it is as unknown as a lot that does not exist.
    live_label = sa.exists().where(Label.lot_id == Lot.id, Label.voided_at.is_(None))
    return db.session.execute(
        sa.select(Lot)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.gtin == gtin14, Lot.code == lot_code, live_label)
    ).scalar_one_or_none()


def latest_lot(product: Product) -> Lot | None:
    """The product's most recent lot (for a product page)."""
    return db.session.execute(
        sa.select(Lot)
        .where(Lot.product_id == product.id)
        .order_by(Lot.production_date.desc(), Lot.id.desc())
        .limit(1)
    ).scalar_one_or_none()
