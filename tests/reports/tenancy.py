"""Objects of cooperative A for the cross-tenant walk: a shopper's problem report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from traceapp.extensions import db
from traceapp.reports.models import ProblemKind, ProblemReport


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """A report sent to cooperative A (about no particular label)."""
    report = ProblemReport(
        cooperative_id=world.a.coop.id,
        code="/01/08930000000001/21/TENANCY",
        label_state="unregistered",
        kind=ProblemKind.FAKE,
        text="a report for the tenancy walk",
        lang="en",
    )
    db.session.add(report)
    db.session.flush()
    return {"report_id": lambda: report.id}
