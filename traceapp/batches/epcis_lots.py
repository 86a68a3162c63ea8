"""EPCIS import: which of a cooperative's lots an event names, from its EPC and class
identifiers."""

from __future__ import annotations

import importlib.util
from typing import Any
from urllib.parse import unquote

import sqlalchemy as sa

from traceapp.batches.models import Lot
from traceapp.cooperatives.models import Cooperative
from traceapp.extensions import db
from traceapp.products.models import Product

_DL_PREFIX = ("http://", "https://")


def identifiers(event: dict[str, Any]) -> list[str]:
    """Every EPC and class identifier an event names."""
    ids: list[str | None] = []
    for key in ("epcList", "inputEPCList", "outputEPCList", "childEPCs"):
        ids += [x for x in event.get(key) or [] if isinstance(x, str)]
    for key in ("quantityList", "inputQuantityList", "outputQuantityList", "childQuantityList"):
        ids += [q.get("epcClass") for q in event.get(key) or [] if isinstance(q, dict)]
    if isinstance(event.get("parentID"), str):
        ids.append(event["parentID"])
    return [i for i in ids if i]


def _dl_parts(ident: str) -> dict[str, str]:
    """The GS1 Digital Link key qualifiers of a URI: {"01": gtin, "10": lot, "21": serial}."""
    if not ident.startswith(_DL_PREFIX):
        return {}
    path = ident.split("://", 1)[1].split("/", 1)[-1].split("?")[0].split("#")[0]
    parts = path.split("/")
    out: dict[str, str] = {}
    for i in range(len(parts) - 1):
        if parts[i] in ("01", "10", "21") and parts[i] not in out:
            out[parts[i]] = unquote(parts[i + 1])
    return out if "01" in out else {}


def lot_for_identifier(ident: str, cooperative_id: int) -> Lot | None:
    """The cooperative's lot an identifier names (Digital Link with lot or serial, or the
    GDST lot URN of our exports), or None."""
    parts = _dl_parts(ident)
    if parts.get("21"):
        if importlib.util.find_spec("traceapp.labels.models") is None:
            return None
        from traceapp.labels.models import Label

        return db.session.execute(
            sa.select(Lot)
            .join(Label, Label.lot_id == Lot.id)
            .where(Label.serial == parts["21"], Lot.cooperative_id == cooperative_id)
        ).scalar_one_or_none()
    if parts.get("10"):
        return db.session.execute(
            sa.select(Lot)
            .join(Product, Product.id == Lot.product_id)
            .where(
                Product.gtin == parts["01"],
                Lot.code == parts["10"],
                Lot.cooperative_id == cooperative_id,
            )
        ).scalar_one_or_none()
    head = "product:lot:class:"
    if ident.startswith("urn:gdst:") and head in ident:
        pieces = ident.split(head, 1)[1].split(".")
        if len(pieces) < 3:
            return None
        coop_code, code = unquote(pieces[0]), unquote(pieces[-1])
        product_code = unquote(".".join(pieces[1:-1]))
        return db.session.execute(
            sa.select(Lot)
            .join(Product, Product.id == Lot.product_id)
            .join(Cooperative, Cooperative.id == Lot.cooperative_id)
            .where(
                sa.func.lower(Cooperative.short_code) == coop_code.lower(),
                Product.code == product_code,
                Lot.code == code,
                Lot.cooperative_id == cooperative_id,
            )
        ).scalar_one_or_none()
    return None
