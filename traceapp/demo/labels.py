"""Demo label runs: one printed run on a finished lot of each cooperative."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from traceapp.auth.models import SYSTEM
from traceapp.batches.models import LotInput, LotStatus
from traceapp.extensions import db
from traceapp.labels import services
from traceapp.labels.models import LabelRun

#: cooperative -> (labels, layout)
RUNS = {"XP": (48, "a4-3x8"), "SC": (12, "roll-50x30"), "CN": (40, "a4-4x10")}


def load(ctx: dict[str, Any]) -> None:
    """Issue a run for each cooperative's last finished lot, unless it already has one."""
    ctx["label_runs"] = {}
    for code, (count, layout) in RUNS.items():
        lots = [lot for lot in ctx.get("lots", {}).get(code, []) if lot.status == LotStatus.CLOSED]
        made = set(db.session.scalars(sa.select(LotInput.output_lot_id)))
        finished = [lot for lot in lots if lot.id in made] or lots
        if not finished:
            continue
        lot = finished[-1]
        run = (
            db.session.execute(sa.select(LabelRun).where(LabelRun.lot_id == lot.id))
            .scalars()
            .first()
        )
        if run is None:
            run = services.issue_run(SYSTEM, lot, count=count, template=layout)
            services.record_print(SYSTEM, run, "pdf", layout)
        ctx["label_runs"][code] = run
