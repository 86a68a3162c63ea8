"""Public page tests reuse the lot tests' farm, with a labelled lot."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from tests.farm import harvest_lot
from traceapp.batches import transformations
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.labels import services as labels
from traceapp.labels.models import Label
from traceapp.public import page_cache


@pytest.fixture(autouse=True)
def _fresh_page_cache() -> None:
    from traceapp.public.scan import response

    page_cache.clear_cache()
    response.clear_html_cache()


@pytest.fixture
def labelled(farm: Any) -> Any:
    """A packed lot with a GTIN and 5 labels, and a raw lot (no GTIN) with 3 labels."""
    actor = farm.world.a.manager
    day = local_today() - dt.timedelta(days=10)
    harvest = harvest_lot(
        farm,
        "400",
        [(farm.growers[0], farm.field, "250"), (farm.growers[1], farm.field2, "150")],
        production_date=day,
    )
    [packed] = transformations.transform(
        actor,
        kind="packing",
        inputs=[{"lot_id": harvest.id, "quantity": "400"}],
        outputs=[
            {
                "product_id": farm.peanuts_packed.id,
                "quantity": "400",
                "unit": "KGM",
                "production_date": harvest.production_date,
            }
        ],
    )
    run = labels.issue_run(actor, packed, count=5)
    raw_run = labels.issue_run(actor, harvest, count=3)
    serials = db.session.scalars(
        sa.select(Label.serial).where(Label.run_id == run.id).order_by(Label.seq)
    ).all()
    raw = db.session.scalars(
        sa.select(Label.serial).where(Label.run_id == raw_run.id).order_by(Label.seq)
    ).all()

    class Labelled:
        pass

    out = Labelled()
    out.farm, out.harvest, out.packed, out.run, out.serials, out.raw = (
        farm,
        harvest,
        packed,
        run,
        serials,
        raw,
    )
    out.gtin = farm.peanuts_packed.gtin
    out.url = lambda serial: f"/01/{out.gtin}/10/{packed.code}/21/{serial}"
    return out
