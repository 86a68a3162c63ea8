"""What a lot's page shows, gathered in one place: its contributions, timeline, genealogy both
ways, mass balance, catch facts, yield warnings, recall and label runs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from traceapp.batches import epcis, gdst, genealogy, genealogy_tree, yields
from traceapp.batches.closing import available, balance, balance_tolerance, tolerance_text
from traceapp.batches.models import Contribution, Lot, LotInput, Recall
from traceapp.batches.rules import catch_facts
from traceapp.batches.timeline import timeline_entries
from traceapp.extensions import db


def label_runs(lot: Lot) -> list[Any]:
    """The lot's label runs with their live and scanned label counts."""
    # Deferred: the labels package is optional, and the caller asks only when it is installed.
    from traceapp.labels.models import Label, LabelRun

    live = sa.func.sum(sa.case((Label.voided_at.is_(None), 1), else_=0))
    return list(
        db.session.execute(
            sa.select(LabelRun, live, sa.func.sum(Label.scan_count))
            .join(Label, Label.run_id == LabelRun.id, isouter=True)
            .where(LabelRun.lot_id == lot.id)
            .group_by(LabelRun.id)
            .order_by(LabelRun.id)
        ).all()
    )


def _inputs(column: Any, lot: Lot) -> list[LotInput]:
    return list(
        db.session.execute(sa.select(LotInput).where(column == lot.id).order_by(LotInput.id))
        .scalars()
        .all()
    )


def lot_page(lot: Lot, *, label_runs_shown: bool) -> dict[str, Any]:
    """Everything the lot's page shows about the lot (``label_runs_shown``: whether labels are
    installed, so that its runs are listed)."""
    contributions = (
        db.session.execute(
            sa.select(Contribution).where(Contribution.lot_id == lot.id).order_by(Contribution.id)
        )
        .scalars()
        .all()
    )
    made_from = _inputs(LotInput.output_lot_id, lot)
    trace = genealogy.trace(lot)
    return {
        "label_runs": label_runs(lot) if label_runs_shown else [],
        "lot": lot,
        "trace": trace,
        "came_from": genealogy_tree.came_from(trace),
        "went_into": genealogy_tree.went_into(trace),
        "contributions": contributions,
        "timeline": timeline_entries(epcis.lot_events(lot, include_inputs=False)),
        "used_in": _inputs(LotInput.input_lot_id, lot),
        "made_from": made_from,
        "balance": balance(lot) if not made_from else None,
        "tolerance": tolerance_text(balance_tolerance()),
        "catch_facts": catch_facts(lot.catch_data),
        "gdst_missing": gdst.missing(lot) if gdst.is_seafood(lot) else None,
        "available": available(lot),
        "warnings": yields.lot_warnings(lot),
        "recall": db.session.get(Recall, lot.recall_id) if lot.recall_id else None,
    }
