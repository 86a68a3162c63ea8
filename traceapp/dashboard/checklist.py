"""The getting-started checklist of a new cooperative: each step ticks itself from the data
(a member registered, a zone code, a collective mark, a product, a lot, labels issued), and
the list leaves the home page once every step is done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from traceapp.batches.models import Lot
from traceapp.brands.models import CollectiveMark
from traceapp.cooperatives.models import Member
from traceapp.extensions import db
from traceapp.labels.models import LabelRun
from traceapp.products.models import Product
from traceapp.zones.models import Zone


@dataclass(frozen=True)
class Step:
    """One step of the checklist: what to do, whether it is done, and where to do it."""

    key: str
    label: Any
    hint: Any
    done: bool
    url: str


def _any(model: Any, cooperative_id: int) -> bool:
    stmt = sa.select(model.id).where(model.cooperative_id == cooperative_id).limit(1)
    return db.session.execute(stmt).first() is not None


def getting_started(cooperative_id: int) -> list[Step]:
    """The checklist of a cooperative, each step ticked from its data."""
    return [
        Step(
            "members",
            _l("Register your members"),
            _l("Add them one by one or import a spreadsheet."),
            _any(Member, cooperative_id),
            url_for("cooperatives.members", cooperative_id=cooperative_id),
        ),
        Step(
            "zone",
            _l("Record a zone code"),
            _l("The growing area, aquaculture site or fishing ground your harvests come from."),
            _any(Zone, cooperative_id),
            url_for("zones.create"),
        ),
        Step(
            "mark",
            _l("Register your collective mark"),
            _l("With its certificate and the members allowed to use it."),
            _any(CollectiveMark, cooperative_id),
            url_for("brands.index"),
        ),
        Step(
            "product",
            _l("Create a product"),
            _l("What you sell, with its GTIN if it has one."),
            _any(Product, cooperative_id),
            url_for("products.create"),
        ),
        Step(
            "lot",
            _l("Record a first lot"),
            _l("A harvest or catch, with each member's contribution."),
            _any(Lot, cooperative_id),
            url_for("batches.create"),
        ),
        Step(
            "labels",
            _l("Print labels"),
            _l("Open a closed lot and choose “Print labels”."),
            _any(LabelRun, cooperative_id),
            url_for("batches.index", status="closed"),
        ),
    ]


def open_checklist(cooperative_id: int) -> list[Step]:
    """The checklist while a step is left, or nothing once every step is done."""
    steps = getting_started(cooperative_id)
    return [] if all(s.done for s in steps) else steps
