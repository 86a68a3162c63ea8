"""Authority objects of cooperative A for the cross-tenant walk (tests/test_tenancy.py).

The console's routes take ``zone_id`` and ``lot_id``, which the zones and batches builders
already provide; this adds an inspection of A's zone so the walk meets one on every page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from tests.tenancy_objects import Reference
from traceapp.authority.models import InspectionResult, ResidueResult, ZoneInspection
from traceapp.extensions import db
from traceapp.zones.models import Zone


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """A failed inspection of one of cooperative A's zones."""
    zone = db.session.scalars(
        sa.select(Zone).where(Zone.cooperative_id == world.a.coop.id).order_by(Zone.id)
    ).first()
    if zone is not None:
        db.session.add(
            ZoneInspection(
                zone_id=zone.id,
                cooperative_id=world.a.coop.id,
                inspected_on=dt.date(2026, 3, 2),
                inspector_name="Thanh tra A",
                boundaries_match=False,
                farm_diary_kept=False,
                permitted_inputs_only=True,
                residue_result=ResidueResult.NOT_SAMPLED,
                gap_certificate_valid=False,
                result=InspectionResult.FAIL,
                findings=f"{world.a.members[0].full_name} không ghi nhật ký",
                recorded_by_label="auditor",
            )
        )
        db.session.flush()
    return {}


def references(world: Any, a: dict[str, Callable[[], Any]]) -> list[Reference]:
    """The register's filter by cooperative, sent by cooperative B's province's auditor."""
    return [
        Reference(
            f"GET /api/v1/authority/zones{suffix} cooperative_id",
            lambda i, suffix=suffix: (f"/api/v1/authority/zones{suffix}?cooperative_id={i}", None),
            world.a.coop.id,
            None,
            method="GET",
            auditor=True,
        )
        for suffix in ("", ".csv", ".geojson", ".kml")
    ]
