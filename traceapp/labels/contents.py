"""What each label says: the URL it encodes and the lot's facts printed beside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from traceapp.batches.models import Lot
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.gs1 import digital_link, gtin_display
from traceapp.labels.models import Label, LabelRun, RunKind
from traceapp.labels.rendering import (
    LabelContent,
    lot_label_copies,
)
from traceapp.units import fmt

#: Labels read from the database at a time while a run is rendered.
PAGE = 2000


def label_url(
    product: Any,
    lot_code: str,
    serial: str | None,
    base_url: str | None = None,
    *,
    lot_level: bool = False,
) -> str:
    """The URL a label encodes: a GS1 Digital Link with a GTIN (without /21/ on a lot-level
    label), a short /l/ link without a GTIN."""
    base = (base_url or current_app.config["TRACEAPP_PUBLIC_BASE_URL"]).rstrip("/")
    if product.gtin:
        return digital_link(base, product.gtin, lot=lot_code, serial=None if lot_level else serial)
    if serial is None:
        raise ValueError("a product without a GTIN needs a serial for its short link")
    return f"{base}/l/{serial}"


def _short_text(url: str) -> str:
    return url.split("://", 1)[-1]


@dataclass(frozen=True)
class LotFacts:
    """The facts every label of a lot shares."""

    product: Any
    lot_code: str
    net: str | None
    best_before: dt.date | None
    mark_name: str | None
    stars: int | None
    gtin: str | None


def lot_facts(lot: Lot, on_date: dt.date | None = None) -> LotFacts:
    """What a lot's labels say besides the serial: mark and OCOP stars only while valid."""
    from traceapp.products.services import ocop_stars_for_display

    product = lot.product
    mark_name = None
    if product.mark is not None:
        day = on_date or local_today()
        status = getattr(product.mark, "effective_status", None)
        state = status(day) if callable(status) else product.mark.status
        if str(state) == "registered":
            mark_name = product.mark.name
    return LotFacts(
        product=product,
        lot_code=lot.code,
        net=fmt(product.net_quantity, product.net_unit) if product.net_quantity else None,
        best_before=lot.best_before,
        mark_name=mark_name,
        stars=ocop_stars_for_display(product, on_date),
        gtin=gtin_display(product.gtin) if product.gtin else None,
    )


def content_for(
    facts: LotFacts, serial: str | None, base_url: str | None = None, *, lot_level: bool = False
) -> LabelContent:
    """One label's content (a lot-level label prints no serial)."""
    url = label_url(facts.product, facts.lot_code, serial, base_url, lot_level=lot_level)
    return LabelContent(
        url=url,
        product_name=facts.product.name,
        lot_code=facts.lot_code,
        serial=None if lot_level else serial,
        net_quantity=facts.net,
        best_before=facts.best_before,
        mark_name=facts.mark_name,
        ocop_stars=facts.stars,
        short_text=_short_text(url),
        gtin_display=facts.gtin,
    )


def run_contents(run: LabelRun, *, include_voided: bool = False) -> Iterator[LabelContent]:
    """Every label of a run in order, read from the database in batches (memory stays flat)."""
    facts = lot_facts(run.lot)
    if run.kind == RunKind.LOT_COPIES:
        serial = db.session.scalar(sa.select(Label.serial).where(Label.run_id == run.id))
        yield from lot_label_copies(content_for(facts, serial, lot_level=True), run.count)
        return
    base = current_app.config["TRACEAPP_PUBLIC_BASE_URL"]
    last = 0
    while True:
        # Keyset pages in short queries, not one long cursor: a background job may commit
        # its progress between pages.
        stmt = (
            sa.select(Label.seq, Label.serial)
            .where(Label.run_id == run.id, Label.seq > last)
            .order_by(Label.seq)
            .limit(PAGE)
        )
        if not include_voided:
            stmt = stmt.where(Label.voided_at.is_(None))
        rows = db.session.execute(stmt).all()
        if not rows:
            return
        for _seq, serial in rows:
            yield content_for(facts, serial, base)
        last = rows[-1][0]


def live_count(run: LabelRun) -> int:
    """How many labels of the run will print (voided ones are left out)."""
    if run.kind == RunKind.LOT_COPIES:
        return run.count
    return (
        db.session.scalar(
            sa.select(sa.func.count(Label.id)).where(
                Label.run_id == run.id, Label.voided_at.is_(None)
            )
        )
        or 0
    )
