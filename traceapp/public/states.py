"""What the page says about a label that has no lot page to show: a withdrawn (voided) label,
and a serial or lot nobody registered under a product that exists. Rendered per scan: these
are rare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from traceapp.batches.models import Lot
from traceapp.cooperatives.models import Cooperative
from traceapp.extensions import db
from traceapp.labels.models import Label
from traceapp.products.models import Product


@dataclass
class Issuer:
    """The cooperative a shopper can report a label to."""

    name: str
    phone: str | None
    email: str | None


@dataclass
class Voided:
    """A label its cooperative withdrew: when, and whether with its whole print run."""

    issuer: Issuer
    voided_at: Any
    whole_run: bool
    #: Why (a VoidKind value: misprint, damaged, lost_or_stolen, wrong_product, other).
    kind: str = "other"


@dataclass
class Unclaimed:
    """A serial no label has (or, ``serial`` False, a lot no label names), under a product
    (and lot) that exist."""

    issuer: Issuer
    product: str
    lot: str | None
    serial: bool = True


def _issuer(cooperative_id: int) -> Issuer:
    coop = db.session.get_one(Cooperative, cooperative_id)
    return Issuer(coop.name, coop.phone, coop.email)


def voided(label_id: int) -> Voided:
    """The facts of a voided label's page."""
    label = db.session.get_one(Label, label_id)
    live = db.session.scalar(
        sa.select(sa.func.count(Label.id)).where(
            Label.run_id == label.run_id, Label.voided_at.is_(None)
        )
    )
    kind = label.void_kind.value if label.void_kind else "other"
    return Voided(_issuer(label.cooperative_id), label.voided_at, live == 0, kind)


def unclaimed(row_to_log: dict[str, Any], lang: str) -> Unclaimed | None:
    """The product (and lot) an unknown serial was scanned under, when they exist."""
    if row_to_log.get("product_id") is None:
        return None
    product = db.session.get_one(Product, row_to_log["product_id"])
    lot = None
    if row_to_log.get("lot_id") is not None:
        lot = db.session.get_one(Lot, row_to_log["lot_id"]).code
    return Unclaimed(_issuer(product.cooperative_id), product.name_in(lang), lot)


def unregistered_lot(product: Product, lang: str) -> Unclaimed:
    """A lot code no live label names, under a product that exists."""
    return Unclaimed(_issuer(product.cooperative_id), product.name_in(lang), None, serial=False)
