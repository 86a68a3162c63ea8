"""The demo's zone step: approved, realistic zones through the services, loaded twice alike."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from traceapp.demo import people
from traceapp.demo import zones as demo_zones
from traceapp.extensions import db
from traceapp.zones import services
from traceapp.zones.models import Zone, ZoneCertification, ZoneKind, ZoneStatus, ZoneTransition


def _load() -> dict[str, Any]:
    ctx: dict[str, Any] = {"logins": []}
    people.load(ctx)
    demo_zones.load(ctx)
    return ctx


def _counts() -> list[int]:
    return [
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (Zone, ZoneCertification, ZoneTransition)
    ]


def test_the_demo_zones_are_approved_plausible_and_idempotent(session):
    ctx = _load()
    first = _counts()
    again = _load()
    assert _counts() == first
    assert [z.id for z in again["zones"]["XP"]] == [z.id for z in ctx["zones"]["XP"]]
    xp, sc, cn = (ctx["zones"][c] for c in ("XP", "SC", "CN"))
    everything = xp + sc + cn
    assert all(services.effective_status(z) == ZoneStatus.APPROVED for z in everything)
    assert all(services.area_check(z).mismatch is False for z in everything)
    assert all(not services.overlaps_of(z) for z in everything)
    growing = [z for z in xp if z.kind == ZoneKind.GROWING_AREA]
    assert len(growing) == 3 and all(2 <= float(z.computed_area_ha) <= 5 for z in growing)
    assert all(
        z.min_lon >= 108.99 and z.max_lon <= 109.05 and z.min_lat >= 13.37 and z.max_lat <= 13.43
        for z in growing
    )
    assert any(c.scheme == "vietgap" for z in growing for c in z.certifications)
    assert all(z.members for z in growing)
    assert [z.geometry["type"] for z in xp if z.kind == ZoneKind.PACKING_HOUSE] == ["Point"]
    assert all(
        z.kind == ZoneKind.AQUACULTURE_FACILITY
        and z.crop == "tôm hùm xanh"
        and z.min_lon >= 109.21
        and z.max_lon <= 109.25
        for z in sc
    )
    assert [z.kind for z in cn] == [ZoneKind.FISHING_GROUND] and cn[0].min_lon >= 109.6
    auditor_steps = db.session.scalars(
        sa.select(ZoneTransition.actor_label).where(ZoneTransition.to_status == "approved")
    ).all()
    assert set(auditor_steps) == {demo_zones.AUDITOR_EMAIL}
    assert len(auditor_steps) == len(everything)
