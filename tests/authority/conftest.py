"""Authority tests use the farm (cooperative A's approved zones in Phú Yên, see tests/farm.py)
and the zone tests' auditor tokens; helpers here add auditors and labels."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.zones.conftest import auditor_token, other_auditor_token  # noqa: F401 - fixtures
from traceapp.auth.models import Role
from traceapp.cooperatives.services.numbering import next_counter_value
from traceapp.extensions import db
from traceapp.labels.models import Label, LabelRun, RunKind


def make_auditor(factories: Any, email: str, province: str, district: str | None = None) -> Any:
    """Another auditor account."""
    return factories.UserFactory(
        email=email, role=Role.AUDITOR, cooperative=None, province=province, district=district
    )


def labels_for(lot: Any, count: int = 3, flagged: int = 0) -> list[Label]:
    """A run of serialised labels on a lot, the first ``flagged`` of them flagged as copied."""
    run = LabelRun(
        cooperative_id=lot.cooperative_id,
        number=next_counter_value(lot.cooperative_id, "label_run"),
        lot_id=lot.id,
        kind=RunKind.SERIALISED,
        count=count,
        template="a4-3x8",
        created_by_label="test",
        base_url="https://trace.example.vn",
    )
    db.session.add(run)
    db.session.flush()
    now = dt.datetime.now(dt.UTC)
    labels = [
        Label(
            cooperative_id=lot.cooperative_id,
            run_id=run.id,
            lot_id=lot.id,
            seq=i + 1,
            serial=f"T{lot.id:04d}{run.id:04d}{i:07d}",
            flagged_at=now if i < flagged else None,
            flag_reason="more than 20 scans in 24 hours" if i < flagged else None,
        )
        for i in range(count)
    ]
    db.session.add_all(labels)
    db.session.flush()
    return labels
