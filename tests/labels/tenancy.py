"""Objects of cooperative A for the cross-tenant walk: a label run, a label, a render job."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from traceapp.batches.models import Lot
from traceapp.cooperatives.services.numbering import next_counter_value
from traceapp.extensions import db
from traceapp.labels.models import JobStatus, Label, LabelRun, RenderJob, RunKind


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """A run of two labels on cooperative A's lot, and a finished job."""
    # The batches builder ran first (packages are built in dependency order) and made the lot.
    lot = db.session.query(Lot).filter_by(cooperative_id=world.a.coop.id).first()
    values: dict[str, Callable[[], Any]] = {}
    run = LabelRun(
        cooperative_id=world.a.coop.id,
        number=next_counter_value(world.a.coop.id, "label_run"),
        lot_id=lot.id,
        kind=RunKind.SERIALISED,
        count=2,
        template="a4-3x8",
        created_by_label="test",
        base_url="https://trace.example.vn",
    )
    db.session.add(run)
    db.session.flush()
    labels = [
        Label(
            cooperative_id=world.a.coop.id,
            run_id=run.id,
            lot_id=lot.id,
            seq=i + 1,
            serial=f"TENANCYA{i:08d}",
        )
        for i in range(2)
    ]
    job = RenderJob(
        cooperative_id=world.a.coop.id,
        run_id=run.id,
        fmt="pdf",
        layout="a4-3x8",
        total=2,
        status=JobStatus.DONE,
    )
    db.session.add_all([*labels, job])
    db.session.flush()
    values.update(
        {
            "run_id": lambda: run.id,
            "serial": lambda: labels[0].serial,
            "job_id": lambda: job.id,
        }
    )
    return values
